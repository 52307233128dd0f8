"""``chainsim what-it-takes FILE --chain ID --lever NAME``: the smallest lever value that
reaches a chain's target with a given probability, or a plain "out of reach"."""

from __future__ import annotations

import argparse

from typing import TYPE_CHECKING

from ..catalogue import LEVERS
from .common import (add_ensemble_options, add_executor_options, add_output_options, emit_json, execution,
                     probability)

if TYPE_CHECKING:
    from ..analysis import WhatItTakes


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def _year(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a year such as 2025, got {text!r}") from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("what-it-takes", help="smallest lever value that reaches a chain's target with probability p",
                       description="Bracket then bisect the lever over its catalogue bounds, on common random "
                                   "numbers, for the smallest value at which the chain reaches its target with at "
                                   "least the given probability. Levers: " + ", ".join(LEVERS) + ".")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--chain", required=True, metavar="ID", help="chain id in the scenario")
    p.add_argument("--lever", required=True, metavar="NAME", help="lever name from the catalogue")
    p.add_argument("--prob", type=probability, default=0.8, help="required probability (default 0.8)")
    p.add_argument("--target-year", type=_year, metavar="Y", help="which of the chain's targets (default its first)")
    p.add_argument("--tol", type=_positive_float, help="tolerance in the lever's unit (default 1%% of its range)")
    add_ensemble_options(p)
    add_executor_options(p)
    add_output_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..analysis.lever_search import what_it_takes
    from ..scenario import load_scenario

    scenario = load_scenario(args.file)
    with execution(args, f"what-it-takes {args.chain}/{args.lever}", unit="evaluation") as (executor, update):
        result = what_it_takes(scenario, args.chain, args.lever, args.prob, args.reps, args.seed, args.engine,
                               executor, args.tol, update, target_year=args.target_year)
    if args.json:
        emit_json(result.to_contract())
    else:
        print_answer(args.file, result)
    return 0


def _p(p: float, reps: int) -> str:
    import numpy as np

    from ..ensemble import wilson_interval

    (lo,), (hi,) = wilson_interval(np.array([round(p * reps)]), reps)
    return f"{p:.3f} [{lo:.2f}, {hi:.2f}]"


def print_answer(file: str, w: "WhatItTakes") -> None:
    spec = LEVERS[w.lever]
    u = w.unit
    print(f"{w.scenario_id} ({file}): chain {w.chain}, target {w.target_yi:.1f}亿元/year in {w.target_year}")
    print(f"lever {w.lever} ({spec.label_zh}, {spec.label_en}): bounds {w.low:g}–{w.high:g} {u}, "
          f"{w.current_value:g} {u} in the scenario")
    print(f"{w.reps} replicates per evaluation on common random numbers, seed {w.seed}, engine {w.engine}; "
          f"p_reach with its 95% interval.\n")
    print(f"  p_reach at the lower bound {w.low:g} {u}: {_p(w.p_at_bounds[0], w.reps)}")
    print(f"  p_reach at the upper bound {w.high:g} {u}: {_p(w.p_at_bounds[1], w.reps)}")
    if not w.reachable:
        print(f"\n  Out of reach: no value of {w.lever} within its bounds gives p_reach ≥ {w.prob:.2f} "
              f"(at most {max(w.history['p_reach']):.3f} over {len(w.history)} evaluations).")
        return
    assert w.value is not None and w.p_at_value is not None
    if w.value_below is None:
        print(f"\n  Already reached at the lower bound: {w.lever} = {w.value:g} {u} gives p_reach "
              f"{_p(w.p_at_value, w.reps)} ≥ {w.prob:.2f}.")
        return
    assert w.p_below is not None
    print(f"\n  It takes {w.lever} = {w.value:.4g} {u} for p_reach ≥ {w.prob:.2f}: "
          f"p_reach {_p(w.p_at_value, w.reps)} there,")
    print(f"  {_p(w.p_below, w.reps)} at {w.value_below:.4g} {u} "
          f"(tolerance {w.tol:.3g} {u}, {len(w.history)} evaluations).")
