"""``chainsim run FILE...``: ensembles of each scenario, stored and summarised."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from .common import (add_ensemble_options, add_executor_options, add_output_options, emit_json, load_all,
                     progress_bar, show_progress)

if TYPE_CHECKING:
    from ..ensemble import EnsembleSummary

# The engines (numpy, pandas, mesa) are imported when a run starts, so `chainsim --help`
# and `chainsim validate` stay quick.


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
    from ..executors import make_executor

    scenarios = list(zip(args.files, load_all(args.files)))  # all valid first: no half-run batch
    store = None
    if not args.no_store:
        from ..store import open_store

        store = open_store(args.store)
    executor = make_executor(args.workers, args.scheduler)
    results = []
    try:
        for name, scenario in scenarios:
            reps = args.reps or scenario.ensemble.reps
            seed = scenario.ensemble.seed if args.seed is None else args.seed
            summary = store.find(scenario, reps, seed, args.engine) if store and not args.force else None
            if summary is not None:
                print(f"{name}: reusing the stored run ({reps} reps, seed {seed}, {args.engine}); --force to rerun",
                      file=sys.stderr)
            else:
                update, close = progress_bar(show_progress(args), scenario.id)
                try:
                    summary = _run_ensemble(scenario, reps, seed, args.engine, executor, update)
                finally:
                    close()
                if store is not None:
                    store.save(summary, source=name)
            warnings = _warnings(scenario, summary)
            results.append((summary, warnings))
            if not args.json:
                print_summary(name, summary)
            for w in warnings:
                print(f"warning: {w['message']}", file=sys.stderr)
    finally:
        executor.close()
        if store is not None:
            store.close()
    if args.json:
        emit_json({"results": [{**s.to_contract(), "warnings": w} for s, w in results]})
    return 0


def _warnings(scenario, summary):  # type: ignore[no-untyped-def]
    from ..plausibility import run_warnings

    return run_warnings(scenario, summary)


def _run_ensemble(*args, **kwargs):  # type: ignore[no-untyped-def]
    from ..ensemble import run_ensemble

    return run_ensemble(*args, **kwargs)


def print_summary(name: str, s: "EnsembleSummary") -> None:
    print(f"\n{s.scenario_id} ({name}): {s.reps} replicates, seed {s.seed}, engine {s.engine}")
    print(f"  {'chain':<22} {'target':>12} {'year':>5} {'p_reach':>8} {'95% CI':>15} "
          f"{'output P10 / P50 / P90 in target year (亿元/year)':>50}")
    for r in s.targets.itertuples(index=False):
        ci = f"[{r.p_reach_lo:.2f}, {r.p_reach_hi:.2f}]"
        q = f"{r.output_yi_p10:8.1f} / {r.output_yi_p50:8.1f} / {r.output_yi_p90:8.1f}"
        print(f"  {r.chain:<22} {r.target_yi:>9.1f}亿元 {r.target_year:>5} {r.p_reach:>8.3f} {ci:>15} {q:>50}")
