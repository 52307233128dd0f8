"""The robustness page: the status quo and the scenario's policy files (files in the
scenario folder that ``extends:`` the chosen one) across the uncertain parameters, on
common random numbers (``chainsim.analysis.robustness``): a table of targets met, the
worst decile and the regret, and a chart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from ...errors import InputError
from ...scenario import Scenario
from .. import runs, widgets
from ..decision_charts import robustness_bars
from ..i18n import parameter_name, scenario_title, t
from ..settings import policy_files, scenario_dir
from ..state import AppState


@st.cache_resource(max_entries=8, show_spinner=False)
def _robustness(hashes: tuple[str, ...], spread: str, reps: int, seed: int, _scenarios: tuple[Scenario, ...]) -> Any:
    from ...analysis.robustness import robustness

    return robustness(list(_scenarios), reps, seed, (spread,))


def candidates(state: AppState) -> dict[str, tuple[str, Scenario]]:
    """Policy name → (shown name, scenario): the status quo and the scenario's policy files."""
    lang = state.lang
    out = {"__status_quo__": (t("overview_sq", lang), state.scenario)}
    for path in policy_files(scenario_dir(), Path(state.source).name):
        loaded = runs.load_path(path, path.name)
        if loaded.scenario is None:
            continue
        scn = loaded.scenario
        title = scenario_title(scn.title, lang).split("—")[-1].strip() if scn.title else path.stem
        out[path.stem] = (title or path.stem, scn)
    return out


def table(result: Any, names: list[str], lang: str) -> pd.DataFrame:
    rows = result.table
    return pd.DataFrame({
        t("col_rank", lang): rows["rank"].astype(int),
        t("col_policy", lang): names,
        t("col_cost_year", lang): rows["cost_yi_per_year"].astype(float),
        t("col_met", lang): rows["expected_targets_met"].astype(float),
        t("col_met_ci", lang): [f"{lo:.2f}–{hi:.2f}" for lo, hi in zip(rows["lo"], rows["hi"])],
        t("col_met_p10", lang): rows["targets_met_p10"].astype(float),
        t("col_worst", lang): rows["worst_decile_targets_met"].astype(float),
        t("col_regret_mean", lang): rows["regret_mean"].astype(float),
        t("col_regret_p90", lang): rows["regret_p90"].astype(float),
        t("col_regret_max", lang): rows["regret_max"].astype(float),
        t("col_p_best", lang): 100 * rows["p_best"].astype(float),
    }).sort_values(t("col_rank", lang)).reset_index(drop=True)


def render(state: AppState) -> None:
    """Draw the robustness page."""
    lang = state.lang
    st.caption(t("rob_intro", lang))
    options = candidates(state)
    chosen = st.multiselect(t("rob_policies", lang), list(options), default=list(options), key="rob_policies",
                            format_func=lambda k: options[k][0])
    spreads = ("scenario", "wide")  # the options are indices: no English word on the page
    spread = spreads[st.radio(t("rob_spread", lang), [0, 1], key="rob_spread",
                              format_func=lambda i: t(f"rob_spread_{spreads[i]}", lang))]
    if len(chosen) < 2:
        st.info(t("rob_need_two", lang))
        return
    scenarios = tuple(options[k][1] for k in chosen)
    request = (tuple(s.content_hash() for s in scenarios), spread, state.reps, state.seed)
    if not widgets.run_button(t("rob_run", lang), "rob_run", request):
        st.caption(t("rob_press", lang))
        return
    try:
        with st.spinner(t("computing", lang)):
            result = _robustness(*request, scenarios)
    except InputError as exc:
        st.error(str(exc))
        return
    names = [options[k][0] for k in chosen]
    rows = result.table
    best = int(rows["rank"].to_numpy().argmin())
    st.success(t("rob_best", lang, name=names[best], worst=float(rows["worst_decile_targets_met"].iloc[best]),
                 met=float(rows["expected_targets_met"].iloc[best])))
    if result.varied[spread]:
        st.caption(t("rob_wide_params", lang, names="、".join(parameter_name(n, lang) for n in result.varied[spread])))
    widgets.show_table(table(result, names, lang), digits=2)
    st.plotly_chart(robustness_bars(names, rows["expected_targets_met"], rows["lo"], rows["hi"],
                                    rows["worst_decile_targets_met"], lang), key="rob_chart")
    with st.expander(t("rob_json", lang)):
        st.code(json.dumps(result.to_contract(), ensure_ascii=False, indent=2), language="json")
