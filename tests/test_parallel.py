"""Parallel everywhere: one pool of tasks for all scenarios of a ``chainsim run``, the same
bytes whatever executes it, ``--workers`` clipped to the cores, and no worker left behind
when the parent is killed.

Behaviour only, never timings (benchmarks/scaling.py measures the speed-up).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chainsim.ensemble import run_ensemble, run_ensembles
from chainsim.executors import ProcessExecutor, SerialExecutor, available_cores, local_workers
from chainsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "scenarios" / "tiny.yaml"
FILES = [TINY, ROOT / "scenarios" / "queshan.yaml", ROOT / "tests" / "scenarios" / "equiv_three_chains.yaml"]
REPS, SEED = 450, 7
"""Three blocks per scenario: the pool mixes the blocks of all three."""

needs_two_cores = pytest.mark.skipif(available_cores() < 2, reason="needs two cores for two worker processes")


def cli(*args: object, cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chainsim.cli", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


def run_json(*options: object, cwd: Path, files: list[Path] = FILES) -> str:
    result = cli("run", *files, "--reps", REPS, "--seed", SEED, "--no-store", "--json", *options, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def serial_json(tmp_path_factory) -> str:
    return run_json("--workers", 1, cwd=tmp_path_factory.mktemp("serial"))


# --------------------------------------------------------------------------- one pool, the same bytes


@needs_two_cores
def test_a_multi_file_run_prints_the_same_json_on_one_or_two_workers(serial_json, tmp_path):
    assert run_json("--workers", 2, cwd=tmp_path) == serial_json
    assert [r["scenario"] for r in json.loads(serial_json)["results"]] == [load_scenario(f).id for f in FILES]


def test_a_file_named_twice_runs_once_and_is_reported_twice(serial_json, tmp_path):
    twice = json.loads(run_json("--workers", 1, cwd=tmp_path, files=[TINY, TINY]))["results"]
    assert twice == [json.loads(serial_json)["results"][0]] * 2


@needs_two_cores
def test_each_scenario_of_a_pooled_run_on_processes_is_what_it_gives_alone_serially(assert_same_summary):
    scenarios = [load_scenario(f) for f in FILES]
    executor = ProcessExecutor(2)
    try:
        pooled = list(run_ensembles([(s, REPS, SEED, "fast") for s in scenarios], executor))
    finally:
        executor.close()
    for scenario, summary in zip(scenarios, pooled):
        assert_same_summary(summary, run_ensemble(scenario, REPS, SEED, executor=SerialExecutor()))


def test_progress_counts_the_tasks_of_all_scenarios():
    scenarios = [load_scenario(f) for f in FILES]
    seen: list[tuple[int, int]] = []
    list(run_ensembles([(s, REPS, SEED, "fast") for s in scenarios], progress=lambda d, t: seen.append((d, t))))
    assert seen == [(k, 9) for k in range(1, 10)]


def test_a_dask_cluster_prints_the_serial_json_for_a_multi_file_run(serial_json, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=":0") as cluster:
        assert run_json("--scheduler", cluster.scheduler_address, cwd=tmp_path) == serial_json


# --------------------------------------------------------------------------- --workers


def test_workers_default_to_the_cores_and_never_exceed_them():
    cores = available_cores()
    assert local_workers() == cores == local_workers(10 * cores)
    assert local_workers(1) == 1
    assert ProcessExecutor(1000).workers == cores


def test_too_many_workers_are_clipped_and_said_so(serial_json, tmp_path):
    result = cli("run", *FILES, "--reps", REPS, "--seed", SEED, "--no-store", "--json", "--workers", 1000,
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"--workers 1000: using {available_cores()}, the number of cores" in result.stderr
    assert result.stdout == serial_json


# --------------------------------------------------------------------------- no orphans


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state first), or None if gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def children_of(pid: int) -> dict[int, str]:
    """The processes whose parent is ``pid``: their pid and start time (against pid reuse)."""
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and fields[1] == str(pid):
                out[int(entry.name)] = fields[19]
    return out


def alive(pids: dict[int, str]) -> list[int]:
    """Those of ``pids`` still running (the same process, not a zombie)."""
    running = []
    for pid, started in pids.items():
        fields = _stat(pid)
        if fields is not None and fields[19] == started and fields[0] not in ("Z", "X"):
            running.append(pid)
    return running


def wait_for(condition, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def start_and_kill(command: list[str], sig: signal.Signals, cwd: Path) -> list[int]:
    """Start ``command``, wait until it has two worker processes, send it ``sig``; the
    workers still running a few seconds later."""
    parent = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: len(children_of(parent.pid)) >= 2 or parent.poll() is not None, 60)
        workers = children_of(parent.pid)
        assert len(workers) >= 2 and parent.poll() is None, "the run had no two workers to orphan"
        parent.send_signal(sig)
        parent.wait(timeout=30)
        wait_for(lambda: not alive(workers), 10)
        return alive(workers)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()


LONG_RUN = [sys.executable, "-m", "chainsim.cli", "run", str(TINY), "--reps", "200000", "--no-store", "--json",
            "--no-progress", "--workers", "2"]


@needs_two_cores
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killing_chainsim_run_leaves_no_worker_behind(sig, tmp_path):
    survivors = start_and_kill(LONG_RUN, sig, tmp_path)
    for pid in survivors:  # clean up before failing
        os.kill(pid, signal.SIGKILL)
    assert survivors == []


POOL_IN_A_THREAD = """
import sys, threading
from chainsim.ensemble import run_ensemble
from chainsim.executors import ProcessExecutor
from chainsim.scenario import load_scenario
scenario = load_scenario(sys.argv[1])
executor = ProcessExecutor(2)
worker = threading.Thread(target=run_ensemble, args=(scenario, 200000, 1), kwargs={"executor": executor})
worker.start()
worker.join()
"""


@needs_two_cores
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_workers_of_a_pool_started_in_a_thread_watch_their_parent(tmp_path):
    """No death signal there (it would follow the thread): the watchdog alone ends them."""
    survivors = start_and_kill([sys.executable, "-c", POOL_IN_A_THREAD, str(TINY)], signal.SIGKILL, tmp_path)
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert survivors == []
