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
t = time.perf_counter()
run_ensemble(scenario, reps={reps}, seed=1)
print(json.dumps({{"seconds": time.perf_counter() - t}}))
"""


def export(ref: str, into: Path) -> Path:
    """The ``src`` and ``scenarios`` folders of ``ref``, unpacked under ``into``."""
    archive = into / "tree.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "archive", ref, "src", "scenarios"], cwd=REPO, stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "tree", filter="data")
    return into / "tree"


def time_once(src: Path, scenario: Path, reps: int) -> float:
    code = CHILD.format(src=str(src), scenario=str(scenario), reps=reps)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=src.parent)
    return float(json.loads(done.stdout.strip().splitlines()[-1])["seconds"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ref", default="7df4059", help="earlier commit to compare with (default: main before issue 11)")
    ap.add_argument("--reps", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--scenario", default="liancheng")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old = export(args.ref, Path(tmp))
        pairs = {"before": (old / "src", old / "scenarios" / f"{args.scenario}.yaml"),
                 "now": (REPO / "src", REPO / "scenarios" / f"{args.scenario}.yaml")}
        times: dict[str, list[float]] = {k: [] for k in pairs}
        for _ in range(args.rounds):
            for name, (src, scen) in pairs.items():
                times[name].append(time_once(src, scen, args.reps))
    med = {k: statistics.median(v) for k, v in times.items()}
    per_k = {k: 1000 * v / args.reps for k, v in med.items()}
    print(f"{args.scenario}, {args.reps} replicates, {args.rounds} rounds, fast engine, serial "
          f"({time.strftime('%Y-%m-%d %H:%M')}):")
    for k in pairs:
        print(f"  {k:<6} {args.ref if k == 'before' else 'working tree':<14} median {med[k]:.3f} s "
              f"({per_k[k]:.3f} s per 1,000 replicates; rounds {', '.join(f'{x:.3f}' for x in times[k])})")
    print(f"  ratio now / before: {med['now'] / med['before']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
