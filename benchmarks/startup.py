"""Start-up of the command line, before vs after lazy imports, side by side.

``python benchmarks/startup.py`` times, in fresh processes, ``chainsim --version``,
``chainsim validate scenarios/liancheng.yaml`` and two fast-engine runs of Liancheng
(100 and 1,000 replicates, one worker, no store), each with this checkout's code and with
the code of ``--before REV`` (default: the commit before lazy imports, 7df4059), in
interleaved rounds; it prints the median wall times with their ratio and writes
``benchmarks/startup.json``. The old code is taken from git (``git archive REV src data``) into
a temporary folder and put first on ``PYTHONPATH``, so both run in this interpreter with
the same packages. It also lists, for each command and each version, which of the heavy
packages (scipy.optimize, SALib, mesa, dask, distributed, streamlit, plotly) the command
imported.

Options: ``--rounds N`` (default 7), ``--smoke`` (one round of --version and validate:
checks that the script runs), ``--out PATH``.
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
from io import BytesIO
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

BEFORE = "7df4059"
"""The last commit whose parser imported every command's dependencies."""

LIANCHENG = str(REPO / "scenarios" / "liancheng.yaml")
COMMANDS = {
    "--version": ["--version"],
    "validate": ["validate", LIANCHENG],
    "run 100 reps": ["run", LIANCHENG, "--reps", "100", "--seed", "1", "--workers", "1", "--no-store", "--json"],
    "run 1,000 reps": ["run", LIANCHENG, "--reps", "1000", "--seed", "1", "--workers", "1", "--no-store", "--json"],
}
SMOKE = ("--version", "validate")
HEAVY = ("scipy.optimize", "SALib", "mesa", "dask", "distributed", "streamlit", "plotly")

DRIVER = """
import json, sys
import chainsim.cli
try:
    chainsim.cli.main(sys.argv[2:])
except SystemExit:
    pass
heavy = json.loads(sys.argv[1])
print(json.dumps(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr)
"""


def checkout(rev: str, into: Path) -> Path:
    """``src/`` (and ``data/``, which it reads) of ``rev`` extracted into ``into``; returns the folder to put on PYTHONPATH."""
    archive = subprocess.run(["git", "archive", rev, "src", "data"], cwd=REPO, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def env_for(src: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(src) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def wall_time(args: list[str], env: dict[str, str], cwd: Path) -> float:
    """Seconds from starting ``python -m chainsim.cli ARGS`` to its exit (it must exit 0)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "chainsim.cli", *args], env=env, cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def heavy_imports(args: list[str], env: dict[str, str], cwd: Path) -> list[str]:
    done = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(HEAVY), *args], env=env, cwd=cwd,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stderr.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default=BEFORE, help=f"the git revision to compare with (default {BEFORE})")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--smoke", action="store_true", help="one round of --version and validate")
    parser.add_argument("--out", type=Path, default=HERE / "startup.json")
    args = parser.parse_args()
    names = list(SMOKE if args.smoke else COMMANDS)
    rounds = 1 if args.smoke else args.rounds
    from run import machine

    info = machine()
    with tempfile.TemporaryDirectory() as tmp:
        versions = {"before": env_for(checkout(args.before, Path(tmp))), "after": env_for(REPO / "src")}
        cwd = Path(tmp)
        for env in versions.values():  # compile the .pyc files and warm the disk cache
            wall_time(["--version"], env, cwd)
        times: dict[str, dict[str, list[float]]] = {n: {v: [] for v in versions} for n in names}
        for _ in range(rounds):
            for name in names:
                for version, env in versions.items():
                    times[name][version].append(wall_time(COMMANDS[name], env, cwd))
        heavy = {n: {v: heavy_imports(COMMANDS[n], env, cwd) for v, env in versions.items()} for n in names}
    info["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    rows = {}
    for name in names:
        before, after = (statistics.median(times[name][v]) for v in ("before", "after"))
        rows[name] = {"before_s": round(before, 4), "after_s": round(after, 4), "before_over_after": round(before / after, 2),
                      "rounds": rounds, "heavy_imported_before": heavy[name]["before"],
                      "heavy_imported_after": heavy[name]["after"], "args": COMMANDS[name]}
    print(f"start-up, median of {rounds} rounds (wall s, fresh process), before = {args.before}, after = this checkout")
    print(f"{'command':<16} {'before s':>9} {'after s':>9} {'ratio':>6}  heavy imports before -> after")
    for name, r in rows.items():
        print(f"{name:<16} {r['before_s']:>9.3f} {r['after_s']:>9.3f} {r['before_over_after']:>5.2f}×  "
              f"{','.join(r['heavy_imported_before']) or '-'} -> {','.join(r['heavy_imported_after']) or '-'}")
    args.out.write_text(json.dumps({"machine": info, "before": args.before, "smoke": args.smoke, "commands": rows},
                                   ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
