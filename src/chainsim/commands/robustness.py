"""``chainsim robustness FILE FILE...``: which policy's worst decile of targets met is best,
across the uncertain parameters, on common random numbers (regret table)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .common import add_ensemble_options, add_executor_options, add_output_options, emit_json, execution, load_all
from .optimise import id_list

if TYPE_CHECKING:
    from ..analysis.robustness import Robustness


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "robustness", help="regret of each policy across the uncertain parameters: the most robust policy",
        description="Run every policy file with the same replicates and seed (replicate i sees the same "
                    "parameter draws under every policy) and report, per policy, the targets met: expected, 10th "
                    "percentile, mean of the worst decile, and the regret (the most any policy met in a replicate "
                    "minus what this one met). Two spreads: the scenario's own draws, and a wide one where every "
                    "calibrated parameter is drawn across its whole calibrated interval.")
    p.add_argument("files", nargs="+", metavar="FILE", help="two or more policy files with the same chain targets")
    p.add_argument("--spread", choices=["scenario", "wide", "both"], default="both",
                   help="which spread of the parameters (default both)")
    p.add_argument("--chains", type=id_list, metavar="ID,...", help="the chains whose targets count (default all)")
    add_ensemble_options(p)
    add_executor_options(p)
    add_output_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..analysis.robustness import robustness

    scenarios = load_all(args.files)
    spreads = ("scenario", "wide") if args.spread == "both" else (args.spread,)
    with execution(args, "robustness", unit="ensemble") as (executor, update):
        result = robustness(scenarios, args.reps, args.seed, spreads, args.chains, args.engine, executor, update,
                            files=args.files)
    if args.json:
        emit_json(result.to_contract())
    else:
        print_result(result)
    return 0


def print_result(r: "Robustness") -> None:
    from ..analysis.robustness import SPREADS, WORST_SHARE

    print(f"{len(r.policies)} policies, {r.reps} replicates each on common random numbers (seed {r.seed}, engine "
          f"{r.engine}); targets counted: {len(r.chains)} chains.")
    print(f"Targets met per replicate; worst decile: mean of the {WORST_SHARE:.0%} of replicates where the policy "
          "meets fewest; regret: the most any policy met in that replicate minus this one's.\n")
    for spread, rows in r.table.groupby("spread", sort=False):
        wide = r.varied[spread]
        print(f"Spread '{spread}': {SPREADS[spread]}" + (f" ({', '.join(wide)})" if wide else "") + ".")
        print(f"  {'rank':>4}  {'policy':<28} {'cost 亿元/year':>14} {'met':>5} {'95% CI':>13} {'P10':>4} "
              f"{'worst 10%':>9} {'regret mean':>11} {'P90':>4} {'max':>4} {'best in':>7}")
        for x in rows.sort_values("rank").itertuples(index=False):
            print(f"  {x.rank:>4}  {x.policy:<28} {x.cost_yi_per_year:>14.3f} {x.expected_targets_met:>5.2f} "
                  f"[{x.lo:.2f}, {x.hi:.2f}] {x.targets_met_p10:>4.0f} {x.worst_decile_targets_met:>9.2f} "
                  f"{x.regret_mean:>11.2f} {x.regret_p90:>4.0f} {x.regret_max:>4.0f} {x.p_best:>7.0%}")
        print(f"  Most robust (best worst decile): {r.most_robust[spread]}\n")
