"""``benchmarks/store_load.py`` runs end to end at a tiny size and writes the figures it
promises. Checks the benchmark code, never its timings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from chainsim.store import open_store

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_store_load_benchmark_writes_every_figure(tmp_path: Path) -> None:
    out, store = tmp_path / "store_load.json", tmp_path / "load.duckdb"
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "store_load.py"), "--runs", "3", "--reps", "200",
                           "--repeat", "2", "--saves", "2", "--store", str(store), "--keep", "--json", str(out)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {"command", "sizes", "machine", "build", "store", "library", "cli_reuse", "concurrent", "app"} <= set(data)
    assert data["sizes"]["runs"] == 3 and data["sizes"]["reps"] == 200
    assert {"cpu_model", "nproc", "load_average_1_5_15", "duckdb", "streamlit"} <= set(data["machine"])
    assert data["build"]["simulated"] == 3 and {"median_s", "max_s"} <= set(data["build"]["save_s"])
    runs = open_store(store, create=False).list_runs()
    assert len(runs) == 3 and runs["reps"].tolist() == [200] * 3 and runs["seed"].nunique() == 1
    assert data["store"]["runs"] == 3 and data["store"]["mib"] > 0
    assert data["store"]["replicate_rows"] == 200 * 9 * 3  # three Liancheng files, nine chain targets each
    library = data["library"]
    for read in ("list_runs", "read_only_list_runs", "find", "get"):
        assert {"median_s", "max_s", "calls"} <= set(library[read]), read
    assert set(library["export"]) == {"parquet", "csv"}
    assert all(e["mib"] > 0 for e in library["export"].values())
    assert data["cli_reuse"]["reused"] is True and data["cli_reuse"]["reps"] == 200
    reader, writer = data["concurrent"]["reader"], data["concurrent"]["writer"]
    assert reader["calls"] > 0 and reader["failures"] == 0 and reader["runs_seen"] == 3
    assert writer["saves"] == 2 and writer["failures"] == 0
    app = data["app"]
    assert app["runs_listed"] == 3 and app["fan_charts"] == 9
    assert {"stored_page_first_load_s", "choose_run_s", "rerun_with_run_chosen_s"} <= set(app)
    assert "app stored-runs page: first load" in done.stdout


@pytest.mark.slow
def test_store_load_benchmark_removes_its_temporary_store(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "store_load.py"), "--runs", "1", "--reps", "50",
                           "--repeat", "1", "--saves", "1", "--workers", "1", "--json", str(out)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert not Path(data["store"]["path"]).exists(), "a temporary store is removed unless --keep"
    assert not Path(data["store"]["path"]).parent.exists()
