"""The results store: exact round trips, one run per key, whole transactions, exports,
bad store paths, and several processes sharing one store file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from chainsim import store as store_module
from chainsim.ensemble import run_ensemble
from chainsim.errors import InputError
from chainsim.scenario import load_scenario
from chainsim.analysis.shortfall import CONTRACT_FIELDS
from chainsim.store import FRAME_COLUMNS, RUN_COLUMNS, TABLES, open_store

REPS = 300
TINY_YAML = Path(__file__).parent / "scenarios" / "tiny.yaml"


@pytest.fixture(scope="module")
def tiny():
    return load_scenario(TINY_YAML)


@pytest.fixture(scope="module")
def summary(tiny):
    return run_ensemble(tiny, REPS, 7)


def row_counts(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        con.close()


def assert_bad_input(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """Exit 2, a message naming what is wrong, no traceback, nothing on stdout."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


# --------------------------------------------------------------------------- library


def test_find_returns_the_saved_summary_exactly(tmp_path, tiny, summary, assert_same_summary):
    store = open_store(tmp_path / "r.duckdb")
    assert store.find(tiny, REPS, 7, "fast") is None
    run_id = store.save(summary, source="tiny.yaml")
    found = store.find(tiny, REPS, 7, "fast")
    assert found is not None
    assert_same_summary(found, summary)
    assert_same_summary(store.get(run_id), summary)


def test_find_misses_another_seed_reps_engine_or_scenario_content(tmp_path, tiny, summary):
    store = open_store(tmp_path / "r.duckdb")
    store.save(summary)
    assert store.find(tiny, REPS, 8, "fast") is None
    assert store.find(tiny, REPS + 1, 7, "fast") is None
    assert store.find(tiny, REPS, 7, "mesa") is None
    assert store.find(tiny.with_parameters(lead_rate=2.0), REPS, 7, "fast") is None


def test_a_run_stored_by_other_model_code_is_not_reused(tmp_path, monkeypatch, tiny, summary):
    store = open_store(tmp_path / "r.duckdb")
    store.save(summary)
    original = store_module.code_hash()
    monkeypatch.setattr(store_module, "code_hash", lambda: "edited-kernel")
    assert store.find(tiny, REPS, 7, "fast") is None
    store.save(summary)
    assert sorted(store.list_runs()["code_hash"]) == sorted([original, "edited-kernel"])


def test_saving_the_same_key_twice_keeps_one_run(tmp_path, summary):
    path = tmp_path / "r.duckdb"
    store = open_store(path)
    first = store.save(summary, source="a.yaml")
    once = row_counts(path)
    second = store.save(summary, source="b.yaml")
    assert first == second
    assert row_counts(path) == once
    runs = store.list_runs()
    assert list(runs.columns) == RUN_COLUMNS
    assert runs["run_id"].tolist() == [first] and runs["source"].tolist() == ["b.yaml"]
    assert once["replicates"] == REPS * len(summary.targets)


def test_a_save_that_fails_midway_stores_nothing_and_a_later_save_completes(tmp_path, monkeypatch, tiny, summary,
                                                                              assert_same_summary):
    path = tmp_path / "r.duckdb"
    store = open_store(path)
    real_insert = store_module._insert

    def failing_insert(con, table, run_id, frame):
        if table == "replicates":  # every other table of the run is already written
            raise RuntimeError("crash in the middle of a save")
        real_insert(con, table, run_id, frame)

    monkeypatch.setattr(store_module, "_insert", failing_insert)
    with pytest.raises(RuntimeError):
        store.save(summary)
    assert set(row_counts(path).values()) == {0}
    monkeypatch.setattr(store_module, "_insert", real_insert)
    store.save(summary)
    assert_same_summary(store.find(tiny, REPS, 7, "fast"), summary)


def test_a_failed_resave_keeps_the_stored_run(tmp_path, monkeypatch, tiny, summary, assert_same_summary):
    path = tmp_path / "r.duckdb"
    store = open_store(path)
    store.save(summary)
    before = row_counts(path)

    def failing_insert(con, table, run_id, frame):
        raise RuntimeError("crash in the middle of a save")

    monkeypatch.setattr(store_module, "_insert", failing_insert)
    with pytest.raises(RuntimeError):
        store.save(summary)  # the old run was deleted inside the transaction: the rollback restores it
    assert row_counts(path) == before
    assert_same_summary(store.find(tiny, REPS, 7, "fast"), summary)


def test_a_read_only_store_reads_runs_and_refuses_to_write_or_create(tmp_path, tiny, summary,
                                                                     assert_same_summary):
    path = tmp_path / "results.duckdb"
    with pytest.raises(InputError):
        open_store(path, read_only=True)  # no store yet: a reader never creates one
    assert not path.exists()
    open_store(path).save(summary)
    before = path.read_bytes()
    reader = open_store(path, read_only=True)
    assert_same_summary(reader.find(tiny, summary.reps, summary.seed, "fast"), summary)
    assert len(reader.list_runs()) == 1
    with pytest.raises(Exception):
        reader.save(summary)
    assert path.read_bytes() == before


def test_delete_run_removes_it_from_every_table(tmp_path, summary):
    path = tmp_path / "r.duckdb"
    store = open_store(path)
    run_id = store.save(summary)
    assert store.delete_run(run_id) is True
    assert set(row_counts(path).values()) == {0}
    assert store.delete_run(run_id) is False


def test_a_store_held_by_another_process_times_out_with_input_error(tmp_path):
    path = tmp_path / "r.duckdb"
    open_store(path)
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, sys\ncon = duckdb.connect({str(path)!r})\n"
                               "print('held', flush=True)\nsys.stdin.read()"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(InputError, match="in use by another chainsim process"):
            open_store(path, timeout_s=0.5)
    finally:
        holder.communicate(timeout=30)


# --------------------------------------------------------------------------- the CLI


def test_second_run_reuses_the_stored_result_and_prints_identical_json(run_cli, tiny_yaml, tmp_path):
    store = tmp_path / "r.duckdb"
    first = run_cli("run", tiny_yaml, "--reps", REPS, "--store", store, "--json")
    second = run_cli("run", tiny_yaml, "--reps", REPS, "--store", store, "--json")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert "reusing the stored run" not in first.stderr
    assert "reusing the stored run" in second.stderr
    assert second.stdout == first.stdout
    assert len(open_store(store).list_runs()) == 1


def test_force_reruns_and_keeps_one_row_per_key(run_cli, tiny_yaml, tmp_path):
    store = tmp_path / "r.duckdb"
    first = run_cli("run", tiny_yaml, "--reps", REPS, "--store", store, "--json")
    counts = row_counts(store)
    forced = run_cli("run", tiny_yaml, "--reps", REPS, "--store", store, "--json", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "reusing" not in forced.stderr
    assert forced.stdout == first.stdout
    assert row_counts(store) == counts
    assert counts["runs"] == 1


def test_default_store_is_results_duckdb_in_the_working_directory(run_cli, tiny_yaml, tmp_path):
    result = run_cli("run", tiny_yaml, "--reps", 50)
    assert result.returncode == 0, result.stderr
    assert len(open_store(tmp_path / "results.duckdb", create=False).list_runs()) == 1


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_writes_every_table_readable_by_pandas(run_cli, tmp_path, summary, fmt):
    store = tmp_path / "r.duckdb"
    open_store(store).save(summary, source="tiny.yaml")
    out = tmp_path / "export" / "here"
    result = run_cli("export", "--store", store, "--out", out, "--format", fmt, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"store": str(store), "runs": 1,
                                         "files": [str(out / f"{t}.{fmt}") for t in TABLES]}
    read = pd.read_parquet if fmt == "parquet" else pd.read_csv
    frames = {t: read(out / f"{t}.{fmt}") for t in TABLES}
    assert list(frames["runs"].columns) == RUN_COLUMNS
    assert list(frames["targets"].columns) == ["run_id", "target_index", *FRAME_COLUMNS["targets"]]
    for table in ("years_reached", "bands", "annual"):
        assert list(frames[table].columns) == ["run_id", "row_index", *FRAME_COLUMNS[table]]
    assert list(frames["replicates"].columns) == ["run_id", "replicate", "target_index", "chain", "reached",
                                                  "target_output_yi"]
    assert frames["runs"]["scenario_hash"].tolist() == [summary.scenario_hash]
    assert frames["runs"]["source"].tolist() == ["tiny.yaml"]
    assert frames["targets"]["p_reach"].tolist() == summary.targets["p_reach"].tolist()
    assert len(frames["bands"]) == len(summary.bands)
    assert len(frames["replicates"]) == REPS * len(summary.targets)
    assert frames["replicates"]["target_output_yi"].tolist() == summary.target_output_yi[:, 0].tolist()


def test_export_list_shows_the_stored_runs_as_text_and_json(run_cli, tmp_path, tiny, summary):
    store = tmp_path / "r.duckdb"
    open_store(store).save(summary, source="tiny.yaml")
    open_store(store).save(run_ensemble(tiny, 50, 2), source="tiny.yaml")
    text = run_cli("export", "--store", store, "--list")
    assert text.returncode == 0, text.stderr
    assert "2 stored run(s)" in text.stdout and text.stdout.count("tiny-") == 2
    listed = run_cli("export", "--store", store, "--list", "--json")
    runs = json.loads(listed.stdout)["runs"]
    assert sorted((r["seed"], r["reps"]) for r in runs) == [(2, 50), (7, REPS)]
    assert {r["engine"] for r in runs} == {"fast"} and {r["source"] for r in runs} == {"tiny.yaml"}
    assert all(r["created_utc"].endswith("Z") for r in runs)


def test_export_of_a_missing_store_is_bad_input_and_creates_nothing(run_cli, tmp_path):
    missing = tmp_path / "none.duckdb"
    result = run_cli("export", "--store", missing, "--list")
    assert_bad_input(result, str(missing))
    assert not missing.exists()


BAD_STORES = {
    "a directory": lambda p: p.mkdir(),
    "a text file": lambda p: p.write_text("not a database\n" * 100),
    "an empty file": lambda p: p.write_bytes(b""),
    "a JSON file": lambda p: p.write_text('{"results": []}\n'),  # DuckDB itself would open it as a view
    "another DuckDB database": lambda p: duckdb.connect(str(p)).execute("CREATE TABLE t (x INT)").close(),
}


@pytest.mark.parametrize("kind", list(BAD_STORES))
def test_a_store_path_that_is_not_a_store_is_bad_input_naming_it(run_cli, tiny_yaml, tmp_path, kind):
    path = tmp_path / ("store.json" if kind == "a JSON file" else "store.duckdb")
    BAD_STORES[kind](path)
    before = None if path.is_dir() else path.read_bytes()
    result = run_cli("run", tiny_yaml, "--reps", 50, "--store", path, "--json")
    assert_bad_input(result, str(path))
    if before is not None and kind != "another DuckDB database":
        assert path.read_bytes() == before


def test_a_store_in_a_missing_folder_is_bad_input(run_cli, tiny_yaml, tmp_path):
    path = tmp_path / "no" / "such" / "r.duckdb"
    assert_bad_input(run_cli("run", tiny_yaml, "--store", path), str(path), "does not exist")


def test_a_store_in_use_fails_after_the_timeout_with_a_clear_message(run_cli, tiny_yaml, tmp_path):
    path = tmp_path / "r.duckdb"
    open_store(path)
    con = duckdb.connect(str(path))  # this process holds the file: the CLI cannot open it
    try:
        env = {**os.environ, "CHAINSIM_STORE_TIMEOUT_S": "1"}
        result = run_cli("run", tiny_yaml, "--reps", 50, "--store", path, "--json", env=env)
    finally:
        con.close()
    assert_bad_input(result, str(path), "in use by another chainsim process", "--store")


def test_a_run_waits_for_a_store_that_is_released_in_time(run_cli, tiny_yaml, tmp_path):
    path = tmp_path / "r.duckdb"
    open_store(path)
    con = duckdb.connect(str(path))
    release = threading.Timer(1.5, con.close)
    release.start()
    try:
        result = run_cli("run", tiny_yaml, "--reps", 50, "--store", path, "--json")
    finally:
        release.join()
    assert result.returncode == 0, result.stderr
    assert len(open_store(path).list_runs()) == 1


def test_two_processes_writing_one_store_both_finish_and_the_store_stays_readable(tiny_yaml, tmp_path):
    path = tmp_path / "r.duckdb"
    procs = [subprocess.Popen([sys.executable, "-m", "chainsim.cli", "run", str(tiny_yaml), "--reps", "1000",
                               "--seed", str(seed), "--store", str(path), "--json"],
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for seed in (1, 2)]
    outcomes = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        outcomes.append((p.returncode, out, err))
    for code, _, err in outcomes:
        assert code == 0 or (code == 2 and "in use by another chainsim process" in err), err
    assert any(code == 0 for code, _, _ in outcomes)
    store = open_store(path)
    runs = store.list_runs()
    assert sorted(runs["seed"]) == [seed for seed, (code, _, _) in zip((1, 2), outcomes) if code == 0]
    for seed, (code, out, _) in zip((1, 2), outcomes):
        if code == 0:
            (run_id,) = runs.loc[runs["seed"] == seed, "run_id"]
            (result,) = json.loads(out)["results"]
            result.pop("warnings")  # derived from the scenario and the summary, not stored
            for chain in result["chains"]:  # so is why each chain falls short (analysis.shortfall)
                for key in CONTRACT_FIELDS:
                    chain.pop(key)
            assert [result] == [store.get(run_id).to_contract()]


def scenario_copies(tmp_path: Path, n: int) -> list[Path]:
    """``n`` tiny scenarios with distinct ids (hence distinct runs)."""
    text = TINY_YAML.read_text(encoding="utf-8")
    assert text.startswith("id: tiny\n")
    paths = []
    for k in range(n):
        p = tmp_path / f"tiny_{k}.yaml"
        p.write_text(text.replace("id: tiny\n", f"id: tiny_{k}\n", 1), encoding="utf-8")
        paths.append(p)
    return paths


def test_a_batch_killed_midway_leaves_a_consistent_store_and_a_rerun_completes_it(tmp_path):
    path = tmp_path / "r.duckdb"
    files = scenario_copies(tmp_path, 4)
    command = [sys.executable, "-m", "chainsim.cli", "run", *map(str, files), "--reps", "2000", "--store", str(path),
               "--json"]
    open_store(path)
    store = open_store(path)
    batch = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while len(store.list_runs()) == 0 and time.monotonic() < deadline and batch.poll() is None:
            time.sleep(0.05)
        still_running = batch.poll() is None
        batch.send_signal(signal.SIGKILL)
    finally:
        batch.wait(timeout=30)
    stored = store.list_runs()
    assert still_running and 1 <= len(stored) < len(files)
    for run_id in stored["run_id"]:  # every run that made it in is whole
        s = store.get(run_id)
        assert s.reached.shape == (2000, 1) and len(s.targets) == 1 and len(s.bands) > 0
    rerun = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stderr.count("reusing the stored run") == len(stored)
    runs = store.list_runs()
    assert sorted(runs["scenario_id"]) == [f"tiny_{k}" for k in range(len(files))]
    assert runs["run_id"].is_unique
    results = json.loads(rerun.stdout)["results"]
    assert [r["scenario"] for r in results] == [f"tiny_{k}" for k in range(len(files))]
