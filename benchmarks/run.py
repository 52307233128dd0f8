"""Regenerate every benchmark figure: ``python benchmarks/run.py`` (``make bench``).

1. times all cases of ``cases.py`` side by side in one pytest-benchmark run;
2. measures the peak memory of the cases in ``MEMORY_CASES``, each in a fresh process
   (peak resident set size, and how much of it the run added to the imported package);
3. writes ``benchmarks/results.json`` and rewrites the table in ``benchmarks/README.md``
   between its markers, and prints the table with the ratios.

Options: ``--smoke`` runs tiny sizes (checks the code, measures nothing meaningful);
``--results PATH`` and ``--readme PATH`` write elsewhere; ``--peak-memory CASE`` is the
child process of step 2 (prints one JSON line).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from cases import MEMORY_CASES, SCENARIOS, SIZES, SMOKE, Case, run_case, scenario  # noqa: E402

START, END = "<!-- results:start -->", "<!-- results:end -->"
MIB = 1024 * 1024


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import mesa
    import numpy

    import chainsim

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=REPO, capture_output=True,
                                    text=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = "unknown", False
    return {
        "cpu_model": cpu,
        "nproc": os.cpu_count(),
        "cores_available": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "mesa": mesa.__version__,
        "chainsim": chainsim.__version__,
        "git_commit": commit + ("+uncommitted src changes" if dirty else ""),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }


def time_cases(smoke: bool) -> dict[str, dict[str, float]]:
    """Run bench_engines.py under pytest-benchmark; seconds per run of each case."""
    # an xdist worker's variables (the test suite runs under pytest-xdist) would make
    # pytest-benchmark think it runs under xdist too, and disable itself
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    env["CHAINSIM_BENCH_SIZES"] = "smoke" if smoke else "full"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "benchmark.json"
        cmd = [sys.executable, "-m", "pytest", str(HERE / "bench_engines.py"), "-q", "-p", "no:cacheprovider",
               "-p", "no:xdist",
               "-o", "python_files=bench_*.py", "-o", "addopts=", "--benchmark-only",
               "--benchmark-disable-gc", f"--benchmark-json={out}", "--benchmark-columns=min,median,max,rounds"]
        done = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"benchmark run failed:\n{done.stdout}\n{done.stderr}")
        data = json.loads(out.read_text())
    times = {}
    for bench in data["benchmarks"]:
        name = bench["params"]["name"]
        stats = bench["stats"]
        times[name] = {"min_s": stats["min"], "median_s": stats["median"], "max_s": stats["max"],
                       "rounds": stats["rounds"]}
    return times


def peak_memory(name: str, smoke: bool) -> dict[str, float]:
    """Peak memory of one case in a fresh process (see ``--peak-memory``)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--peak-memory", name] + (["--smoke"] if smoke else [])
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"memory run of {name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _child_peak_memory(case: Case) -> None:
    """In a fresh process: baseline RSS after imports and loading, then the run's peak RSS."""
    scenario(case.scenario)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # ru_maxrss is in KiB on Linux
    run_case(case)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"peak_rss_mib": peak / MIB, "baseline_rss_mib": baseline / MIB,
                      "run_mib": (peak - baseline) / MIB}))


def summarise(cases: dict[str, Case], times: dict[str, dict[str, float]], memory: dict[str, dict[str, float]]
              ) -> dict[str, Any]:
    """Per-case rows and the headline figures (ratios from medians measured in the same run)."""
    rows = {}
    for name, case in cases.items():
        t = times[name]
        rows[name] = {
            "scenario": case.scenario, "engine": case.engine, "reps": case.reps, "description": case.description,
            **t, "median_ms_per_rep": 1e3 * t["median_s"] / case.reps, "min_ms_per_rep": 1e3 * t["min_s"] / case.reps,
            **({"memory": memory[name]} if name in memory else {}),
        }
    mesa = rows["liancheng_mesa"]["median_ms_per_rep"]
    fast = rows["liancheng_fast_medium"]["median_ms_per_rep"]  # 1,000 replicates at full size
    headline = {
        "mesa_ms_per_rep": mesa,
        "fast_ms_per_rep": fast,
        "fast_over_mesa_speedup": mesa / fast,
        "fast_1000_reps_wall_s": rows["liancheng_fast_medium"]["median_s"],
        "fast_10000_reps_peak_rss_mib": rows["liancheng_fast_large"]["memory"]["peak_rss_mib"],
        "province_50k_ms_per_rep": rows["province_50k_fast"]["median_ms_per_rep"],
    }
    return {"headline": headline, "cases": rows}


def table(results: dict[str, Any]) -> str:
    """The markdown table of README.md (between the markers)."""
    m, h = results["machine"], results["headline"]
    lines = [
        f"Measured {m['date']} on {m['cpu_model']} ({m['nproc']} cores, load average "
        f"{m['load_average_1_5_15'][0]} at the start), Python {m['python']}, numpy {m['numpy']}, "
        f"Mesa {m['mesa']}, chainsim {m['chainsim']} ({m['git_commit']}); "
        f"OPENBLAS_CORETYPE={m['OPENBLAS_CORETYPE']}. One core (serial executor), wall time, "
        "median of the rounds.",
        "",
        "| case | scenario | engine | reps | rounds | median s | ms / replicate | peak RSS MiB (run's own) |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in results["cases"].items():
        mem = r.get("memory")
        mem_text = f"{mem['peak_rss_mib']:.0f} ({mem['run_mib']:.0f})" if mem else ""
        lines.append(f"| {name} | {r['scenario']} | {r['engine']} | {r['reps']:,} | {r['rounds']} | "
                     f"{r['median_s']:.3g} | {r['median_ms_per_rep']:.3g} | {mem_text} |")
    medium, large = results["cases"]["liancheng_fast_medium"], results["cases"]["liancheng_fast_large"]
    lines += [
        "",
        f"* fast vs Mesa on Liancheng: {h['fast_ms_per_rep']:.2f} ms vs {h['mesa_ms_per_rep']:.0f} ms per "
        f"replicate, **{h['fast_over_mesa_speedup']:.0f}×** (goal ≥ 50×).",
        f"* {medium['reps']:,} replicates of Liancheng 2022–2030: **{h['fast_1000_reps_wall_s']:.2f} s** "
        "(goal for 1,000: about 1 s).",
        f"* {large['reps']:,} replicates: peak memory **{h['fast_10000_reps_peak_rss_mib']:.0f} MiB** "
        "(goal for 10,000: under 1 GiB).",
        f"* Province scale (50,000 enterprises): {h['province_50k_ms_per_rep']:.0f} ms per replicate.",
    ]
    return "\n".join(lines)


def rewrite_readme(readme: Path, text: str) -> None:
    body = readme.read_text(encoding="utf-8")
    if START not in body or END not in body:
        raise SystemExit(f"{readme} lacks the markers {START} … {END}")
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    readme.write_text(pattern.sub(lambda _: f"{START}\n{text}\n{END}", body), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: check that the benchmark code runs")
    parser.add_argument("--results", type=Path, default=HERE / "results.json")
    parser.add_argument("--readme", type=Path, default=HERE / "README.md")
    parser.add_argument("--peak-memory", metavar="CASE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    cases = SMOKE if args.smoke else SIZES
    if args.peak_memory:
        _child_peak_memory(cases[args.peak_memory])
        return 0
    info = machine()
    print(f"benchmarking on {info['cpu_model']} ({info['nproc']} cores, load {info['load_average_1_5_15']})",
          flush=True)
    times = time_cases(args.smoke)
    memory = {name: peak_memory(name, args.smoke) for name in MEMORY_CASES}
    info["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    results = {"machine": info, "sizes": "smoke" if args.smoke else "full", "scenarios": SCENARIOS,
               **summarise(cases, times, memory)}
    args.results.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    text = table(results)
    rewrite_readme(args.readme, text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
