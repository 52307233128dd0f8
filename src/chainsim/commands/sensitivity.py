"""``chainsim sensitivity FILE``: which levers and uncertain numbers move p_reach (SALib), with
the provenance of each (lever, calibrated, assumed)."""

from __future__ import annotations

import argparse
import unicodedata

from typing import TYPE_CHECKING

from ..errors import InputError

from .common import add_executor_options, add_output_options, emit_json, execution, positive_int, seed_int

if TYPE_CHECKING:
    from ..analysis import Sensitivity

DEFAULT_REPS = 200
"""Replicates per design point (one fast-engine block)."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sensitivity", help="rank levers and uncertain parameters by their effect on p_reach",
                       description="Morris screening (default) or Sobol' indices of every chain target's p_reach "
                                   "over the policy levers (catalogue bounds) and the scenario's uncertain "
                                   "parameters, with a small ensemble at each design point on common random "
                                   "numbers.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--method", choices=["morris", "sobol"], default="morris", help="default morris")
    p.add_argument("--reps", type=positive_int, default=DEFAULT_REPS,
                   help=f"replicates per design point (default {DEFAULT_REPS})")
    p.add_argument("--seed", type=seed_int, help="master seed (default: the scenario's ensemble.seed)")
    p.add_argument("--engine", choices=["fast", "mesa"], default="fast", help="simulation engine (default fast)")
    p.add_argument("--trajectories", type=positive_int, default=10, metavar="N",
                   help="Morris trajectories (default 10; runs N × (factors + 1) ensembles)")
    p.add_argument("--base", type=positive_int, default=64, metavar="N",
                   help="Sobol' base sample, a power of 2 (default 64; runs N × (factors + 2) ensembles)")
    p.add_argument("--levers", metavar="A,B,...", help="analyse only these levers (default: all)")
    p.add_argument("--factors", choices=["all", "levers", "uncertain"], default="all",
                   help="what to vary: levers and every uncertain number (default), only the levers, or only "
                        "the uncertain numbers (calibrated posterior, stated distributions, assumed parameters)")
    add_executor_options(p)
    add_output_options(p, "print only the JSON on stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..analysis.sensitivity_analysis import sensitivity
    from ..scenario import load_scenario

    check_design(args)
    scenario = load_scenario(args.file)
    levers = None if args.levers is None else [x.strip() for x in args.levers.split(",") if x.strip()]
    with execution(args, f"{args.method} {scenario.id}", unit="design point") as (executor, update):
        result = sensitivity(scenario, args.method, args.reps, args.seed, n_trajectories=args.trajectories,
                             n_base=args.base, engine=args.engine, executor=executor, progress=update,
                             levers=levers, include=args.factors)
    if args.json:
        emit_json(result.to_contract())
    else:
        print_table(args.file, result)
    return 0


def check_design(args: argparse.Namespace) -> None:
    """Refuse a design SALib would run but not answer soundly: a Sobol' base sample must be a
    power of 2 (its quasi-random sequence loses its balance otherwise) and Morris needs at
    least 2 trajectories."""
    if args.method == "sobol" and (args.base < 2 or args.base & (args.base - 1)):
        lower = 1 << max(args.base.bit_length() - 1, 1)
        raise InputError(f"--base {args.base}: the Sobol' base sample must be a power of 2 of at least 2 "
                         f"(e.g. {lower} or {lower * 2})")
    if args.method == "morris" and args.trajectories < 2:
        raise InputError(f"--trajectories {args.trajectories}: Morris screening needs at least 2 trajectories")


def _range(low: float, high: float, unit: str) -> str:
    span = f"{low:.3g}–{high:.3g}"
    return span if unit == span else f"{span} {unit}"


def _pad(text: str, width: int) -> str:
    """Left-justify to a display width (CJK characters take two columns)."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - shown, 0)


def print_table(file: str, s: "Sensitivity") -> None:
    design = f"{s.n} trajectories" if s.method == "morris" else f"base sample {s.n}"
    print(f"{s.scenario_id} ({file}): {'Morris screening' if s.method == 'morris' else 'Sobol indices'}, "
          f"{design}, {s.evaluations} ensembles of {s.reps} replicates, seed {s.seed}, engine {s.engine}")
    if s.method == "morris":
        print("mu* = mean absolute change in p_reach (probability) per whole range of the factor (Morris "
              "elementary effect; above 1:\nthe factor alone swings p_reach), ± its 95% half-width; mu = the signed "
              "mean (< 0: lowers p_reach);\nsigma = spread of the effects (non-linearity, interactions).")
        head = f"{'mu*':>6} {'± 95%':>6} {'mu':>6} {'sigma':>6}"
    else:
        print("S1 = first-order and ST = total share of p_reach's variance over the factor ranges (0–1), "
              "± 95% half-widths.")
        head = f"{'S1':>6} {'± 95%':>6} {'ST':>6} {'± 95%':>6}"
    for (chain, year), rows in s.table.groupby(["chain", "target_year"], sort=False):
        print(f"\n{chain}: target {rows['target_yi'].iloc[0]:.1f}亿元/year in {year}")
        print(f"  {'rank':>4}  {'factor':<32} {'provenance':<10} {'range':<30} {head}")
        for r in rows.itertuples(index=False):
            if s.method == "morris":
                vals = f"{r.mu_star:>6.2f} {r.mu_star_conf:>6.2f} {r.mu:>+6.2f} {r.sigma:>6.2f}"
            else:
                vals = f"{r.S1:>6.2f} {r.S1_conf:>6.2f} {r.ST:>6.2f} {r.ST_conf:>6.2f}"
            print(f"  {r.rank:>4}  {r.factor:<32} {r.provenance:<10} {_pad(_range(r.low, r.high, r.unit), 30)} {vals}")
