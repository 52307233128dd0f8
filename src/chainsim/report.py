"""A report a planner takes into a meeting, in Chinese: an Excel workbook or a PDF.

Core objects
------------
``Report``
    What a report shows: the setting reported (a scenario), its ensemble summary, the
    status quo's summary beside it (when the setting differs from the scenario as loaded),
    where it came from.
``make_report(scenario, reps, seed, status_quo=None)``
    Runs the ensembles (``chainsim.ensemble.run_ensemble``, fast engine) and returns a
    ``Report``; the app passes summaries it already has to ``Report`` directly.
``write_xlsx(report, path)`` / ``write_pdf(report, path)`` / ``write_report(report, path)``
    The writers (openpyxl; fpdf2 with a CJK font embedded, charts drawn by matplotlib).
    ``xlsx_bytes`` / ``pdf_bytes`` give the same files as bytes (the app's downloads).
``find_cjk_font()``
    A CJK font on this machine (``CHAINSIM_CJK_FONT``, else WenQuanYi, Noto CJK, …);
    ``NoCJKFont`` (an ``InputError``: exit 2) when there is none.

Helpers the app shares: ``format_p`` (``<1%`` below 0.5%, ``>99%`` above 99.5%),
``applied_lever_value`` / ``lever_schedule_text`` (a lever as the scenario applies it,
schedule included), ``significant`` (a paired interval that excludes zero),
``targets_frame``, ``shortfall_frames``, ``levers_frame``, ``yearly_medians_frame``,
``assumptions_frame`` (the tables of the report, Chinese headers).

Writers write only the path they are given; nothing here prints.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from .catalogue import LEVERS, PARAMETERS
from .ensemble import EnsembleSummary, run_ensemble
from .errors import InputError
from .scenario import Scenario
from .schema import LeverSetting, month_index

__all__ = [
    "CJK_FONT_CANDIDATES", "NoCJKFont", "Report", "applied_lever_value", "assumptions_frame", "find_cjk_font",
    "format_p", "lever_schedule_text", "levers_frame", "make_report", "pdf_bytes", "shortfall_frames", "significant",
    "targets_frame", "write_pdf", "write_report", "write_xlsx", "xlsx_bytes", "yearly_medians_frame",
]

CJK_FONT_CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
"""Where a CJK font is looked for (after ``CHAINSIM_CJK_FONT``)."""

PROVENANCE_ZH = {"reported": "报道", "calibrated": "校准", "assumed": "⚠ 假设"}


class NoCJKFont(InputError):
    """No font that can draw Chinese was found (the PDF cannot be written)."""


def find_cjk_font() -> Path | None:
    """A font file that draws Chinese: ``CHAINSIM_CJK_FONT`` if set (and present), else
    the first of ``CJK_FONT_CANDIDATES`` that exists; None when there is none."""
    env = os.environ.get("CHAINSIM_CJK_FONT")
    if env is not None:
        return Path(env) if env and Path(env).is_file() else None
    return next((Path(p) for p in CJK_FONT_CANDIDATES if Path(p).is_file()), None)


# ----------------------------------------------------------------------------- shared formatting


def format_p(p: float, digits: int = 1) -> str:
    """A probability in %: ``<1%`` below 0.5%, ``>99%`` above 99.5%, else with ``digits`` decimals."""
    if pd.isna(p):
        return "–"
    if p < 0.005:
        return "<1%"
    if p > 0.995:
        return ">99%"
    return f"{100 * p:.{digits}f}%"


def significant(lo: float, hi: float) -> bool:
    """Whether a paired difference's interval [lo, hi] excludes zero."""
    return bool(lo > 0 or hi < 0)


def applied_lever_value(scenario: Scenario, name: str) -> float:
    """The value a lever has from the scenario's policy start on, as the scenario applies it
    (liancheng_approvals: 0.53 from 2022-03, not the 0.0 of January and February): the value
    a slider starts at and the one an analysis replaces (``Scenario.lever_from_policy_start``)."""
    return float(scenario.lever_from_policy_start(name))


def lever_schedule_text(scenario: Scenario, name: str, lang: str = "zh") -> str:
    """The lever's schedule and per-chain values, as text ("" when it is one constant)."""
    setting = scenario.policy.levers.get(name)
    if setting is None or not (setting.schedule or setting.by_chain):
        return ""
    parts = []
    if setting.schedule:
        start = scenario.calendar.start
        first = f"{start} 起 {setting.value:g}" if lang != "en" else f"from {start}: {setting.value:g}"
        steps = [f"{s.from_} 起 {s.value:g}" if lang != "en" else f"from {s.from_}: {s.value:g}"
                 for s in setting.schedule]
        parts.append("；".join([first, *steps]) if lang != "en" else "; ".join([first, *steps]))
    if setting.by_chain:
        names = {c.id: (c.name_en if lang == "en" else c.name_zh) for c in scenario.chains}
        parts.append(("分产业链：" if lang != "en" else "by chain: ")
                     + ", ".join(f"{names.get(c, c)} {v:g}" for c, v in setting.by_chain.items()))
    return "；".join(parts) if lang != "en" else "; ".join(parts)


UNIT_ZH = {"× status quo": "× 现状", "share of leads": "线索占比", "fraction cut": "缩短比例",
           "亿元/year": "亿元/年", "万平方米/year": "万平方米/年"}


# ----------------------------------------------------------------------------- the report


@dataclass(frozen=True)
class Report:
    """A setting (``scenario``) and its ensemble; ``status_quo`` is the scenario as
    loaded and its summary when the setting differs from it (the app's sliders moved)."""

    scenario: Scenario
    summary: EnsembleSummary
    source: str = ""
    status_quo: EnsembleSummary | None = None
    base: Scenario | None = None
    made_utc: str = ""

    @property
    def loaded(self) -> Scenario:
        return self.base or self.scenario


def make_report(scenario: Scenario, reps: int | None = None, seed: int | None = None, source: str = "",
                base: Scenario | None = None) -> Report:
    """Run the ensembles a report needs: the setting, and the status quo when ``base``
    (the scenario as loaded) is given and differs from it."""
    reps = int(reps or scenario.ensemble.reps)
    seed = int(scenario.ensemble.seed if seed is None else seed)
    summary = run_ensemble(scenario, reps, seed, "fast")
    sq = None
    if base is not None and base.content_hash() != scenario.content_hash():
        sq = run_ensemble(base, reps, seed, "fast")
    return Report(scenario, summary, source, sq, base, _now())


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _names(scenario: Scenario) -> dict[str, str]:
    return {c.id: c.name_zh for c in scenario.chains}


def targets_frame(report: Report) -> pd.DataFrame:
    """One row per chain target, Chinese headers: target, P(reach) with its 95% interval,
    the status quo's beside it (when there is one), output in the target year, year reached."""
    names = _names(report.scenario)
    sq = report.status_quo.targets.set_index(["chain", "target_year"]) if report.status_quo is not None else None
    rows = []
    for r in report.summary.targets.itertuples(index=False):
        row = {
            "产业链": names.get(r.chain, r.chain),
            "目标产值 (亿元/年)": round(float(r.target_yi), 1),
            "目标年份": int(r.target_year),
            "达成概率": format_p(r.p_reach),
            "达成概率 95% 区间（模拟误差）": f"{100 * r.p_reach_lo:.1f}% – {100 * r.p_reach_hi:.1f}%",
            "把握程度（参数不确定 5–95%）": f"{100 * r.p_reach_spread_lo:.0f}% – {100 * r.p_reach_spread_hi:.0f}%",
        }
        if sq is not None:
            base = sq.loc[(r.chain, r.target_year)]
            row["现状达成概率"] = format_p(base.p_reach)
        row.update({
            "目标年产值中位数 (亿元/年)": round(float(r.output_yi_p50), 1),
            "目标年产值 P10–P90 (亿元/年)": f"{r.output_yi_p10:.1f} – {r.output_yi_p90:.1f}",
            "平均缺口 (亿元/年)": round(float(r.shortfall_yi_mean), 1),
            "中位达成年份": "期内未达成" if pd.isna(r.year_reached_p50) else str(int(r.year_reached_p50)),
        })
        rows.append(row)
    return pd.DataFrame(rows)


def levers_frame(report: Report) -> pd.DataFrame:
    """The policy levers of the setting: name, unit, value as applied, schedule, provenance."""
    scn, loaded = report.scenario, report.loaded
    rows = []
    for name, spec in LEVERS.items():
        value = applied_lever_value(scn, name)
        base = applied_lever_value(loaded, name)
        rows.append({
            "政策杠杆": spec.label_zh,
            "单位": UNIT_ZH.get(spec.unit, spec.unit),
            "取值": value,
            "方案原值": base,
            "随时间/产业链变化": lever_schedule_text(scn, name),
            "来源类型": PROVENANCE_ZH.get(spec.provenance, spec.provenance),
        })
    return pd.DataFrame(rows)


def yearly_medians_frame(report: Report) -> pd.DataFrame:
    """Median output (亿元/年) of each chain in each year's December, one column per year."""
    bands = report.summary.bands
    dec = bands[bands["month"].str.endswith("-12")].copy()
    dec["year"] = dec["month"].str[:4].astype(int)
    names = _names(report.scenario)
    wide = dec.pivot(index="chain", columns="year", values="output_yi_p50").round(1)
    order = [c.id for c in report.scenario.chains if c.id in wide.index]
    wide = wide.loc[order]
    wide.columns = [f"{y} 年" for y in wide.columns]
    wide.insert(0, "产业链", [names.get(c, c) for c in wide.index])
    return wide.reset_index(drop=True)


def assumptions_frame(report: Report) -> pd.DataFrame:
    """Every number of the scenario that is assumed, not reported nor calibrated (⚠)."""
    scn = report.loaded
    rows = []
    for c in scn.chains:
        if c.base_output.provenance == "assumed":
            drawn = scn.base_output_provenance(c.id) == "calibrated"
            rows.append({"项目": f"{c.name_zh} 基期产值", "数值": f"{c.base_output.value_yi:g}", "单位": "亿元/年",
                         "说明": ("未见报道：此为先验中心（×0.6–×1.6），每次模拟从校准后验中抽取。" if drawn else "")
                         + c.base_output.note})
        for tg in c.targets:
            if tg.provenance == "assumed":
                rows.append({"项目": f"{c.name_zh} {tg.year} 年目标", "数值": f"{tg.value_yi:g}", "单位": "亿元/年",
                             "说明": ""})
        if c.output_intensity is not None and c.output_intensity.provenance == "assumed":
            rows.append({"项目": f"{c.name_zh} 产出强度", "数值": f"{c.output_intensity.value:g}",
                         "单位": "亿元/年 每亿元投资", "说明": c.output_intensity.note})
    for name, spec in PARAMETERS.items():
        setting = scn.parameters.get(name)
        provenance = setting.provenance if setting is not None else spec.provenance
        if scn.posterior is not None and name in scn.posterior.parameters:
            provenance = "calibrated"  # drawn from the posterior in every run
        if provenance == "assumed":
            value = spec.default if setting is None or setting.value is None else setting.value
            rows.append({"项目": f"模型参数 {name}", "数值": f"{value:g}", "单位": spec.unit,
                         "说明": "目录默认值" if setting is None else "方案取值"})
    out = pd.DataFrame(rows, columns=["项目", "数值", "单位", "说明"])
    out.insert(0, "来源类型", "⚠ 假设")
    return out


TIER_ZH = {"ordinary": "一般项目（亿元支撑）", "major": "重大项目（十亿带动）", "flagship": "旗舰项目（百亿领航）"}


def shortfall_frames(report: Report) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Why each chain falls short (``chainsim.analysis.shortfall``), Chinese headers: per
    chain target its typical target-year output split into base output, incumbents' growth,
    pipeline and new projects, the gap and the major projects that would close it; and per
    tier and signing date the projects needed. Two empty frames for a summary without the
    split (stored before chainsim recorded it)."""
    from .analysis.shortfall import HEADLINE_TIER, decompose

    if report.summary.cohorts.empty:
        return pd.DataFrame(), pd.DataFrame()
    names = _names(report.scenario)
    rows, plans = [], []
    for s in decompose(report.scenario, report.summary):
        major = next((o for o in s.options if o.tier == HEADLINE_TIER), None)
        if s.gap_yi <= 0:
            note = "典型情形已达标"
        elif major is None or not major.in_time:
            note = "新项目来不及：政策起始月签约的重大项目到目标年也达不到产能的 5%"
        else:
            note = (f"{major.sign_by} 前签约 {major.count_by} 个（立即签约需 {major.count_now} 个），"
                    f"投资约 {major.count_by * major.size_yi:,.0f} 亿元，用地约 {major.land_mu or 0:,.0f} 亩")
        rows.append({
            "产业链": names.get(s.chain, s.chain), "目标产值 (亿元/年)": round(s.target_yi, 1), "目标年份": s.target_year,
            "基期产值 (亿元/年)": round(s.base_output_yi, 1),
            "基期产值来源": PROVENANCE_ZH.get(s.base_provenance, s.base_provenance),
            "现有企业增减 (亿元/年)": round(s.incumbent_growth_yi, 1), "在谈在建项目产出 (亿元/年)": round(s.pipeline_yi, 1),
            "新签项目产出 (亿元/年)": round(s.new_yi, 1), "典型情形产值 (亿元/年)": round(s.typical_yi, 1),
            "缺口 (亿元/年)": round(s.gap_yi, 1),
            "重大项目单个投资 (亿元)": round(major.size_yi, 1) if major else None,
            "立即签约所需重大项目 (个)": major.count_now if major else None,
            "最迟签约月": major.sign_by if major else None,
            "届时所需重大项目 (个)": major.count_by if major else None,
            "所需用地 (亩)": round(major.land_mu) if major and major.land_mu is not None else None,
            "说明": note,
        })
        for o in s.options:
            for r in o.schedule.itertuples(index=False):
                plans.append({"产业链": names.get(s.chain, s.chain), "缺口 (亿元/年)": round(s.gap_yi, 1),
                              "项目档次": TIER_ZH.get(o.tier, o.tier), "单个投资 (亿元)": round(o.size_yi, 2),
                              "达产年产值 (亿元/年/个)": round(o.capacity_yi, 3), "签约时间": r.sign_by,
                              "目标年产出 (亿元/年/个)": round(float(r.yield_yi), 3), "所需个数": int(r.count)})
    return pd.DataFrame(rows), pd.DataFrame(plans)


def _header_lines(report: Report) -> list[str]:
    s, scn = report.summary, report.scenario
    title = re.sub(r"\s*[(（][^()（）]*[A-Za-z][^()（）]*[)）]\s*$", "", scn.title or "") or scn.title or scn.id
    lines = [f"{scn.county.name_zh} · {title}",
             f"{s.reps} 次重复模拟 · 随机种子 {s.seed} · 快速引擎 · chainsim {s.version} · 生成于 {report.made_utc or _now()}"]
    if report.source:
        lines.append(f"方案文件：{report.source}")
    if report.status_quo is not None:
        lines.append("政策杠杆已调整（见“政策杠杆”）；“现状达成概率”为方案原值。")
    return lines


# ----------------------------------------------------------------------------- Excel


def write_xlsx(report: Report, path: str | Path) -> Path:
    """The report as an Excel workbook (sheets 目标达成, 缺口分解, 补缺项目, 政策杠杆, 逐年产值, 假设, 说明)."""
    path = Path(path)
    path.write_bytes(xlsx_bytes(report))
    return path


def xlsx_bytes(report: Report) -> bytes:
    """The Excel workbook as bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    gaps, plans = shortfall_frames(report)
    sheets = [("目标达成", targets_frame(report)), ("缺口分解", gaps), ("补缺项目", plans),
              ("政策杠杆", levers_frame(report)), ("逐年产值中位数", yearly_medians_frame(report)),
              ("假设", assumptions_frame(report))]
    sheets = [(title, frame) for title, frame in sheets if len(frame.columns)]
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    warn = PatternFill("solid", fgColor="FFF2CC")
    first = True
    for title, frame in sheets:
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = title
        ws.append(list(frame.columns))
        for cell in ws[1]:
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in frame.itertuples(index=False):
            ws.append([v.item() if isinstance(v, np.generic) else v for v in row])
        if title == "假设":
            for row in ws.iter_rows(min_row=2):
                for cell in row:
                    cell.fill = warn
        for k, col in enumerate(frame.columns, start=1):
            width = max([len(str(col))] + [len(str(v)) for v in frame[col]]) if len(frame) else len(str(col))
            ws.column_dimensions[get_column_letter(k)].width = min(max(8, 1.6 * width), 60)
        ws.freeze_panes = "B2"
    ws = wb.create_sheet("说明")
    for line in [*_header_lines(report), "", "金额单位：亿元（1 亿元 = 1e8 元）；产值为年产值（亿元/年）。",
                 "达成概率：目标年份年产值不低于目标的模拟次数占比；区间为 95% Wilson 区间。",
                 "逐年产值中位数：各年 12 月的年化产值中位数。", "“假设”表列出方案中既非报道、也非校准的数值（⚠）。",
                 "缺口分解：目标年典型情形（产值居中、第 40–60 百分位的模拟的平均）产值 = 基期产值 + 现有企业增减 + "
                 "政策起始月前已签约项目（在谈在建）的产出 + 此后新签项目的产出；缺口 = 目标 − 典型情形产值。",
                 "补缺项目：按模型的滞后、达产与产出强度推算补齐缺口所需的新项目个数（假设用地和厂房及时到位）；"
                 "最迟签约月为单个项目目标年产出仍不低于立即签约时一半的最后一个月。"]:
        ws.append([line])
    ws.column_dimensions["A"].width = 100
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ----------------------------------------------------------------------------- PDF


def _fan_png(report: Report, chain_id: str, font: Path) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(font))
    family = font_manager.FontProperties(fname=str(font)).get_name()
    bands = report.summary.bands[report.summary.bands["chain"] == chain_id]
    targets = report.summary.targets[report.summary.targets["chain"] == chain_id]
    x = pd.to_datetime(bands["month"] + "-15")
    with plt.rc_context({"font.family": family, "axes.unicode_minus": False}):
        fig, ax = plt.subplots(figsize=(3.6, 2.1), dpi=150)
        ax.fill_between(x, bands["output_yi_p5"], bands["output_yi_p95"], color="#1f77b4", alpha=0.15, lw=0,
                        label="P5–P95")
        ax.fill_between(x, bands["output_yi_p25"], bands["output_yi_p75"], color="#1f77b4", alpha=0.3, lw=0,
                        label="P25–P75")
        ax.plot(x, bands["output_yi_p50"], color="#1f77b4", lw=1.4, label="中位数")
        if report.status_quo is not None:
            sq = report.status_quo.bands[report.status_quo.bands["chain"] == chain_id]
            ax.plot(pd.to_datetime(sq["month"] + "-15"), sq["output_yi_p50"], color="#7f7f7f", lw=1.2, ls=":",
                    label="现状中位数")
        top = float(targets["target_yi"].max())
        for r in targets.itertuples(index=False):
            ax.axhline(r.target_yi, color="#444444", ls="--", lw=0.9)
            ax.plot([pd.Timestamp(f"{int(r.target_year)}-07-01")], [r.target_yi], marker="*", color="#444444", ms=8)
        last_target = int(targets["target_year"].max())
        upto = bands[bands["month"] <= f"{last_target}-12"]
        ax.set_ylim(0, max(1.6 * top, float(upto["output_yi_p75"].max()) * 1.1))
        ax.set_ylabel("产值 (亿元/年)", fontsize=7)
        ax.tick_params(labelsize=6)
        ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%Y"))
        ax.legend(fontsize=5, loc="upper left", frameon=False, ncol=2)
        ax.grid(alpha=0.25, lw=0.5)
        fig.tight_layout(pad=0.3)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
    return buf.getvalue()


def pdf_bytes(report: Report, font: Path | None = None) -> bytes:
    """The PDF report as bytes (A4, one or two pages): header, targets table, a fan chart
    per chain, the levers and the assumptions. Raises ``NoCJKFont`` without a CJK font."""
    from fpdf import FPDF

    font = font or find_cjk_font()
    if font is None:
        raise NoCJKFont("no CJK font found to write a Chinese PDF: install one (Debian: apt-get install "
                        "fonts-wqy-microhei) or set CHAINSIM_CJK_FONT to a .ttf/.ttc/.otf file")
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=10)
    pdf.set_margins(10, 10, 10)
    pdf.add_font("cjk", "", str(font))
    pdf.add_font("cjk", "B", str(font))  # table headings ask for bold: the same face
    pdf.add_page()
    pdf.set_font("cjk", size=15)
    scn = report.scenario
    pdf.cell(0, 8, f"{scn.county.name_zh}产业链目标达成模拟报告", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=7.5)
    for line in _header_lines(report):
        pdf.multi_cell(0, 4, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    targets = targets_frame(report)
    cols = [c for c in targets.columns if c not in ("目标年产值 P10–P90 (亿元/年)", "平均缺口 (亿元/年)")]
    _table(pdf, targets[cols], font_size=7)
    pdf.ln(2)
    chains = [c for c in scn.chains]
    w, h = 63, 37
    names = _names(scn)
    for k, c in enumerate(chains):
        col = k % 3
        if col == 0:
            if pdf.get_y() + h + 5 > pdf.h - 12:
                pdf.add_page()
            y0 = pdf.get_y()
        x = 10 + col * (w + 1.5)
        pdf.set_xy(x, y0)
        pdf.set_font("cjk", size=7)
        row = report.summary.targets[report.summary.targets["chain"] == c.id].iloc[0]
        pdf.cell(w, 4, f"{names[c.id]}：{int(row.target_year)} 年 {row.target_yi:g} 亿元，达成概率 {format_p(row.p_reach)}")
        pdf.image(io.BytesIO(_fan_png(report, c.id, font)), x=x, y=y0 + 4, w=w)
        if col == 2 or k == len(chains) - 1:
            pdf.set_xy(10, y0 + 4 + h)
    pdf.ln(2)
    pdf.set_font("cjk", size=9)
    pdf.cell(0, 5, "政策杠杆", new_x="LMARGIN", new_y="NEXT")
    _table(pdf, levers_frame(report).drop(columns=["来源类型"]), font_size=6.5)
    pdf.ln(2)
    assumed = assumptions_frame(report)
    pdf.set_font("cjk", size=9)
    pdf.cell(0, 5, f"【假设】{len(assumed)} 项（既非报道也非校准；详见 Excel 报告“假设”表）",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=6.5)
    chain_items = assumed[~assumed["项目"].str.startswith("模型参数")]
    params = assumed[assumed["项目"].str.startswith("模型参数")]
    text = "；".join(f"{r.项目} {r.数值} {r.单位}" for r in chain_items.itertuples(index=False))
    if len(params):
        text += f"；模型参数 {len(params)} 项取目录默认或方案假设值：" + "、".join(
            p.removeprefix("模型参数 ") for p in params["项目"])
    pdf.multi_cell(0, 3.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.multi_cell(0, 3.5, "说明：金额单位亿元；达成概率为目标年份年产值不低于目标的模拟次数占比，区间为 95% Wilson 区间；"
                           "图中阴影为各月年化产值的 P5–P95 与 P25–P75，虚线为目标。", align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _table(pdf: object, frame: pd.DataFrame, font_size: float = 7) -> None:
    pdf.set_font("cjk", size=font_size)  # type: ignore[attr-defined]
    with pdf.table(text_align="LEFT", line_height=font_size * 0.55,  # type: ignore[attr-defined]
                   first_row_as_headings=True) as table:
        header = table.row()
        for c in frame.columns:
            header.cell(str(c))
        for r in frame.itertuples(index=False):
            row = table.row()
            for v in r:
                row.cell(f"{v:g}" if isinstance(v, float) else str(v))


def write_pdf(report: Report, path: str | Path, font: Path | None = None) -> Path:
    """The report as a PDF at ``path`` (raises ``NoCJKFont`` before writing anything)."""
    data = pdf_bytes(report, font)
    path = Path(path)
    path.write_bytes(data)
    return path


def write_report(report: Report, path: str | Path) -> Path:
    """``write_xlsx`` or ``write_pdf`` by the path's suffix (.xlsx or .pdf)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".xlsx":
        return write_xlsx(report, path)
    if suffix == ".pdf":
        return write_pdf(report, path)
    raise InputError(f"{path}: the report is written as .pdf or .xlsx, not {suffix or 'a file without suffix'}")


def chain_order(summaries: Sequence[EnsembleSummary]) -> list[str]:
    """Chain ids in the order of the first summary's targets."""
    return list(dict.fromkeys(summaries[0].targets["chain"])) if summaries else []
