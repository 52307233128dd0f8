"""``chainsim run FILE...``: ensembles of each scenario, stored and summarised.

Every block of every scenario that is not already in the store goes into one pool of
tasks (``ensemble.run_ensembles``), so all workers are busy until the last block, however
few blocks one scenario has; each scenario is stored and printed as soon as its own
blocks are in, in the order of the files.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

from .common import add_ensemble_options, add_executor_options, add_output_options, emit_json, execution, load_all

if TYPE_CHECKING:
    from ..ensemble import EnsembleSummary

# The engines (numpy, pandas, mesa) and the store (duckdb) are imported when a run
# starts, so `chainsim --help` and `chainsim validate` stay quick.


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run each scenario as an ensemble and print p_reach per chain")
    p.add_argument("files", nargs="+", metavar="FILE")
    add_ensemble_options(p)
    add_executor_options(p)
    p.add_argument("--store", metavar="PATH", default="results.duckdb",
                   help="results store, a DuckDB file (default results.duckdb)")
    p.add_argument("--no-store", action="store_true", help="do not read or write the results store")
    p.add_argument("--force", action="store_true", help="run again even if the store has this exact run")
    add_output_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..analysis.shortfall import contract_fields
    from ..ensemble import run_ensembles
    from ..plausibility import run_warnings

    scenarios = list(zip(args.files, load_all(args.files)))  # all valid first: no half-run batch
    store = None
    if not args.no_store:
        from ..store import open_store

        store = open_store(args.store)
    # each file's run: (file, scenario, reps, seed, the stored summary or None); what is
    # not stored goes into the pool once (a file named twice runs once)
    planned, pending = [], {}
    for name, scenario in scenarios:
        reps = args.reps or scenario.ensemble.reps
        seed = scenario.ensemble.seed if args.seed is None else args.seed
        summary = store.find(scenario, reps, seed, args.engine) if store and not args.force else None
        if summary is not None:
            print(f"{name}: reusing the stored run ({reps} reps, seed {seed}, {args.engine}); --force to rerun",
                  file=sys.stderr)
        else:
            pending.setdefault((scenario.content_hash(), reps, seed), (scenario, reps, seed, args.engine))
        planned.append((name, scenario, reps, seed, summary))
    results = []
    try:
        with execution(args, "run") as (executor, update):
            fresh = run_ensembles(list(pending.values()), executor, update)
            done: dict[tuple[str, int, int], EnsembleSummary] = {}
            for name, scenario, reps, seed, summary in planned:
                if summary is None:
                    key = (scenario.content_hash(), reps, seed)
                    if key not in done:
                        done[key] = next(fresh)
                        if store is not None:
                            store.save(done[key], source=name)
                    summary = done[key]
                warnings = run_warnings(scenario, summary)
                results.append((scenario, summary, warnings,
                                contract_fields(scenario, summary) if args.json else None))
                with _above_progress_bar(update):
                    if not args.json:
                        print_summary(name, summary)
                        if scenario.counties:
                            print_counties(scenario, summary)
                    for w in warnings:
                        print(f"warning: {w['message']}", file=sys.stderr)
    finally:
        if store is not None:
            store.close()
    if args.json:
        from ..province import annotate

        emit_json({"results": [_with_shortfall(annotate(s.to_contract(), scenario, s), rows) | {"warnings": w}
                               for scenario, s, w, rows in results]})
    return 0


def _with_shortfall(result: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A result's chain rows with their shortfall fields added (``analysis.shortfall``:
    where the target year's output comes from, the gap and the projects that would close it)."""
    result["chains"] = [{**chain, **extra} for chain, extra in zip(result["chains"], rows)]
    return result


def _above_progress_bar(update: Any) -> Any:
    """A context in which printing does not garble the progress bar (if there is one)."""
    if update is None:
        return nullcontext()
    from tqdm import tqdm

    return tqdm.external_write_mode()


def print_summary(name: str, s: "EnsembleSummary") -> None:
    print(f"\n{s.scenario_id} ({name}): {s.reps} replicates, seed {s.seed}, engine {s.engine}")
    w = max([22, *(len(c) for c in s.targets["chain"])])
    print("  p_reach: probability of reaching the target; MC 95%: its Monte Carlo interval (more replicates "
          "narrow it);\n  spread 5–95%: how it varies across what the figures leave open (the posterior; "
          "more replicates do not narrow it)")
    print(f"  {'chain':<{w}} {'target':>12} {'year':>5} {'p_reach':>8} {'MC 95%':>14} {'spread 5–95%':>14} "
          f"{'output P10 / P50 / P90 in target year (亿元/year)':>50}")
    for r in s.targets.itertuples(index=False):
        ci = f"[{r.p_reach_lo:.2f}, {r.p_reach_hi:.2f}]"
        spread = f"[{r.p_reach_spread_lo:.2f}, {r.p_reach_spread_hi:.2f}]"
        q = f"{r.output_yi_p10:8.1f} / {r.output_yi_p50:8.1f} / {r.output_yi_p90:8.1f}"
        print(f"  {r.chain:<{w}} {r.target_yi:>9.1f}亿元 {r.target_year:>5} {r.p_reach:>8.3f} {ci:>14} {spread:>14} "
              f"{q:>50}")


def print_counties(scenario: Any, s: "EnsembleSummary") -> None:
    """The per-county and province rows of a scenario of several counties."""
    from ..province import county_results, province_result

    rows = county_results(scenario, s)
    print(f"\n  {len(rows)} counties: expected targets met (Σ p_reach), and the output of each county's chains in "
          "its last target year (亿元/year)")
    print(f"  {'county':<18} {'name':<10} {'chains':>6} {'E[met]':>7} {'year':>5} {'base':>9} {'target':>9} "
          f"{'mean':>9} {'P10 / P50 / P90':>28}")
    for r in [*rows, {"county": "PROVINCE", "name_zh": scenario.county.name_zh, **province_result(scenario, s)}]:
        if "year" not in r:
            continue
        q = f"{r['output_yi_p10']:8.1f} / {r['output_yi_p50']:8.1f} / {r['output_yi_p90']:8.1f}"
        print(f"  {r['county']:<18} {r['name_zh']:<10} {r['chains']:>6} {r['expected_targets_met']:>7.2f} "
              f"{r['year']:>5} {r['base_output_yi']:>9.1f} {r['target_yi']:>9.1f} {r['output_yi_mean']:>9.1f} {q:>28}")
