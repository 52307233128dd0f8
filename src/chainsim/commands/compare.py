"""``chainsim compare FILE_A FILE_B``: two scenarios on common random numbers, paired."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .common import add_ensemble_options, add_executor_options, add_output_options, emit_json, execution, load_all

if TYPE_CHECKING:
    from ..analysis import Comparison


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="compare p_reach of two scenarios on common random numbers (B − A)",
                       description="Run FILE_A and FILE_B with the same replicates and seed (common random "
                                   "numbers) and report, per chain target, p_reach under each and the paired "
                                   "difference B − A with its 95% interval (Newcombe's method for paired "
                                   "proportions).")
    p.add_argument("file_a", metavar="FILE_A")
    p.add_argument("file_b", metavar="FILE_B")
    add_ensemble_options(p)
    add_executor_options(p)
    add_output_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..analysis.comparison import compare

    a, b = load_all([args.file_a, args.file_b])
    with execution(args, f"{a.id} vs {b.id}") as (executor, update):
        result = compare(a, b, args.reps, args.seed, args.engine, executor, update)
    doc = result.to_contract()
    if a.counties:  # a province: which counties' chains gain and which lose
        from ..province import chain_counties, chain_differences, county_differences

        county = chain_counties(a)
        outputs = {(r["chain"], r["target_year"]): r for r in chain_differences(result.summary_a, result.summary_b,
                                                                                 county)}
        doc["chains"] = [{**row, **outputs.get((row["chain"], row["target_year"]), {})} for row in doc["chains"]]
        doc["counties"] = county_differences(a, result.summary_a, result.summary_b)
    if args.json:
        emit_json(doc)
    else:
        print_comparison(args.file_a, args.file_b, result)
        if a.counties:
            print_county_differences(doc)
    return 0


def print_county_differences(doc: dict) -> None:
    """Which counties, and which of their chains, gain and lose from B against A."""
    counties = doc["counties"]
    print(f"\nOutput of each county's chains in its last target year (亿元/year), B − A on common random numbers "
          "with its 95% interval; gains / loses when the interval excludes 0:")
    for verdict in ("gains", "loses"):
        rows = sorted((r for r in counties if r["verdict"] == verdict), key=lambda r: -abs(r["output_diff_yi"]))
        print(f"\n  {len(rows)} counties {verdict}:")
        for r in rows:
            lo, hi = r["output_diff_yi_ci"]
            print(f"    {r['county']:<18} {r['name_zh']:<8} {r['output_yi_mean_a']:>9.1f} → {r['output_yi_mean_b']:>9.1f}"
                  f"  {r['output_diff_yi']:+8.2f} [{lo:+.2f}, {hi:+.2f}]  E[targets met] "
                  f"{r['expected_targets_met_a']:.2f} → {r['expected_targets_met_b']:.2f}")
    unclear = [r["county"] for r in counties if r["verdict"] == "unclear"]
    print(f"\n  {len(unclear)} counties change by less than the interval can tell.")
    chains = [r for r in doc["chains"] if r.get("verdict") in ("gains", "loses")]
    if chains:
        print("\n  Chains that gain or lose (output in the target year, 亿元/year, B − A):")
        for r in sorted(chains, key=lambda r: -abs(r["output_diff_yi"])):
            lo, hi = r["output_diff_yi_ci"]
            print(f"    {r['chain']:<30} {r['verdict']:<6} {r['output_diff_yi']:+8.2f} [{lo:+.2f}, {hi:+.2f}]")


def _signed(x: float) -> str:
    return f"{x:+.2f}".replace("+0.00", " 0.00").replace("-0.00", " 0.00")


def print_comparison(file_a: str, file_b: str, c: "Comparison") -> None:
    print(f"A = {c.a_id} ({file_a})\nB = {c.b_id} ({file_b})")
    print(f"{c.reps} replicates each on common random numbers, seed {c.seed}, engine {c.engine}.")
    print(f"Yearly cost of the levers over the policy period: A {c.cost_a_yi_per_year:.3f}亿元/year, "
          f"B {c.cost_b_yi_per_year:.3f}亿元/year, B − A {c.cost_b_yi_per_year - c.cost_a_yi_per_year:+.3f}亿元/year "
          "(assumed costs flagged in docs/model.md).")
    print("p_reach: probability that the chain's annual output in the target year reaches the target; "
          "B − A with its paired 95% interval.\n")
    print(f"  {'chain':<22} {'target (亿元/year)':>15} {'year':>5} {'p_reach A':>9} {'p_reach B':>9} "
          f"{'B − A':>6} {'95% CI':>15}  {'only A / only B':>15}")
    for r in c.matched.itertuples(index=False):
        ci = f"[{_signed(r.diff_lo)}, {_signed(r.diff_hi)}]"
        target = f"{r.target_yi:.1f}" if r.target_yi == r.target_yi_b else f"{r.target_yi:.1f}→{r.target_yi_b:.1f}"
        print(f"  {r.chain:<22} {target:>17} {r.target_year:>5} {r.p_reach_a:>9.2f} {r.p_reach_b:>9.2f} "
              f"{_signed(r.diff):>6} {ci:>15}  {f'{r.n_a_only} / {r.n_b_only}':>15}")
    missing = c.missing
    if len(missing):
        print("\n  Not compared (the target exists in one scenario only):")
        for r in missing.itertuples(index=False):
            where, target = ("A", r.target_yi) if r.missing_in == "b" else ("B", r.target_yi_b)
            print(f"  {r.chain:<22} {target:>14.1f}亿元 {r.target_year:>5}  only in {where}")
    print("\n  only A / only B: replicates that reach the target under one scenario and not the other.")
