"""Where the blocks of an ensemble run: serially, on local processes, or on a Dask cluster.

Core objects: ``SerialExecutor``, ``ProcessExecutor`` and ``DaskExecutor``; every one has
``map(fn, tasks)`` yielding results in task order, so swapping one for another changes no
call site and no result (see ``chainsim.ensemble`` on reproducibility). ``make_executor``
picks one from the command line's ``--workers`` / ``--scheduler``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from .errors import InputError


class SerialExecutor:
    """Runs tasks one after another in this process."""

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        for task in tasks:
            yield fn(task)

    def close(self) -> None:
        pass


class ProcessExecutor:
    """Runs tasks on ``workers`` local processes; results come back in task order."""

    def __init__(self, workers: int):
        if workers < 1:
            raise InputError(f"--workers must be at least 1, got {workers}")
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers)
        yield from self._pool.map(fn, list(tasks))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


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
            for future in futures:
                future.cancel()

    def close(self) -> None:
        self.client.close()


def make_executor(workers: int | None = None, scheduler: str | None = None) -> Any:
    """The executor for ``--workers N`` or ``--scheduler ADDRESS`` (serial by default)."""
    if workers is not None and scheduler is not None:
        raise InputError("give --workers or --scheduler, not both")
    if scheduler is not None:
        if "://" not in scheduler:
            raise InputError(f"--scheduler wants an address like tcp://127.0.0.1:8786, got {scheduler!r}")
        return DaskExecutor(scheduler)
    if workers is not None and workers != 1:
        return ProcessExecutor(workers)
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}")
    return SerialExecutor()
