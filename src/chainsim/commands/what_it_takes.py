"""``chainsim what-it-takes FILE --chain ID --lever NAME``: the smallest lever value that
reaches a chain's target with a given probability, or a plain "out of reach"."""

from __future__ import annotations

import argparse

from typing import TYPE_CHECKING

from ..catalogue import LEVERS
from .common import (add_ensemble_options, add_executor_options, add_output_options, emit_json, execution,
                     positive_int, probability)

if TYPE_CHECKING:
    from ..analysis import WhatItTakes
    from ..analysis.planner import PairSearch, PlannerUnits


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
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--lever", metavar="NAME", help="lever name from the catalogue")
    g.add_argument("--levers", metavar="A,B", help="two levers: the cheapest pair (yearly cost beyond the status "
                                                  "quo) that reaches the target with the probability")
    p.add_argument("--grid", type=positive_int, default=4,
                   help="with --levers: steps over the first lever's range (default 4, plus its status quo)")
    p.add_argument("--no-planner", action="store_true",
                   help="skip the answer in planner units (budget, projects signed, land; two more ensembles)")
    p.add_argument("--prob", type=probability, default=0.8, help="required probability (default 0.8)")
    p.add_argument("--target-year", type=_year, metavar="Y", help="which of the chain's targets (default its first)")
    p.add_argument("--tol", type=_positive_float, help="tolerance in the lever's unit (default 1%% of its range)")
    add_ensemble_options(p)
    add_executor_options(p)
    add_output_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..analysis.lever_search import what_it_takes
    from ..analysis.planner import planner_units
    from ..scenario import load_scenario

    scenario = load_scenario(args.file)
    if args.levers is not None:
        return _run_pair(args, scenario)
    planner = None
    with execution(args, f"what-it-takes {args.chain}/{args.lever}", unit="evaluation") as (executor, update):
        result = what_it_takes(scenario, args.chain, args.lever, args.prob, args.reps, args.seed, args.engine,
                               executor, args.tol, update, target_year=args.target_year)
        if result.reachable and result.value is not None and not args.no_planner:
            planner = planner_units(scenario, result.chain, {result.lever: result.value}, result.reps, result.seed,
                                    result.engine, executor, result.target_year)
    if args.json:
        doc = result.to_contract()
        doc["planner"] = None if planner is None else planner.to_json()
        emit_json(doc)
    else:
        print_answer(args.file, result)
        if planner is not None:
            print_planner(planner)
    return 0


def _run_pair(args: argparse.Namespace, scenario) -> int:
    from ..analysis.planner import cheapest_pair
    from ..errors import InputError

    names = [s.strip() for s in args.levers.split(",") if s.strip()]
    if len(names) != 2:
        raise InputError(f"--levers takes two lever names separated by a comma, got {args.levers!r}")
    with execution(args, f"what-it-takes {args.chain}/{names[0]}+{names[1]}", unit="search") as (executor, update):
        result = cheapest_pair(scenario, args.chain, names[0], names[1], args.prob, args.reps, args.seed, args.engine,
                               executor, args.grid, update, args.target_year, args.tol)
    if args.json:
        emit_json(result.to_contract())
    else:
        print_pair(args.file, result)
    return 0


def print_planner(u: "PlannerUnits") -> None:
    years = f"{u.from_year}–{u.to_year}" if u.to_year > u.from_year else f"{u.from_year}"
    print(f"\n  In planner units (means over the {u.reps} replicates, {years}; status quo in brackets):")
    print(f"    yearly budget beyond the status quo: {u.extra_cost_yi_per_year:+.3f}亿元/year")
    print(f"    projects {u.chain} signs a year: {u.signed_per_year:.1f} ({u.signed_per_year_status_quo:.1f})")
    print(f"    projects of 10亿元 or more it signs, {years} in all: {u.major_signed:.2f} "
          f"({u.major_signed_status_quo:.2f})")
    print(f"    亩 of land its starting projects take a year: {u.land_mu_per_year:.0f} "
          f"({u.land_mu_per_year_status_quo:.0f}); the county's: {u.county_land_mu_per_year:.0f} "
          f"({u.county_land_mu_per_year_status_quo:.0f})")
    if u.land_supply_mu_per_year is not None and u.land_supply_mu_per_year != u.land_supply_mu_per_year_status_quo:
        print(f"    亩 of land the county makes ready a year: {u.land_supply_mu_per_year:.0f} "
              f"({u.land_supply_mu_per_year_status_quo:.0f})")


def print_pair(file: str, r: "PairSearch") -> None:
    a, b = r.lever_a, r.lever_b
    ua, ub = LEVERS[a].unit, LEVERS[b].unit
    print(f"{r.scenario_id} ({file}): chain {r.chain}, target {r.target_yi:.1f}亿元/year in {r.target_year}")
    print(f"The cheapest pair of {a} and {b} reaching p_reach ≥ {r.prob:.2f}: for each value of {a}, the smallest "
          f"{b} that does it")
    print(f"({r.reps} replicates per evaluation on common random numbers, seed {r.seed}, engine {r.engine}; "
          "cost: yearly cost beyond the status quo).\n")
    print(f"  {a + ' (' + ua + ')':>34} {b + ' (' + ub + ')':>34} {'p_reach':>8} {'cost 亿元/year':>14}")
    for x in r.table.itertuples(index=False):
        if x.value_b != x.value_b:
            print(f"  {x.value_a:>34.4g} {'out of reach':>34}")
        else:
            print(f"  {x.value_a:>34.4g} {x.value_b:>34.4g} {x.p_reach:>8.3f} {x.cost_yi_per_year:>+14.3f}")
    if r.cheapest is None:
        print(f"\n  Out of reach: no pair on this grid gives p_reach ≥ {r.prob:.2f}.")
        return
    c = r.cheapest
    print(f"\n  Cheapest: {a} = {c[a]:.4g} {ua} with {b} = {c[b]:.4g} {ub}, {c['cost_yi_per_year']:+.3f}亿元/year "
          f"beyond the status quo (p_reach {c['p_reach']:.3f}).")
    if r.planner is not None:
        print_planner(r.planner)


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
