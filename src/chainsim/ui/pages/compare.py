"""The comparison page: up to three saved slider settings side by side — their lever
values, P(reach) per chain (%), paired differences against the first setting
(``chainsim.analysis.compare``, common random numbers, percentage points with 95%
intervals) and their output bands overlaid for one chain (亿元/year)."""

from __future__ import annotations

import streamlit as st

from .. import charts, runs, tables, widgets
from ..i18n import chain_name, t
from ..settings import MAX_SAVED
from ..state import AppState


def _unavailable(module: str, exc: ImportError, lang: str) -> None:
    st.info(t("unavailable", lang, module=module, error=exc))


def render(state: AppState) -> None:
    """Draw the comparison page."""
    lang = state.lang
    st.caption(t("compare_intro", lang, n=MAX_SAVED))
    widgets.save_button(state.base_hash, dict(state.levers), state.saved, lang)
    saved = state.saved
    if not saved:
        st.info(t("saved_none", lang))
        return
    widgets.saved_list(saved, state.base_hash, lang)
    st.subheader(t("saved_levers", lang))
    widgets.show_table(tables.saved_levers_table(saved, lang), digits=2)
    scenarios = [s.scenario(state.scenario) for s in saved]
    with st.spinner(t("computing", lang)):
        runs_ = [runs.ensemble(state.base_hash, s.levers, state.reps, state.seed, scn)
                 for s, scn in zip(saved, scenarios)]
    summaries = [r.summary for r in runs_]
    st.subheader(t("compare_table", lang))
    widgets.show_table(tables.saved_p_table(state.scenario, saved, summaries, lang))
    if len(saved) >= 2:
        try:
            with st.spinner(t("computing", lang)):
                others = [(s.name, runs.comparison(scenarios[0].content_hash(), scn.content_hash(), state.reps,
                                                   state.seed, scenarios[0], scn).table)
                          for s, scn in zip(saved[1:], scenarios[1:])]
        except ImportError as exc:
            _unavailable("chainsim.analysis.compare", exc, lang)
        else:
            st.subheader(t("paired_table", lang, first=saved[0].name))
            widgets.show_table(tables.paired_diff_table(state.scenario, saved[0].name, others, lang))
    else:
        st.caption(t("need_two", lang))
    chains = {c.id: c for c in state.scenario.chains}
    targets = summaries[0].targets
    options = list(range(len(targets)))
    pick = st.selectbox(t("overlay_chain", lang), options, key="overlay_chain",
                        format_func=lambda i: f"{chain_name(chains[targets.chain[i]], lang)} "
                                              f"({int(targets.target_year[i])})")
    row = targets.iloc[pick]
    series = [(s.name, summary.bands[summary.bands["chain"] == row["chain"]]) for s, summary in zip(saved, summaries)]
    st.plotly_chart(charts.overlay_chart(series, float(row["target_yi"]), int(row["target_year"]), lang),
                    key="overlay")
