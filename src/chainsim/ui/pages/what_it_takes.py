"""The "what it takes" page: the smallest value of one lever (other levers as currently
set) for which a chain reaches its target with a chosen probability, or a plain
statement that it is out of reach within the lever's bounds
(``chainsim.analysis.what_it_takes``)."""

from __future__ import annotations

import streamlit as st

from ...catalogue import LEVERS
from ...errors import InputError
from .. import charts, runs, widgets
from ..i18n import chain_name, lever_label, t
from ..state import AppState


@st.cache_resource(max_entries=16, show_spinner=False)
def _planner(scenario_hash: str, chain: str, lever: str, value: float, reps: int, seed: int, _scenario) -> object:
    from ...analysis.planner import planner_units

    return planner_units(_scenario, chain, {lever: value}, reps, seed)


def _planner_table(current, chain: str, lever: str, value: float, state: AppState, lang: str) -> None:
    """The answer in planner units: budget, projects signed, 10亿元 projects, land (``analysis.planner``)."""
    import pandas as pd

    u = _planner(current.content_hash(), chain, lever, value, state.reps, state.seed, current)
    rows = [("wit_budget", u.extra_cost_yi_per_year, 0.0), ("wit_signed", u.signed_per_year, u.signed_per_year_status_quo),
            ("wit_major", u.major_signed, u.major_signed_status_quo),
            ("wit_land", u.land_mu_per_year, u.land_mu_per_year_status_quo),
            ("wit_county_land", u.county_land_mu_per_year, u.county_land_mu_per_year_status_quo)]
    if u.land_supply_mu_per_year is not None:
        rows.append(("wit_supply", u.land_supply_mu_per_year, u.land_supply_mu_per_year_status_quo))
    st.caption(t("wit_planner", lang, y0=u.from_year, y1=u.to_year))
    widgets.fit_table(pd.DataFrame({t("col_measure", lang): [t(k, lang) for k, _, _ in rows],
                                    t("col_at_value", lang): [float(a) for _, a, _ in rows],
                                    t("col_without", lang): [float(b) for _, _, b in rows]}), digits=2)


def render(state: AppState) -> None:
    """Draw the what-it-takes page."""
    lang = state.lang
    st.caption(t("what_intro", lang))
    chains = {c.id: c for c in state.scenario.chains}
    c1, c2, c3 = st.columns(3)
    chain = c1.selectbox(t("what_chain", lang), list(chains), key="what_chain",
                         format_func=lambda c: chain_name(chains[c], lang))
    lever = c2.selectbox(t("what_lever", lang), list(LEVERS), key="what_lever",
                         format_func=lambda n: lever_label(LEVERS[n], lang))
    prob = c3.slider(t("what_prob", lang), min_value=0.5, max_value=0.95, value=0.8, step=0.05, format="%.2f",
                     key="what_prob")
    current = state.current
    request = (current.content_hash(), chain, lever, round(float(prob), 4), state.reps, state.seed)
    if not widgets.run_button(t("what_run", lang), "what_run", request):
        st.caption(t("what_press", lang))
        return
    try:
        with st.spinner(t("computing", lang)):
            result = runs.what_it_takes(*request[:4], state.reps, state.seed, current)
    except ImportError as exc:
        st.info(t("unavailable", lang, module="chainsim.analysis.what_it_takes", error=exc))
        return
    except InputError as exc:
        st.error(str(exc))
        return
    spec = LEVERS[lever]
    label = lever_label(spec, lang)
    name = chain_name(chains[chain], lang)
    if result.reachable and result.value is not None:
        st.success(t("what_value", lang, chain=name, lever=label, value=result.value, unit=spec.unit,
                     now=result.current_value, prob=prob))
    else:
        st.warning(t("what_unreachable", lang, chain=name, lever=label, low=spec.low, high=spec.high,
                     unit=spec.unit, prob=prob))
    p_low, p_high = result.p_at_bounds
    st.caption(t("what_bounds", lang, low=spec.low, high=spec.high, p_low=p_low, p_high=p_high))
    if result.reachable and result.value is not None:
        _planner_table(current, chain, lever, float(result.value), state, lang)
    st.plotly_chart(charts.search_chart(result.history, prob, result.value, label, lang), key="what_search")
    with st.expander(t("what_json", lang)):
        st.json(result.to_contract())
