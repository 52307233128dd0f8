"""The conditions page: under which conditions does a chain reach its target
(``chainsim.analysis.discover``)? PRIM boxes as readable tables, each stated in a
planner's words, and a scatter of the runs on the first box's two conditions."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from ...catalogue import LEVERS, PARAMETERS
from ...errors import InputError
from ...scenario import Scenario
from .. import widgets
from ..decision_charts import discovery_scatter
from ..i18n import chain_name, lever_label, parameter_name, t, unit_label
from ..state import AppState

REPS_PER_POINT = 10
"""Replicates at each sampled point in the app."""

_FEATURE_UNITS = {"signed_per_year": "unit_projects_year", "major_signed": "unit_projects",
                  "land_mu_per_year": "unit_mu_year"}


@st.cache_resource(max_entries=8, show_spinner=False)
def _discover(scenario_hash: str, chain: str, samples: int, reps: int, seed: int, _scenario: Scenario) -> Any:
    from ...analysis.discovery import discover

    return discover(_scenario, chain, samples, reps, seed)


def name_of(name: str, kind: str, d: Any, lang: str) -> str:
    """A condition's name in the page's language (levers with their unit)."""
    if kind == "record":
        return t(f"feat_{name}", lang, y0=d.from_year, y1=d.by_year)
    if kind == "lever":
        return lever_label(LEVERS[name], lang)
    return parameter_name(name, lang)


def unit_of(name: str, kind: str, lang: str) -> str:
    if kind == "record":
        return t(_FEATURE_UNITS[name], lang)
    if kind == "lever":
        return unit_label(LEVERS[name].unit, lang)
    return unit_label(PARAMETERS[name].unit, lang) if name in PARAMETERS else ""


def box_table(box: Any, d: Any, lang: str) -> pd.DataFrame:
    """One row per condition: its name, kind and range (with its unit)."""
    rows = []
    for lim in box.limits:
        unit = unit_of(lim.name, lim.kind, lang)
        low, high = f"{lim.low:.3g}", f"{lim.high:.3g}"
        if lim.name == "major_signed":
            low, high = f"{int(-(-lim.low // 1))}", f"{int(lim.high // 1)}"
        rng = t(f"range_{lim.side}", lang, low=low, high=high)
        rows.append({t("col_condition", lang): name_of(lim.name, lim.kind, d, lang),
                     t("col_kind", lang): t(f"kind_{lim.kind}", lang), t("col_range", lang): f"{rng} {unit}".strip()})
    return pd.DataFrame(rows)


def _scatter_axes(box: Any, data: pd.DataFrame) -> tuple[str, str] | None:
    dims = [lim.name for lim in box.limits]
    if len(dims) >= 2:
        return dims[0], dims[1]
    others = [c for c in ("signed_per_year", *LEVERS) if c in data.columns and c not in dims]
    return (dims[0], others[0]) if dims and others else None


def render(state: AppState) -> None:
    """Draw the conditions page."""
    lang = state.lang
    scenario = state.scenario
    st.caption(t("disc_intro", lang))
    chains = {c.id: c for c in scenario.chains}
    c1, c2 = st.columns(2)
    chain = c1.selectbox(t("disc_chain", lang), list(chains), key="disc_chain",
                         format_func=lambda c: chain_name(chains[c], lang))
    samples = c2.select_slider(t("disc_samples", lang), options=[50, 100, 200, 400], value=100, key="disc_samples")
    request = (state.base_hash, chain, int(samples), REPS_PER_POINT, state.seed)
    if not widgets.run_button(t("disc_run", lang), "disc_run", request):
        st.caption(t("disc_press", lang))
        return
    try:
        with st.spinner(t("computing", lang)):
            d = _discover(*request, scenario)
    except InputError as exc:
        st.error(str(exc))
        return
    st.info(t("disc_base", lang, n=len(d.data), samples=d.samples, reps=d.reps, target=d.target_yi, base=d.base_rate,
              threshold=d.threshold, y0=d.from_year, y1=d.by_year))
    if not d.boxes and not d.input_boxes:
        key = "disc_none_zero" if d.base_rate == 0 else "disc_none_all" if d.base_rate == 1 else "disc_none"
        st.warning(t(key, lang))
        return
    for title, boxes in (("disc_all", d.boxes), ("disc_inputs", d.input_boxes)):
        if not boxes:
            continue
        st.subheader(t(title, lang))
        for k, box in enumerate(boxes, 1):
            text = t("disc_box", lang, k=k, target=d.target_yi, density=box.density, coverage=box.coverage,
                     mass=box.mass)
            if not box.meets_threshold:
                text += t("disc_below", lang, threshold=d.threshold)
            st.markdown(text)
            widgets.fit_table(box_table(box, d, lang))
    first = (d.boxes or d.input_boxes)[0]
    axes = _scatter_axes(first, d.data)
    if axes is not None:
        kinds = {lim.name: lim.kind for lim in first.limits}

        def label(name: str) -> str:
            kind = kinds.get(name, "record" if name in _FEATURE_UNITS else "lever" if name in LEVERS else "parameter")
            unit = unit_of(name, kind, lang)
            text = name_of(name, kind, d, lang)
            return text if kind == "lever" else f"{text} ({unit})"

        limits = {lim.name: (lim.low, lim.high) for lim in first.limits}
        st.caption(t("disc_scatter", lang))
        st.plotly_chart(discovery_scatter(d.data, axes[0], axes[1], label(axes[0]), label(axes[1]), limits, lang),
                        key="disc_scatter")
    with st.expander(t("disc_json", lang)):
        st.code(json.dumps(d.to_contract(), ensure_ascii=False, indent=2), language="json")
