"""What the download buttons hand out.

Core objects: ``scenario_yaml`` (the current slider setting as a self-contained scenario
file that ``chainsim run`` accepts), ``targets_csv`` and ``bands_csv`` (results as Excel
on Chinese Windows opens them: UTF-8 with a byte-order mark, Chinese headers with units —
money in 亿元, output in 亿元/年, probabilities in % — chain names, the lever values and
the run's stamp), and ``report_xlsx`` / ``report_pdf`` (``chainsim.report``, the same
files as ``chainsim report``).
"""

from __future__ import annotations

import pandas as pd

from ..catalogue import LEVERS
from ..ensemble import EnsembleSummary
from ..report import UNIT_ZH, Report, applied_lever_value, pdf_bytes, xlsx_bytes
from ..scenario import Scenario, scenario_to_yaml
from .state import AppState


def scenario_yaml(state: AppState) -> str:
    """The scenario with the sliders' values in force, as YAML (``chainsim.scenario.scenario_to_yaml``)."""
    header = (f"# {state.scenario.id}: saved from the chainsim app (policy levers as set by the sliders).\n"
              "# Money in 亿元 (1亿元 = 1e8 CNY). Run it with: chainsim run THIS_FILE.yaml\n")
    return header + scenario_to_yaml(state.current)


BOM = "\ufeff"
"""UTF-8 byte-order mark: Excel on Chinese Windows reads the file as UTF-8 only with it."""


def _levers_and_stamp(frame: pd.DataFrame, summary: EnsembleSummary, scenario: Scenario) -> pd.DataFrame:
    out = frame.copy()
    for name, spec in LEVERS.items():
        out[f"杠杆：{spec.label_zh} ({UNIT_ZH.get(spec.unit, spec.unit)})"] = applied_lever_value(scenario, name)
    out["方案"] = summary.scenario_id
    out["重复模拟次数"] = summary.reps
    out["随机种子"] = summary.seed
    out["引擎"] = summary.engine
    out["方案内容哈希"] = summary.scenario_hash
    return out


def _csv(frame: pd.DataFrame) -> bytes:
    return (BOM + frame.to_csv(index=False)).encode("utf-8")


def targets_csv(summary: EnsembleSummary, scenario: Scenario) -> bytes:
    """One row per chain target (Chinese headers, UTF-8 with BOM): chain name and id,
    target, P(reach) and its 95% interval (%), output in the target year (亿元/年), mean
    shortfall, median year reached, then the lever values and the run's stamp.
    ``scenario`` is the setting the summary was run for."""
    names = {c.id: c.name_zh for c in scenario.chains}
    tg = summary.targets
    frame = pd.DataFrame({
        "产业链": [names.get(c, c) for c in tg["chain"]],
        "产业链编号": tg["chain"],
        "目标产值 (亿元/年)": tg["target_yi"],
        "目标年份": tg["target_year"].astype(int),
        "达成概率 (%)": (100 * tg["p_reach"]).round(2),
        "达成概率95%区间下限 (%)": (100 * tg["p_reach_lo"]).round(2),
        "达成概率95%区间上限 (%)": (100 * tg["p_reach_hi"]).round(2),
        "把握程度5%分位 (%)": (100 * tg["p_reach_spread_lo"]).round(2),
        "把握程度95%分位 (%)": (100 * tg["p_reach_spread_hi"]).round(2),
        "目标年产值P10 (亿元/年)": tg["output_yi_p10"].round(3),
        "目标年产值中位数 (亿元/年)": tg["output_yi_p50"].round(3),
        "目标年产值P90 (亿元/年)": tg["output_yi_p90"].round(3),
        "平均缺口 (亿元/年)": tg["shortfall_yi_mean"].round(3),
        "中位达成年份": tg["year_reached_p50"].astype("Int64"),
    })
    return _csv(_levers_and_stamp(frame, summary, scenario))


def bands_csv(summary: EnsembleSummary, scenario: Scenario) -> bytes:
    """Monthly output quantiles per chain (亿元/年), Chinese headers, UTF-8 with BOM."""
    names = {c.id: c.name_zh for c in scenario.chains}
    b = summary.bands
    frame = pd.DataFrame({"产业链": [names.get(c, c) for c in b["chain"]], "产业链编号": b["chain"], "月份": b["month"]})
    for q in ("p5", "p25", "p50", "p75", "p95"):
        frame[f"产值{q.upper()} (亿元/年)"] = b[f"output_yi_{q}"].round(3)
    frame["产值均值 (亿元/年)"] = b["output_yi_mean"].round(3)
    return _csv(_levers_and_stamp(frame, summary, scenario))


def report_of(state: AppState, summary: EnsembleSummary, status_quo: EnsembleSummary | None) -> Report:
    """The report of the current slider setting (the status quo beside it when moved)."""
    moved = state.current.content_hash() != state.base_hash
    return Report(state.current, summary, state.source, status_quo if moved else None,
                  state.scenario if moved else None)


def report_xlsx(report: Report) -> bytes:
    """The Excel report (``chainsim.report.xlsx_bytes``)."""
    return xlsx_bytes(report)


def report_pdf(report: Report) -> bytes:
    """The PDF report (``chainsim.report.pdf_bytes``; raises ``NoCJKFont`` without a CJK font)."""
    return pdf_bytes(report)
