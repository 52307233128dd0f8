"""``chainsim figures [ID...]``: the reported figures the model is calibrated to, with their quotes."""

from __future__ import annotations

import argparse
from dataclasses import asdict

from ..errors import InputError
from .common import emit_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("figures", help="list the reported figures (data/reported_figures.csv) with their quotes")
    p.add_argument("ids", nargs="*", metavar="ID", help="figure ids (default: all)")
    p.add_argument("--grep", metavar="TEXT", help="only figures whose id, place, indicator or quote contains TEXT")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..figures import load_figures
    from ..schema import did_you_mean

    figures = load_figures()
    unknown = [i for i in args.ids if i not in figures]
    if unknown:
        raise InputError("; ".join(f"no reported figure {i!r}{did_you_mean(i, figures)}" for i in unknown))
    chosen = [figures[i] for i in args.ids] if args.ids else list(figures.values())
    if args.grep:
        needle = args.grep.lower()
        chosen = [f for f in chosen if needle in " ".join((f.id, f.place, f.indicator, f.quote)).lower()]
    if args.json:
        emit_json([{**asdict(f), "value_yi": f.value_yi} for f in chosen])
        return 0
    for f in chosen:
        money = f" (= {f.value_yi:g}亿元)" if f.value_yi is not None and f.unit != "亿元" else ""
        print(f"{f.id:<40} {f.place:<18} {f.period:<14} {f.value:g} {f.unit}{money}")
        print(f"    {f.cite()}")
    return 0
