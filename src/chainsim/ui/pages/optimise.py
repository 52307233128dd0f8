"""The budget page: what a yearly budget buys (``chainsim.analysis.optimise``). A budget
slider (亿元/year beyond the status quo), the objective, and on demand the best lever
setting found, its yearly cost, and P(reach) per chain against the status quo with
intervals (from the check run on a fresh seed)."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from ...catalogue import LEVERS
from ...errors import InputError
from ...scenario import Scenario
from .. import widgets
from ..decision_charts import p_reach_bars
from ..i18n import chain_name, lever_label, t, unit_label
from ..state import AppState

SEARCH_REPS_MAX = 200
"""Replicates per proposal in the app's search (the check run uses the app's replicates)."""


@st.cache_resource(max_entries=8, show_spinner=False)
def _optimise(scenario_hash: str, budget: float, objective: str, chains: tuple[str, ...], trials: int, reps: int,
              check_reps: int, seed: int, _scenario: Scenario) -> Any:
    from ...analysis.optimise import optimise

    return optimise(_scenario, budget, objective, list(chains) or None, reps, seed, trials, check_reps)


def _value_text(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(f"{s['from']}: {s['value']:.4g}" for s in value)
    return f"{value:.4g}"


def lever_table(result: Any, scenario: Scenario, lang: str) -> pd.DataFrame:
    from ...analysis.portfolio import unit_cost_yi

    rows = []
    for name, value in result.levers.items():
        spec = LEVERS[name]
        sq = result.levers_status_quo[name]
        mean_new = _mean(value, result)
        mean_sq = _mean(sq, result)
        rows.append({t("col_lever", lang): lever_label(spec, lang), t("col_unit", lang): unit_label(spec.unit, lang),
                     t("col_sq_value", lang): _value_text(sq), t("col_new_value", lang): _value_text(value),
                     t("col_lever_cost", lang): (mean_new - mean_sq) * unit_cost_yi(scenario, name)})
    return pd.DataFrame(rows)


def _mean(value: Any, result: Any) -> float:
    """A lever's mean value over the policy period (a schedule weighted by its periods' months)."""
    if not isinstance(value, list):
        return float(value)
    months = [p.months for p in result.periods]
    return sum(s["value"] * m for s, m in zip(value, months)) / sum(months)


def chain_table(result: Any, scenario: Scenario, lang: str) -> pd.DataFrame:
    chains = {c.id: c for c in scenario.chains}
    tb = result.table
    return pd.DataFrame({
        t("col_chain", lang): [chain_name(chains[c], lang) for c in tb["chain"]],
        t("col_target", lang): tb["target_yi"].astype(float),
        t("col_year", lang): tb["target_year"].astype(int),
        t("col_p_new", lang): 100 * tb["p_reach"],
        t("col_p_new_ci", lang): [f"{100 * lo:.1f}–{100 * hi:.1f}" for lo, hi in zip(tb["p_reach_lo"], tb["p_reach_hi"])],
        t("col_opt_p_sq", lang): 100 * tb["p_reach_status_quo"],
        t("col_change", lang): 100 * tb["diff"],
        t("col_change_ci", lang): [f"{100 * lo:+.1f} – {100 * hi:+.1f}" for lo, hi in zip(tb["diff_lo"], tb["diff_hi"])],
    })


def render(state: AppState) -> None:
    """Draw the budget page."""
    lang = state.lang
    scenario = state.scenario
    st.caption(t("opt_intro", lang))
    chains = {c.id: c for c in scenario.chains}
    c1, c2 = st.columns(2)
    budget = c1.slider(t("opt_budget", lang), min_value=0.0, max_value=5.0, value=1.0, step=0.05, format="%.2f",
                       key="opt_budget")
    trials = c2.select_slider(t("opt_trials", lang), options=[16, 32, 48, 64, 96], value=32, key="opt_trials")
    objectives = ("targets-met", "min-prob")  # the options are indices: no English word on the page
    choice = st.radio(t("opt_objective", lang), [0, 1], key="opt_objective", horizontal=True,
                      format_func=lambda i: t(("opt_obj_met", "opt_obj_min")[i], lang))
    objective = objectives[choice]
    chosen: tuple[str, ...] = ()
    if objective == "min-prob":
        chosen = tuple(st.multiselect(t("opt_chains", lang), list(chains), key="opt_chains",
                                      format_func=lambda c: chain_name(chains[c], lang)))
        if not chosen:
            st.info(t("opt_need_chains", lang))
            return
    reps = min(state.reps, SEARCH_REPS_MAX)
    request = (state.base_hash, round(float(budget), 4), objective, chosen, int(trials), reps, state.reps, state.seed)
    if not widgets.run_button(t("opt_run", lang), "opt_run", request):
        st.caption(t("opt_press", lang))
        return
    try:
        with st.spinner(t("computing", lang)):
            result = _optimise(*request, scenario)
    except InputError as exc:
        st.error(str(exc))
        return
    m1, m2, m3 = st.columns(3)
    m1.metric(t("opt_met", lang), f"{result.expected_targets_met:.2f}",
              t("opt_met_delta", lang, sq=result.status_quo_targets_met), delta_color="off", delta_arrow="off")
    m2.metric(t("opt_cost", lang), f"{result.cost_yi_per_year:.3f}", t("opt_cost_delta", lang, budget=budget),
              delta_color="off", delta_arrow="off")
    if objective == "min-prob":
        m3.metric(t("opt_minp", lang), f"{100 * result.objective_value:.1f}%",
                  f"{100 * (result.objective_value - result.status_quo_objective_value):+.1f}")
    lo, hi = result.expected_targets_met_ci
    st.caption(t("opt_summary", lang, met=result.expected_targets_met, lo=lo, hi=hi, sq=result.status_quo_targets_met,
                 cost=result.cost_yi_per_year, total=result.total_cost_yi_per_year, n=result.n_trials,
                 reps=result.reps, seed=result.seed, check=result.check_reps, check_seed=result.check_seed))
    st.subheader(t("opt_levers", lang))
    widgets.show_table(lever_table(result, scenario, lang), digits=3)
    st.subheader(t("opt_chains_table", lang))
    widgets.show_table(chain_table(result, scenario, lang))
    tb = result.table
    st.plotly_chart(p_reach_bars([chain_name(chains[c], lang) for c in tb["chain"]], tb["p_reach_status_quo"],
                                 tb["p_reach"], tb["p_reach_lo"], tb["p_reach_hi"], lang), key="opt_chart")
    with st.expander(t("opt_json", lang)):
        st.code(json.dumps(result.to_contract(), ensure_ascii=False, indent=2), language="json")
