"""`chainsim run` as a user runs it: a subprocess on real scenario files (CONTRACT.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "scenarios" / "tiny.yaml"
CHECKER = ROOT.parent / "shared" / "tools" / "check_run_json.py"


def chainsim(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chainsim.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


def run_json(*args: str, cwd: Path = ROOT) -> dict:
    proc = chainsim("run", *args, "--json", "--no-store", cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_run_json_has_the_contract_fields(tmp_path):
    doc = run_json(str(TINY), "--reps", "300", "--seed", "5")
    (tmp_path / "run.json").write_text(json.dumps(doc))
    [result] = doc["results"]
    assert (result["scenario"], result["reps"], result["seed"], result["engine"]) == ("tiny", 300, 5, "fast")
    [chain] = result["chains"]
    assert chain["chain"] == "alpha" and chain["target_yi"] == 20.0 and chain["target_year"] == 2025
    lo, hi = chain["p_reach_ci"]
    assert 0 <= lo <= chain["p_reach"] <= hi <= 1
    assert chain["output_yi_p10"] <= chain["output_yi_p50"] <= chain["output_yi_p90"]
    if CHECKER.exists():
        check = subprocess.run([sys.executable, str(CHECKER), str(tmp_path / "run.json"), "1"],
                               capture_output=True, text=True)
        assert check.returncode == 0 and "contract ok" in check.stdout, check.stdout + check.stderr


def test_shipped_scenarios_pass_the_contract_checker(tmp_path):
    files = sorted(str(p) for p in (ROOT / "scenarios").glob("*.yaml"))
    doc = run_json(*files, "--reps", "200", "--seed", "1")
    assert len(doc["results"]) == len(files)
    (tmp_path / "run.json").write_text(json.dumps(doc))
    if not CHECKER.exists():
        pytest.skip(f"contract checker not found at {CHECKER}")
    # every shipped county has at least 3 chains (蕉城's three leading industries, jc_leading_industries_count)
    check = subprocess.run([sys.executable, str(CHECKER), str(tmp_path / "run.json"), "3"], capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_same_file_reps_seed_and_engine_give_the_same_json():
    a = run_json(str(TINY), "--reps", "250", "--seed", "9")
    b = run_json(str(TINY), "--reps", "250", "--seed", "9")
    c = run_json(str(TINY), "--reps", "250", "--seed", "10")
    assert a == b
    assert a != c


def test_mesa_engine_runs_from_the_command_line():
    doc = run_json(str(TINY), "--reps", "5", "--seed", "2", "--engine", "mesa")
    assert doc["results"][0]["engine"] == "mesa"
    assert doc["results"][0]["reps"] == 5


def test_json_stdout_holds_only_json():
    proc = chainsim("run", str(TINY), "--reps", "50", "--json", "--no-store")
    json.loads(proc.stdout)  # raises if anything else was printed


def test_human_output_names_every_chain_with_units():
    proc = chainsim("run", str(ROOT / "scenarios" / "liancheng.yaml"), "--reps", "50", "--no-store")
    assert proc.returncode == 0, proc.stderr
    assert "亿元" in proc.stdout
    for chain in ("wenlv_kangyang", "smart_display", "sweet_potato"):
        assert chain in proc.stdout


def test_a_bad_file_in_a_batch_stops_the_batch_before_anything_runs(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\ncounty: {name_zh: x, name_en: y}\n")
    proc = chainsim("run", str(TINY), str(bad), "--reps", "10", "--json", "--no-store")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert f"{bad}:" in proc.stderr and "Traceback" not in proc.stderr


def test_more_targets_than_simulated_years_is_a_located_error(tmp_path):
    text = TINY.read_text().replace(
        "targets: [{value: 20亿, year: 2025, provenance: assumed}]",
        "targets: [{value: 20亿, year: 2022, provenance: assumed}, {value: 21亿, year: 2023, provenance: assumed},"
        " {value: 22亿, year: 2024, provenance: assumed}, {value: 23亿, year: 2025, provenance: assumed},"
        " {value: 24亿, year: 2025, provenance: assumed}]")
    path = tmp_path / "many.yaml"
    path.write_text(text)
    proc = chainsim("run", str(path), "--reps", "10", "--no-store")
    assert proc.returncode == 2
    assert "targets" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("args, needle", [
    (["--reps", "0"], "--reps"),
    (["--reps", "many"], "--reps"),
    (["--seed", "-1"], "--seed"),
    (["--engine", "turbo"], "--engine"),
    (["--workers", "0"], "--workers"),
])
def test_bad_options_exit_2_without_traceback(args, needle):
    proc = chainsim("run", str(TINY), "--no-store", *args)
    assert proc.returncode == 2
    assert needle in proc.stderr and "Traceback" not in proc.stderr


def _run_with_a_bug(debug: bool) -> subprocess.CompletedProcess:
    code = (
        "import sys, chainsim.cli, chainsim.ensemble as e\n"
        "def boom(*a, **k):\n    raise ZeroDivisionError('simulated bug')\n"
        "e.run_ensembles = boom\n"
        f"sys.exit(chainsim.cli.main({['--debug'] if debug else []!r} + ['run', {str(TINY)!r}, '--no-store']))\n"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_an_internal_error_exits_1_with_a_short_message_and_no_traceback():
    proc = _run_with_a_bug(debug=False)
    assert proc.returncode == 1
    assert "internal error" in proc.stderr and "simulated bug" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_debug_shows_the_traceback_of_an_internal_error():
    proc = _run_with_a_bug(debug=True)
    assert proc.returncode == 1
    assert "Traceback" in proc.stderr


def test_version_is_printed():
    proc = chainsim("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("chainsim ")
