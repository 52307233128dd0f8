"""``chainsim discover FILE --chain ID``: the conditions under which a chain reaches its
target (Latin hypercube over levers and uncertain parameters, then PRIM boxes)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .common import add_executor_options, add_output_options, emit_json, execution, positive_int, probability, seed_int
from .optimise import id_list

if TYPE_CHECKING:
    from ..analysis.discovery import Discovery


def _year(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a year such as 2024, got {text!r}") from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "discover", help="under which conditions a chain reaches its target (PRIM boxes)",
        description="Sample the levers (from the policy start) and the uncertain parameters (the scenario's "
                    "distributions and calibrated intervals) with a Latin hypercube, run a few replicates at each "
                    "point, and find with PRIM (EMA Workbench) the boxes of levers, parameters and what happened in "
                    "the runs (projects signed, projects of 10亿元 or more, land taken) where the chain reaches its "
                    "target, with their coverage and density.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--chain", required=True, metavar="ID", help="chain id in the scenario")
    p.add_argument("--target-year", type=_year, metavar="Y", help="which of the chain's targets (default its first)")
    p.add_argument("--samples", type=positive_int, default=200, help="Latin hypercube points (default 200)")
    p.add_argument("--reps", type=positive_int, default=10, help="replicates at each point (default 10)")
    p.add_argument("--seed", type=seed_int, help="master seed (default: the scenario's ensemble.seed)")
    p.add_argument("--engine", choices=["fast", "mesa"], default="fast", help="simulation engine (default fast)")
    p.add_argument("--levers", type=id_list, metavar="NAME,...", help="the levers to sample (default all)")
    p.add_argument("--parameters", type=id_list, metavar="NAME,...",
                   help="parameters to sample besides the uncertain ones (e.g. output_intensity)")
    p.add_argument("--by-year", type=_year, metavar="Y",
                   help="last year counted in the run's records (default the year before the target year)")
    p.add_argument("--threshold", type=probability,
                   help="density a box should reach (default 0.8, or halfway between the base rate and 1)")
    p.add_argument("--boxes", type=positive_int, default=2, help="boxes to find (default 2)")
    add_executor_options(p)
    add_output_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..analysis.discovery import discover
    from ..scenario import load_scenario

    scenario = load_scenario(args.file)
    with execution(args, f"discover {args.chain}", unit="point") as (executor, update):
        result = discover(scenario, args.chain, args.samples, args.reps, args.seed, args.levers, args.parameters,
                          args.by_year, args.threshold, args.boxes, args.engine, executor, update,
                          target_year=args.target_year)
    if args.json:
        emit_json(result.to_contract())
    else:
        print_result(args.file, result)
    return 0


def print_result(file: str, d: "Discovery") -> None:
    print(f"{d.scenario_id} ({file}): chain {d.chain}, target {d.target_yi:g}亿元/year in {d.target_year}")
    print(f"{d.samples} Latin hypercube points × {d.reps} replicates = {len(d.data)} runs, seed {d.seed}, engine "
          f"{d.engine}; levers act from the policy start; records counted {d.from_year}–{d.by_year}.")
    print(f"The target is met in {d.base_rate:.0%} of all runs. PRIM boxes (density ≥ {d.threshold:.2f} sought; "
          "coverage: share of the runs meeting the target that lie in the box; density: share of the box's runs "
          "that meet it):\n")
    if not d.boxes and not d.input_boxes:
        if d.base_rate == 0:
            print("  No run meets the target anywhere in the sampled ranges: no conditions found.")
        elif d.base_rate == 1:
            print("  Every run meets the target: no condition is needed within the sampled ranges.")
        else:
            print("  No box restricts the runs usefully.")
    for title, boxes in (("Levers, parameters and what happened in the runs", d.boxes),
                         ("Levers and parameters only", d.input_boxes)):
        if not boxes:
            continue
        print(f"  {title}:")
        for k, b in enumerate(boxes, 1):
            flag = "" if b.meets_threshold else f"  (density below {d.threshold:.2f})"
            print(f"   box {k}: coverage {b.coverage:.2f}, density {b.density:.2f}, {b.n} runs ({b.mass:.0%}){flag}")
            for lim in b.limits:
                print(f"      {lim.kind:<9} {lim.text()}")
            print(f"      → {d.statement(b)}")
        print()
    print("  Sampled ranges:")
    for r in d.factors.itertuples(index=False):
        print(f"    {r.kind:<9} {r.name:<26} {r.low:.4g}–{r.high:.4g} {r.unit}")
