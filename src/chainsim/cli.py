"""The ``chainsim`` command line (see CONTRACT.md).

Each command lives in its own module under ``chainsim.commands`` and exposes
``register(subparsers)``; this module only wires them together and turns exceptions into
exit codes: 0 success, 2 bad input (a located message, no traceback), 1 internal error
(a short message; the traceback only with ``--debug``), 130 on Ctrl-C and 143 on SIGTERM.

Start-up: building the parser imports every command module, so those import only the
standard library and ``commands.common`` at the top; what a command needs (numpy, pandas,
pydantic, duckdb, scipy, SALib, mesa, dask, ...) is imported inside its ``run``. So
``chainsim --version`` imports no third-party package and ``validate`` or a fast-engine
``run`` only what they use (tests/test_startup.py holds this).

Text bound for a terminal goes through ``printable`` (control characters shown as escapes),
and SIGTERM unwinds like Ctrl-C, so every ``finally`` (worker pools, temporary folders,
store connections) runs before the process ends.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import signal
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from . import __version__
from .errors import InputError, printable

COMMANDS = ["validate", "run", "compare", "calibrate", "sensitivity", "what_it_takes", "optimise", "discover", "robustness", "export", "figures", "report", "app"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 with usage: keep that, it is bad input
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="chainsim", description="Can a county's industrial chains reach their targets?")
    parser.add_argument("--debug", action="store_true", help="show the traceback of internal errors")
    parser.add_argument("--version", action="version", version=f"chainsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"chainsim.commands.{name}").register(sub)
    return parser


class _NeverRaised(Exception):
    """Stands for ``ScenarioError`` while ``chainsim.scenario`` is not imported."""


def _scenario_error() -> type[Exception]:
    """``chainsim.scenario.ScenarioError`` if that module is loaded (nothing else can have
    raised one), so that the CLI need not import pydantic to catch it."""
    module = sys.modules.get("chainsim.scenario")
    return module.ScenarioError if module is not None else _NeverRaised


class Terminated(BaseException):
    """Raised in the main process on SIGTERM (a ``BaseException``, like ``KeyboardInterrupt``)."""


_terminated = [False]
"""Set when SIGTERM arrived: a library that catches the ``Terminated`` raised inside it (DuckDB
turns it into "Query interrupted") still ends as a termination, not as an internal error."""


def _on_sigterm(main_pid: int) -> Any:
    def handler(signum: int, frame: Any) -> None:
        if os.getpid() != main_pid:  # a forked worker inherited this handler: die as SIGTERM means
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        signal.signal(signum, signal.SIG_IGN)  # one unwinding at a time; SIGKILL still ends it
        _terminated[0] = True
        raise Terminated()

    return handler


class _TerminalSafe(io.TextIOBase):
    """A text stream for a terminal that shows control characters as escapes (keeping
    newlines, tabs and the carriage returns of the progress bar)."""

    def __init__(self, stream: Any):
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(printable(text, keep="\n\t\r"))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._stream.encoding


MEMORY_ENV = "CHAINSIM_MEMORY_LIMIT_GB"
"""Overrides the memory limit (GB of address space per chainsim process; 0: no limit)."""


def memory_limit_bytes() -> int | None:
    """The address-space limit for this process: ``CHAINSIM_MEMORY_LIMIT_GB`` or 80% of the
    machine's memory; None for no limit. A scenario whose simulation needs more then fails
    with ``MemoryError`` (reported as bad input) instead of pushing the machine into swap
    or the kernel's out-of-memory killer."""
    text = os.environ.get(MEMORY_ENV)
    if text is not None:
        try:
            gb = float(text)
        except ValueError:
            raise InputError(f"{MEMORY_ENV} should be a number of gigabytes, got {text!r}") from None
        return None if gb <= 0 else int(gb * 2**30)
    try:
        return int(0.8 * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError):
        return None


def _limit_memory() -> None:
    import resource

    limit = memory_limit_bytes()
    if limit is None:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft == resource.RLIM_INFINITY or soft > limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        _limit_memory()
    except InputError as exc:
        print(printable(f"chainsim: {exc}"), file=sys.stderr)
        return 2
    handler = signal.signal(signal.SIGTERM, _on_sigterm(os.getpid())) if threading_main() else None
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = (_TerminalSafe(s) if s is not None and s.isatty() else s for s in saved)
    try:
        return _run(args)
    finally:
        sys.stdout, sys.stderr = saved
        if handler is not None:
            signal.signal(signal.SIGTERM, handler)


def threading_main() -> bool:
    """Whether this is the main thread (only it may set signal handlers)."""
    import threading

    return threading.current_thread() is threading.main_thread()


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.func(args) or 0)
    except _scenario_error() as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except InputError as exc:
        if _terminated[0]:  # SIGTERM arrived inside a library whose error we reported as bad input
            return _on_termination()
        print(printable(f"chainsim: {exc}"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("chainsim: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        return _on_termination()
    except MemoryError:
        limit = memory_limit_bytes()
        shown = f"{limit / 2**30:.1f} GB" if limit else "the machine's memory"
        print(f"chainsim: out of memory: the simulation needs more than {shown} ({MEMORY_ENV} sets this hard "
              "limit; CHAINSIM_MEMORY_GB the smaller budget a run is checked against before it starts). Try fewer "
              "--reps, a shorter horizon, fewer chains, or a smaller lead_rate, land or factory supply",
              file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the contract: exit 1, short message
        if _terminated[0]:  # SIGTERM arrived inside a library that re-raised it as its own error
            return _on_termination()
        if args.debug:
            traceback.print_exc()
        print(printable(f"chainsim: internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)"),
              file=sys.stderr)
        return 1


def _on_termination() -> int:
    print("chainsim: terminated (SIGTERM)", file=sys.stderr)
    return 143


def entry() -> None:
    code = main()
    if code in (130, 143):
        # interrupted: every finally has run (pools ended, partial files removed); leave now
        # rather than let the interpreter's exit wait on threads a killed pool left behind
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
