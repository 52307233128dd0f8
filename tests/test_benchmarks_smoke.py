"""``benchmarks/run.py`` runs end to end on tiny sizes and writes what it promises.

Checks the benchmark code, never its timings: the results file names every case with
times and the memory of the memory cases, and the README's table is rewritten between
its markers and nowhere else.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
START, END = "<!-- results:start -->", "<!-- results:end -->"


@pytest.mark.slow
def test_benchmark_run_writes_results_and_readme_table(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    shutil.copy(REPO / "benchmarks" / "README.md", readme)
    before = readme.read_text(encoding="utf-8")
    results = tmp_path / "results.json"
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "run.py"), "--smoke", "--results", str(results),
                           "--readme", str(readme)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    data = json.loads(results.read_text(encoding="utf-8"))
    assert data["sizes"] == "smoke"
    assert {"cpu_model", "nproc", "OPENBLAS_CORETYPE", "load_average_1_5_15"} <= set(data["machine"])
    cases = data["cases"]
    assert {"liancheng_mesa", "liancheng_fast_small", "liancheng_fast_medium", "liancheng_fast_large",
            "province_5k_fast", "province_50k_fast"} == set(cases)
    assert all(c["median_s"] > 0 and c["median_ms_per_rep"] > 0 for c in cases.values())
    for name in ("liancheng_mesa", "liancheng_fast_medium", "liancheng_fast_large", "province_50k_fast"):
        assert cases[name]["memory"]["peak_rss_mib"] >= cases[name]["memory"]["baseline_rss_mib"] > 0
    assert data["headline"]["fast_over_mesa_speedup"] > 0
    after = readme.read_text(encoding="utf-8")
    outside = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    assert outside.sub("", after) == outside.sub("", before)
    table = after[after.index(START): after.index(END)]
    assert "| liancheng_mesa |" in table and "province_50k_fast" in table
    assert "| liancheng_mesa |" in done.stdout


@pytest.mark.slow
def test_province_scale_benchmark_writes_its_figures(tmp_path: Path) -> None:
    out = tmp_path / "province_scale.json"
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "province_scale.py"), "--smoke", "--no-dask",
                           "--out", str(out)], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["counties"] == 84 and data["cost_per_county_replicate_ms"] > 0
    assert set(data["scaling"]) == {"1 worker", "2 workers"}
    floor = data["floor"]
    assert floor["kernel_ns_per_agent_step"] > 0 and floor["floor_ns_per_agent_step"] > 0 and floor["ratio"] > 0
    assert data["plan"]["tasks"] > 0 and data["plan"]["worker_peak_rss_mib"] > 0
    assert "ratio fast / floor" in done.stdout
