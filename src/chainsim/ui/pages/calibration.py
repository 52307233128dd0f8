"""The calibration page: the reported figures the scenario names against what the
model simulates for the same period (``chainsim.calibrate.fit_table``), with units,
intervals, and the quote each figure comes from."""

from __future__ import annotations

import streamlit as st

from .. import runs, tables, widgets
from ..i18n import t
from ..state import AppState


def render(state: AppState) -> None:
    """Draw the calibration page (for the scenario as loaded)."""
    lang = state.lang
    st.caption(t("calib_intro", lang))
    cal = state.scenario.calibration
    if not cal.targets and not cal.holdout:
        st.info(t("calib_none", lang))
        return
    request = (state.base_hash, state.reps, state.seed)
    if not widgets.run_button(t("calib_run", lang), "calib_run", request):
        st.caption(t("calib_press", lang))
        return
    try:
        with st.spinner(t("computing", lang)):
            fit = runs.fit_table(state.base_hash, state.reps, state.seed, state.scenario)
    except ImportError as exc:
        st.info(t("unavailable", lang, module="chainsim.calibrate.fit_table", error=exc))
        return
    except ValueError as exc:  # the scenario names no usable figures
        st.error(str(exc))
        return
    widgets.show_table(tables.fit_view(fit, lang), digits=2)
