"""The targets page: per chain, P(reach) with its 95% interval under the status quo and
the current slider setting, a fan chart of output (亿元/year) against the target, and the
year the target is first reached.

A setting not computed before shows a preview first: the probabilities from the first
blocks of replicates done (at least ``workers.PREVIEW_REPS``, labelled as a preview, part
of the final result), replaced in the same run by the full ensemble when its last block is
in; no second rerun."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import streamlit as st

from ...analysis import paired_difference_interval
from ...costs import policy_cost_yi_per_year
from ...ensemble import EnsembleSummary
from ...plausibility import run_warnings
from ...report import format_p, significant
from ...scenario import Chain
from .. import charts, runs, widgets, workers
from ..i18n import chain_name, scenario_title, t
from ..state import AppState, lever_key, status_quo_levers


def status_quo_and_current(state: AppState,
                           on_preview: Callable[[workers.Preview], None] | None = None) -> tuple[runs.Timed, runs.Timed]:
    """Cached ensembles of the scenario as loaded and of the current slider setting (the
    status quo first; ``on_preview`` is called with a preview of the current setting if it
    has to be computed)."""
    sq_levers = lever_key(status_quo_levers(state.scenario))
    if state.lever_key == sq_levers:
        sq = (runs.ensemble(state.base_hash, sq_levers, state.reps, state.seed, state.scenario) if on_preview is None
              else runs.ensemble_with_preview(state.base_hash, sq_levers, state.reps, state.seed, state.scenario,
                                              on_preview))
        return sq, sq
    sq = runs.ensemble(state.base_hash, sq_levers, state.reps, state.seed, state.scenario)
    if on_preview is None:
        return sq, runs.ensemble(state.base_hash, state.lever_key, state.reps, state.seed, state.current)
    return sq, runs.ensemble_with_preview(state.base_hash, state.lever_key, state.reps, state.seed, state.current,
                                          on_preview)


def timing_text(timed: runs.Timed, waited_s: float, lang: str) -> str:
    """"computed in X s" when this rerun computed it, "from the results store" when it was
    precomputed, else "from the cache (first computed in X s)"."""
    if timed.stored:
        return t("timing_stored", lang)
    if waited_s >= 0.5 * timed.seconds:
        return t("timing_computed", lang, secs=timed.seconds)
    if timed.at_start:
        return t("timing_at_start", lang, secs=timed.seconds)
    return t("timing_cached", lang, secs=timed.seconds)


def _percent(p: float) -> str:
    return format_p(p)


def paired_change(sq: EnsembleSummary, now: EnsembleSummary, index: int,
                  replicates: np.ndarray | None = None) -> tuple[float, float, float]:
    """The paired difference of P(reach) of target ``index``, current − status quo, with
    Newcombe's 95% interval (both runs share the seed: common random numbers);
    ``replicates``: which of the status quo's replicates ``now`` holds (a preview)."""
    base = sq.reached[:, index] if replicates is None else sq.reached[replicates, index]
    return paired_difference_interval(base, now.reached[:, index])


def _chain_card(state: AppState, chain: Chain, target: pd.Series, base: pd.Series, sq: EnsembleSummary,
                now: EnsembleSummary, index: int, first: bool,
                preview: workers.Preview | None = None) -> list[Callable[[], None]]:
    """One chain target: the two probabilities, the year reached, their intervals and,
    folded but the first, the fan chart and the years reached. A preview shows only the
    probabilities and the year (its elements keyed ``preview_…``). Returns the charts to
    draw into their places once every card's numbers are on the page."""
    lang = state.lang
    name = chain_name(chain, lang)
    tag = "preview_" if preview is not None else ""
    moved = state.lever_key != _sq_key(state)
    st.subheader(t("chain_header", lang, name=name, year=int(target.target_year), target=float(target.target_yi)))
    c1, c2, c3 = st.columns(3)
    with c1.container(key=f"{tag}p_sq_{chain.id}_{int(target.target_year)}"):
        st.metric(t("metric_sq", lang), _percent(base.p_reach))
    with c2.container(key=f"{tag}p_now_{chain.id}_{int(target.target_year)}"):
        subset = preview.replicates if preview is not None else None
        diff, lo, hi = paired_change(sq, now, index, subset) if moved else (0.0, 0.0, 0.0)
        if not moved:
            delta = None
        elif not significant(lo, hi):
            delta = t("no_change", lang)
        else:
            delta = t("pp", lang, d=100 * diff)
        st.metric(t("metric_now", lang), _percent(target.p_reach), delta=delta,
                  delta_color="off" if delta == t("no_change", lang) else "normal")
    year = target.year_reached_p50
    c3.metric(t("metric_year", lang), t("never", lang) if pd.isna(year) else str(int(year)))
    if preview is not None:
        return []
    st.caption(t("ci_caption", lang, sq_lo=100 * base.p_reach_lo, sq_hi=100 * base.p_reach_hi,
                 lo=100 * target.p_reach_lo, hi=100 * target.p_reach_hi, sp_lo=100 * target.p_reach_spread_lo,
                 sp_hi=100 * target.p_reach_spread_hi))
    bands_now = now.bands[now.bands["chain"] == chain.id]
    bands_sq = sq.bands[sq.bands["chain"] == chain.id]
    # folded sections draw their chart only when opened (on_change="rerun" tracks .open)
    fan = st.expander(t("fan_expander", lang), expanded=first, key=f"fan_open_{chain.id}_{int(target.target_year)}",
                      on_change="rerun")
    later: list[Callable[[], None]] = []
    if fan.open or (fan.open is None and first):
        fan_slot = fan.empty()

        def draw_fan() -> None:
            fan_slot.plotly_chart(charts.fan_chart(bands_now, float(target.target_yi), int(target.target_year), lang,
                                                   bands_sq), key=f"fan_{chain.id}_{int(target.target_year)}",
                                  config=charts.PLOTLY_CONFIG)
        later.append(draw_fan)
    years = st.expander(t("years_reached", lang), key=f"years_open_{chain.id}_{int(target.target_year)}",
                        on_change="rerun")
    if years.open:
        years_slot = years.empty()

        def draw_years() -> None:
            yr = now.years_reached
            rows = yr[(yr["chain"] == chain.id) & (yr["target_year"] == target.target_year)]
            rows = rows.assign(_never=rows["year"] == 0).sort_values(["_never", "year"])
            years_slot.plotly_chart(charts.years_reached_chart(rows, lang),
                                    key=f"years_{chain.id}_{int(target.target_year)}", config=charts.PLOTLY_CONFIG)
        later.append(draw_years)
    return later


def _sq_key(state: AppState) -> tuple[tuple[str, float], ...]:
    return lever_key(status_quo_levers(state.scenario))


def render(state: AppState) -> None:
    """Draw the targets page: the status quo and the current setting from the cache, else
    computed (the current setting with a preview first, see the module's docstring)."""
    from ..tables import targets_table

    lang = state.lang
    start = time.perf_counter()
    with st.spinner(t("computing_n", lang, what=t("page_results", lang), reps=state.reps)):
        slot = st.empty()
        drawing = 0.0

        def draw_preview(preview: workers.Preview) -> None:
            nonlocal drawing
            t0 = time.perf_counter()
            if state.lever_key == _sq_key(state):  # the status quo itself is being computed
                sq = runs.Timed(preview.summary, 0.0)
            else:  # computed (or read) before the current setting
                sq = runs.ensemble(state.base_hash, _sq_key(state), state.reps, state.seed, state.scenario)
            with slot.container():
                _draw(state, sq, runs.Timed(preview.summary, 0.0), 0.0, targets_table, preview=preview)
            drawing += time.perf_counter() - t0

        sq, now = status_quo_and_current(state, draw_preview)
    waited = time.perf_counter() - start - drawing
    with slot.container():
        _draw(state, sq, now, waited, targets_table)


def _draw(state: AppState, sq: runs.Timed, now: runs.Timed, waited: float, targets_table,
          preview: workers.Preview | None = None) -> None:
    """The page as drawn: the caption (where the result came from), costs, warnings, the
    table and one card per chain target; a preview (``preview``: ``now`` holds its
    replicates) draws the caption, a note, the table and the probabilities only."""
    lang = state.lang
    scn = state.scenario
    county = scn.county.name_en if lang == "en" else scn.county.name_zh
    if preview is not None:
        timing = t("preview_caption", lang, n=preview.summary.reps, reps=preview.of_reps)
    else:
        timing = timing_text(now, waited, lang)
    st.caption(t("run_caption", lang, county=county, title=scenario_title(scn.title or scn.id, lang), reps=state.reps,
                 seed=state.seed, timing=timing))
    if preview is not None:
        st.info(t("preview_note", lang, n=preview.summary.reps, reps=preview.of_reps))
        st.subheader(t("targets_table", lang))
        widgets.fit_table(targets_table(scn, sq.summary, now.summary, lang, spread=False))
        _cards(state, sq.summary, now.summary, preview)
        return
    cost_now, cost_sq = policy_cost_yi_per_year(state.current), policy_cost_yi_per_year(scn)
    st.caption(t("policy_cost", lang, now=cost_now, sq=cost_sq, diff=cost_now - cost_sq))
    names = {c.id: chain_name(c, lang) for c in scn.chains}
    for w in run_warnings(state.current, now.summary):
        if w["kind"] == "growth":
            st.warning(t("warn_growth", lang, chain=names[w["chain"]], share=w["share"], start=w["from_year"],
                         year=w["to_year"]))
        else:
            st.warning(t(f"warn_{w['kind']}", lang))
    join = "、" if lang != "en" else ", "
    assumed = [chain_name(c, lang) for c in scn.chains if scn.base_output_provenance(c.id) == "assumed"]
    if assumed:
        st.caption(t("assumed_base", lang, names=join.join(assumed)))
    drawn = [chain_name(c, lang) for c in scn.chains
             if scn.base_output_provenance(c.id) == "calibrated" and c.base_output.provenance == "assumed"]
    if drawn:
        st.caption(t("drawn_base", lang, names=join.join(drawn)))
    st.subheader(t("targets_table", lang))
    widgets.fit_table(targets_table(scn, sq.summary, now.summary, lang))
    _cards(state, sq.summary, now.summary)


def _cards(state: AppState, sq: EnsembleSummary, now: EnsembleSummary, preview: workers.Preview | None = None) -> None:
    base_rows = sq.targets.set_index(["chain", "target_year"])
    chains = {c.id: c for c in state.scenario.chains}
    charts_later: list[Callable[[], None]] = []
    for index, (_, target) in enumerate(now.targets.iterrows()):
        base = base_rows.loc[(target["chain"], target["target_year"])]
        st.divider()
        charts_later += _chain_card(state, chains[target["chain"]], target, base, sq, now, index, index == 0, preview)
    for draw in charts_later:  # the charts after every card's numbers: those reach the browser first
        draw()
