"""The provenance page: every number the model uses and where it comes from —
reported (quote and seed file), calibrated (interval) or assumed (flagged ⚠)."""

from __future__ import annotations

import streamlit as st

from .. import provenance, widgets
from ..i18n import t
from ..state import AppState


def render(state: AppState) -> None:
    """Draw the provenance page (for the scenario as loaded)."""
    lang = state.lang
    st.caption(t("prov_intro", lang))
    st.subheader(t("prov_chains", lang))
    widgets.show_table(provenance.chain_provenance(state.scenario, lang))
    st.subheader(t("prov_levers", lang))
    widgets.show_table(provenance.lever_provenance(state.scenario, lang))
    st.subheader(t("prov_params", lang))
    widgets.show_table(provenance.parameter_provenance(state.scenario, lang))
