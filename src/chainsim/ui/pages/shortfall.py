"""The "why it falls short" page (缺口分析): per chain, the target year's output split by
origin (base output, incumbents' growth, pipeline, new projects under the current setting),
the gap to the target, the new projects that would close it (how many, of what size,
signed by when, or plainly too late) and, on demand, the top drivers from a sensitivity
analysis with their provenance; assumed base outputs are flagged.

The decomposition comes from the same cached ensemble as the targets page (the current
slider setting) and ``chainsim.analysis.shortfall.decompose`` (a fraction of a second);
the drivers from ``chainsim.analysis.sensitivity`` (Morris, tens of seconds), only when its
button is pressed, cached by scenario content, replicates, seed and trajectories.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ...analysis.shortfall import Shortfall, decompose, top_drivers
from ...scenario import Scenario
from .. import charts, runs, shortfall_views as views, widgets
from ..i18n import chain_name, t
from ..settings import SENSITIVITY_REPS, sensitivity_trajectories
from ..state import AppState

FLAT_SPREAD = 0.01
"""A chain whose P(reach) moves by less than this over every design point has no ranked drivers."""

MIN_EFFECT = 0.005
"""Drivers whose effect on P(reach) is below half a percentage point are not listed."""


@st.cache_resource(max_entries=32, show_spinner=False)
def shortfalls(scenario_hash: str, levers: tuple[tuple[str, float], ...], reps: int, seed: int,
               _scenario: Scenario, _summary: Any) -> list[Shortfall]:
    """``decompose(scenario, summary)`` of the cached ensemble with these inputs."""
    return decompose(_scenario, _summary)


@st.cache_resource(max_entries=8, show_spinner=False)
def sensitivity(content_hash: str, reps: int, seed: int, trajectories: int, _scenario: Scenario,
                _progress: Any = None) -> Any:
    """``chainsim.analysis.sensitivity(scenario, "morris", reps, seed, n_trajectories)``."""
    from ...analysis import sensitivity as run

    return run(_scenario, "morris", reps=reps, seed=seed, n_trajectories=trajectories, progress=_progress)


def _design_points(scenario: Scenario, trajectories: int) -> int:
    from ...analysis import factors

    return trajectories * (len(factors(scenario)) + 1)


def render(state: AppState) -> None:
    """Draw the page."""
    lang = state.lang
    scn = state.current
    with st.spinner(t("computing_n", lang, what=t("page_shortfall", lang), reps=state.reps)):
        timed = runs.ensemble(state.base_hash, state.lever_key, state.reps, state.seed, scn)
    summary = timed.summary
    st.caption(t("sf_intro", lang, start=scn.policy_start, reps=state.reps, seed=state.seed))
    if summary.cohorts.empty:
        st.info(t("sf_no_split", lang))
        return
    items = shortfalls(state.base_hash, state.lever_key, state.reps, state.seed, scn, summary)
    assumed = [chain_name(c, lang) for c in scn.chains if c.base_output.provenance == "assumed"]  # not reported
    if assumed:
        st.warning(t("sf_assumed", lang, names="、".join(assumed) if lang != "en" else ", ".join(assumed)))
    st.subheader(t("sf_table", lang))
    widgets.fit_table(views.gap_table(scn, items, lang))
    st.caption(t("sf_assumptions", lang))
    chains = {c.id: c for c in scn.chains}
    for index, item in enumerate(items):
        _chain_section(item, chain_name(chains[item.chain], lang), lang, first=index == 0)
    st.divider()
    _drivers(state, scn, summary, lang)


def _chain_section(item: Shortfall, name: str, lang: str, first: bool) -> None:
    key = f"{item.chain}_{item.target_year}"
    st.markdown(f"**{t('sf_chain_header', lang, name=name, target=item.target_yi, year=item.target_year)}**")
    st.write(views.summary_sentence(item, lang))
    need = views.need_sentence(item, lang)
    if need:
        (st.info if item.in_time else st.warning)(need)
    # folded sections draw their chart only when opened (on_change="rerun" tracks .open)
    section = st.expander(t("sf_open", lang), expanded=first, key=f"sf_open_{key}", on_change="rerun")
    if section.open or (section.open is None and first):
        with section:
            st.plotly_chart(views.waterfall_chart(item, lang), key=f"sf_chart_{key}", config=charts.PLOTLY_CONFIG)
            if item.options:
                st.caption(t("sf_options", lang))
                widgets.fit_table(views.options_table(item.options, lang))


def _drivers(state: AppState, scn: Scenario, summary: Any, lang: str) -> None:
    st.subheader(t("sf_drivers", lang))
    trajectories = sensitivity_trajectories()
    reps = min(state.reps, SENSITIVITY_REPS)
    st.caption(t("sf_drivers_intro", lang, points=_design_points(scn, trajectories), reps=reps))
    request = (scn.content_hash(), reps, state.seed, trajectories)
    if not widgets.run_button(t("sf_drivers_run", lang), "sf_drivers_run", request):
        st.caption(t("sf_drivers_press", lang))
        return
    bar = st.progress(0.0)

    def progress(done: int, total: int) -> None:
        bar.progress(done / total, text=t("sf_drivers_progress", lang, done=done, total=total))

    result = sensitivity(*request, scn, progress)
    bar.empty()
    drivers = top_drivers(result, scn)
    drivers = drivers[drivers["effect"] >= MIN_EFFECT]
    names = {c.id: chain_name(c, lang) for c in scn.chains}
    frames, flat = [], []
    for row in summary.targets.itertuples(index=False):
        column = f"p_reach:{row.chain}:{row.target_year}"
        spread = float(result.samples[column].max() - result.samples[column].min()) \
            if column in result.samples.columns else 1.0
        table = views.drivers_table(scn, drivers, row.chain, int(row.target_year), lang)
        if spread < FLAT_SPREAD or table.empty:
            flat.append(views.flat_note(names[row.chain], float(row.p_reach), lang))
            continue
        table.insert(0, t("col_chain", lang), [names[row.chain]] + [""] * (len(table) - 1))
        frames.append(table)
    if frames:
        widgets.fit_table(pd.concat(frames, ignore_index=True))
    for note in flat:
        st.caption(note)
