"""The download page: the current slider setting as a scenario YAML that ``chainsim run``
accepts, and the current results as CSV (targets table; monthly output bands, 亿元/year)."""

from __future__ import annotations

import streamlit as st

from ...report import NoCJKFont, Report
from .. import exports, widgets
from ..i18n import t
from ..state import AppState
from .results import status_quo_and_current


@st.cache_data(max_entries=16, show_spinner=False)
def _cached_xlsx(setting_hash: str, reps: int, seed: int, _report: Report) -> bytes:
    return exports.report_xlsx(_report)


@st.cache_data(max_entries=16, show_spinner=False)
def _cached_pdf(setting_hash: str, reps: int, seed: int, _report: Report) -> bytes:
    return exports.report_pdf(_report)


def render(state: AppState) -> None:
    """Draw the download page."""
    lang = state.lang
    st.caption(t("download_intro", lang))
    text = exports.scenario_yaml(state)
    st.download_button(t("download_yaml", lang), text.encode("utf-8"), file_name=f"{state.scenario.id}_app.yaml",
                       mime="application/x-yaml", key="download_yaml")
    with st.spinner(t("computing", lang)):
        _, now = status_quo_and_current(state)
    st.download_button(t("download_targets", lang), exports.targets_csv(now.summary, state.current),
                       file_name=f"{state.scenario.id}_targets.csv", mime="text/csv", key="download_targets")
    st.download_button(t("download_bands", lang), exports.bands_csv(now.summary, state.current),
                       file_name=f"{state.scenario.id}_bands.csv", mime="text/csv", key="download_bands")
    sq, _ = status_quo_and_current(state)
    report = exports.report_of(state, now.summary, sq.summary)
    st.subheader(t("report_header", lang))
    st.caption(t("report_intro", lang))
    st.download_button(t("download_xlsx", lang), _cached_xlsx(state.current.content_hash(), state.reps, state.seed,
                                                              report),
                       file_name=f"{state.scenario.id}_report.xlsx", key="download_xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if widgets.run_button(t("make_pdf", lang), "make_pdf", (state.current.content_hash(), state.reps, state.seed)):
        try:
            with st.spinner(t("computing", lang)):
                data = _cached_pdf(state.current.content_hash(), state.reps, state.seed, report)
        except NoCJKFont as exc:
            st.error(str(exc))
        else:
            st.download_button(t("download_pdf", lang), data, file_name=f"{state.scenario.id}_report.pdf",
                               mime="application/pdf", key="download_pdf")
    with st.expander(t("yaml_preview", lang)):
        st.code(text, language="yaml")
