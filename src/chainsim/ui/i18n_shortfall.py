"""Labels of the "why it falls short" page (缺口分析), zh and en; merged into
``chainsim.ui.i18n.LABELS`` (kept apart so the page's texts live in one place)."""

from __future__ import annotations

LABELS_SHORTFALL: dict[str, tuple[str, str]] = {
    "page_shortfall": ("缺口分析", "Why it falls short"),
    "sf_intro": (
        "每条产业链目标年的产值从哪里来、还差多少（亿元/年）：基期产值，加上现有企业的增减、政策起始月 {start} 前已签约"
        "项目（在谈在建）的产出、此后按当前设置新签项目的产出，得到典型情形的产值；与目标之差即缺口。“典型情形”是"
        "产值居中（第 40–60 百分位）的模拟的平均。补齐缺口所需的新项目按模型自身的滞后、达产和产出强度推算。"
        "{reps} 次重复模拟，随机种子 {seed}。",
        "Where each chain's output in its target year comes from and what is missing (亿元/year): the base output, "
        "plus the growth or loss of the firms there at the start, the output of projects signed before the policy "
        "start {start} (the pipeline), and that of projects signed from then on under the current setting, give "
        "the typical output; the target minus it is the gap. \"Typical\" is the mean of the replicates in the "
        "middle (P40–P60) of the chain's output. The new projects that would close the gap follow from the model's "
        "own lags, ramp-up and output per 亿元. {reps} replicates, seed {seed}."),
    "sf_no_split": ("这次结果没有按来源拆分的产值（由旧版本保存），请重新计算。",
                    "This result has no output by origin (saved by an older version); compute it again."),
    "sf_assumed": ("⚠ 以下产业链的基期产值未见报道（假设值，或从校准后验中抽取），缺口的大小随之而定：{names}。",
                   "⚠ The base output of these chains is not reported (assumed, or drawn from the calibration "
                   "posterior), and the gap depends on it: {names}."),
    "sf_table": ("各产业链的缺口构成（目标年，亿元/年）", "What makes up each chain's gap (target year, 亿元/year)"),
    "sf_base_output_of": ("{name} 基期产值", "{name}: base output"),
    "sf_col_target": ("目标（年份）", "Target (year)"),
    "sf_col_base": ("基期产值（亿元/年）", "Base output (亿元/year)"),
    "sf_col_incumbent": ("现有企业增减（亿元/年）", "Incumbents' growth (亿元/year)"),
    "sf_col_pipeline": ("在谈在建项目（亿元/年）", "Pipeline projects (亿元/year)"),
    "sf_col_new": ("当前设置下新签项目（亿元/年）", "New projects, current setting (亿元/year)"),
    "sf_col_typical": ("典型情形产值（亿元/年）", "Typical output (亿元/year)"),
    "sf_col_gap": ("缺口（亿元/年）", "Gap (亿元/year)"),
    "sf_col_needed": ("补齐缺口需新签重大项目", "Major projects needed to close it"),
    "sf_assumed_mark": ("⚠假设", "⚠assumed"),
    "sf_drawn_mark": ("⚠未报道·后验", "⚠not reported, posterior"),
    "sf_reached": ("典型情形已达标", "reached in the typical case"),
    "sf_too_late": ("来不及", "too late"),
    "sf_needed_cell": ("{by} 前签约 {n_by} 个（立即签约需 {n_now} 个）", "{n_by} signed by {by} ({n_now} if signed now)"),
    "sf_chain_header": ("{name}：目标 {target:.0f} 亿元/年（{year} 年）", "{name}: target {target:.0f}亿元/year by {year}"),
    "sf_open": ("构成图与所需项目", "Chart and projects needed"),
    "sf_sentence": (
        "{year} 年典型情形产值 {typical:.1f} 亿元/年 = 基期 {base:.1f}{flag} {inc:+.1f}（现有企业）{pipe:+.1f}（在谈在建）"
        "{new:+.1f}（新签），距目标 {target:.0f} 亿元/年还差 {gap:.1f} 亿元/年。",
        "Typical output in {year}: {typical:.1f}亿元/year = base {base:.1f}{flag} {inc:+.1f} (incumbents) "
        "{pipe:+.1f} (pipeline) {new:+.1f} (new); {gap:.1f}亿元/year short of the {target:.0f}亿元/year target."),
    "sf_sentence_reached": (
        "{year} 年典型情形产值 {typical:.1f} 亿元/年 = 基期 {base:.1f}{flag} {inc:+.1f}（现有企业）{pipe:+.1f}（在谈在建）"
        "{new:+.1f}（新签），已达到目标 {target:.0f} 亿元/年，无需额外项目。",
        "Typical output in {year}: {typical:.1f}亿元/year = base {base:.1f}{flag} {inc:+.1f} (incumbents) "
        "{pipe:+.1f} (pipeline) {new:+.1f} (new); it reaches the {target:.0f}亿元/year target without more projects."),
    "sf_need": (
        "要在 {year} 年补上这 {gap:.1f} 亿元/年，需在 {by} 前签约 {n_by} 个约 {size:.1f} 亿元的{tier}（若在政策起始月 "
        "{start} 立即签约，需 {n_now} 个）；这些项目需工业用地约 {land:,.0f} 亩，投资合计约 {invest:,.0f} 亿元，"
        "相当于当前设置下该链 {years:.0f} 年的签约额（每年约 {pace:.1f} 亿元）。{last} 以后签约的项目到 {year} 年几乎没有产出。",
        "To close these {gap:.1f}亿元/year by {year}, sign {n_by} {tier} of about {size:.1f}亿元 by {by} ({n_now} if "
        "signed at the policy start {start}); they need about {land:,.0f}亩 of industrial land and {invest:,.0f}亿元 "
        "of investment, {years:.0f} years of this chain's signings under the current setting (about {pace:.1f}亿元 a "
        "year). Projects signed after {last} produce almost nothing by {year}."),
    "sf_cannot": (
        "新项目来不及补上这 {gap:.1f} 亿元/年：即使在政策起始月 {start} 签约，一个{tier}到 {year} 年也只能达到产能的 "
        "{share:.0%}（签约→开工→建成→投产→达产的滞后比剩下的时间长）。",
        "New projects cannot close these {gap:.1f}亿元/year in time: even signed at the policy start {start}, a "
        "{tier} reaches only {share:.0%} of its capacity by {year} (the lags from signing to full output are longer "
        "than the time left)."),
    "sf_tier_ordinary": ("一般项目（亿元支撑）", "ordinary projects (亿元支撑)"),
    "sf_tier_major": ("重大项目（十亿带动）", "major projects (十亿带动)"),
    "sf_tier_flagship": ("旗舰项目（百亿领航）", "flagship projects (百亿领航)"),
    "sf_options": ("按项目规模与签约时间：所需项目数", "Projects needed by size and signing date"),
    "sf_col_tier": ("项目档次", "Tier"),
    "sf_col_size": ("单个投资（亿元）", "Investment each (亿元)"),
    "sf_col_capacity": ("达产年产值（亿元/年）", "Output at capacity (亿元/year)"),
    "sf_col_sign_by": ("签约时间", "Signed in"),
    "sf_col_yield": ("目标年产出（亿元/年/个）", "Target-year output (亿元/year each)"),
    "sf_col_count": ("所需个数", "Number needed"),
    "sf_assumptions": (
        "推算假设：项目具备开工条件时即有用地或厂房，新增项目不挤占其他项目；滞后和退出风险按当前设置的杠杆；"
        "产值包括达产爬坡、自然增长和企业退出风险，对参数不确定性取平均。",
        "Assumed in this estimate: land or factory space is ready when a project is, and the extra projects crowd out "
        "no others; lags and drop-out follow the current setting's levers; output includes ramp-up, organic growth "
        "and the exit hazard, averaged over the uncertain parameters."),
    "wf_base": ("基期产值", "Base output"),
    "wf_incumbent": ("现有企业增减", "Incumbents' growth"),
    "wf_pipeline": ("在谈在建项目", "Pipeline projects"),
    "wf_new": ("新签项目", "New projects"),
    "wf_typical": ("典型情形", "Typical output"),
    "wf_gap": ("缺口", "Gap"),
    "wf_target": ("目标", "Target"),
    "wf_axis": ("目标年产值（亿元/年）", "Output in the target year (亿元/year)"),
    "sf_drivers": ("主要驱动因素（敏感性分析）", "Main drivers (sensitivity analysis)"),
    "sf_drivers_intro": (
        "Morris 筛选：每个政策杠杆在其范围内、每个不确定参数在其分布范围内变动，看各链达成概率的变化（共同随机数）。"
        "共 {points} 组设置，每组 {reps} 次重复模拟；需要一些时间，按钮点击后才计算。",
        "Morris screening: each policy lever over its range and each uncertain parameter over its distribution's "
        "range, and how each chain's P(reach) moves (common random numbers). {points} settings of {reps} replicates "
        "each; it takes a while and runs only when the button is pressed."),
    "sf_drivers_run": ("计算主要驱动因素", "Compute the main drivers"),
    "sf_drivers_press": ("点击上面的按钮计算。", "Press the button above to compute."),
    "sf_drivers_progress": ("敏感性分析：已完成 {done}/{total} 组设置", "Sensitivity: {done}/{total} settings done"),
    "sf_col_rank": ("排名", "Rank"),
    "sf_col_factor": ("因素", "Factor"),
    "sf_col_kind": ("类型", "Kind"),
    "sf_col_effect": ("对达成概率的影响（百分点，±95% 区间）", "Effect on P(reach) (points, ±95%)"),
    "sf_col_direction": ("方向", "Direction"),
    "sf_col_range": ("变动范围", "Range"),
    "sf_kind_lever": ("政策杠杆", "policy lever"),
    "sf_kind_parameter": ("模型参数", "model parameter"),
    "sf_up": ("越大越易达标", "higher helps"),
    "sf_down": ("越大越难达标", "higher hurts"),
    "sf_mixed": ("方向不一", "mixed"),
    "sf_noise": ("无显著影响", "within the noise"),
    "sf_flat": ("{name}：达成概率在所有取值下都几乎不变（{p}），无法据此排出驱动因素。",
                "{name}: P(reach) hardly moves over every setting ({p}); no driver can be ranked from it."),
}
"""The page's labels: key → (Chinese, English)."""
