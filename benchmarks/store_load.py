"""The results store and the app under load: ``python benchmarks/store_load.py``.

Builds a results store of ``--runs`` scenario runs (default 100) of ``--reps`` replicates
each (default 10,000) from real ensembles, then measures what a user waits for:

* the store file's size (MiB) and the time to save one run (median, max);
* ``list_runs``, ``find`` and ``get`` of one run (median of ``--repeat`` calls);
* ``export`` of every table to Parquet and to CSV (time, size of the files);
* ``chainsim run FILE --store PATH --json`` as a subprocess when it reuses a stored run
  (wall time, start-up included);
* the app's stored-runs page in Streamlit's AppTest with ``CHAINSIM_STORE`` pointing at the
  store: first load (the list of runs), choosing a run (its table and fan charts) and a
  rerun with the run chosen (from the cache);
* a second process reading (``list_runs``, read-only as the app does) while this one saves
  runs: how many calls of each succeed and the longest wait.

The runs are the six Liancheng scenario files and Queshan in turn, each with distinct
seeds (run ``i``: file ``i mod 7``, seed ``SEED0 + i // 7``), simulated with chainsim's
own ``run_ensemble`` on ``--workers`` processes (default 2) and saved with
``ResultStore.save`` as ``chainsim run`` would. Runs already in the store (same key) are
not simulated again, so ``--store PATH --keep`` lets a second call measure without
rebuilding. The full size takes about ten minutes on two cores; run it once.

Writes the figures to ``--json`` (default ``benchmarks/store_load.json``) and prints them.
The store is made in a temporary folder and removed at the end unless ``--store`` names
it or ``--keep`` is given (a store this script did not create is never removed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
APP = REPO / "app.py"
SCENARIO_FILES = (
    "scenarios/liancheng.yaml", "scenarios/liancheng_approvals.yaml", "scenarios/liancheng_chain_chief.yaml",
    "scenarios/liancheng_factories.yaml", "scenarios/liancheng_precision.yaml",
    "scenarios/liancheng_prework_x2.yaml", "scenarios/queshan.yaml",
)
"""The scenarios the runs cycle through (paths relative to the repository, as stored)."""

SEED0 = 1000
"""Seed of the first run of each scenario; the next ones count up."""

MIB = 1024 * 1024
ENGINE = "fast"


def plan(n_runs: int) -> list[tuple[str, int]]:
    """(scenario file, seed) of each run: the files in turn, distinct seeds per file."""
    return [(SCENARIO_FILES[i % len(SCENARIO_FILES)], SEED0 + i // len(SCENARIO_FILES)) for i in range(n_runs)]


def median_time(fn: Callable[[], object], repeat: int) -> dict[str, float]:
    """Wall seconds of ``repeat`` calls of ``fn``: median and max."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return {"median_s": statistics.median(times), "max_s": max(times), "calls": repeat}


def file_mib(*paths: Path) -> float:
    """Total size of the files that exist among ``paths``, in MiB."""
    return sum(p.stat().st_size for p in paths if p.exists()) / MIB


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- building


def build(store_path: Path, n_runs: int, reps: int, workers: int) -> dict[str, Any]:
    """Simulate and save the planned runs that the store does not hold yet."""
    from chainsim.ensemble import run_ensemble
    from chainsim.executors import ProcessExecutor, SerialExecutor
    from chainsim.scenario import load_scenario
    from chainsim.store import open_store

    store = open_store(store_path)
    scenarios = {name: load_scenario(REPO / name) for name in SCENARIO_FILES}
    executor = ProcessExecutor(workers) if workers > 1 else SerialExecutor()
    simulate_s: list[float] = []
    save_s: list[float] = []
    reused = 0
    start = time.perf_counter()
    try:
        for k, (name, seed) in enumerate(plan(n_runs), 1):
            scenario = scenarios[name]
            if store.find(scenario, reps, seed, ENGINE) is not None:
                reused += 1
                continue
            t0 = time.perf_counter()
            summary = run_ensemble(scenario, reps, seed, ENGINE, executor)
            t1 = time.perf_counter()
            store.save(summary, source=name)
            t2 = time.perf_counter()
            simulate_s.append(t1 - t0)
            save_s.append(t2 - t1)
            elapsed = t2 - start
            left = elapsed / len(simulate_s) * (n_runs - k)
            log(f"[{k}/{n_runs}] {name} seed {seed}: simulated in {t1 - t0:.1f} s, saved in {t2 - t1:.2f} s "
                f"({file_mib(store_path):.1f} MiB; about {left / 60:.1f} min left)")
    finally:
        executor.close()
    return {
        "simulated": len(simulate_s), "reused": reused, "wall_s": time.perf_counter() - start,
        "simulate_s": _stats(simulate_s), "save_s": _stats(save_s),
    }


def _stats(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {"median_s": statistics.median(values), "max_s": max(values), "min_s": min(values), "n": len(values)}


# ---------------------------------------------------------------------------- library


def measure_library(store_path: Path, reps: int, repeat: int, work: Path) -> dict[str, Any]:
    """list_runs, find and get of one run, and both exports."""
    from chainsim.scenario import load_scenario
    from chainsim.store import open_store

    store = open_store(store_path, create=False)
    runs = store.list_runs()
    name, seed = plan(1)[0]
    scenario = load_scenario(REPO / name)
    found = store.find(scenario, reps, seed, ENGINE)
    if found is None:
        raise SystemExit(f"the store lacks {name} seed {seed} with {reps} reps")
    run_id = runs.loc[(runs["source"] == name) & (runs["seed"] == seed) & (runs["reps"] == reps), "run_id"].iloc[0]
    out: dict[str, Any] = {
        "list_runs": median_time(store.list_runs, repeat),
        "find": median_time(lambda: store.find(scenario, reps, seed, ENGINE), repeat),
        "get": median_time(lambda: store.get(run_id), repeat),
        "read_only_list_runs": median_time(open_store(store_path, read_only=True).list_runs, repeat),
        "export": {},
    }
    for fmt in ("parquet", "csv"):
        folder = work / f"export_{fmt}"
        folder.mkdir()
        start = time.perf_counter()
        files = store.export(folder, fmt)  # type: ignore[arg-type]
        seconds = time.perf_counter() - start
        out["export"][fmt] = {"seconds": seconds, "mib": file_mib(*files),
                              "replicates_mib": file_mib(folder / f"replicates.{fmt}")}
        shutil.rmtree(folder)
    return out


def measure_cli_reuse(store_path: Path, reps: int) -> dict[str, Any]:
    """Wall time of ``chainsim run FILE --store PATH --json`` when the store has the run."""
    name, seed = plan(1)[0]
    command = [sys.executable, "-m", "chainsim.cli", "run", name, "--store", str(store_path), "--json",
               "--reps", str(reps), "--seed", str(seed), "--no-progress"]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"chainsim run failed: {done.stderr}")
    result = json.loads(done.stdout)["results"][0]
    return {"command": " ".join(["chainsim", *command[3:]]), "wall_s": seconds, "reused": "reusing" in done.stderr,
            "scenario": result["scenario"], "reps": result["reps"]}


# ---------------------------------------------------------------------------- app


def measure_app(store_path: Path, work: Path) -> dict[str, Any]:
    """The stored-runs page in AppTest: first load, choosing a run, a cached rerun (wall s).
    The sidebar's scenario is the tiny test scenario, so the default page costs little."""
    from streamlit.testing.v1 import AppTest

    folder = work / "app_scenarios"
    folder.mkdir()
    shutil.copy(REPO / "tests" / "scenarios" / "tiny.yaml", folder / "tiny.yaml")
    os.environ["CHAINSIM_STORE"] = str(store_path)
    os.environ["CHAINSIM_SCENARIO_DIR"] = str(folder)
    os.environ["CHAINSIM_APP_REPS"] = "100"
    os.chdir(REPO)  # the runs' sources are relative to the repository (chain names)

    def timed(at: AppTest) -> float:
        start = time.perf_counter()
        at.run()
        seconds = time.perf_counter() - start
        if at.exception:
            raise SystemExit(f"the app failed: {[e.value for e in at.exception]}")
        return seconds

    at = AppTest.from_file(str(APP), default_timeout=600)
    start_s = timed(at)  # the default page on the tiny test scenario
    at.segmented_control(key="page").set_value("stored")
    first_s = timed(at)
    listed = len(at.dataframe[0].value)
    options = at.selectbox(key="stored_run").options
    at.selectbox(key="stored_run").set_value(options[0].split(" · ")[0])
    choose_s = timed(at)
    charts = len(at.get("plotly_chart"))
    again_s = timed(at)
    return {"app_start_s": start_s, "stored_page_first_load_s": first_s, "runs_listed": listed,
            "choose_run_s": choose_s, "fan_charts": charts, "rerun_with_run_chosen_s": again_s}


# ---------------------------------------------------------------------------- concurrency

READER_PAUSE_S = 0.05
"""Seconds the reader process waits between two ``list_runs`` calls (a busy app, not a spin loop)."""

READER = textwrap.dedent("""
    import json, statistics, sys, time
    from pathlib import Path
    from chainsim.store import open_store
    store_path, stop, PAUSE_S = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
    calls, failures, waits, errors, n = 0, 0, [], [], None
    print("ready", flush=True)
    while not stop.exists():
        time.sleep(PAUSE_S)
        start = time.perf_counter()
        try:
            n = len(open_store(store_path, read_only=True).list_runs())
            calls += 1
        except Exception as exc:
            failures += 1
            errors.append(str(exc)[:200])
        waits.append(time.perf_counter() - start)
    print(json.dumps({"calls": calls, "failures": failures, "median_s": statistics.median(waits),
                      "max_s": max(waits), "runs_seen": n, "errors": errors[:3]}))
""")


def measure_concurrent(store_path: Path, saves: int, work: Path) -> dict[str, Any]:
    """A reader process calls ``list_runs`` every ``READER_PAUSE_S`` seconds while this
    process saves ``saves`` runs (the newest stored run re-saved: same key and source, so
    the store keeps its contents)."""
    from chainsim.store import open_store

    store = open_store(store_path)
    newest = store.list_runs().iloc[-1]
    summary = store.get(newest["run_id"])
    stop = work / "stop_reader"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(store_path), str(stop), str(READER_PAUSE_S)],
                              stdout=subprocess.PIPE,
                              text=True)
    assert reader.stdout is not None
    reader.stdout.readline()  # "ready": imports done
    time.sleep(0.5)
    save_s, failures = [], []
    for _ in range(saves):
        start = time.perf_counter()
        try:
            store.save(summary, source=newest["source"])
        except Exception as exc:  # counted, not raised: the figure says whether it happened
            failures.append(str(exc)[:200])
        save_s.append(time.perf_counter() - start)
        time.sleep(0.2)
    stop.touch()
    out, _ = reader.communicate(timeout=120)
    stop.unlink()
    return {"reader": json.loads(out.strip().splitlines()[-1]),
            "writer": {"saves": saves - len(failures), "failures": len(failures), "max_s": max(save_s),
                       "median_s": statistics.median(save_s), "errors": failures[:3]}}


# ---------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100, help="scenario runs in the store (default 100)")
    parser.add_argument("--reps", type=int, default=10_000, help="replicates per run (default 10,000)")
    parser.add_argument("--workers", type=int, default=2, help="simulation processes (default 2)")
    parser.add_argument("--store", type=Path, help="the store file (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the store at the end")
    parser.add_argument("--repeat", type=int, default=5, help="calls per timed read (default 5)")
    parser.add_argument("--saves", type=int, default=5, help="saves during the concurrent-reader test (default 5)")
    parser.add_argument("--json", type=Path, default=HERE / "store_load.json", help="where to write the figures")
    args = parser.parse_args(argv)
    args.json = args.json.resolve()  # the app part changes the working directory
    if args.runs < 1 or args.reps < 1 or args.workers < 1 or args.repeat < 1 or args.saves < 1:
        parser.error("--runs, --reps, --workers, --repeat and --saves must be at least 1")

    sys.path.insert(0, str(HERE))
    from run import machine  # noqa: E402  (benchmarks/run.py: what the numbers were measured on)

    import duckdb
    import streamlit

    work = Path(tempfile.mkdtemp(prefix="chainsim_store_load_"))
    store_path = (args.store or work / "results.duckdb").resolve()
    created = not store_path.exists()
    results: dict[str, Any] = {
        "command": "python benchmarks/store_load.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "sizes": {"runs": args.runs, "reps": args.reps, "workers": args.workers, "scenarios": list(SCENARIO_FILES)},
        "machine": {**machine(), "duckdb": duckdb.__version__, "streamlit": streamlit.__version__},
    }
    try:
        log(f"building {store_path}: {args.runs} runs × {args.reps} replicates on {args.workers} worker(s)")
        results["build"] = build(store_path, args.runs, args.reps, args.workers)
        results["store"] = {"path": str(store_path), "mib": file_mib(store_path, store_path.with_name(
            store_path.name + ".wal")), "runs": args.runs, "replicate_rows": _replicate_rows(store_path)}
        log("timing reads and exports")
        results["library"] = measure_library(store_path, args.reps, args.repeat, work)
        log("timing chainsim run reusing a stored run")
        results["cli_reuse"] = measure_cli_reuse(store_path, args.reps)
        log("timing the reader process against saves")
        results["concurrent"] = measure_concurrent(store_path, args.saves, work)
        log("timing the app's stored-runs page (AppTest)")
        results["app"] = measure_app(store_path, work)
        results["machine"]["load_average_1_5_15_at_end"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        shutil.rmtree(work / "export_parquet", ignore_errors=True)
        shutil.rmtree(work / "export_csv", ignore_errors=True)
        shutil.rmtree(work / "app_scenarios", ignore_errors=True)
        if created and not args.keep:
            store_path.unlink(missing_ok=True)
            store_path.with_name(store_path.name + ".wal").unlink(missing_ok=True)
        elif store_path.exists():
            log(f"kept the store {store_path}")
        if not any(work.iterdir()):
            work.rmdir()
    args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(report(results))
    return 0


def _replicate_rows(store_path: Path) -> int:
    import duckdb

    con = duckdb.connect(str(store_path), read_only=True)
    try:
        return int(con.execute("SELECT count(*) FROM replicates").fetchone()[0])
    finally:
        con.close()


def report(r: dict[str, Any]) -> str:
    """The figures as short text lines."""
    lib, app, conc, build_ = r["library"], r["app"], r["concurrent"], r["build"]
    save = build_["save_s"]
    ms = {name: lib[name]["median_s"] * 1000 for name in ("list_runs", "read_only_list_runs", "find", "get")}
    lines = [
        f"store: {r['sizes']['runs']} runs × {r['sizes']['reps']:,} replicates, {r['store']['mib']:.1f} MiB "
        f"({r['store']['replicate_rows']:,} replicate rows); built in {build_['wall_s'] / 60:.1f} min "
        f"({build_['simulated']} simulated, {build_['reused']} already stored)",
        "save per run: " + ("(none saved)" if save is None
                            else f"median {save['median_s']:.3f} s, max {save['max_s']:.3f} s"),
        f"list_runs {ms['list_runs']:.1f} ms (read-only {ms['read_only_list_runs']:.1f} ms), "
        f"find {ms['find']:.1f} ms, get {ms['get']:.1f} ms (medians)",
        *(f"export {fmt}: {e['seconds']:.2f} s, {e['mib']:.1f} MiB" for fmt, e in lib["export"].items()),
        f"{r['cli_reuse']['command']}: {r['cli_reuse']['wall_s']:.2f} s (reused: {r['cli_reuse']['reused']})",
        f"reader during saves: {conc['reader']['calls']} list_runs calls, {conc['reader']['failures']} failed, "
        f"longest {conc['reader']['max_s']:.2f} s; writer: {conc['writer']['saves']} saves, "
        f"{conc['writer']['failures']} failed, longest {conc['writer']['max_s']:.2f} s",
        f"app stored-runs page: first load {app['stored_page_first_load_s']:.2f} s ({app['runs_listed']} runs), "
        f"choose a run {app['choose_run_s']:.2f} s ({app['fan_charts']} fan charts), "
        f"rerun {app['rerun_with_run_chosen_s']:.2f} s",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
