"""The stored-runs page: the runs kept in the results store, newest first, filtered by
scenario id; a chosen run's P(reach) per chain target with its 95% interval and a fan
chart of its stored monthly output bands (亿元/year).

The store is ``settings.store_path()`` (``CHAINSIM_STORE`` or ``results.duckdb`` in the
working directory). It is opened read-only and only for each read (``chainsim.store``
closes the file after every operation), so ``chainsim run`` can write to it while the
app is open. Reads are cached for ``CACHE_TTL_S`` seconds and keyed on the store file's
modification time and size (and its write-ahead log's), so a new run shows up at once.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from ...ensemble import EnsembleSummary
from ...errors import InputError
from ...store import open_store
from .. import charts, runs, widgets
from ..i18n import t
from ..runs import Stamp
from ..settings import store_path
from ..state import AppState

CACHE_TTL_S = 30
"""Seconds a cached list of runs or stored summary is kept (a changed file is re-read at once)."""

MAKE_STORE = "chainsim run scenarios/*.yaml"
"""The command that makes a results store in the working directory."""


@st.cache_data(ttl=CACHE_TTL_S, max_entries=8, show_spinner=False)
def list_runs(path: str, stamp: Stamp) -> pd.DataFrame:
    """``ResultStore.list_runs()`` of the store at ``path`` (read-only), newest first."""
    runs_ = open_store(path, read_only=True).list_runs()
    return runs_.iloc[::-1].reset_index(drop=True)


@st.cache_data(ttl=CACHE_TTL_S, max_entries=16, show_spinner=False)
def get_run(path: str, stamp: Stamp, run_id: str) -> EnsembleSummary:
    """``ResultStore.get(run_id)`` of the store at ``path`` (read-only)."""
    return open_store(path, read_only=True).get(run_id)


def _time(value: object) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M:%S")


def runs_table(runs_: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The stored runs as shown: scenario id, replicates, seed, engine, when saved (UTC),
    source file and run id, in the order given."""
    return pd.DataFrame({
        t("col_scenario", lang): runs_["scenario_id"],
        t("col_reps", lang): runs_["reps"].astype(int),
        t("col_seed", lang): runs_["seed"].astype(int),
        t("col_engine", lang): runs_["engine"],
        t("col_saved_utc", lang): [_time(v) for v in runs_["created_utc"]],
        t("col_run_source", lang): runs_["source"].fillna(""),
        t("col_run_id", lang): runs_["run_id"],
    })


def stored_targets_table(summary: EnsembleSummary, names: dict[str, str], lang: str) -> pd.DataFrame:
    """One row per chain target of a stored run: target (亿元/year) and year, P(reach) (%)
    with its 95% interval (%), the output in the target year (median and P10–P90,
    亿元/year) and the median year first reached. ``names`` maps chain ids to display names
    (ids not in it are shown as they are)."""
    rows = []
    for r in summary.targets.itertuples(index=False):
        rows.append({
            t("col_chain", lang): names.get(r.chain, r.chain),
            t("col_target", lang): round(r.target_yi, 1),
            t("col_year", lang): int(r.target_year),
            t("col_p", lang): round(100 * r.p_reach, 1),
            t("col_ci", lang): f"[{100 * r.p_reach_lo:.1f}, {100 * r.p_reach_hi:.1f}]",
            t("col_p50", lang): round(r.output_yi_p50, 1),
            t("col_p10_p90", lang): f"{r.output_yi_p10:.1f} – {r.output_yi_p90:.1f}",
            t("col_year_reached", lang): t("never", lang) if pd.isna(r.year_reached_p50)
            else str(int(r.year_reached_p50)),
        })
    return pd.DataFrame(rows)


def chain_names(source: str | None, scenario_id: str, lang: str) -> dict[str, str]:
    """Display names of the chains, read from the run's source file when it is still there
    (relative to the working directory) and holds the same scenario; else empty."""
    if not source:
        return {}
    path = Path(source)
    if not path.is_file():
        return {}
    loaded = runs.load_path(path, source)
    if loaded.scenario is None or loaded.scenario.id != scenario_id:
        return {}
    return {c.id: (c.name_en if lang == "en" else c.name_zh) for c in loaded.scenario.chains}


def _show_run(path: Path, stamp: Stamp, row: pd.Series, lang: str) -> None:
    try:
        summary = get_run(str(path), stamp, row["run_id"])
    except KeyError:
        st.warning(t("stored_gone", lang, run_id=row["run_id"]))
        return
    st.caption(t("stored_caption", lang, scenario=summary.scenario_id, reps=summary.reps, seed=summary.seed,
                 engine=summary.engine, version=summary.version, time=_time(row["created_utc"]),
                 source=row["source"] if isinstance(row["source"], str) else "—"))
    names = chain_names(row["source"] if isinstance(row["source"], str) else None, summary.scenario_id, lang)
    st.subheader(t("stored_targets", lang))
    widgets.show_table(stored_targets_table(summary, names, lang))
    for r in summary.targets.itertuples(index=False):
        year, target = int(r.target_year), float(r.target_yi)
        st.subheader(t("chain_header", lang, name=names.get(r.chain, r.chain), year=year, target=target))
        bands = summary.bands[summary.bands["chain"] == r.chain]
        st.plotly_chart(charts.fan_chart(bands, target, year, lang), key=f"stored_fan_{r.chain}_{year}")


def render(state: AppState) -> None:
    """Draw the stored-runs page."""
    lang = state.lang
    path = store_path()
    if not path.exists():
        st.info(t("stored_missing", lang, path=path))
        st.code(MAKE_STORE, language="sh")
        return
    stamp = runs.store_stamp(path)
    try:
        all_runs = list_runs(str(path), stamp)
    except InputError as exc:
        st.error(t("stored_error", lang, error=exc))
        return
    st.caption(t("stored_intro", lang, path=path))
    if all_runs.empty:
        st.info(t("stored_empty", lang, path=path))
        return
    ids = sorted(all_runs["scenario_id"].unique())
    chosen = st.multiselect(t("stored_filter", lang), ids, key="stored_filter", help=t("stored_filter_help", lang))
    shown = all_runs[all_runs["scenario_id"].isin(chosen)] if chosen else all_runs
    st.caption(t("stored_count", lang, n=len(all_runs), shown=len(shown)))
    widgets.show_table(runs_table(shown, lang))
    by_id = shown.set_index("run_id", drop=False)
    run_id = st.selectbox(t("stored_choose", lang), list(by_id.index), index=None, key="stored_run",
                          placeholder=t("stored_choose_hint", lang),
                          format_func=lambda r: f"{r} · {_time(by_id.loc[r, 'created_utc'])} UTC")
    if run_id is None:
        return
    st.divider()
    try:
        _show_run(path, stamp, by_id.loc[run_id], lang)
    except InputError as exc:
        st.error(t("stored_error", lang, error=exc))
