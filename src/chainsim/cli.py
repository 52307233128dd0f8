"""The ``chainsim`` command line (see CONTRACT.md).

Each command lives in its own module under ``chainsim.commands`` and exposes
``register(subparsers)``; this module only wires them together and turns exceptions into
exit codes: 0 success, 2 bad input (a located message, no traceback), 1 internal error
(a short message; the traceback only with ``--debug``).

Start-up: building the parser imports every command module, so those import only the
standard library and ``commands.common`` at the top; what a command needs (numpy, pandas,
pydantic, duckdb, scipy, SALib, mesa, dask, ...) is imported inside its ``run``. So
``chainsim --version`` imports no third-party package and ``validate`` or a fast-engine
``run`` only what they use (tests/test_startup.py holds this).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence

from . import __version__
from .errors import InputError

COMMANDS = ["validate", "run", "compare", "calibrate", "sensitivity", "what_it_takes", "export", "figures", "report"]


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except _scenario_error() as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except InputError as exc:
        print(f"chainsim: {exc}", file=sys.stderr)
        return 2
    except MemoryError:
        print("chainsim: out of memory: the run needs more memory than this machine or its limit (ulimit -v) "
              "allows; lower --reps or the scenario's lead_rate, land and factory supply, or set CHAINSIM_MEMORY_GB "
              "below the limit so the run is refused before it starts", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("chainsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the contract: exit 1, short message
        if args.debug:
            traceback.print_exc()
        print(f"chainsim: internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
              file=sys.stderr)
        return 1


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
