"""The overview page (the first page): every chain × every policy — the status quo, the
scenario's policy files (files in the scenario folder that ``extends:`` the chosen one)
and the saved settings — as a table of P(reach) with 95% intervals, coloured by
probability, and the county's total output in the target year.

The status quo is computed (or taken from the cache, the results store or the launcher's
start) and shown first, before the policy files are even read; each policy then adds its
column as its ensemble finishes (all cached, so the next visit costs nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from ...ensemble import EnsembleSummary
from ...report import format_p
from ...scenario import Scenario
from .. import runs, widgets
from ..i18n import chain_name, scenario_title, t
from ..settings import policy_files, scenario_dir
from ..state import AppState, lever_key, status_quo_levers


@dataclass(frozen=True)
class Policy:
    """One column of the overview: a name and the scenario it means."""

    name: str
    scenario: Scenario
    base_hash: str
    levers: tuple[tuple[str, float], ...]
    source: str = ""


def status_quo(state: AppState) -> Policy:
    """The first column: the scenario as loaded."""
    return Policy(t("overview_sq", state.lang), state.scenario, state.base_hash,
                  lever_key(status_quo_levers(state.scenario)), state.source)


def policy_paths(state: AppState) -> list[Path]:
    """The scenario's policy files (read only as far as their ``extends:`` line)."""
    return policy_files(scenario_dir(), Path(state.source).name)


def policy_column(state: AppState, path: Path) -> Policy | None:
    """A policy file's column (None when the file is not a valid scenario)."""
    loaded = runs.load_path(path, path.name)
    if loaded.scenario is None:
        return None
    scn = loaded.scenario
    title = scenario_title(scn.title, state.lang).split("—")[-1].strip() if scn.title else path.stem
    return Policy(title or path.stem, scn, scn.content_hash(), lever_key(status_quo_levers(scn)), loaded.name)


def saved_columns(state: AppState) -> list[Policy]:
    """The saved settings' columns."""
    return [Policy(t("overview_saved", state.lang, name=s.name), s.scenario(state.scenario), state.base_hash,
                   s.levers) for s in state.saved]


def policies(state: AppState) -> list[Policy]:
    """Status quo, the scenario's policy files, the saved settings (in that order)."""
    files = [c for c in (policy_column(state, p) for p in policy_paths(state)) if c is not None]
    return [status_quo(state), *files, *saved_columns(state)]


def _cell(row: pd.Series) -> str:
    return f"{format_p(row.p_reach, 0)} ({100 * row.p_reach_lo:.0f}–{100 * row.p_reach_hi:.0f})"


def county_total(summary: EnsembleSummary, year: int) -> float:
    """Mean total output of every chain in December of ``year`` (亿元/year; means add up)."""
    bands = summary.bands
    rows = bands[bands["month"] == f"{year}-12"]
    return float(rows["output_yi_mean"].sum())


def overview_table(scenario: Scenario, names: list[str], summaries: list[EnsembleSummary | None],
                   lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(table of cells as shown, P(reach) numbers for the colours): one row per chain
    target and a last row with the county total; one column per policy."""
    chains = {c.id: c for c in scenario.chains}
    first = next(s for s in summaries if s is not None)
    keys = [(r.chain, int(r.target_year), float(r.target_yi)) for r in first.targets.itertuples(index=False)]
    year = max(k[1] for k in keys)
    label_chain, label_target = t("col_chain", lang), t("overview_target", lang)
    shown = pd.DataFrame({
        label_chain: [chain_name(chains[c], lang) for c, _, _ in keys] + [t("overview_total", lang, year=year)],
        label_target: [f"{v:g} ({y})" for _, y, v in keys] + [f"{sum(v for _, _, v in keys):g}"],
    })
    probs = pd.DataFrame(index=shown.index)
    for name, summary in zip(names, summaries):
        if summary is None:
            shown[name] = [t("overview_pending", lang)] * len(shown)
            probs[name] = float("nan")
            continue
        rows = summary.targets.set_index(["chain", "target_year"])
        cells, ps = [], []
        for c, y, _ in keys:
            r = rows.loc[(c, y)]
            cells.append(_cell(r))
            ps.append(float(r.p_reach))
        cells.append(f"{county_total(summary, year):.0f}")
        ps.append(float("nan"))
        shown[name] = cells
        probs[name] = ps
    return shown, probs


def _colour(p: float) -> str:
    if pd.isna(p):
        return ""
    # red (0) → amber (0.5) → green (1), light enough to read the text on
    if p < 0.5:
        r, g = 248, int(105 + 2 * p * 130)
    else:
        r, g = int(248 - 2 * (p - 0.5) * 150), 235
    return f"background-color: rgb({r},{g},140)"


def styled(shown: pd.DataFrame, probs: pd.DataFrame) -> object:
    """The table with each P(reach) cell coloured from red (0%) to green (100%)."""
    def colours(frame: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame("", index=frame.index, columns=frame.columns)
        for col in probs.columns:
            out[col] = [_colour(p) for p in probs[col]]
        return out

    return shown.style.apply(colours, axis=None)


def render(state: AppState) -> None:
    """Draw the overview page: the status quo column first, then one policy at a time."""
    lang = state.lang
    st.subheader(t("overview_title", lang))
    st.caption(t("overview_intro", lang, reps=state.reps, seed=state.seed))
    slot = st.empty()
    progress = st.empty()
    paths = policy_paths(state)
    n = 1 + len(paths) + len(state.saved)
    names: list[str] = []
    summaries: list[EnsembleSummary | None] = []

    def add(policy: Policy) -> None:
        progress.caption(t("overview_progress", lang, k=len(names) + 1, n=n, name=policy.name))
        summary = runs.ensemble(policy.base_hash, policy.levers, state.reps, state.seed, policy.scenario).summary
        names.append(policy.name)
        summaries.append(summary)
        shown, probs = overview_table(state.scenario, names, summaries, lang)
        widgets.fit_table(styled(shown, probs), slot=slot)

    add(status_quo(state))  # before any policy file is read
    for path in paths:
        column = policy_column(state, path)
        if column is not None:
            add(column)
    for column in saved_columns(state):
        add(column)
    progress.empty()
    st.caption(t("overview_legend", lang))
