"""Scaling over workers: one pooled multi-scenario run on 1 and 2 local processes.

``python benchmarks/scaling.py`` runs the seven shipped single-county scenarios
(``scenarios/*.yaml`` without ``counties:``; provinces are ``province_scale.py``'s, 1,000
replicates each: 35 blocks of the fast engine) the way ``chainsim run
scenarios/*.yaml`` does, in interleaved rounds:

* ``serial``: one worker, in this process (``--workers 1``);
* ``pooled, N workers``: every block of every scenario in one pool of tasks on N local
  processes (``ensemble.run_ensembles``, what ``chainsim run --workers N`` does now);
* ``one scenario after another, N workers``: ``run_ensemble`` per scenario on the same N
  processes (what ``chainsim run`` did before: at most five blocks in flight).

Every round starts a fresh process pool, so its start-up is in the time. It prints the
median wall times and the speed-ups over serial measured in the same run, and the CPU
time of this process and its workers (what the work costs, whatever else the machine
runs); checks that every variant gave the same summaries; writes ``benchmarks/scaling.json``.
On a shared machine the speed-up needs idle cores: look at the load average it records.

Options: ``--reps N`` (default 1000), ``--rounds N`` (default 3), ``--workers 1,2``
(the counts to measure, default 1 and 2), ``--smoke`` (tiny: checks that it runs),
``--out PATH``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from chainsim.ensemble import EnsembleSummary, block_size, run_ensemble, run_ensembles  # noqa: E402
from chainsim.executors import ProcessExecutor, SerialExecutor  # noqa: E402
from chainsim.scenario import Scenario, load_scenario  # noqa: E402

SEED = 1


def pooled(scenarios: list[Scenario], reps: int, workers: int) -> list[EnsembleSummary]:
    executor = SerialExecutor() if workers == 1 else ProcessExecutor(workers)
    try:
        return list(run_ensembles([(s, reps, SEED, "fast") for s in scenarios], executor))
    finally:
        executor.close()


def one_after_another(scenarios: list[Scenario], reps: int, workers: int) -> list[EnsembleSummary]:
    executor = ProcessExecutor(workers)
    try:
        return [run_ensemble(s, reps, SEED, executor=executor) for s in scenarios]
    finally:
        executor.close()


def cpu_seconds() -> float:
    """User + system CPU time of this process and of its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", default="1,2", help="worker counts, comma-separated (default 1,2)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one round")
    parser.add_argument("--out", type=Path, default=HERE / "scaling.json")
    args = parser.parse_args()
    reps, rounds = (50, 1) if args.smoke else (args.reps, args.rounds)
    counts = sorted({int(x) for x in args.workers.split(",")} | {1})
    # the single-county scenarios, as measured for issue 16; provinces: benchmarks/province_scale.py
    files = [f for f in sorted((REPO / "scenarios").glob("*.yaml")) if not load_scenario(f).counties]
    scenarios = [load_scenario(f) for f in files]
    from run import machine

    info = machine()
    variants: dict[str, Callable[[], list[EnsembleSummary]]] = {}
    for n in counts:
        variants["serial" if n == 1 else f"pooled, {n} workers"] = (lambda n=n: pooled(scenarios, reps, n))
    for n in counts:
        if n > 1:
            variants[f"one scenario after another, {n} workers"] = (lambda n=n: one_after_another(scenarios, reps, n))
    times: dict[str, list[float]] = {name: [] for name in variants}
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    reference = None
    for _ in range(rounds):
        for name, run in variants.items():
            started, cpu_started = time.perf_counter(), cpu_seconds()
            summaries = run()
            times[name].append(time.perf_counter() - started)
            cpu[name].append(cpu_seconds() - cpu_started)
            contract = [s.to_contract() for s in summaries]
            reference = reference or contract
            assert contract == reference, f"{name} gave other numbers"
    info["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    serial = statistics.median(times["serial"])
    rows = {name: {"median_s": round(statistics.median(t), 3), "min_s": round(min(t), 3), "max_s": round(max(t), 3),
                   "speedup_over_serial": round(serial / statistics.median(t), 2),
                   "cpu_s_median": round(statistics.median(cpu[name]), 3)} for name, t in times.items()}
    blocks = sum(-(-reps // block_size(s, "fast")) for s in scenarios)
    print(f"{len(scenarios)} scenarios × {reps} replicates ({blocks} blocks), median of {rounds} rounds, wall s")
    for name, r in rows.items():
        print(f"  {name:<40} {r['median_s']:>8.2f} s   {r['speedup_over_serial']:>5.2f}× serial   "
              f"CPU {r['cpu_s_median']:.2f} s")
    args.out.write_text(json.dumps({"machine": info, "smoke": args.smoke, "reps": reps, "rounds": rounds,
                                    "blocks": blocks, "scenarios": [f.name for f in files], "variants": rows},
                                   ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
