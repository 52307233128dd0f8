"""Tables, chart and sentences of the "why it falls short" page, from
``chainsim.analysis.shortfall`` results; money in 亿元/year, land in 亩.

Core objects: ``gap_table`` (every chain: base, incumbents' growth, pipeline, new, gap, the
projects needed), ``waterfall_chart`` (one chain's target year from base output to target),
``summary_sentence`` / ``need_sentence`` (the same in words), ``options_table`` (projects
needed by tier and signing date) and ``drivers_table`` (top drivers with provenance).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ..analysis.shortfall import ProjectOption, Shortfall
from ..catalogue import LEVERS
from ..report import format_p
from ..scenario import Scenario
from ..schema import base_output_chain
from .i18n import chain_name, lever_label, parameter_name, provenance_label, t, unit_label

_UP, _DOWN, _GAP, _TOTAL, _TARGET = "#2ca02c", "#d62728", "#bbbbbb", "#1f77b4", "#555555"


def _assumed_flag(s: Shortfall, lang: str) -> str:
    if s.base_provenance == "assumed":
        return t("sf_assumed_mark", lang)
    return t("sf_drawn_mark", lang) if s.base_provenance == "calibrated" else ""


def needed_cell(s: Shortfall, lang: str) -> str:
    """The headline tier's projects needed, as a table cell."""
    if s.gap_yi <= 0:
        return t("sf_reached", lang)
    o = s.headline
    if o is None or not o.in_time:
        return t("sf_too_late", lang)
    return t("sf_needed_cell", lang, by=o.sign_by, n_by=o.count_by, n_now=o.count_now)


def gap_table(scenario: Scenario, shortfalls: list[Shortfall], lang: str) -> pd.DataFrame:
    """One row per chain target: target (year), base output (⚠ when assumed), incumbents'
    growth, pipeline and new projects' output, the gap (亿元/year) and the major projects
    needed to close it."""
    names = {c.id: chain_name(c, lang) for c in scenario.chains}
    rows = []
    for s in shortfalls:
        flag = _assumed_flag(s, lang)
        rows.append({
            t("col_chain", lang): names[s.chain],
            t("sf_col_target", lang): f"{s.target_yi:.0f}（{s.target_year}）" if lang != "en"
            else f"{s.target_yi:.0f} ({s.target_year})",
            t("sf_col_base", lang): f"{s.base_output_yi:.1f}" + (f" {flag}" if flag else ""),
            t("sf_col_incumbent", lang): f"{s.incumbent_growth_yi:+.1f}",
            t("sf_col_pipeline", lang): f"{s.pipeline_yi:+.1f}",
            t("sf_col_new", lang): f"{s.new_yi:+.1f}",
            t("sf_col_gap", lang): f"{s.gap_yi:.1f}",
            t("sf_col_needed", lang): needed_cell(s, lang),
        })
    return pd.DataFrame(rows)


def summary_sentence(s: Shortfall, lang: str) -> str:
    """The chain's target year in one sentence: typical output = its parts; the gap."""
    flag = _assumed_flag(s, lang)
    key = "sf_sentence" if s.gap_yi > 0 else "sf_sentence_reached"
    return t(key, lang, year=s.target_year, typical=s.typical_yi, base=s.base_output_yi,
             flag=f"（{flag}）" if flag and lang != "en" else (f" ({flag})" if flag else ""),
             inc=s.incumbent_growth_yi, pipe=s.pipeline_yi, new=s.new_yi, target=s.target_yi, gap=s.gap_yi)


def need_sentence(s: Shortfall, lang: str) -> str | None:
    """What new projects would close the gap (the headline tier), or plainly that they
    come too late; None without a gap."""
    o = s.headline
    if s.gap_yi <= 0 or o is None:
        return None
    tier = t(f"sf_tier_{o.tier}", lang)
    if not o.in_time:
        share = o.yield_now_yi / o.capacity_yi if o.capacity_yi > 0 else 0.0
        return t("sf_cannot", lang, gap=s.gap_yi, start=s.policy_start, tier=tier, year=s.target_year, share=share)
    invest = o.count_by * o.size_yi
    pace = s.signed_value_yi_per_year
    return t("sf_need", lang, year=s.target_year, gap=s.gap_yi, by=o.sign_by, n_by=o.count_by, size=o.size_yi,
             tier=tier, start=s.policy_start, n_now=o.count_now, land=o.land_mu or 0.0, invest=invest,
             years=invest / pace if pace > 0 else float("inf"), pace=pace, last=o.last_useful)


def options_table(options: tuple[ProjectOption, ...], lang: str) -> pd.DataFrame:
    """Projects needed per tier and signing date: tier, investment each (亿元), output at
    capacity and in the target year (亿元/year each), the count."""
    rows = []
    for o in options:
        for r in o.schedule.itertuples(index=False):
            rows.append({
                t("sf_col_tier", lang): t(f"sf_tier_{o.tier}", lang),
                t("sf_col_size", lang): f"{o.size_yi:.1f}",
                t("sf_col_capacity", lang): f"{o.capacity_yi:.2f}",
                t("sf_col_sign_by", lang): r.sign_by,
                t("sf_col_yield", lang): f"{r.yield_yi:.2f}",
                t("sf_col_count", lang): str(r.count),
            })
    return pd.DataFrame(rows)


def waterfall_chart(s: Shortfall, lang: str, height: int = 360) -> go.Figure:
    """The target year from the base output to the target, as floating bars (亿元/year):
    base output, incumbents' growth, pipeline, new projects, the typical output, the gap
    (grey) and the target."""
    keys = ["wf_base", "wf_incumbent", "wf_pipeline", "wf_new", "wf_typical"]
    inc, pipe, new = s.incumbent_growth_yi, s.pipeline_yi, s.new_yi
    bottoms = [0.0, s.base_output_yi, s.base_output_yi + inc, s.base_output_yi + inc + pipe, 0.0]
    heights = [s.base_output_yi, inc, pipe, new, s.typical_yi]
    colours = [_TOTAL, *(_UP if v >= 0 else _DOWN for v in (inc, pipe, new)), _TOTAL]
    texts = [f"{s.base_output_yi:.1f}", f"{inc:+.1f}", f"{pipe:+.1f}", f"{new:+.1f}", f"{s.typical_yi:.1f}"]
    if s.gap_yi > 0:
        keys += ["wf_gap", "wf_target"]
        bottoms += [s.typical_yi, 0.0]
        heights += [s.gap_yi, s.target_yi]
        colours += [_GAP, _TARGET]
        texts += [f"{s.gap_yi:.1f}", f"{s.target_yi:.0f}"]
    labels = [t(k, lang) for k in keys]
    fig = go.Figure(go.Bar(x=labels, y=heights, base=bottoms, marker={"color": colours}, text=texts,
                           textposition="outside", cliponaxis=False, customdata=texts,
                           hovertemplate="%{x}: %{customdata} 亿元/年<extra></extra>"))
    fig.add_hline(y=s.target_yi, line={"color": _TARGET, "dash": "dash", "width": 1})
    top = max(s.target_yi, s.typical_yi, *(b + max(h, 0.0) for b, h in zip(bottoms, heights)))
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 20, "b": 10}, showlegend=False,
                      yaxis_title=t("wf_axis", lang), yaxis={"range": [0.0, 1.12 * top]}, bargap=0.25)
    return fig


def _factor_label(name: str, kind: str, lang: str, scenario: Scenario) -> str:
    if kind == "lever" and name in LEVERS:
        return lever_label(LEVERS[name], lang)
    chain_id = base_output_chain(name)
    if chain_id is not None:  # a chain's base output, drawn from the posterior
        chain = next((c for c in scenario.chains if c.id == chain_id), None)
        if chain is not None:
            return t("sf_base_output_of", lang, name=chain_name(chain, lang))
    return parameter_name(name, lang)


def drivers_table(scenario: Scenario, drivers: pd.DataFrame, chain: str, year: int, lang: str) -> pd.DataFrame:
    """A chain target's top drivers: rank, factor, kind, effect on P(reach) (percentage
    points over the factor's range), direction, range (with unit), provenance."""
    rows = []
    mine = drivers[(drivers["chain"] == chain) & (drivers["target_year"] == year)]
    for r in mine.itertuples(index=False):
        direction = {1: "sf_up", -1: "sf_down"}.get(int(r.direction), "sf_mixed") if r.significant else "sf_noise"
        effect = f"{100 * r.effect:.1f}" + (f" ± {100 * r.effect_conf:.1f}" if r.effect_conf == r.effect_conf else "")
        unit = unit_label(r.unit, lang)
        rows.append({
            t("sf_col_rank", lang): str(int(r.rank)),
            t("sf_col_factor", lang): _factor_label(r.factor, r.kind, lang, scenario),
            t("sf_col_kind", lang): t(f"sf_kind_{r.kind}", lang) if r.kind in ("lever", "parameter") else r.kind,
            t("sf_col_effect", lang): effect,
            t("sf_col_direction", lang): t(direction, lang),
            t("sf_col_range", lang): f"{r.low:g}–{r.high:g}" + ("" if unit in ("0–1", "") else f" {unit}"),
            t("col_provenance", lang): provenance_label(r.provenance, lang),
        })
    return pd.DataFrame(rows)


def flat_note(name: str, p_reach: float, lang: str) -> str:
    """Why no driver is ranked for a chain whose P(reach) does not move."""
    return t("sf_flat", lang, name=name, p=format_p(p_reach))
