"""Labels of the decision pages (budgeted portfolios, conditions for a target, robust
policies) in Chinese and English; merged into ``chainsim.ui.i18n.LABELS``."""

from __future__ import annotations

DECISION_LABELS: dict[str, tuple[str, str]] = {
    "page_optimise": ("预算组合", "Budget"),
    "page_discover": ("达标条件", "Conditions"),
    "page_robust": ("稳健政策", "Robustness"),
    # optimise
    "opt_intro": ("在现状之外每年多花一笔预算，怎样配置各项政策杠杆（自政策起始月起）能让最多的产业链达到目标？"
                  "搜索用贝叶斯优化（树结构概率密度估计采样器），所有方案使用共同随机数；最优的几个方案再用新的随机种子复核，"
                  "下表的概率和区间都来自复核。",
                  "With a yearly budget on top of the status quo, which setting of the levers (from the policy start) "
                  "gets the most chains to their targets? The search uses Optuna's TPE sampler on common random "
                  "numbers; the best proposals are re-run on a fresh seed, and the probabilities and intervals below "
                  "come from that check."),
    "opt_budget": ("每年新增预算（亿元/年）", "Extra budget a year (亿元/year)"),
    "opt_objective": ("目标", "Objective"),
    "opt_obj_met": ("达标产业链的期望个数最多", "Most targets met (expected number)"),
    "opt_obj_min": ("所选产业链中最低的达成概率最高", "Highest lowest P(reach) among chosen chains"),
    "opt_chains": ("所选产业链", "Chosen chains"),
    "opt_trials": ("搜索的方案个数", "Proposals searched"),
    "opt_run": ("搜索最优组合", "Search the best setting"),
    "opt_press": ("设定预算后点击“搜索最优组合”（需运行数十次模拟，可能需要一两分钟）。",
                  "Set the budget, then click “Search the best setting” (it runs dozens of ensembles; a minute or two)."),
    "opt_need_chains": ("请至少选择一条产业链。", "Choose at least one chain."),
    "opt_met": ("期望达标个数", "Expected targets met"),
    "opt_met_delta": ("现状 {sq:.2f}", "status quo {sq:.2f}"),
    "opt_cost": ("新增年成本（亿元/年）", "Extra yearly cost (亿元/year)"),
    "opt_cost_delta": ("预算 {budget:.2f}", "budget {budget:.2f}"),
    "opt_minp": ("所选产业链最低达成概率", "Lowest P(reach) of the chosen chains"),
    "opt_summary": ("期望达标 {met:.2f} 个（95% 区间 {lo:.2f}–{hi:.2f}），现状 {sq:.2f} 个；新增年成本 {cost:.3f} 亿元/年，"
                    "全部杠杆年成本 {total:.3f} 亿元/年。{n} 个方案 × {reps} 次模拟搜索（种子 {seed}），"
                    "复核 {check} 次模拟（种子 {check_seed}）。",
                    "Expected targets met {met:.2f} (95% interval {lo:.2f}–{hi:.2f}) against {sq:.2f} under the status "
                    "quo; extra yearly cost {cost:.3f}亿元/year, all levers {total:.3f}亿元/year. {n} proposals × "
                    "{reps} replicates searched (seed {seed}), checked with {check} replicates (seed {check_seed})."),
    "opt_levers": ("政策组合（自政策起始月起）", "The setting (from the policy start)"),
    "col_sq_value": ("现状取值", "Status quo"),
    "col_new_value": ("组合取值", "Setting"),
    "col_lever_cost": ("新增年成本（亿元/年）", "Extra cost (亿元/year)"),
    "opt_chains_table": ("各产业链达成概率：组合与现状（复核，%）", "P(reach) per chain: setting and status quo (check, %)"),
    "col_p_new": ("组合达成概率 (%)", "Setting P(reach) (%)"),
    "col_p_new_ci": ("组合 95% 区间 (%)", "Setting 95% interval (%)"),
    "col_opt_p_sq": ("现状达成概率 (%)", "Status quo P(reach) (%)"),
    "col_change": ("变化（百分点）", "Change (pp)"),
    "col_change_ci": ("变化 95% 区间（百分点）", "Change 95% interval (pp)"),
    "opt_chart_title": ("达成概率：现状与组合", "P(reach): status quo and the setting"),
    "axis_p_reach": ("达成概率 (%)", "P(reach) (%)"),
    "legend_sq": ("现状", "Status quo"),
    "legend_setting": ("组合", "Setting"),
    "opt_json": ("与命令行 `chainsim optimise --json` 相同的输出数据", "The same JSON as `chainsim optimise --json`"),
    # discover
    "disc_intro": ("在政策杠杆（自政策起始月起）和不确定参数的取值范围内做拉丁超立方抽样，每个点模拟若干次，"
                   "再用耐心规则归纳法找出产业链达到目标的条件“盒子”：覆盖率是达标模拟中落在盒内的比例，"
                   "密度是盒内模拟中达标的比例。条件也可以是模拟中发生的事（签约项目数、10亿元以上项目数、用地）。",
                   "Latin hypercube over the levers (from the policy start) and the uncertain parameters, a few "
                   "replicates at each point, then PRIM (EMA Workbench) boxes where the chain reaches its target: "
                   "coverage is the share of the runs meeting the target that lie in the box, density the share of the "
                   "box's runs that meet it. Conditions may also be what happened in the runs (projects signed, "
                   "projects of 10亿元 or more, land)."),
    "disc_chain": ("产业链", "Chain"),
    "disc_samples": ("抽样点数", "Sample points"),
    "disc_run": ("寻找达标条件", "Find the conditions"),
    "disc_press": ("选择产业链后点击“寻找达标条件”（需运行上百次小规模模拟，约需一分钟）。",
                   "Choose a chain, then click “Find the conditions” (hundreds of small ensembles; about a minute)."),
    "disc_base": ("{n} 次模拟（{samples} 个抽样点 × {reps} 次）中，{target:g} 亿元目标达成比例为 {base:.0%}。"
                  "寻找密度不低于 {threshold:.0%} 的盒子；模拟记录统计 {y0}–{y1} 年。",
                  "In {n} runs ({samples} points × {reps}), the {target:g}亿 target is met in {base:.0%}. Boxes of "
                  "density at least {threshold:.0%} are sought; records counted {y0}–{y1}."),
    "disc_none_zero": ("在抽样范围内没有任何一次模拟达到目标：找不到达标条件。",
                       "No run meets the target anywhere in the sampled ranges: no conditions found."),
    "disc_none_all": ("所有模拟都达到目标：在抽样范围内不需要任何条件。",
                      "Every run meets the target: no condition is needed within the sampled ranges."),
    "disc_none": ("没有找到有意义的条件盒子。", "No box restricts the runs usefully."),
    "disc_all": ("条件：政策杠杆、参数和模拟中发生的事", "Conditions: levers, parameters and what happened in the runs"),
    "disc_inputs": ("条件：仅政策杠杆和参数", "Conditions: levers and parameters only"),
    "disc_box": ("盒子 {k}：在满足下列条件的模拟中，{target:g} 亿元目标的达成比例为 {density:.0%}"
                 "（覆盖全部达标模拟的 {coverage:.0%}，占全部模拟的 {mass:.0%}）。",
                 "Box {k}: the {target:g}亿 target is met in {density:.0%} of the runs meeting these conditions "
                 "({coverage:.0%} of all runs that meet it, {mass:.0%} of all runs)."),
    "disc_below": ("（密度低于 {threshold:.0%}）", "(density below {threshold:.0%})"),
    "col_condition": ("条件", "Condition"),
    "col_kind": ("类别", "Kind"),
    "col_range": ("范围", "Range"),
    "kind_lever": ("政策杠杆", "lever"),
    "kind_parameter": ("参数", "parameter"),
    "kind_record": ("模拟中发生的事", "in the run"),
    "range_low": ("≥ {low}", "≥ {low}"),
    "range_high": ("≤ {high}", "≤ {high}"),
    "range_both": ("{low} – {high}", "{low} – {high}"),
    "feat_signed_per_year": ("该链每年签约项目数（{y0}–{y1}）", "Projects the chain signs a year ({y0}–{y1})"),
    "feat_major_signed": ("该链签约的 10 亿元以上项目数（{y0}–{y1} 合计）",
                          "Projects of 10亿元 or more the chain signs ({y0}–{y1}, in all)"),
    "feat_land_mu_per_year": ("该链开工项目每年用地（{y0}–{y1}）", "Land the chain's starting projects take a year ({y0}–{y1})"),
    "unit_projects_year": ("个/年", "projects/year"),
    "unit_projects": ("个", "projects"),
    "unit_mu_year": ("亩/年", "亩/year"),
    "disc_scatter": ("散点图：盒子 1 的两个条件（绿色：达标，灰色：未达标；虚线框：盒子）",
                     "Scatter of box 1's two conditions (green: met, grey: not met; dashed: the box)"),
    "legend_met": ("达标", "met"),
    "legend_not_met": ("未达标", "not met"),
    "disc_json": ("与命令行 `chainsim discover --json` 相同的输出数据", "The same JSON as `chainsim discover --json`"),
    # robustness
    "rob_intro": ("各政策方案使用相同的模拟（共同随机数：第 i 次模拟在每个方案下抽到相同的参数）。每次模拟中，某方案的"
                  "“遗憾”是所有方案中最多的达标个数减去该方案的达标个数。最稳健的方案是最差 10% 模拟中平均达标个数最多的方案。",
                  "Every policy runs the same replicates (common random numbers: replicate i draws the same parameters "
                  "under every policy). A policy's regret in a replicate is the most targets any policy met there minus "
                  "what it met. The most robust policy is the one whose worst 10% of replicates meet the most targets."),
    "rob_policies": ("参与比较的政策方案", "Policies compared"),
    "rob_spread": ("参数的不确定范围", "Spread of the parameters"),
    "rob_spread_scenario": ("按方案设定抽样（分布；校准后为后验）", "As the scenario draws them (distributions; posterior once calibrated)"),
    "rob_spread_wide": ("加宽：校准参数在整个校准区间内均匀抽样", "Wide: calibrated parameters uniform across their calibrated intervals"),
    "rob_run": ("比较稳健性", "Compare robustness"),
    "rob_press": ("选择至少两个方案后点击“比较稳健性”。", "Choose at least two policies, then click “Compare robustness”."),
    "rob_need_two": ("请至少选择两个政策方案。", "Choose at least two policies."),
    "rob_best": ("最稳健的方案：{name}（最差 10% 模拟平均达标 {worst:.2f} 个，期望达标 {met:.2f} 个）。",
                 "Most robust: {name} (its worst 10% of replicates meet {worst:.2f} targets on average; expected "
                 "{met:.2f})."),
    "rob_wide_params": ("加宽抽样的参数：{names}", "Parameters drawn wide: {names}"),
    "col_rank": ("排名", "Rank"),
    "col_policy": ("政策方案", "Policy"),
    "col_cost_year": ("杠杆年成本（亿元/年）", "Yearly cost (亿元/year)"),
    "col_met": ("期望达标个数", "Expected targets met"),
    "col_met_ci": ("95% 区间", "95% interval"),
    "col_met_p10": ("达标个数 P10", "Targets met P10"),
    "col_worst": ("最差 10% 平均达标个数", "Worst 10%: mean targets met"),
    "col_regret_mean": ("平均遗憾（个）", "Mean regret (targets)"),
    "col_regret_p90": ("遗憾 P90（个）", "Regret P90 (targets)"),
    "col_regret_max": ("最大遗憾（个）", "Largest regret (targets)"),
    "col_p_best": ("最优的模拟占比 (%)", "Best in (% of replicates)"),
    "rob_chart_title": ("各方案的达标个数：期望与最差 10%", "Targets met per policy: expected and worst 10%"),
    "axis_targets_met": ("达标个数", "Targets met"),
    "legend_expected": ("期望达标个数", "Expected"),
    "legend_worst": ("最差 10% 平均", "Worst 10% mean"),
    "rob_json": ("与命令行 `chainsim robustness --json` 相同的输出数据", "The same JSON as `chainsim robustness --json`"),
    # what it takes, in planner units
    "wit_planner": ("换算成规划单位（{y0}–{y1} 年均值；与现状对比）", "In planner units (means over {y0}–{y1}; against the status quo)"),
    "col_measure": ("指标", "Measure"),
    "col_at_value": ("达到该概率时", "At that setting"),
    "col_without": ("当前设置（不动此杠杆）", "Current setting (lever not moved)"),
    "wit_budget": ("相对现状的新增年预算（亿元/年）", "Extra yearly budget beyond the status quo (亿元/year)"),
    "wit_signed": ("该链每年签约项目数（个/年）", "Projects the chain signs a year (projects/year)"),
    "wit_major": ("该链签约的 10 亿元以上项目数（个，合计）", "Projects of 10亿元 or more it signs (projects, in all)"),
    "wit_land": ("该链开工项目每年用地（亩/年）", "Land its starting projects take a year (亩/year)"),
    "wit_county_land": ("全县开工项目每年用地（亩/年）", "Land the county's starting projects take a year (亩/year)"),
    "wit_supply": ("全县每年供应的工业用地（亩/年）", "Industrial land the county makes ready a year (亩/year)"),
}
