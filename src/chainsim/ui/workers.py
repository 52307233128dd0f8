"""Where the app's ensembles run, block by block: on a pool of worker processes started
with the app (``chainsim app``), else in this process; with a preview from the first
blocks done while the others still run.

Core objects: ``start_pool`` (the launcher calls it before the server starts, so the
workers are forked from a process with chainsim, numpy and pandas already imported; they
die with it), ``compute`` (an ensemble, the same numbers as
``chainsim.ensemble.run_ensemble``: the same blocks, summarised in block order) and
``Preview`` (a summary of the replicates done so far, and which ones they are).

An ensemble of 300 Liancheng replicates is two blocks (200 + 100 replicates): on two
workers they run side by side; in this process the smaller one runs first, so a preview
of 100 of the 300 replicates comes after a third of the time, and nothing is computed
twice (the preview's replicates are part of the final result).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from ..ensemble import EnsembleSummary, Task, make_tasks, reduce_block, simulate_blocks, summarise
from ..prepare import make_plan
from ..scenario import Scenario

ENGINE = "fast"
"""The app runs the fast engine."""

PREVIEW_REPS = 100
"""A preview is drawn once at least this many replicates are done (and not all of them)."""

PREVIEW_GRACE_S = 0.3
"""On the pool, how long to wait for the remaining blocks before drawing a preview: when
they are in by then (300 replicates on two idle cores) the full result is drawn at once,
with no preview drawn and replaced first."""

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


@dataclass(frozen=True)
class Preview:
    """What the replicates done so far say: ``summary`` over them (``summary.reps`` of the
    ``of_reps`` asked for) and ``replicates``, their indices in the whole ensemble (to pair
    them with the same replicates of another run)."""

    summary: EnsembleSummary
    replicates: np.ndarray
    of_reps: int


def start_pool(workers: int) -> int:
    """Start ``workers`` worker processes for the app's ensembles (none for 1); returns how
    many run. Call it from the main thread before the server starts: the workers are
    forked (Linux) and ask to die with this process, as ``chainsim run``'s do."""
    global _pool
    from ..executors import local_workers, worker_pool

    n = local_workers(workers)
    with _pool_lock:
        if _pool is not None or n < 2:
            return pool_size()
        _pool = worker_pool(n)
        # fork every worker now (not later, from a thread of the server)
        for f in [_pool.submit(os.getpid) for _ in range(n)]:
            f.result()
    return n


def stop_pool() -> None:
    """Shut the pool down (tests; the workers also end with this process)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(cancel_futures=True)


def pool_size() -> int:
    """Worker processes serving the app's ensembles (0: they run in this process)."""
    pool = _pool
    return 0 if pool is None else int(getattr(pool, "_max_workers", 0))


def _reduce(traj: Any, scenario: Scenario) -> Any:
    return reduce_block(traj, make_plan(scenario))


def _run_task(task: Task) -> list[Any]:
    """One task's blocks, simulated and reduced for the summary (runs in a worker)."""
    return [_reduce(block, task.scenario) for block in simulate_blocks(task)]


def _submit(task: Task) -> Future[list[Any]] | None:
    pool = _pool
    if pool is None:
        return None
    try:
        return pool.submit(_run_task, task)
    except (BrokenProcessPool, RuntimeError):  # a worker died or the pool is shut: carry on here
        return None


def compute(scenario: Scenario, reps: int, seed: int,
            on_preview: Callable[[Preview], None] | None = None) -> EnsembleSummary:
    """``run_ensemble(scenario, reps, seed, "fast")``, its blocks on the worker pool when
    there is one; ``on_preview`` is called once, with the replicates done so far, when at
    least ``PREVIEW_REPS`` (and not all) are done (on the pool: and the others are not in
    within ``PREVIEW_GRACE_S`` of the first)."""
    tasks = make_tasks(scenario, reps, seed, ENGINE)
    done: dict[int, list[Any]] = {}
    previewed = on_preview is None

    def maybe_preview() -> None:
        nonlocal previewed
        n = sum(len(tasks[i].replicates) for i in done)
        if previewed or n < PREVIEW_REPS or len(done) == len(tasks):
            return
        previewed = True
        order = sorted(done)
        parts = [p for i in order for p in done[i]]
        replicates = np.concatenate([np.asarray(tasks[i].replicates) for i in order])
        on_preview(Preview(summarise(scenario, parts, n, seed, ENGINE), replicates, reps))  # type: ignore[misc]

    futures = {i: _submit(t) for i, t in enumerate(tasks)} if len(tasks) > 1 else {}
    futures = {i: f for i, f in futures.items() if f is not None}
    pending = set(futures.values())
    index = {f: i for i, f in futures.items()}
    # what the pool does not take runs here, smallest task first (the quickest preview)
    local = sorted((i for i in range(len(tasks)) if i not in futures), key=lambda i: len(tasks[i].replicates))
    for i in local:
        done[i] = _run_task(tasks[i])
        maybe_preview()
    while pending:
        finished, pending = wait(pending, return_when=FIRST_COMPLETED)
        if pending and not previewed:  # the rest may be in soon: then no preview to draw and replace
            more, pending = wait(pending, timeout=PREVIEW_GRACE_S)
            finished |= more
        for f in finished:
            i = index[f]
            try:
                done[i] = f.result()
            except BrokenProcessPool:  # a worker died: this task again, here
                done[i] = _run_task(tasks[i])
        maybe_preview()
    parts = [p for i in range(len(tasks)) for p in done[i]]
    return summarise(scenario, parts, reps, seed, ENGINE)


def timed_compute(scenario: Scenario, reps: int, seed: int,
                  on_preview: Callable[[Preview], None] | None = None) -> tuple[EnsembleSummary, float]:
    """``compute`` and the seconds it took, not counting the time ``on_preview`` spent drawing."""
    drawing = 0.0

    def timed_preview(preview: Preview) -> None:
        nonlocal drawing
        t0 = time.perf_counter()
        try:
            on_preview(preview)  # type: ignore[misc]
        finally:
            drawing += time.perf_counter() - t0

    start = time.perf_counter()
    summary = compute(scenario, reps, seed, timed_preview if on_preview is not None else None)
    return summary, time.perf_counter() - start - drawing
