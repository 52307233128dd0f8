"""Per-replicate time of the fast engine now against an earlier commit, side by side in one run.

    python benchmarks/before_after.py [--ref 7df4059] [--reps 1000] [--rounds 5] [--scenario liancheng]

The earlier commit's ``src/`` and ``scenarios/`` are exported with ``git archive`` into a
temporary folder; each round runs the same ensemble (``run_ensemble``, serial, the
scenario as each commit ships it) once with the earlier code and once with the current
code, each in a fresh Python process, alternating so that load on the machine hits both
alike. Prints the median seconds per 1,000 replicates of each and their ratio (now ÷
before). ``7df4059`` is main before issue 11 (bounded growth: land queues, saturating
effort, costs); the default.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = """
import json, sys, time
sys.path.insert(0, {src!r})
from chainsim.scenario import load_scenario
from chainsim.ensemble import run_ensemble
scenario = load_scenario({scenario!r})
run_ensemble(scenario, reps=20, seed=1)  # warm caches and imports
t, c = time.perf_counter(), time.process_time()
run_ensemble(scenario, reps={reps}, seed=1)
c = time.process_time() - c
import chainsim
assert chainsim.__file__.startswith({src!r}), chainsim.__file__
print(json.dumps({{"seconds": time.perf_counter() - t, "cpu_seconds": c}}))
"""


def export(ref: str, into: Path) -> Path:
    """The ``src``, ``scenarios`` and ``data`` folders of ``ref``, unpacked under ``into``."""
    into.mkdir(parents=True, exist_ok=True)
    archive = into / "tree.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "archive", ref, "src", "scenarios", "data"], cwd=REPO, stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "tree", filter="data")
    return into / "tree"


def time_once(src: Path, scenario: Path, reps: int) -> dict[str, float]:
    code = CHILD.format(src=str(src), scenario=str(scenario), reps=reps)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=src.parent)
    if done.returncode:
        raise SystemExit(f"benchmark child failed ({src}):\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ref", default="7df4059", help="earlier commit to compare with (default: main before issue 11)")
    ap.add_argument("--reps", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--scenario", default="liancheng")
    ap.add_argument("--after", default=None, help="a later commit to time instead of the working tree")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old = export(args.ref, Path(tmp) / "before")
        new = export(args.after, Path(tmp) / "after") if args.after else REPO
        pairs = {"before": (old / "src", old / "scenarios" / f"{args.scenario}.yaml"),
                 "now": (new / "src", new / "scenarios" / f"{args.scenario}.yaml")}
        runs: dict[str, list[dict[str, float]]] = {k: [] for k in pairs}
        for _ in range(args.rounds):
            for name, (src, scen) in pairs.items():
                runs[name].append(time_once(src, scen, args.reps))
    print(f"{args.scenario}, {args.reps} replicates, {args.rounds} rounds, fast engine, serial "
          f"({time.strftime('%Y-%m-%d %H:%M')}, load average {os.getloadavg()[0]:.1f}):")
    med = {}
    for k in pairs:
        wall = statistics.median(r["seconds"] for r in runs[k])
        cpu = statistics.median(r["cpu_seconds"] for r in runs[k])
        med[k] = (wall, cpu)
        print(f"  {k:<6} {args.ref if k == 'before' else (args.after or 'working tree'):<14} median wall {wall:.3f} s, "
              f"CPU {cpu:.3f} s per {args.reps} replicates")
    print(f"  ratio now / before: wall {med['now'][0] / med['before'][0]:.2f}, CPU {med['now'][1] / med['before'][1]:.2f}"
          " (CPU time is the steadier figure on a shared machine)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
