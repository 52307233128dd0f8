"""``chainsim optimise FILE --budget AMOUNT``: the lever settings that a yearly budget buys,
maximising the expected number of targets met (or the lowest p_reach of chosen chains)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ..catalogue import LEVERS
from .common import add_executor_options, add_output_options, emit_json, execution, positive_int, seed_int

if TYPE_CHECKING:
    from ..analysis.optimise import Optimised


def money(text: str) -> float:
    """An amount of money in any spelling ``chainsim.units.parse_money`` reads, in 亿元."""
    from ..units import MoneyError, parse_money

    try:
        value = parse_money(text)
    except MoneyError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"a budget cannot be negative, got {text!r}")
    return value


def id_list(text: str) -> list[str]:
    items = [s.strip() for s in text.split(",") if s.strip()]
    if not items:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list of ids, got {text!r}")
    return items


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "optimise", aliases=["optimize"],
        help="the lever settings a yearly budget buys: most targets met within the budget",
        description="Search the lever settings (from the policy start; one value per period with --periods) whose "
                    "extra yearly cost over the status quo stays within --budget and that maximise the expected "
                    "number of targets met (or, with --objective min-prob, the lowest p_reach among --chains), on "
                    "common random numbers, with Optuna's seeded TPE sampler. The best proposals are re-run on a "
                    "fresh seed: the p_reach and intervals printed come from that check. Levers: "
                    + ", ".join(LEVERS) + ".")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--budget", required=True, type=money, metavar="AMOUNT",
                   help="extra money a year beyond the status quo's levers: 1亿, 5000万元, '1e8 CNY' or a plain "
                        "number (亿元)")
    p.add_argument("--objective", choices=["targets-met", "min-prob"], default="targets-met",
                   help="targets-met: expected number of targets met (default); min-prob: the lowest p_reach "
                        "among --chains")
    p.add_argument("--chains", type=id_list, metavar="ID,...", help="the chains that count (default all)")
    p.add_argument("--levers", type=id_list, metavar="NAME,...", help="the levers to move (default all)")
    p.add_argument("--periods", type=positive_int, default=1,
                   help="values per lever from the policy start: 1 (default) holds one value, k splits the policy "
                        "period into k periods of whole calendar years")
    p.add_argument("--trials", type=positive_int, default=96, help="proposals evaluated in the search (default 96)")
    p.add_argument("--check-reps", type=positive_int, default=1000,
                   help="replicates of the check run of the best proposals and the status quo (default 1000)")
    p.add_argument("--pareto", action="store_true", help="also the cost–targets-met front: the settings of the search that no other beats on both, "
                        "re-run on the check seed")
    p.add_argument("--out", metavar="PATH.yaml", help="write the chosen setting as a scenario file (for "
                                                     "chainsim run, compare or robustness)")
    p.add_argument("--reps", type=positive_int, default=200, help="replicates per proposal in the search (default 200)")
    p.add_argument("--seed", type=seed_int, help="master seed (default: the scenario's ensemble.seed); the check "
                                                 "uses seed + 1")
    p.add_argument("--engine", choices=["fast", "mesa"], default="fast", help="simulation engine (default fast)")
    add_executor_options(p)
    add_output_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..analysis.optimise import optimise
    from ..errors import InputError
    from ..scenario import load_scenario

    scenario = load_scenario(args.file)
    if args.levers:
        from ..analysis.common import lever_spec

        for name in args.levers:
            lever_spec(name)
    if args.out is not None and not str(args.out).endswith((".yaml", ".yml")):
        raise InputError(f"--out {args.out}: the setting is written as a scenario file, name it *.yaml")
    with execution(args, f"optimise {scenario.id}", unit="ensemble") as (executor, update):
        result = optimise(scenario, args.budget, args.objective, args.chains, args.reps, args.seed, args.trials,
                          args.check_reps, args.periods, args.levers, args.pareto, args.engine, executor, update)
    if args.out is not None:
        _write(args.out, scenario, result)
    if args.json:
        emit_json(result.to_contract())
    else:
        print_result(args.file, result)
    return 0


def _write(path: str, scenario, result: "Optimised") -> None:
    from pathlib import Path

    from ..analysis.optimise import chosen_scenario
    from ..errors import InputError
    from ..scenario import scenario_to_yaml

    chosen = chosen_scenario(scenario, result)
    policy = chosen.policy.model_copy(update={
        "name": f"optimised_{result.budget_yi_per_year:g}yi",
        "description": f"chainsim optimise: {result.objective}, budget {result.budget_yi_per_year:g}亿元/year beyond "
                       f"the status quo, seed {result.seed}; extra cost {result.cost_yi_per_year:.3f}亿元/year"})
    chosen = chosen.model_copy(update={"id": f"{scenario.id}_optimised", "policy": policy})
    try:
        Path(path).write_text(scenario_to_yaml(chosen), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"--out {path}: cannot write: {exc.strerror or exc}") from None


def _lever_text(value: object, unit: str) -> str:
    if isinstance(value, list):
        return ", ".join(f"{s['value']:g} ({s['from']} on)" for s in value) + f" {unit}"
    return f"{value:g} {unit}"


def print_result(file: str, r: "Optimised") -> None:
    what = ("expected number of targets met" if r.objective == "targets-met"
            else "lowest p_reach among " + ", ".join(r.chains))
    print(f"{r.scenario_id} ({file}): budget {r.budget_yi_per_year:.4g}亿元/year beyond the status quo's "
          f"{r.status_quo_cost_yi_per_year:.3f}亿元/year; maximising the {what}")
    print(f"Levers from the policy start {r.periods[0].start}"
          + (f" in {len(r.periods)} periods ({', '.join(p.start for p in r.periods)})" if len(r.periods) > 1 else "")
          + f"; {r.n_trials} proposals × {r.reps} replicates on common random numbers (seed {r.seed}), Optuna TPE;")
    print(f"the best {min(3, r.n_trials)} and the status quo re-run with {r.check_reps} replicates on seed "
          f"{r.check_seed}: the numbers below come from that check.\n")
    print(f"  {'lever':<22} {'status quo':<24} portfolio (* moved)")
    for name, value in r.levers.items():
        unit = LEVERS[name].unit
        sq = r.levers_status_quo[name]
        mark = "" if value == sq else " *"
        print(f"  {name:<22} {_lever_text(sq, unit):<24} {_lever_text(value, unit)}{mark}")
    if r.spend:
        print("  Where the money goes (亿元/year): " + ", ".join(f"{k} {v:.3f}" for k, v in r.spend.items()))
    print(f"\n  Yearly cost: {r.cost_yi_per_year:.3f}亿元/year beyond the status quo (budget {r.budget_yi_per_year:.4g}), "
          f"{r.total_cost_yi_per_year:.3f}亿元/year in all (assumed costs flagged in docs/model.md).")
    lo, hi = r.expected_targets_met_ci
    print(f"  Expected targets met: {r.expected_targets_met:.2f} [{lo:.2f}, {hi:.2f}] against "
          f"{r.status_quo_targets_met:.2f} under the status quo"
          + (f"; lowest p_reach {r.objective_value:.3f} (status quo {r.status_quo_objective_value:.3f})"
             if r.objective == "min-prob" else "") + ".\n")
    print(f"  {'chain':<22} {'target (亿元/year)':>15} {'year':>5} {'p_reach':>7} {'95% CI':>13} "
          f"{'status quo':>10} {'95% CI':>13} {'change':>7} {'95% CI':>15}")
    for t in r.table.itertuples(index=False):
        star = "" if t.counted else "  (not counted)"
        print(f"  {t.chain:<22} {t.target_yi:>17.1f} {t.target_year:>5} {t.p_reach:>7.2f} "
              f"[{t.p_reach_lo:.2f}, {t.p_reach_hi:.2f}] {t.p_reach_status_quo:>10.2f} "
              f"[{t.p_reach_status_quo_lo:.2f}, {t.p_reach_status_quo_hi:.2f}] {t.diff:>+7.2f} "
              f"[{t.diff_lo:+.2f}, {t.diff_hi:+.2f}]{star}")
    if r.front is not None:
        print("\n  Cost–targets-met front (re-run on the check seed):")
        print(f"  {'extra cost (亿元/year)':>22} {'targets met':>11} {'95% CI':>14}  where the money goes (亿元/year)")
        for f in r.front.itertuples(index=False):
            items = list(f.spend.items())
            moved = ", ".join(f"{k} {v:.3f}" for k, v in items[:3]) + (f", {len(items) - 3} more" if len(items) > 3 else "")
            print(f"  {f.cost_yi_per_year:>22.3f} {f.expected_targets_met:>11.2f} [{f.lo:.2f}, {f.hi:.2f}]  "
                  f"{moved or 'none (status quo)'}")
    print("\n  change: p_reach under the portfolio minus the status quo, paired 95% interval (Newcombe).")
