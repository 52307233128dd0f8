"""``chainsim app``: the planners' app, ready before it listens.

``streamlit run app.py`` starts listening at once and pays, on the first page opened, for
importing Streamlit, pandas, Plotly and chainsim (about 1 s here), reading the scenario
and its policy files (about 0.4 s each) and the status quo's ensemble (about 0.8 s of CPU
for 300 Liancheng replicates). ``chainsim app`` does all that first, in ``prepare``:

* imports the app and what its pages use;
* starts the worker processes that run the app's ensembles (``chainsim.ui.workers``: two
  blocks of a 300-replicate ensemble side by side on two cores), forked now, from the
  main thread, before the server starts any thread;
* loads the default scenario (liancheng.yaml when the folder holds it) and its policy
  files, and computes the status quo of each at the default replicates (or reads it from
  the results store when ``chainsim run`` stored it), into the same caches the pages use;

then hands over to Streamlit (``serve``), in the same process, with the repository's
``.streamlit/config.toml`` and any options given after ``--``. The app's captions say when a
result was computed at the start. Nothing here changes a number: the ensembles are those of
``run_ensemble``.
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "script" / "chainsim_app.py"
"""The script Streamlit runs for every page view (``from chainsim.ui import main; main()``)."""

WARM_MODULES = ("chainsim.ui.app", "chainsim.ui.tables", "chainsim.ui.exports", "chainsim.store", "chainsim.analysis",
                "chainsim.report", "chainsim.plausibility", "duckdb", "plotly.graph_objects")
"""Imported by ``prepare``: the app and what its first pages import on their first run."""


@dataclass(frozen=True)
class Prepared:
    """What ``prepare`` did: the worker processes started, each scenario's status quo
    computed or read (name, seconds, from the store?), and the seconds it all took."""

    workers: int
    runs: tuple[tuple[str, float, bool], ...]
    seconds: float


def prepare(workers: int | None = None, say: Callable[[str], None] | None = None) -> Prepared:
    """Import the app, start ``workers`` worker processes (default: one per core; 1: none)
    and compute the status quo of the default scenario and of its policy files at the
    app's default replicates (``CHAINSIM_APP_REPS``), into the app's caches."""
    start = time.perf_counter()
    for name in WARM_MODULES:
        importlib.import_module(name)
    from ..figures import load_figures
    from . import runs
    from . import workers as pool
    from .pages.overview import policy_paths
    from .settings import DEFAULT_SCENARIO, default_reps, scenario_dir, scenario_files
    from .state import AppState, lever_key, status_quo_levers
    from .widgets import display_name

    load_figures()
    started = pool.start_pool(workers) if workers is None or workers > 1 else 0
    files = {p.name: p for p in scenario_files(scenario_dir())}
    if not files:
        return Prepared(started, (), time.perf_counter() - start)
    chosen = files[DEFAULT_SCENARIO] if DEFAULT_SCENARIO in files else next(iter(files.values()))
    loaded = runs.load_path(chosen, display_name(chosen))
    if loaded.scenario is None:
        return Prepared(started, (), time.perf_counter() - start)
    reps = default_reps()
    seed = loaded.scenario.ensemble.seed
    state = AppState(lang="zh", source=loaded.name, scenario=loaded.scenario, levers={}, reps=reps, seed=seed)
    todo = [(chosen.name, loaded.scenario)]
    for path in policy_paths(state):
        policy = runs.load_path(path, path.name).scenario
        if policy is not None:
            todo.append((path.name, policy))
    done = []
    for name, scenario in todo:
        timed = runs.prepare(scenario.content_hash(), lever_key(status_quo_levers(scenario)), reps, seed, scenario)
        done.append((name, timed.seconds, timed.stored))
        if say is not None:
            where = "read from the results store" if timed.stored else f"computed in {timed.seconds:.2f} s"
            say(f"chainsim app: status quo of {name} ({reps} replicates) {where}")
        if len(done) == 1:
            _first_draw(state, timed.summary)
    return Prepared(started, tuple(done), time.perf_counter() - start)


def _first_draw(state, summary) -> None:
    """What the first page view would otherwise do once per process: render a coloured
    table (pandas' Styler compiles its Jinja templates) and a fan chart to JSON (Plotly's
    figure classes); nothing is drawn."""
    from . import charts
    from .pages.overview import overview_table, styled

    shown, probs = overview_table(state.scenario, ["-"], [summary], "zh")
    styled(shown, probs).hide(axis="index").to_html()
    target = summary.targets.iloc[0]
    bands = summary.bands[summary.bands["chain"] == target["chain"]]
    charts.fan_chart(bands, float(target["target_yi"]), int(target["target_year"]), "zh", bands).to_json()


def serve(streamlit_args: list[str]) -> int:
    """``streamlit run`` the app's script in this process (the caches ``prepare`` filled
    are this process's); returns Streamlit's exit code."""
    from streamlit.web import cli as stcli

    sys.argv = ["streamlit", "run", str(SCRIPT), *streamlit_args]
    try:
        stcli.main(prog_name="streamlit")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0
