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
                results.append((summary, warnings, contract_fields(scenario, summary) if args.json else None))
                with _above_progress_bar(update):
                    if not args.json:
                        print_summary(name, summary)
                    for w in warnings:
                        print(f"warning: {w['message']}", file=sys.stderr)
    finally:
        if store is not None:
            store.close()
    if args.json:
        emit_json({"results": [_with_shortfall(s.to_contract(), rows) | {"warnings": w} for s, w, rows in results]})
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
    print(f"  {'chain':<22} {'target':>12} {'year':>5} {'p_reach':>8} {'95% CI':>15} "
          f"{'output P10 / P50 / P90 in target year (亿元/year)':>50}")
    for r in s.targets.itertuples(index=False):
        ci = f"[{r.p_reach_lo:.2f}, {r.p_reach_hi:.2f}]"
        q = f"{r.output_yi_p10:8.1f} / {r.output_yi_p50:8.1f} / {r.output_yi_p90:8.1f}"
        print(f"  {r.chain:<22} {r.target_yi:>9.1f}亿元 {r.target_year:>5} {r.p_reach:>8.3f} {ci:>15} {q:>50}")
