"""A province at scale: what a Fujian run costs, how it spreads over workers, how close the
fast engine is to the cost of its random numbers, and what all of China would take.

    python benchmarks/province_scale.py           # about 10 minutes on 2 busy cores
    python benchmarks/province_scale.py --smoke   # tiny: only checks that it runs

Measured on scenarios/fujian.yaml (84 county-level units, 152 chains) side by side in one
run, and written to benchmarks/province_scale.json:

1. **Cost per county-replicate**: one ``run_ensemble`` on one core (serial executor, what
   ``chainsim run --workers 1`` does), wall time / (replicates × counties).
2. **Scaling over workers**: the same ensemble on 1 and 2 local processes
   (``ProcessExecutor``, a fresh pool each round), interleaved rounds, same numbers checked.
3. **The fast engine against a floor kernel**: one block (``kernel.run_block``) and a *floor
   kernel* that makes exactly the same random draws — every call the block made on its
   generators, with the same arguments, replayed on generators from the same seeds — and
   nothing else: the cost of the randomness alone, which no implementation of this process
   can avoid. Both are timed in alternation in this process; the ratio is printed.
   Agent-steps are counted as the Mesa engine takes them: every open project in every month,
   every enterprise in every month after the warm-up (from the block's record).
4. **Dask**: the ensemble on a ``distributed.LocalCluster`` of 2 single-threaded worker
   processes through ``--scheduler``'s ``DaskExecutor``, with Dask's task stream recording
   each task's compute time and result size; same numbers checked.
5. **Memory of a task**: peak resident memory of a fresh process that runs one block.
6. **The plan for China**: about 2,800 county-level units as 31 provincial scenarios run in
   one pool (``chainsim run scenarios/china/*.yaml --scheduler tcp://...``): tasks, memory
   per worker and time on 64 workers, from the per-task costs measured above (written to the
   JSON's ``plan``; benchmarks/README.md explains it).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import statistics
import subprocess
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from chainsim import kernel  # noqa: E402
from chainsim.ensemble import _reduce_for_summary, block_size, make_tasks, run_ensemble  # noqa: E402
from chainsim.executors import ProcessExecutor, SerialExecutor  # noqa: E402
from chainsim.memory import footprint  # noqa: E402
from chainsim.prepare import make_plan  # noqa: E402
from chainsim.records import INDEX  # noqa: E402
from chainsim.scenario import Scenario, load_scenario  # noqa: E402

FUJIAN = REPO / "scenarios" / "fujian.yaml"
SEED = 1
CHINA_UNITS = 2800  # county-level units of China (县级行政区), about; assumed
CHINA_PROVINCES = 31
CHINA_WORKERS = 64


# --------------------------------------------------------------------------- the floor kernel


class _Recording:
    """A ``numpy.random.Generator`` that records every call made on it (method, arguments)."""

    def __init__(self, seed: Any):
        self._seed = seed
        self._gen = _REAL_DEFAULT_RNG(seed)
        self.calls: list[tuple[str, tuple, dict]] = []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._gen, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, tuple(np.array(a) if isinstance(a, np.ndarray) else a for a in args),
                               {k: np.array(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}))
            return method(*args, **kwargs)

        return call


_REAL_DEFAULT_RNG = np.random.default_rng


def record_draws(scenario: Scenario, seed: np.random.SeedSequence, replicates: np.ndarray
                 ) -> tuple[list[_Recording], Any]:
    """Run one block with every generator it creates recorded; returns the recordings and
    the block's trajectories."""
    made: list[_Recording] = []

    def recording_rng(seed_arg: Any = None) -> Any:
        rec = _Recording(seed_arg)
        made.append(rec)
        return rec

    np.random.default_rng = recording_rng  # type: ignore[assignment]
    try:
        traj = kernel.run_block(scenario, seed, replicates)
    finally:
        np.random.default_rng = _REAL_DEFAULT_RNG  # type: ignore[assignment]
    return made, traj


def floor_kernel(recordings: list[_Recording]) -> int:
    """Make the block's random draws again, and nothing else: a generator per recording, from
    the same seed, and the same calls in the same order. Returns the number of values drawn."""
    n = 0
    for rec in recordings:
        gen = _REAL_DEFAULT_RNG(rec._seed)
        for name, args, kwargs in rec.calls:
            n += np.size(getattr(gen, name)(*args, **kwargs))
    return n


def agent_steps(traj: Any, warmup: int) -> int:
    """Agent-steps as the Mesa engine takes them: open projects in every month, enterprises
    in every month after the warm-up."""
    rec = traj.data.astype(np.float64)
    projects = sum(rec[INDEX[m]].sum() for m in ("stock_lead", "stock_signed", "stock_started", "stock_completed"))
    firms = sum(rec[INDEX[m], warmup:].sum() for m in ("ent_leader", "ent_backbone", "ent_growth", "ent_supplier"))
    return int(projects + firms)


# --------------------------------------------------------------------------- helpers


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def ensemble(scenario: Scenario, reps: int, executor: Any) -> list[dict]:
    try:
        return run_ensemble(scenario, reps, SEED, executor=executor).to_contract()["chains"]
    finally:
        executor.close()


def task_memory_mib(reps: int) -> dict[str, float]:
    """Peak RSS of a fresh process that loads Fujian and runs one block (MiB), and of one that
    only loads it. Read from /proc/self/status (VmHWM, the process's own high-water mark:
    ``ru_maxrss`` would carry over the parent's peak through fork and exec)."""
    code = ("import sys; from chainsim.scenario import load_scenario; from chainsim.ensemble import "
            "make_tasks, simulate_blocks\n"
            "def hwm(): return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
            "s = load_scenario(sys.argv[1]); t = make_tasks(s, int(sys.argv[2]), 1, 'fast'); base = hwm()\n"
            "if sys.argv[3] == 'run': simulate_blocks(t[0])\n"
            "print(base, hwm())")
    out = {}
    for mode in ("load", "run"):
        done = subprocess.run([sys.executable, "-c", code, str(FUJIAN), str(reps), mode], capture_output=True,
                              text=True, check=True)
        base, peak = (int(x) / 1024 for x in done.stdout.split())
        out[mode] = round(peak, 1)
        out["baseline"] = round(base, 1)
    return {"peak_rss_mib": out["run"], "loaded_rss_mib": out["load"], "block_own_mib": round(out["run"] - out["load"], 1)}


def dask_run(scenario: Scenario, reps: int) -> dict[str, Any]:
    """The ensemble on a local Dask cluster of 2 one-thread worker processes, with Dask's task stream."""
    import logging

    from distributed import LocalCluster

    from chainsim.executors import DaskExecutor

    logging.getLogger("distributed").setLevel(logging.ERROR)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster:
        executor = DaskExecutor(cluster.scheduler_address)
        client = executor.client
        from distributed import get_task_stream

        started = time.perf_counter()
        with get_task_stream(client=client) as stream:
            chains = run_ensemble(scenario, reps, SEED, executor=executor).to_contract()["chains"]
        wall = time.perf_counter() - started
        records = stream.data
        executor.close()
    compute = [sum(s["stop"] - s["start"] for s in r["startstops"] if s["action"] == "compute") for r in records]
    transfer = [sum(s["stop"] - s["start"] for s in r["startstops"] if s["action"] == "transfer") for r in records]
    return {"chains": chains, "wall_s": round(wall, 3), "tasks": len(records),
            "task_compute_s_median": round(statistics.median(compute), 3) if compute else None,
            "task_compute_s_max": round(max(compute), 3) if compute else None,
            "compute_s_total": round(sum(compute), 3),
            "overhead_share": round(1 - sum(compute) / (2 * wall), 3) if wall else None,
            "transfer_s_total": round(sum(transfer), 3)}


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=120, help="replicates of the timed ensembles (default 120)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="tiny: one round, one block")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask measurement")
    parser.add_argument("--out", type=Path, default=HERE / "province_scale.json")
    args = parser.parse_args()
    from run import machine

    info = machine()
    scenario = load_scenario(FUJIAN)
    plan = make_plan(scenario)
    counties = plan.n_counties
    block = block_size(scenario, "fast")
    reps, rounds = (block, 1) if args.smoke else (args.reps, args.rounds)
    print(f"Fujian: {counties} counties, {plan.n_chains} chains, {int(plan.n_enterprises.sum()):,} enterprises at the "
          f"start, {plan.total_months} months (warm-up included); {block} replicates a block")

    # 1-2. serial and 2 workers, interleaved
    times: dict[str, list[float]] = {"1 worker": [], "2 workers": []}
    cpu: dict[str, list[float]] = {"1 worker": [], "2 workers": []}
    reference = None
    for _ in range(rounds):
        for name, make in (("1 worker", SerialExecutor), ("2 workers", lambda: ProcessExecutor(2))):
            started, cpu0 = time.perf_counter(), cpu_seconds()
            chains = ensemble(scenario, reps, make())
            times[name].append(time.perf_counter() - started)
            cpu[name].append(cpu_seconds() - cpu0)
            reference = reference or chains
            assert chains == reference, f"{name} gave other numbers"
    serial = statistics.median(times["1 worker"])
    scaling = {name: {"median_s": round(statistics.median(t), 3), "min_s": round(min(t), 3),
                      "max_s": round(max(t), 3), "speedup": round(serial / statistics.median(t), 2),
                      "cpu_s_median": round(statistics.median(cpu[name]), 3)} for name, t in times.items()}
    per_county_rep_ms = 1000 * serial / (reps * counties)
    serial_cpu = statistics.median(cpu["1 worker"])
    per_county_rep_cpu_ms = 1000 * serial_cpu / (reps * counties)
    print(f"\n{reps} replicates × {counties} counties, median of {rounds} rounds (load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores):")
    for name, r in scaling.items():
        print(f"  {name:<10} {r['median_s']:8.2f} s  {r['speedup']:5.2f}×  CPU {r['cpu_s_median']:.2f} s")
    print(f"  cost per county-replicate (1 worker): {per_county_rep_ms:.3f} ms wall, {per_county_rep_cpu_ms:.3f} ms CPU; "
          f"per replicate {1000 * serial / reps:.1f} ms wall, {1000 * serial_cpu / reps:.1f} ms CPU")

    # 3. one block against the floor kernel with the same draws
    task = make_tasks(scenario, block, SEED, "fast")[0]
    recordings, traj = record_draws(scenario, task.seeds[0], np.asarray(task.replicates))
    steps = agent_steps(traj, plan.warmup)
    kt, ft, n_values = [], [], 0  # CPU time of this process: what each costs, however busy the machine
    for _ in range(max(rounds, 5) if not args.smoke else 1):
        t0 = time.process_time()
        kernel.run_block(scenario, task.seeds[0], np.asarray(task.replicates), plan=plan)
        kt.append(time.process_time() - t0)
        t0 = time.process_time()
        n_values = floor_kernel(recordings)
        ft.append(time.process_time() - t0)
    k_s, f_s = statistics.median(kt), statistics.median(ft)
    n_calls = sum(len(r.calls) for r in recordings)
    floor = {"block_reps": block, "agent_steps": steps, "kernel_s": round(k_s, 4), "floor_s": round(f_s, 4),
             "kernel_ns_per_agent_step": round(1e9 * k_s / steps, 1),
             "floor_ns_per_agent_step": round(1e9 * f_s / steps, 1),
             "ratio": round(k_s / f_s, 2), "random_values": int(n_values), "generator_calls": n_calls,
             "floor_ns_per_random_value": round(1e9 * f_s / max(n_values, 1), 2)}
    print(f"\none block ({block} replicates, {steps:,} agent-steps, {n_values:,} random values in {n_calls:,} calls), "
          f"CPU time, median of {len(kt)}:")
    print(f"  fast engine  {k_s:7.3f} s  {floor['kernel_ns_per_agent_step']:7.1f} ns per agent-step")
    print(f"  floor kernel {f_s:7.3f} s  {floor['floor_ns_per_agent_step']:7.1f} ns per agent-step "
          f"(the same random draws, nothing else)")
    print(f"  ratio fast / floor: {floor['ratio']:.2f}×")

    # 4. Dask
    dask = None
    if not args.no_dask:
        dask = dask_run(scenario, reps)
        assert dask.pop("chains") == reference, "Dask gave other numbers"
        print(f"\nDask LocalCluster, 2 workers: {dask['wall_s']:.2f} s for {dask['tasks']} tasks; a task computes in "
              f"{dask['task_compute_s_median']} s (max {dask['task_compute_s_max']}); the workers computed "
              f"{dask['compute_s_total']} s of the {2 * dask['wall_s']:.1f} worker-seconds")

    # 5. memory of one task in a fresh process
    memory = task_memory_mib(block)
    print(f"\nmemory of a task (fresh process): peak {memory['peak_rss_mib']} MiB, of which the block "
          f"{memory['block_own_mib']} MiB; the memory module's estimate "
          f"{footprint(scenario).bytes_per_replicate * block / 2**20:.0f} MiB")
    task_bytes = len(pickle.dumps(task))
    parts = kernel_partial_bytes(scenario, task)

    # 6. the plan for China, from the per-task cost: CPU time, what a task takes on a core of its own
    task_s = serial_cpu / -(-reps // block)  # one block of Fujian, one core
    units_per_province = CHINA_UNITS / CHINA_PROVINCES
    scale = units_per_province / counties  # a mean province against Fujian, in counties (work ∝ agents)
    china_reps = 1000
    tasks = CHINA_PROVINCES * -(-china_reps // block)
    cpu_total = tasks * task_s * scale
    plan_doc = {
        "units": CHINA_UNITS, "provinces": CHINA_PROVINCES, "reps": china_reps, "block_reps": block,
        "tasks": tasks, "task_s_fujian": round(task_s, 3), "task_s_mean_province": round(task_s * scale, 3),
        "cpu_hours": round(cpu_total / 3600, 2), "workers": CHINA_WORKERS,
        "hours_on_64_workers_ideal": round(cpu_total / CHINA_WORKERS / 3600, 3),
        "task_message_bytes": task_bytes, "task_result_bytes": parts,
        "result_bytes_total_mib": round(tasks * parts * scale / 2**20, 1),
        "worker_peak_rss_mib": memory["peak_rss_mib"],
    }
    print(f"\nChina: {CHINA_UNITS} units as {CHINA_PROVINCES} provinces × {china_reps} replicates = {tasks} tasks of "
          f"{block} replicates, {plan_doc['task_s_mean_province']} s each on one core: {plan_doc['cpu_hours']} CPU "
          f"hours, {plan_doc['hours_on_64_workers_ideal'] * 60:.1f} minutes on {CHINA_WORKERS} workers if perfectly "
          f"spread; {task_bytes / 1024:.0f} KiB per task out, {parts / 1024:.0f} KiB back")

    info["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    doc = {"machine": info, "smoke": args.smoke, "scenario": "scenarios/fujian.yaml", "counties": counties,
           "chains": plan.n_chains, "enterprises_at_start": int(plan.n_enterprises.sum()),
           "months": plan.total_months, "reps": reps, "rounds": rounds, "block_reps": block,
           "cost_per_county_replicate_ms": round(per_county_rep_ms, 4),
           "cost_per_county_replicate_cpu_ms": round(per_county_rep_cpu_ms, 4),
           "cost_per_replicate_ms": round(1000 * serial / reps, 2),
           "cost_per_replicate_cpu_ms": round(1000 * serial_cpu / reps, 2), "scaling": scaling, "floor": floor,
           "dask": dask, "task_memory": memory, "plan": plan_doc}
    args.out.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")
    return 0


def kernel_partial_bytes(scenario: Scenario, task: Any) -> int:
    """Pickled size of one task's result: the block's partial summary (what goes back to the client)."""
    from chainsim.ensemble import _run_pooled

    return len(pickle.dumps(_run_pooled((task, partial(_reduce_for_summary, scenario=scenario)))))


if __name__ == "__main__":
    sys.exit(main())
