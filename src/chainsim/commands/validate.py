"""``chainsim validate FILE...``: exit 0 when every file is a valid scenario."""

from __future__ import annotations

import argparse
import sys

from ..errors import printable


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check scenario files; problems as FILE:LINE: field: message")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing when files are valid")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..scenario import ScenarioError, load_scenario

    problems = []
    for name in args.files:
        try:
            scenario = load_scenario(name)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        if not args.quiet:
            n_targets = sum(len(c.targets) for c in scenario.chains)
            counties = f"{len(scenario.counties)} counties, " if scenario.counties else ""
            print(printable(f"{name}: ok: {scenario.id} ({scenario.county.name_zh}), {counties}{len(scenario.chains)} chains, "
                            f"{n_targets} targets, {scenario.calendar.start}..{scenario.calendar.horizon}"))
    for problem in problems:
        print(problem, file=sys.stderr)
    return 2 if problems else 0
