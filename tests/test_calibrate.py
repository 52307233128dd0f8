"""`chainsim calibrate` and the calibration library: the contract's JSON, the YAML a scenario
extends, identifiability flags, located errors, and moments that mean what they say."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from chainsim.calibrate import calibrate, fit_table
from chainsim.calibration.moments import horizon_for, moment_specs, simulate_moments
from chainsim.ensemble import simulate
from chainsim.prepare import draw_parameters, make_plan
from chainsim.scenario import load_scenario, month_index

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "tests" / "scenarios"
FLOWS = SCENARIOS / "calib_flows.yaml"      # lead_rate, major_share, start_lag_months, ramp_months free
RECOVERY = SCENARIOS / "calib_recovery.yaml"
TINY = SCENARIOS / "tiny.yaml"


def chainsim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chainsim.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory) -> tuple[dict, Path]:
    """One calibration of calib_flows.yaml from the command line: its JSON and its --out file."""
    out = tmp_path_factory.mktemp("calibrated") / "calib_flows.yaml"
    proc = chainsim("calibrate", str(FLOWS), "--reps", "200", "--seed", "3", "--json", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), out


def test_json_has_the_contract_fields(cli_run):
    doc, _ = cli_run
    assert [p["name"] for p in doc["parameters"]] == ["lead_rate", "major_share", "start_lag_months", "ramp_months"]
    for p in doc["parameters"]:
        lo, hi = p["interval"]
        assert lo <= p["estimate"] <= hi
        assert isinstance(p["identified"], bool)
    assert [f["figure"] for f in doc["fit"]] == ["lc_2021_signed_count", "lc_2021_signed_5to10_count",
                                                 "lc_2021_started_count", "lc_2021_completed_count",
                                                 "lc_2021_signed_value"]
    for f in doc["fit"]:
        lo, hi = f["simulated_interval"]
        assert lo <= f["simulated_mean"] <= hi
        assert f["within"] == (lo <= f["reported"] <= hi)
    assert [f["holdout"] for f in doc["fit"]] == [False, False, False, False, True]
    assert doc["reps"] == 200 and doc["seed"] == 3 and doc["nfev"] > 0


def test_a_parameter_no_moment_depends_on_is_not_identified(cli_run):
    doc, _ = cli_run
    flags = {p["name"]: p["identified"] for p in doc["parameters"]}
    assert flags == {"lead_rate": True, "major_share": True, "start_lag_months": True, "ramp_months": False}
    assert doc["not_identified"] == ["ramp_months"]
    ramp = next(p for p in doc["parameters"] if p["name"] == "ramp_months")
    assert ramp["interval"] == ramp["free_range"] == [2.0, 40.0]


def test_a_scenario_extending_the_out_file_uses_the_calibrated_values(cli_run, tmp_path):
    doc, out = cli_run
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: [{FLOWS}, {out.name}]\nid: calibrated_child\n", encoding="utf-8")
    (tmp_path / out.name).write_text(out.read_text(encoding="utf-8"), encoding="utf-8")
    proc = chainsim("validate", str(child))
    assert proc.returncode == 0, proc.stderr
    scenario = load_scenario(child)
    estimates = {p["name"]: p for p in doc["parameters"]}
    lead = scenario.parameters["lead_rate"]
    assert lead.provenance == "calibrated"
    assert lead.value == pytest.approx(estimates["lead_rate"]["estimate"], rel=1e-3)
    assert lead.interval == pytest.approx(estimates["lead_rate"]["interval"], rel=1e-3)
    ramp = scenario.parameters["ramp_months"]
    assert ramp.interval == (2.0, 40.0) and "NOT identified" in ramp.note
    drawn = draw_parameters(scenario, np.random.default_rng(0), 5)
    assert np.allclose(drawn["lead_rate"], lead.value)


def test_human_output_has_units_and_names_what_is_not_identified():
    proc = chainsim("calibrate", str(FLOWS), "--reps", "200", "--seed", "3")
    assert proc.returncode == 0, proc.stderr
    assert "not identified by these figures: ramp_months" in proc.stdout
    for unit in ("leads/month", "months", "projects", "亿元"):
        assert unit in proc.stdout
    assert "(holdout)" in proc.stdout


def test_no_calibration_targets_exit_2_with_a_located_message():
    proc = chainsim("calibrate", str(TINY.relative_to(ROOT)))
    assert proc.returncode == 2
    assert "tests/scenarios/tiny.yaml:1: calibration.targets: no calibration targets" in proc.stderr
    assert "calibration.free: no free parameters" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_size_bound_off_the_class_edges_is_located(tmp_path):
    text = RECOVERY.read_text(encoding="utf-8").replace("size_min_yi: 5}", "size_min_yi: 3}")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), start=1) if "size_min_yi: 3" in row)
    proc = chainsim("calibrate", str(bad))
    assert proc.returncode == 2
    [message] = [row for row in proc.stderr.splitlines() if row.startswith(f"{bad}:{line}: calibration.targets[1]")]
    assert "size" in message and "3" in message
    assert "Traceback" not in proc.stderr


def test_calibrate_refuses_a_scenario_without_targets():
    with pytest.raises(ValueError, match="no calibration targets"):
        calibrate(load_scenario(TINY))


def test_moments_are_the_recorded_flows_summed_over_window_and_size():
    scenario = load_scenario(RECOVERY)
    specs = moment_specs(scenario)
    got = simulate_moments(scenario, specs, reps=20, seed=4)
    short = horizon_for(scenario, specs)
    assert short.calendar.horizon == "2022-01"  # warm-up windows only: the run stops at the start
    traj = simulate(short, 20, 4)
    plan = make_plan(short)

    def window(period_from: str, period_to: str) -> slice:
        return slice(month_index(period_from) - plan.first_month, month_index(period_to) - plan.first_month + 1)

    year_2021, first_half_2020 = window("2021-01", "2021-12"), window("2020-01", "2020-06")
    expected = np.stack([
        traj.flow("signed", "count")[year_2021].sum(axis=(0, 2)),
        traj.flow("signed", "count", 5.0)[year_2021].sum(axis=(0, 2)),
        traj.flow("started", "count")[first_half_2020].sum(axis=(0, 2)),
        traj.flow("started", "count")[year_2021].sum(axis=(0, 2)),
        traj.flow("signed", "value_yi")[year_2021].sum(axis=(0, 2)),
    ], axis=1)
    assert np.allclose(got, expected, rtol=1e-5)


def test_output_moment_is_the_mean_annual_rate_against_the_scaled_figure(tmp_path):
    text = RECOVERY.read_text(encoding="utf-8").replace(
        "  holdout:\n",
        "  holdout:\n    - {figure: qs_2014h1_park_output, statistic: output_yi, from: 2021-01, to: 2021-06, scale: 2}\n")
    path = tmp_path / "output.yaml"
    path.write_text(text, encoding="utf-8")
    table = fit_table(load_scenario(path), reps=20, seed=1)
    row = table[table["figure"] == "qs_2014h1_park_output"].iloc[0]
    assert row["reported"] == pytest.approx(53.2 * 2)
    assert row["unit"] == "亿元/year" and bool(row["holdout"])
    # inside the warm-up, firms neither grow nor exit: output is the base output, 20亿元/year
    assert row["simulated_mean"] == pytest.approx(20.0, rel=1e-5)
    assert not row["within"]


def test_fit_table_flags_holdout_rows_and_its_interval_holds_the_mean():
    table = fit_table(load_scenario(RECOVERY), reps=50, seed=2)
    assert list(table.columns[:4]) == ["figure", "statistic", "unit", "period"]
    assert table["holdout"].tolist() == [False, False, False, False, True]
    assert (table["simulated_lo"] <= table["simulated_mean"]).all()
    assert (table["simulated_mean"] <= table["simulated_hi"]).all()
    inside = (table["simulated_lo"] <= table["reported"]) & (table["reported"] <= table["simulated_hi"])
    assert (table["within"] == inside).all()


def test_same_seed_gives_the_same_fit_and_another_seed_does_not():
    scenario = load_scenario(RECOVERY)
    kwargs = dict(reps=100, n_explore=4, n_starts=1, max_nfev=4)
    a = calibrate(scenario, seed=5, **kwargs)
    b = calibrate(scenario, seed=5, **kwargs)
    c = calibrate(scenario, seed=6, **kwargs)
    assert np.array_equal(a.x, b.x) and a.fun == b.fun
    assert a.parameters.equals(b.parameters) and a.fit.equals(b.fit)
    assert not np.array_equal(a.x, c.x)
