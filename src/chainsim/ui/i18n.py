"""Labels of the app in Chinese (default) and English.

Core objects: ``LANGS`` (the language codes), ``t(key, lang, **fmt)`` (one label,
formatted) and a few helpers that pick the zh/en name of a chain or lever. Every label
that carries a number says its unit (money in 亿元).
"""

from __future__ import annotations

import re
from typing import Literal

from ..catalogue import LeverSpec
from ..scenario import Chain

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
LANG_NAMES: dict[str, str] = {"zh": "中文", "en": "English"}

LABELS: dict[str, tuple[str, str]] = {
    # sidebar
    "app_title": ("产业链目标达成模拟", "Industrial-chain target simulator"),
    "language": ("语言 / Language", "语言 / Language"),
    "scenario": ("县域方案", "County scenario"),
    "upload_option": ("上传方案文件…", "Upload a scenario file…"),
    "upload": ("上传方案 YAML", "Upload a scenario YAML"),
    "upload_help": ("只读取纯 YAML 数据（不执行任何代码），大小上限 {kb} KB。",
                    "Read as plain YAML data (nothing is executed); at most {kb} KB."),
    "upload_wait": ("请上传一个方案 YAML 文件。", "Upload a scenario YAML file."),
    "no_scenarios": ("在 {dir} 中没有找到方案文件（*.yaml）；请上传一个。",
                     "No scenario files (*.yaml) in {dir}; upload one."),
    "scenario_errors": ("方案文件有问题（文件:行: 字段: 说明）：",
                        "The scenario file has problems (FILE:LINE: field: message):"),
    "reps": ("重复模拟次数", "Replicates"),
    "reps_help": ("每次计算的蒙特卡洛重复次数：越多越准，越慢。",
                  "Monte Carlo replicates per run: more is more precise and slower."),
    "levers": ("政策杠杆", "Policy levers"),
    "reset": ("恢复现状（方案原值）", "Reset to status quo (as loaded)"),
    "lever_bounds": ("范围 {low}–{high} {unit}；现状 {base}", "range {low}–{high} {unit}; status quo {base}"),
    "lever_source": ("依据：“{quote}”（{source}）", "Source: “{quote}” ({source})"),
    "lever_reference": ("参考{place}：“{quote}”（{source}）", "Reference from {place}: “{quote}” ({source})"),
    "lever_scheduled": ("方案设定：{schedule}。滑块显示政策起始月 {start} 起的取值 {value}；移动滑块只改变 {start} 起的取值，"
                        "此前（预热期和已报道月份）保持方案原样。",
                        "The scenario sets: {schedule}. The slider shows the value from the policy start {start}, "
                        "{value}; moving it changes the lever from {start} on only, never the warm-up or reported "
                        "months."),
    "lever_cost": ("年成本：现状取值 {cost:.3f} 亿元/年（每单位 {unit:g} 亿元/年，{prov}）",
                   "Yearly cost: {cost:.3f}亿元/year at this value ({unit:g}亿元/year per unit, {prov})"),
    "policy_cost": ("本设置的杠杆年成本 {now:.3f} 亿元/年，现状 {sq:.3f} 亿元/年（{diff:+.3f} 亿元/年；成本多为假设值，见“数据来源”页）。",
                    "Yearly cost of this setting's levers: {now:.3f}亿元/year, status quo {sq:.3f}亿元/year "
                    "({diff:+.3f}亿元/year; most costs are assumed, see Provenance)."),
    "warn_growth": ("⚠ {chain}：{share:.0%} 的模拟中，产值从 {start} 年到 {year} 年的年均增速超过种子材料报道的最快增速"
                    "（确山 2014 年上半年 22.5%），请核查其驱动因素（旗舰项目、基期产值、每亿元产出）。",
                    "⚠ {chain}: in {share:.0%} of replicates output grows faster than the fastest growth the seeds "
                    "report (確山, 22.5% in H1 2014) from {start} to {year}; check what drives it (flagship projects, "
                    "base output, output per 亿元)."),
    "warn_uncalibrated": ("⚠ 本方案没有经过校准的参数：未报道的数值都是目录默认值。",
                          "⚠ No parameter of this scenario is calibrated: every unreported number is a catalogue default."),
    "warn_unbounded": ("⚠ 本方案未给出用地和标准厂房，增长只受招商线索约束。",
                       "⚠ This scenario states no land or factory space (resources): only leads bound its growth."),
    "apply": ("应用滑块设置", "Apply slider settings"),
    "computing": ("正在计算，请稍候…", "Computing…"),
    "computing_n": ("正在计算 {what}（{reps} 次重复模拟）…", "Computing {what} ({reps} replicates)…"),
    "page": ("页面", "Page"),
    # pages
    "page_results": ("达成概率", "Targets"),
    "page_compare": ("方案对比", "Compare"),
    "page_what": ("需要什么", "What it takes"),
    "page_calibration": ("校准", "Calibration"),
    "page_provenance": ("数据来源", "Provenance"),
    "page_download": ("下载", "Download"),
    "page_stored": ("已存结果", "Stored runs"),
    # overview
    "page_overview": ("总览", "Overview"),
    "overview_title": ("各产业链在各政策下的目标达成概率", "P(reach) of every chain under every policy"),
    "overview_intro": ("每格：达成概率（95% 区间，%）；颜色从红（低）到绿（高）。列：现状、方案文件夹中基于本方案的政策方案、"
                       "已保存的设置。{reps} 次重复模拟，随机种子 {seed}。",
                       "Each cell: P(reach) (95% interval, %), coloured red (low) to green (high). Columns: status "
                       "quo, the policy files built on this scenario, saved settings. {reps} replicates, seed {seed}."),
    "overview_sq": ("现状", "Status quo"),
    "overview_saved": ("已存：{name}", "Saved: {name}"),
    "overview_target": ("目标 (亿元/年，年份)", "Target (亿元/year, year)"),
    "overview_total": ("全县合计 ({year} 年产值均值)", "County total ({year} mean output)"),
    "overview_pending": ("计算中…", "computing…"),
    "overview_progress": ("正在计算第 {k} / {n} 个政策方案：{name}…", "Computing policy {k} of {n}: {name}…"),
    "overview_legend": ("末行为各产业链年产值均值之和（亿元/年）；目标列末行为各目标之和。",
                        "The last row sums the chains' mean output (亿元/year); the target column's last row sums the targets."),
    # results
    "run_caption": ("{county} · {title} · {reps} 次重复模拟 · 随机种子 {seed} · 快速引擎 · {timing}",
                    "{county} · {title} · {reps} replicates · seed {seed} · fast engine · {timing}"),
    "timing_computed": ("本次计算 {secs:.2f} 秒", "computed in {secs:.2f} s"),
    "timing_stored": ("结果来自结果库（预先计算，同一方案内容、次数、种子和模型代码）",
                      "from the results store (precomputed: same scenario content, replicates, seed and model code)"),
    "timing_at_start": ("结果来自缓存（应用启动时预先计算，用时 {secs:.2f} 秒）",
                        "from the cache (computed when the app started, in {secs:.2f} s)"),
    "timing_cached": ("结果来自缓存（首次计算用时 {secs:.2f} 秒）", "from the cache (first computed in {secs:.2f} s)"),
    "no_change": ("无显著变化", "no significant change"),
    "preview_caption": ("快速预览：已完成 {n} / {reps} 次重复模拟，完整结果计算中",
                        "quick preview: {n} of {reps} replicates done, the full result computing"),
    "preview_note": ("这是 {n} 次重复模拟的快速预览；完整的 {reps} 次结果算好后自动替换。",
                     "A quick preview from {n} replicates; the full {reps} replace it when ready."),
    "drawn_base": ("⚠ 以下产业链的基期产值未见报道：每次模拟从校准后验中抽取（以假设值为中心 ×0.6–×1.6 的先验，由报道的"
                   "合计数约束），其不确定性已计入达成概率与把握程度：{names}。见“数据来源”页。",
                   "⚠ The base output of these chains is not reported: every run draws it from the calibration "
                   "posterior (a prior of ×0.6–×1.6 around the assumed value, tied by the reported totals), so its "
                   "uncertainty is in the probability and its spread: {names}. See Provenance."),
    "assumed_base": ("⚠ 以下产业链的基期产值为假设值（未见报道）：{names}。见“数据来源”页。",
                     "⚠ The base output of these chains is assumed (not reported): {names}. See Provenance."),
    "fan_expander": ("产值走势图（亿元/年）", "Output over time (亿元/year)"),
    "targets_table": ("各产业链目标达成概率", "Probability of reaching each chain's target"),
    "col_chain": ("产业链", "Chain"),
    "col_target": ("目标产值 (亿元/年)", "Target output (亿元/year)"),
    "col_year": ("目标年份", "Target year"),
    "col_p_sq": ("现状概率 (%)", "P(reach), status quo (%)"),
    "col_p_now": ("当前概率 (%)", "P(reach), current (%)"),
    "col_ci": ("模拟误差 95% 区间 (%)", "Monte Carlo 95% interval (%)"),
    "base_prior_note": ("未见报道：每次运行从校准后验中抽取（方案给出的假设中心值 {prior} 亿元/年，先验 ×0.6–×1.6）",
                        "Not reported: every run draws it from the calibration posterior (the scenario's assumed centre "
                        "{prior} 亿元/year, prior ×0.6–×1.6)"),
    "col_spread": ("把握程度：参数不确定下 5–95% (%)", "How sure: 5–95% across what the figures leave open (%)"),
    "col_p50": ("目标年产值中位数 (亿元/年)", "Median output in target year (亿元/year)"),
    "col_p50_range": ("目标年产值 中位数 (P10–P90) 亿元/年", "Output in target year: median (P10–P90), 亿元/year"),
    "col_p10_p90": ("目标年产值 P10–P90 (亿元/年)", "Output in target year P10–P90 (亿元/year)"),
    "col_year_reached": ("达成年份 (中位)", "Median year reached"),
    "never": ("期内未达成", "not by horizon"),
    "chain_header": ("{name}：{year} 年产值 {target:g} 亿元", "{name}: {target:g} 亿元 output in {year}"),
    "metric_sq": ("现状 (方案原值)", "Status quo (as loaded)"),
    "metric_now": ("当前设置", "Current setting"),
    "metric_year": ("中位达成年份", "Median year reached"),
    "pp": ("{d:+.1f} 个百分点", "{d:+.1f} pp"),
    "ci_caption": ("达成概率 95% 区间（模拟误差）：现状 [{sq_lo:.1f}%, {sq_hi:.1f}%]，当前 [{lo:.1f}%, {hi:.1f}%]。"
                   "把握程度：报告数据定不下来的参数（校准后验）使当前概率在 {sp_lo:.0f}% 到 {sp_hi:.0f}% 之间（5–95%）",
                   "95% interval of P(reach) (Monte Carlo): status quo [{sq_lo:.1f}%, {sq_hi:.1f}%], current "
                   "[{lo:.1f}%, {hi:.1f}%]. How sure: what the figures leave open (the calibration posterior) puts "
                   "the current probability between {sp_lo:.0f}% and {sp_hi:.0f}% (5–95%)"),
    "years_reached": ("首次达到目标的年份分布", "Year the target is first reached"),
    # charts
    "axis_month": ("月份", "Month"),
    "axis_output": ("产值 (亿元/年)", "Output (亿元/year)"),
    "axis_year": ("年份", "Year"),
    "axis_share": ("概率 (%)", "Probability (%)"),
    "axis_p": ("达成概率 (%)", "P(reach) (%)"),
    "band_90": ("当前 P5–P95", "Current P5–P95"),
    "band_50": ("当前 P25–P75", "Current P25–P75"),
    "median": ("当前中位数", "Current median"),
    "median_sq": ("现状中位数", "Status-quo median"),
    "target_line": ("目标 {target:g} 亿元/年", "Target {target:g} 亿元/year"),
    "target_point": ("{year} 年目标", "{year} target"),
    # compare
    "compare_intro": ("保存最多 {n} 组滑块设置，并排比较；差值为相对第一组的配对差（共同随机数）。",
                      "Save up to {n} slider settings and compare them side by side; differences are paired "
                      "(common random numbers) against the first one."),
    "save_name": ("方案名称", "Name of this setting"),
    "save_default": ("方案 {k}", "Setting {k}"),
    "save": ("保存当前设置", "Save current setting"),
    "save_full": ("已保存 {n} 组（上限）；请先删除一组。", "{n} settings saved (the limit); delete one first."),
    "clear": ("清空已保存", "Clear saved settings"),
    "delete": ("删除 {name}", "Delete {name}"),
    "open_setting": ("打开 {name}", "Open {name}"),
    "saved_where": ("已保存的设置存于结果库 {path}，重新打开页面后仍在。", "Saved settings are kept in the results store {path}; they are still there after a reload."),
    "share_link": ("分享链接：当前滑块设置已写入本页地址（{query}），复制地址栏即可分享。",
                   "Shareable link: the current slider setting is in this page's address ({query}); copy it to share."),
    "saved_none": ("尚未保存设置。移动左侧滑块后点击“保存当前设置”。",
                   "No saved settings yet. Move the sliders, then click “Save current setting”."),
    "saved_levers": ("已保存设置的杠杆取值", "Lever values of the saved settings"),
    "col_lever": ("杠杆", "Lever"),
    "col_unit": ("单位", "Unit"),
    "compare_table": ("达成概率对比 (%)", "P(reach) side by side (%)"),
    "col_p_of": ("{name} 达成概率 (%)", "{name} P(reach) (%)"),
    "col_diff_of": ("{name} − {first} (百分点)", "{name} − {first} (pp)"),
    "col_diff_ci_of": ("{name} − {first} 95% 区间 (百分点)", "{name} − {first} 95% interval (pp)"),
    "paired_table": ("相对“{first}”的配对差（共同随机数，百分点）", "Paired differences against “{first}” (common random numbers, pp)"),
    "overlay_chain": ("叠加图的产业链", "Chain for the overlaid chart"),
    "overlay_band": ("{name} P25–P75", "{name} P25–P75"),
    "overlay_median": ("{name} 中位数", "{name} median"),
    "need_two": ("再保存一组设置即可看到配对差值。", "Save one more setting to see paired differences."),
    "unavailable": ("此功能需要 {module}，当前版本尚未提供：{error}",
                    "This needs {module}, which this installation does not provide yet: {error}"),
    # what it takes
    "what_intro": ("在其他杠杆保持当前设置的情况下，所选杠杆至少要多大，产业链才能以给定概率达到目标？",
                   "With the other levers as currently set, how far must the chosen lever go for the chain to "
                   "reach its target with the given probability?"),
    "what_chain": ("产业链", "Chain"),
    "what_lever": ("杠杆", "Lever"),
    "what_prob": ("要求的达成概率", "Required probability"),
    "what_run": ("计算", "Compute"),
    "what_press": ("选择后点击“计算”（需多次模拟，可能需要数十秒）。",
                   "Choose, then click “Compute” (it runs many ensembles and may take tens of seconds)."),
    "what_value": ("{chain}：{lever} 至少需要 {value:.3g} {unit}（当前 {now:.3g}），达成概率才能 ≥ {prob:.0%}。",
                   "{chain}: {lever} must be at least {value:.3g} {unit} (now {now:.3g}) to reach the target "
                   "with probability ≥ {prob:.0%}."),
    "what_unreachable": ("{chain}：在 {lever} 的范围 [{low:g}, {high:g}] {unit} 内无法以 ≥ {prob:.0%} 的概率达到目标。",
                         "{chain}: out of reach with probability ≥ {prob:.0%} within {lever}'s bounds "
                         "[{low:g}, {high:g}] {unit}."),
    "what_bounds": ("杠杆取下限 {low:g} 时达成概率 {p_low:.1%}，取上限 {high:g} 时 {p_high:.1%}。",
                    "P(reach) is {p_low:.1%} at the lower bound {low:g} and {p_high:.1%} at the upper bound {high:g}."),
    "what_json": ("与命令行 `chainsim what-it-takes --json` 相同的 JSON", "The same JSON as `chainsim what-it-takes --json`"),
    # calibration
    "calib_intro": ("模型模拟的历史数值与公开报道数值的对比（按方案原值运行）。区间为各次模拟的 P5–P95（90%）范围；"
                    "报道值落在区间内记为 ✓。",
                    "Reported figures against what the model simulates for the same period (scenario as loaded). "
                    "Intervals are the P5–P95 (90%) range over replicates; ✓ when the reported value falls inside."),
    "calib_run": ("计算拟合表", "Compute the fit table"),
    "calib_press": ("点击“计算拟合表”运行（可能需要数秒）。", "Click “Compute the fit table” to run it (a few seconds)."),
    "calib_none": ("该方案没有列出用于校准的报道数值。", "This scenario lists no reported figures to calibrate to."),
    "col_figure": ("报道数值编号", "Figure"),
    "col_statistic": ("统计量", "Statistic"),
    "col_reported": ("报道值", "Reported"),
    "col_sim_mean": ("模拟均值", "Simulated mean"),
    "col_sim_interval": ("模拟区间 P5–P95", "Simulated P5–P95"),
    "col_period": ("时期", "Period"),
    "col_within": ("在区间内", "Within"),
    "col_role": ("用途", "Use"),
    "role_fit": ("拟合", "fitted"),
    "role_holdout": ("留出检验", "held out"),
    "col_quote": ("原文", "Quote"),
    "col_source": ("出处", "Source"),
    # provenance
    "prov_intro": ("每个数字的来源：报道（附原文与出处）、校准（附区间）、假设（⚠ 标出）。", "Where every number comes from: reported (with the quote and "
                   "source), calibrated (with its interval) or assumed (flagged ⚠)."),
    "prov_chains": ("产业链：基期产值与目标", "Chains: base output and targets"),
    "prov_levers": ("政策杠杆（方案取值）", "Policy levers (scenario values)"),
    "prov_params": ("模型参数（目录默认值或方案取值）", "Model parameters (catalogue default or scenario value)"),
    "col_item": ("项目", "Item"),
    "col_id": ("编号", "Id"),
    "col_value": ("数值", "Value"),
    "col_provenance": ("来源类型", "Provenance"),
    "col_note": ("说明", "Note"),
    "col_scenario_note": ("方案文件注释（原文）", "Note in the scenario file"),
    "col_origin": ("取值出处", "Set by"),
    "origin_scenario": ("方案文件", "scenario file"),
    "origin_catalogue": ("目录默认", "catalogue default"),
    "item_base": ("{name} 基期产值 (亿元/年)", "{name} base output (亿元/year)"),
    "item_target": ("{name} {year} 年目标 (亿元/年)", "{name} {year} target (亿元/year)"),
    "item_intensity": ("{name} 产出强度 (亿元/年 每亿元投资)", "{name} output intensity (亿元/year per 亿元)"),
    "prov_reported": ("报道", "reported"),
    "prov_calibrated": ("校准", "calibrated"),
    "prov_assumed": ("⚠ 假设", "⚠ assumed"),
    # downloads
    "download_intro": ("当前滑块设置可下载为方案 YAML（`chainsim run` 可直接运行），结果可下载为 CSV。",
                       "Download the current slider setting as a scenario YAML (`chainsim run` accepts it) and "
                       "the results as CSV."),
    "download_yaml": ("下载当前设置的方案 YAML", "Download the current setting as scenario YAML"),
    "download_targets": ("下载目标达成表 CSV", "Download the targets table as CSV"),
    "download_bands": ("下载逐月产值分位数 CSV (亿元/年)", "Download the monthly output bands as CSV (亿元/year)"),
    "yaml_preview": ("方案 YAML 预览", "Scenario YAML preview"),
    "report_header": ("会议报告", "Report for a meeting"),
    "report_intro": ("当前设置的报告（中文）：Excel 工作簿含各产业链达成概率及区间、缺口分解与补缺所需项目、政策杠杆取值、逐年产值中位数和全部假设；"
                     "PDF 为一至两页，含各产业链走势图。与命令行 `chainsim report` 相同。",
                     "A report of the current setting, in Chinese: the Excel workbook holds P(reach) with intervals, "
                     "each chain's gap by origin and the projects that would close it, the lever values, yearly median output and every assumption; the PDF (one or two pages) adds "
                     "each chain's chart. The same as `chainsim report`."),
    "download_xlsx": ("下载 Excel 报告", "Download the Excel report"),
    "make_pdf": ("生成 PDF 报告", "Make the PDF report"),
    "download_pdf": ("下载 PDF 报告", "Download the PDF report"),
    # stored runs
    "stored_intro": ("结果库 {path} 中已保存的模拟结果（`chainsim run` 写入；环境变量 CHAINSIM_STORE 可指定其他文件），"
                     "最新的在前。只读，不会改动结果库。",
                     "Runs saved in the results store {path} (written by `chainsim run`; the CHAINSIM_STORE "
                     "environment variable names another file), newest first. Read only: the store is never changed."),
    "stored_missing": ("结果库 {path} 不存在。在命令行运行以下命令即可生成（结果写入当前目录的 results.duckdb）：",
                       "There is no results store at {path}. Make one from the command line (it writes "
                       "results.duckdb in the current folder):"),
    "stored_error": ("无法读取结果库：{error}", "Cannot read the results store: {error}"),
    "stored_empty": ("结果库 {path} 中还没有保存的结果。", "The results store {path} holds no runs yet."),
    "stored_count": ("共 {n} 条结果，显示 {shown} 条", "{n} stored runs, {shown} shown"),
    "stored_filter": ("按方案筛选", "Filter by scenario"),
    "stored_filter_help": ("不选即显示全部方案。", "Leave empty to show every scenario."),
    "stored_choose": ("查看一条结果", "Show a run"),
    "stored_choose_hint": ("选择一条结果…", "Choose a run…"),
    "stored_gone": ("结果 {run_id} 已不在结果库中（可能已被删除）。", "The run {run_id} is no longer in the store (deleted?)."),
    "stored_caption": ("{scenario} · {reps} 次重复模拟 · 随机种子 {seed} · {engine} 引擎 · chainsim {version} · "
                       "保存于 {time} (UTC) · 来源 {source}",
                       "{scenario} · {reps} replicates · seed {seed} · {engine} engine · chainsim {version} · "
                       "saved {time} (UTC) · from {source}"),
    "stored_targets": ("各产业链目标达成概率（已存结果）", "Probability of reaching each chain's target (stored run)"),
    "col_run_id": ("结果编号", "Run id"),
    "col_scenario": ("方案", "Scenario"),
    "col_reps": ("重复次数", "Replicates"),
    "col_seed": ("随机种子", "Seed"),
    "col_engine": ("引擎", "Engine"),
    "col_saved_utc": ("保存时间 (UTC)", "Saved (UTC)"),
    "col_run_source": ("来源文件", "Scenario file"),
    "col_p": ("达成概率 (%)", "P(reach) (%)"),
}


def _merge_decision_labels() -> None:
    """The decision pages' labels (``i18n_decisions``) join ``LABELS``; a key may not be in both."""
    from .i18n_decisions import DECISION_LABELS

    clash = sorted(set(DECISION_LABELS) & set(LABELS))
    if clash:
        raise RuntimeError(f"label keys defined twice: {clash}")
    LABELS.update(DECISION_LABELS)


_merge_decision_labels()


def t(key: str, lang: str, **fmt: object) -> str:
    """The label ``key`` in ``lang`` (zh or en), formatted with ``fmt``."""
    zh, en = LABELS[key]
    text = en if lang == "en" else zh
    return text.format(**fmt) if fmt else text


def scenario_title(title: str, lang: str) -> str:
    """A scenario's title as shown: in Chinese, without a trailing English gloss in
    parentheses ("连城县 — 审批提速 (approvals cut as 蕉城 did)" → "连城县 — 审批提速")."""
    if lang == "en":
        return title
    short = re.sub(r"\s*[(（][^()（）]*[A-Za-z][^()（）]*[)）]\s*$", "", title)
    return short or title


def chain_name(chain: Chain, lang: str) -> str:
    """A chain's display name in ``lang``."""
    return chain.name_en if lang == "en" else chain.name_zh


def lever_label(spec: LeverSpec, lang: str) -> str:
    """A lever's display name in ``lang``, with its unit."""
    name = spec.label_en if lang == "en" else spec.label_zh
    return f"{name} ({unit_label(spec.unit, lang)})"


def provenance_label(provenance: str, lang: str) -> str:
    """reported / calibrated / assumed as shown in tables; assumed carries a ⚠ flag."""
    return t(f"prov_{provenance}", lang)


# ----------------------------------------------------------------------------- catalogue in Chinese
# The catalogue (chainsim.catalogue) is written in English; these are its Chinese texts.

UNITS_ZH: dict[str, str] = {
    "× status quo": "× 现状",
    "× output_intensity": "× 产出强度",
    "0–1": "0–1",
    "share of leads": "线索占比",
    "fraction cut": "缩短比例",
    "亿元/year": "亿元/年",
    "万平方米/year": "万平方米/年",
    "leads/month": "条线索/月",
    "probability": "概率",
    "months": "月",
    "亿元": "亿元",
    "log-sd": "对数标准差",
    "1/year": "每年",
    "dimensionless": "无量纲",
    "亿元 output/year per 亿元 invested": "亿元产值/年 每亿元投资",
    "1/sqrt(year)": "每√年",
    "share per leader": "每个链主的增量",
    "fraction": "比例",
    "亿元/年": "亿元/年",
    "亿元/年 per 亿元": "亿元/年 每亿元投资",
    "× land plan": "× 用地计划",
    "leads/year": "条线索/年",
    "万平方米 per 亿元": "万平方米/亿元投资",
    "亿元/亩": "亿元/亩",
    "× base output": "× 基期产值",
    "leads/month per 10亿元/year": "条线索/月 每10亿元链主产值",
}
"""Units of the catalogue's levers and parameters in Chinese."""

LEVER_TEXT_ZH: dict[str, str] = {
    "attraction_effort": "相对现状的招商力度（精准招商、点对点招商）。线索增长边际递减：× e(1 + h)/(e + h)，"
                         "再努力也不超过现状的 1 + h 倍（可招的投资者有限）。",
    "chain_chief_priority": "链长制向重点产业链集中注意力的程度：重点链的线索份额按（1 + 链长制增益 × 杠杆值）提高后重新归一，"
                            "重点链多得的就是其他链少得的。",
    "precision_targeting": "新线索中瞄准产业链缺失环节（补链、延链）的比例，其余随机落在各环节。",
    "approval_speedup": "签约→具备开工条件的间隔和建设工期缩短的比例（营商环境）。蕉城把 3 年建设周期缩短到不到 17 个月："
                        "缩短 1 − 17/36 ≈ 0.53，是种子材料中最大的降幅（即本杠杆上限）。",
    "prework_fund_yi": "每年的项目前期工作经费；它能覆盖的项目（经费 / 全覆盖所需经费，最多全部）开工更快。"
                       "连城：每年 500 万元（0.05 亿元）。",
    "standard_factory_wm2": "每年新增到全县存量中的标准化厂房面积；找到厂房的小项目可省去大部分建设期，也不占用地。"
                            "龙岩十个园区 2019 年至 2020 年 8 月建成 109.75 万平方米，约合七个县每县每年 7 万平方米；"
                            "上限每年 20 万平方米约为其三倍。",
    "finance_matching": "产融对接、银企对接的力度：最多按“融资对接退出率降幅”降低已签约和已开工项目的退出风险。",
    "leader_drive": "链主带来的额外线索数的倍数（以商招商）。",
    "land_supply": "每年供给的工业用地，按方案文件所列全县用地计划的倍数。用地指标由省里下达；"
                   "像龙岩那样盘活存量工业用地和闲置厂房，最多约可多出四分之一（假设），故上限 1.25 倍。",
}
"""The catalogue's lever descriptions in Chinese."""

PARAMETER_TEXT_ZH: dict[str, tuple[str, str]] = {
    "lead_rate": ("招商线索到达率", "现状招商力度下全县每月新增招商线索数，按吸引力权重分到各产业链。"),
    "sign_prob": ("签约概率", "现状政策下一条线索最终签约（而非流失）的概率。"),
    "lead_months": ("线索跟进时间", "一条线索从出现到签约或流失的平均时长。"),
    "size_ordinary_median_yi": ("一般项目投资中位数", "一般项目（亿元支撑档）投资额的中位数。"),
    "size_ordinary_sigma": ("一般项目规模离散度", "一般项目投资额的对数标准差。"),
    "major_share": ("重大项目占比", "线索中重大项目（十亿带动、旗舰型档）的比例。连城 2021 年 54 个签约项目中 8 个在 5 亿元以上。"),
    "size_major_median_yi": ("重大项目投资中位数", "重大项目投资额的中位数。"),
    "size_major_sigma": ("重大项目规模离散度", "重大项目投资额的对数标准差。"),
    "start_lag_months": ("签约到开工间隔", "现状审批和前期经费下签约→开工的平均间隔。"),
    "signed_dropout_per_year": ("签约项目退出率", "已签约项目在开工前放弃的年风险率。"),
    "build_months_1yi": ("1 亿元项目建设期", "1 亿元项目从开工到竣工的平均工期。"),
    "build_size_elasticity": ("建设期规模弹性", "建设期随项目规模的弹性：20 亿元项目的工期约为 1 亿元项目的 20^0.35 ≈ 2.9 倍"
                              "（蕉城：此类项目 3 年）。"),
    "started_dropout_per_year": ("在建项目停滞率", "已开工项目永久停滞的年风险率。"),
    "commissioning_months": ("竣工到投产间隔", "竣工→投产的平均间隔（试生产、许可）。"),
    "ramp_months": ("达产时间常数", "产能爬坡的时间常数：产值 = 产能 ×（1 − exp(−投产月数/达产时间常数)）。"),
    "output_intensity": ("产出强度", "每亿元项目投资达产后的年产值（制造业；其他类型乘以各自的产出系数）；各产业链可另设。"),
    "output_factor_tourism_services": ("文旅康养产出系数", "文旅康养类产业链每亿元投资的年产值相对制造业的倍数：景区、酒店、"
                                       "康养中心每亿元投资一年的收入约为工厂的一半，建设较快，每亿元用地较少（多在园区外）。"),
    "output_factor_agri_food": ("农产品加工产出系数", "农产品精深加工产业链每亿元投资的年产值相对制造业的倍数：食品加工（连城地瓜干）"
                                "厂房便宜、周转快，产出高于同等投资的工厂。"),
    "output_factor_logistics": ("商贸物流产出系数", "商贸物流产业链每亿元投资的年产值相对制造业的倍数：仓储和贸易每亿元产出较低、用地较多。"),
    "growth_per_year": ("存量企业年增长率", "现有企业产值的平均自然增长率。"),
    "growth_sd_per_year": ("存量企业增长波动", "企业产值增长率的波动。"),
    "exit_per_year": ("企业退出率", "企业关停或迁出的年风险率。"),
    "size_elasticity": ("规模弹性", "产业链线索到达率随其产值（相对期初）的弹性。"),
    "completeness_gain": ("链条完整度增益", "线索强度倍数 1 + 增益 × 完整度：链条越完整越能吸引项目。"),
    "leader_leads_per_10yi": ("链主带动线索", "链主每 10 亿元年产值每月带来的线索数，再乘以“以商招商”杠杆：蕉城围绕宁德时代"
                              "“先后引进200多家上下游企业”，约每月 0.04 条/10 亿元。"),
    "chain_chief_gain": ("链长制增益", "链长制完全倾斜时重点链增加的招商力度。"),
    "prework_lag_cut": ("前期经费缩短比例", "前期工作由经费支付的项目，签约→开工间隔缩短的比例。"),
    "prework_need_yi": ("前期经费全覆盖所需", "能支付所有项目前期工作的年度经费（约为连城 2021 年签约投资 96.92 亿元的 0.5%）；"
                        "经费 f 覆盖的项目比例为 1 与 f / 所需 中的较小者。"),
    "factory_wm2_per_yi": ("每亿元厂房面积", "入驻标准化厂房的小项目每亿元投资占用的厂房面积。"),
    "investment_intensity_yi_per_mu": ("投资强度", "每亩工业用地的投资额：s 亿元的项目需要 s / 投资强度 亩。0.04 亿元/亩来自确山"
                                       " 2015 年计划：120 亿元固定资产投资、新增建成区 2 平方公里（3000 亩）。"),
    "land_wait_months": ("等地最长月数", "具备开工条件的项目等待用地或厂房的最长时间，超过就转投他处。"),
    "effort_half": ("招商力度饱和参数", "招商力度的饱和：线索 × e(1 + h)/(e + h)，无论多努力都不超过现状的 1 + h 倍。"),
    "size_feedback_cap": ("规模反馈上限", "产值比（产值 / 基期产值）超过此值后，产业链规模不再增加线索。"),
    "flagship_leads_per_year": ("旗舰项目线索到达率", "全县每年的旗舰项目线索数（百亿领航：50亿级基地型、100亿级旗舰型），"
                                "有自己的到达过程，不随招商力度增加。连城 2021 年未签约此类项目：每年 0.2 条约十年签一个。"),
    "size_flagship_median_yi": ("旗舰项目投资中位数", "旗舰项目投资额的中位数（介于 50 亿元基地型与 100 亿元旗舰型之间）。"),
    "size_flagship_sigma": ("旗舰项目规模离散度", "旗舰项目投资额的对数标准差（0.3：90% 在 37 至 98 亿元之间）。"),
    "build_months_max": ("最长建设期", "现状审批下的最长平均工期（大项目分期建设、首期即投产）：蕉城改革前的 3 年再加 1 年（假设）。"),
    "exit_size_elasticity": ("退出率规模弹性", "退出风险随企业规模下降：×（产值 / 平均企业产值）^(−弹性)，最多 10 倍。"),
    "macro_sd_per_year": ("年度共同冲击幅度", "全县各产业链共同承受的年度增长冲击的标准差（好年景或坏年景）：龙岩 2020 年 1—8 月"
                          "工业增加值仅增长 2.6%。"),
    "macro_lead_elasticity": ("共同冲击对线索的弹性", "年度冲击对线索到达的影响：线索 × exp(弹性 × 冲击)。"),
    "factory_build_factor": ("入驻厂房建设期系数", "小项目入驻现成厂房时的建设期占新建工期的比例。"),
    "small_project_max_yi": ("可入驻厂房的项目上限", "能使用标准化厂房的最大项目投资额。"),
    "finance_dropout_cut": ("融资对接退出率降幅", "产融对接完全到位时退出风险的降幅。"),
    "enterprise_output_yi": ("存量企业平均产值", "现有企业的平均年产值，方案未给出企业数时用来推算期初企业数。"),
    "leader_output_share": ("链主产值占比", "期初链主企业产值占产业链基期产值的比例。"),
    "contested_share": ("竞争线索占比", "多县方案中，一条产业链现状线索里来自全省同行业线索池的比例，凡有该行业产业链的县都来争取"
                        "（福建要求每县聚焦 1–2 条重点产业链，并对省级活动签约项目联合预审，以免各县相互竞价）；比例本身为假设。"),
    "approval_pull": ("审批提速的吸引力", "审批提速对同行业竞争线索吸引力的放大：吸引力 ×（1 + 系数 × 审批提速）；1 表示蕉城"
                      "缩短 53% 可在同等招商力度下吸引 1.53 倍线索。"),
}
"""The catalogue's parameters in Chinese: (name, description)."""


def unit_label(unit: str, lang: str) -> str:
    """A catalogue unit as shown in ``lang`` (亿元 stays 亿元)."""
    if lang == "en":
        return unit.replace("亿元/年", "亿元/year")
    return UNITS_ZH.get(unit, unit)


def lever_description(spec: LeverSpec, lang: str) -> str:
    """A lever's description in ``lang``."""
    return spec.description if lang == "en" else LEVER_TEXT_ZH.get(spec.name, spec.description)


def parameter_name(name: str, lang: str) -> str:
    """A parameter's display name: its id in English, its Chinese name (and id) in Chinese."""
    if lang == "en" or name not in PARAMETER_TEXT_ZH:
        return name
    return PARAMETER_TEXT_ZH[name][0]


def parameter_description(name: str, text: str, lang: str) -> str:
    """A parameter's description in ``lang`` (``text`` is the catalogue's English one)."""
    if lang == "en" or name not in PARAMETER_TEXT_ZH:
        return text
    return PARAMETER_TEXT_ZH[name][1]


# The "why it falls short" page keeps its labels in its own module.
from .i18n_shortfall import LABELS_SHORTFALL  # noqa: E402

LABELS.update(LABELS_SHORTFALL)
