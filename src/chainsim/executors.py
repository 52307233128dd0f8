"""Where the blocks of an ensemble run: serially, on local processes, or on a Dask cluster.

Core objects: ``SerialExecutor``, ``ProcessExecutor`` and ``DaskExecutor``; every one has
``map(fn, tasks)`` yielding results in task order, so swapping one for another changes no
call site and no result (see ``chainsim.ensemble`` on reproducibility). ``make_executor``
picks one from the command line's ``--workers`` / ``--scheduler``; ``available_cores`` is
how many local workers make sense.

Local workers never outlive the process that started them: each one, as it starts, asks
Linux to kill it when its parent dies (``prctl(PR_SET_PDEATHSIG, SIGKILL)``) and runs a
watchdog thread that exits when its parent process is gone (other systems, or a parent
that was already gone), so a ``chainsim run`` killed with SIGKILL or SIGTERM leaves no
worker behind. Workers ignore Ctrl-C (SIGINT): the parent handles it, cancels what has
not started and waits for the tasks in flight.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from .errors import InputError

PARENT_POLL_S = 0.5
"""How often a local worker's watchdog checks that its parent is still alive (seconds)."""

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def available_cores() -> int:
    """The number of cores this process may run on: its CPU affinity where the system
    tells it (Linux), else the machine's CPU count."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def local_workers(requested: int | None = None) -> int:
    """How many local worker processes to use: ``requested``, at most ``available_cores()``
    (more processes than cores only adds overhead; ``--workers 1000`` must not fork a
    thousand); all cores when None."""
    cores = available_cores()
    return cores if requested is None else max(1, min(requested, cores))


def _worker_start(parent_pid: int, parent_thread_is_main: bool) -> None:
    """Initializer of every local worker process: die with the parent, leave SIGINT to it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent_thread_is_main:  # the death signal follows the creating *thread*, so only for the main thread
        _ask_kernel_for_death_signal()
    if os.getppid() != parent_pid:  # the parent died before we got here
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="chainsim-watch-parent", daemon=True).start()


def _ask_kernel_for_death_signal() -> None:
    """``prctl(PR_SET_PDEATHSIG, SIGKILL)`` on Linux: the kernel kills this process when its
    parent dies. Elsewhere (or if libc will not say) the watchdog thread alone does it."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
        pass


def _watch_parent(parent_pid: int) -> None:
    """Exit this worker as soon as its parent is gone (then the worker is re-parented)."""
    while True:
        time.sleep(PARENT_POLL_S)
        if os.getppid() != parent_pid:
            os._exit(1)


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` local processes that never outlive this one (forked on Linux,
    so they start with this process's modules imported; SIGINT left to the parent)."""
    context = multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None
    is_main = threading.current_thread() is threading.main_thread()
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_start,
                               initargs=(os.getpid(), is_main))


class SerialExecutor:
    """Runs tasks one after another in this process."""

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        for task in tasks:
            yield fn(task)

    def close(self) -> None:
        pass

    def abort(self) -> None:
        pass


class ProcessExecutor:
    """Runs tasks on ``workers`` local processes (at most one per core, ``local_workers``);
    results come back in task order.

    The pool starts at the first ``map`` with more than one task (a single task runs in
    this process: nothing to share, no start-up) and serves every later ``map`` until
    ``close``. On Linux the workers are forked, so they start with this process's modules
    already imported; the parent is then always the process that made the pool, which is
    what the workers watch.
    """

    def __init__(self, workers: int):
        if workers < 1:
            raise InputError(f"--workers must be at least 1, got {workers}")
        self.workers = local_workers(workers)
        self._pool: ProcessPoolExecutor | None = None

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        tasks = list(tasks)
        if len(tasks) <= 1 and self._pool is None:
            yield from map(fn, tasks)
            return
        if self._pool is None:
            self._pool = worker_pool(self.workers)
        yield from self._pool.map(fn, tasks)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def abort(self) -> None:
        """End the pool now (on Ctrl-C, SIGTERM or an error): cancel what is queued and kill the
        workers instead of waiting for the tasks they are running."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.kill()
        for process in processes:
            process.join(timeout=5)


class DaskExecutor:
    """Runs tasks on an existing Dask cluster (``tcp://HOST:PORT``); results in task order.

    Tasks are submitted with ``pure=False`` and gathered as they finish, then yielded in
    order. If a worker dies, Dask reschedules its task on another worker; a task that
    keeps killing workers fails the run with Dask's error (nothing partial is returned).
    """

    SCHEMES = ("tcp", "tls")

    def __init__(self, address: str, timeout_s: float = 5.0):
        """Connect to the scheduler at ``address`` and wait for a worker, each for at most
        ``timeout_s`` seconds; ``InputError`` otherwise."""
        scheme, _, rest = address.partition("://")
        if scheme not in self.SCHEMES or not rest:
            raise InputError(f"--scheduler wants an address like tcp://127.0.0.1:8786, got {address!r}")
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - a dependency of the package
            raise InputError("Dask's distributed package is not installed") from exc
        try:
            self.client = Client(address, timeout=timeout_s, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        try:
            self.client.wait_for_workers(1, timeout=timeout_s)
        except TimeoutError:
            self.client.close()
            raise InputError(f"the Dask scheduler at {address} has no workers (waited {timeout_s:g} s)") from None

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        futures = self.client.map(fn, list(tasks), pure=False)
        try:
            for future in futures:
                yield future.result()
        finally:
            # cancel what is still pending; a generator closed late (after ``close``) has nothing
            # left to cancel, and must not call the closed client
            pending = [future for future in futures if not future.done()]
            if pending and self.client.status == "running":
                self.client.cancel(pending)

    def close(self) -> None:
        self.client.close()

    def abort(self) -> None:
        """On Ctrl-C, SIGTERM or an error: the tasks are cancelled by ``map``; just disconnect."""
        self.client.close()


def make_executor(workers: int | None = None, scheduler: str | None = None) -> Any:
    """The executor for ``--workers N`` (N local processes, clipped by ``local_workers``;
    serial for 1 or None) or ``--scheduler ADDRESS`` (a Dask cluster)."""
    if workers is not None and scheduler is not None:
        raise InputError("give --workers or --scheduler, not both")
    if scheduler is not None:
        if "://" not in scheduler:
            raise InputError(f"--scheduler wants an address like tcp://127.0.0.1:8786, got {scheduler!r}")
        return DaskExecutor(scheduler)
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}")
    if workers is not None and local_workers(workers) > 1:
        return ProcessExecutor(workers)
    return SerialExecutor()
