"""Reliability: hostile and extreme input, determinism across chunkings and executors, no NaN.

Issue 8 parts 4-6. Store and worker faults are in tests/test_store.py and
tests/test_executors.py.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainsim.ensemble import run_ensemble, simulate
from chainsim.executors import ProcessExecutor
from chainsim.scenario import ScenarioError, load_scenario, scenario_from_yaml_text

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "scenarios" / "tiny.yaml"


def tiny_data() -> dict:
    return yaml.safe_load(TINY.read_text(encoding="utf-8"))


def all_finite(obj) -> bool:
    if isinstance(obj, dict):
        return all(all_finite(v) for v in obj.values())
    if isinstance(obj, list):
        return all(all_finite(v) for v in obj)
    if isinstance(obj, float):
        return math.isfinite(obj)
    return True


# ----------------------------------------------------------------- property-based scenario files

chain_ids = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)


@st.composite
def valid_scenarios(draw) -> dict:
    n_chains = draw(st.integers(1, 3))
    ids = draw(st.lists(chain_ids, min_size=n_chains, max_size=n_chains, unique=True))
    start_year = draw(st.integers(2015, 2030))
    years = draw(st.integers(0, 4))
    chains = []
    for cid in ids:
        base = draw(st.floats(0.5, 500.0))
        n_seg = draw(st.integers(1, 6))
        chains.append({
            "id": cid, "name_zh": "链" + cid, "name_en": cid,
            "base_output": {"value": draw(st.sampled_from([f"{base:.3f}亿元", f"{base * 1e8:.6g} CNY", base])),
                            "provenance": "assumed"},
            "targets": [{"value": float(draw(st.floats(0.1, 2000.0))), "year": start_year + draw(st.integers(0, years)),
                         "provenance": "assumed"}],
            "segments": [f"s{i}" for i in range(n_seg)],
            "segments_filled": draw(st.integers(0, n_seg)),
            "priority": draw(st.booleans()),
        })
    return {
        "id": "prop", "county": {"name_zh": "县", "name_en": "County"},
        "calendar": {"start": f"{start_year}-{draw(st.integers(1, 12)):02d}", "horizon": f"{start_year + years}-12",
                     "warmup_months": draw(st.integers(0, 24))},
        "chains": chains,
        "policy": {"levers": {"attraction_effort": draw(st.floats(0.25, 3.0)),
                              "approval_speedup": draw(st.floats(0.0, 0.53))}},
        "parameters": {"lead_rate": {"value": draw(st.floats(0.0, 20.0)), "provenance": "assumed"}},
        "ensemble": {"reps": 3, "seed": draw(st.integers(0, 2**32))},
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_scenarios())
def test_valid_scenario_files_load_and_run_to_finite_answers(data):
    scenario = scenario_from_yaml_text(yaml.safe_dump(data, allow_unicode=True), "prop.yaml")
    summary = run_ensemble(scenario, reps=3, seed=1)
    doc = summary.to_contract()
    assert all_finite(doc)
    assert np.isfinite(summary.bands.drop(columns=["chain", "month"]).to_numpy()).all()
    for chain in doc["chains"]:
        lo, hi = chain["p_reach_ci"]
        assert 0 <= lo <= chain["p_reach"] <= hi <= 1


def _mutations():
    return st.sampled_from([
        ("chains", 0, "base_output", "value", -5),
        ("chains", 0, "base_output", "value", 0),
        ("chains", 0, "base_output", "value", "lots"),
        ("chains", 0, "targets", 0, "value", "-3亿元"),
        ("chains", 0, "targets", 0, "year", "soon"),
        ("chains", 0, "segments_filled", 99),
        ("calendar", "start", "yesterday"),
        ("calendar", "horizon", 12.5),
        ("ensemble", "reps", -1),
        ("ensemble", "seed", "abc"),
        ("policy", "levers", "attraction_effort", 99.0),
        ("county", None),
        ("chains", []),
        ("chains", 0, "base_output", None),
    ])


def _apply(data: dict, mutation: tuple) -> dict:
    *path, value = mutation
    node = data
    for key in path[:-1]:
        node = node.setdefault(key, {}) if isinstance(node, dict) else node[key]
    if value is None:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


@settings(max_examples=30, deadline=None)
@given(_mutations())
def test_mutated_scenarios_are_rejected_with_a_located_message(mutation):
    data = _apply(tiny_data(), mutation)
    text = yaml.safe_dump(data, allow_unicode=True)
    with pytest.raises(ScenarioError) as info:
        scenario_from_yaml_text(text, "mutated.yaml")
    for problem in info.value.problems:
        assert problem.file == "mutated.yaml"
        assert problem.line is not None and problem.line >= 1
        assert problem.field


@settings(max_examples=40, deadline=None)
@given(st.binary(min_size=1, max_size=2000))
def test_random_bytes_never_crash_the_loader(raw):
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return  # the file path is covered by the CLI test below
    try:
        scenario_from_yaml_text(text, "random.yaml")
    except ScenarioError as exc:
        assert exc.problems and all(p.file == "random.yaml" for p in exc.problems)


@pytest.mark.parametrize("seed", range(3))
def test_random_bytes_through_the_cli_exit_2_with_a_located_message(tmp_path, seed):
    rng = np.random.default_rng(seed)
    path = tmp_path / f"garbage{seed}.yaml"
    path.write_bytes(rng.integers(0, 256, size=4000, dtype=np.uint8).tobytes())
    proc = subprocess.run([sys.executable, "-m", "chainsim.cli", "run", str(path), "--no-store"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"{path}:") and "Traceback" not in proc.stderr


# ----------------------------------------------------------------- determinism


@pytest.mark.parametrize("engine, reps", [("fast", 530), ("mesa", 23)])
def test_same_seed_same_results_across_chunk_sizes_workers_and_executors(engine, reps):
    scenario = load_scenario(TINY)
    serial = run_ensemble(scenario, reps=reps, seed=42, engine=engine)
    chunked = run_ensemble(scenario, reps=reps, seed=42, engine=engine, blocks_per_task=2)
    executor = ProcessExecutor(2)
    try:
        parallel = run_ensemble(scenario, reps=reps, seed=42, engine=engine, executor=executor, blocks_per_task=1)
    finally:
        executor.close()
    for other in (chunked, parallel):
        assert other.to_contract() == serial.to_contract()
        assert other.bands.equals(serial.bands)
        assert other.annual.equals(serial.annual)
        np.testing.assert_array_equal(other.target_output_yi, serial.target_output_yi)


def test_trajectories_do_not_depend_on_how_blocks_are_grouped():
    scenario = load_scenario(TINY)
    from chainsim.ensemble import map_blocks

    a = map_blocks(scenario, 450, 3, "fast", lambda t: t.data)
    b = map_blocks(scenario, 450, 3, "fast", lambda t: t.data, blocks_per_task=3)
    assert len(a) == len(b) == 3
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


# ----------------------------------------------------------------- extreme but valid inputs


def run_doc(data: dict, tmp_path: Path, *args: str) -> dict:
    path = tmp_path / "extreme.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "chainsim.cli", "run", str(path), "--json", "--no-store", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert all_finite(doc)
    return doc["results"][0]["chains"][0]


def test_a_chain_with_no_leads_gives_a_sensible_answer(tmp_path):
    data = tiny_data()
    data["parameters"] = {"lead_rate": 0.0, "exit_per_year": 0.0, "growth_sd_per_year": 0.0,
                          "growth_per_year": 0.0, "flagship_leads_per_year": 0.0, "leader_leads_per_10yi": 0.0,
                          "macro_sd_per_year": 0.0}
    chain = run_doc(data, tmp_path, "--reps", "20")
    assert chain["p_reach"] == 0.0
    assert chain["output_yi_p50"] == pytest.approx(10.0, rel=1e-5)


def test_a_target_already_met_at_the_start_is_reached(tmp_path):
    data = tiny_data()
    data["chains"][0]["targets"] = [{"value": 5.0, "year": 2022, "provenance": "assumed"}]
    data["parameters"] = {"lead_rate": 0.0, "exit_per_year": 0.0, "growth_sd_per_year": 0.0,
                          "flagship_leads_per_year": 0.0, "leader_leads_per_10yi": 0.0, "macro_sd_per_year": 0.0}
    chain = run_doc(data, tmp_path, "--reps", "20")
    assert chain["p_reach"] == 1.0 and chain["p_reach_ci"][1] == 1.0
    assert chain["year_reached_p50"] == 2022


def test_a_thirty_year_horizon_runs_to_finite_answers(tmp_path):
    data = tiny_data()
    data["calendar"]["horizon"] = "2051-12"
    data["chains"][0]["targets"] = [{"value": 20.0, "year": 2051, "provenance": "assumed"}]
    chain = run_doc(data, tmp_path, "--reps", "30")
    assert chain["output_yi_p10"] <= chain["output_yi_p50"] <= chain["output_yi_p90"]


def test_one_replicate_gives_a_probability_of_0_or_1_with_a_wide_interval(tmp_path):
    chain = run_doc(tiny_data(), tmp_path, "--reps", "1")
    assert chain["p_reach"] in (0.0, 1.0)
    lo, hi = chain["p_reach_ci"]
    assert hi - lo > 0.5


def test_simulated_outputs_never_hold_nan_or_inf():
    scenario = load_scenario(ROOT / "scenarios" / "liancheng.yaml")
    traj = simulate(scenario, reps=20, seed=4)
    assert np.isfinite(traj.data).all()
    assert (traj.metric("output_yi") >= 0).all()
