"""The download page: the current slider setting as a scenario YAML that ``chainsim run``
accepts, and the current results as CSV (targets table; monthly output bands, 亿元/year)."""

from __future__ import annotations

import streamlit as st

from .. import exports
from ..i18n import t
from ..state import AppState
from .results import status_quo_and_current


def render(state: AppState) -> None:
    """Draw the download page."""
    lang = state.lang
    st.caption(t("download_intro", lang))
    text = exports.scenario_yaml(state)
    st.download_button(t("download_yaml", lang), text.encode("utf-8"), file_name=f"{state.scenario.id}_app.yaml",
                       mime="application/x-yaml", key="download_yaml")
    with st.spinner(t("computing", lang)):
        _, now = status_quo_and_current(state)
    st.download_button(t("download_targets", lang), exports.targets_csv(now.summary).encode("utf-8"),
                       file_name=f"{state.scenario.id}_targets.csv", mime="text/csv", key="download_targets")
    st.download_button(t("download_bands", lang), exports.bands_csv(now.summary).encode("utf-8"),
                       file_name=f"{state.scenario.id}_bands.csv", mime="text/csv", key="download_bands")
    with st.expander(t("yaml_preview", lang)):
        st.code(text, language="yaml")
