"""Options and output helpers shared by several commands."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any


if TYPE_CHECKING:
    from ..scenario import Scenario


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    if value > 1_000_000:
        raise argparse.ArgumentTypeError(f"at most 1000000, got {value}")
    return value


def seed_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"a seed is a whole number from 0 to 2**63-1, got {value}")
    return value


def probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a probability, got {text!r}") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"a probability strictly between 0 and 1, got {value}")
    return value


def add_ensemble_options(p: argparse.ArgumentParser, engine: bool = True) -> None:
    p.add_argument("--reps", type=positive_int, help="replicates (default: the scenario's ensemble.reps)")
    p.add_argument("--seed", type=seed_int, help="master seed (default: the scenario's ensemble.seed)")
    if engine:
        p.add_argument("--engine", choices=["fast", "mesa"], default="fast", help="simulation engine (default fast)")


def add_executor_options(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--workers", type=positive_int,
                   help="local worker processes (default and at most: the number of cores); 1 runs in this process")
    g.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler, tcp://HOST:PORT")


def workers_to_use(args: argparse.Namespace) -> int | None:
    """``--workers`` as it will be used: the number of cores when not given (None with
    ``--scheduler``), and never more than that: a larger value is clipped, said on stderr."""
    if getattr(args, "scheduler", None) is not None:
        return None
    from ..executors import local_workers

    n = local_workers(args.workers)
    if args.workers is not None and n < args.workers:
        print(f"chainsim: --workers {args.workers}: using {n}, the number of cores", file=sys.stderr)
    return n


def emit_json(doc: Any) -> None:
    json.dump(doc, sys.stdout, ensure_ascii=False, indent=2, allow_nan=False)
    sys.stdout.write("\n")


def progress_bar(enabled: bool, desc: str, unit: str = "block") -> tuple[Callable[[int, int], None] | None, Callable[[], None]]:
    """A tqdm bar on stderr, as a ``progress(done, total)`` callback and a closer."""
    if not enabled:
        return None, lambda: None
    from tqdm import tqdm

    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False)
        bar.update(done - bar.n)

    def close() -> None:
        if "bar" in state:
            state["bar"].close()

    return update, close


def show_progress(args: argparse.Namespace) -> bool:
    return not getattr(args, "no_progress", False) and sys.stderr.isatty()


def add_output_options(p: argparse.ArgumentParser, json_help: str = "print only CONTRACT.md's JSON on stdout") -> None:
    p.add_argument("--json", action="store_true", help=json_help)
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def load_all(names: Sequence[str]) -> list["Scenario"]:
    """Every named scenario, or one ``ScenarioError`` with the problems of all of them
    (nothing runs until every file is valid)."""
    from ..scenario import ScenarioError, load_scenario

    scenarios, problems = [], []
    for name in names:
        try:
            scenarios.append(load_scenario(name))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    return scenarios


@contextmanager
def execution(args: argparse.Namespace, desc: str, unit: str = "block") -> Iterator[tuple[Any, Callable[[int, int], None] | None]]:
    """The executor (``--workers``, see ``workers_to_use``, or ``--scheduler``) and a
    progress callback; both closed on the way out."""
    from ..executors import make_executor

    executor = make_executor(workers_to_use(args), args.scheduler)
    update, close = progress_bar(show_progress(args), desc, unit)
    try:
        yield executor, update
    except BaseException:
        close()
        executor.abort()  # interrupted or failed: end the workers now, do not wait for their tasks
        raise
    close()
    executor.close()
