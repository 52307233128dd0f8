"""`chainsim calibrate` and the calibration library: the contract's JSON, the posterior a
scenario extends, parameters the figures do not reach, figures that must match their
statistic, a county's own figures, and moments that mean what they say."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from chainsim.calibrate import calibrate, fit_table
from chainsim.calibration.moments import horizon_for, moment_specs, simulate_moments
from chainsim.ensemble import run_ensemble, simulate
from chainsim.prepare import make_plan
from chainsim.scenario import ScenarioError, load_scenario, month_index

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "tests" / "scenarios"
FLOWS = SCENARIOS / "calib_flows.yaml"      # lead_rate, major_share, start_lag_months, ramp_months free
RECOVERY = SCENARIOS / "calib_recovery.yaml"
TINY = SCENARIOS / "tiny.yaml"
ROWS = "3000"


def chainsim(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chainsim.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory) -> tuple[dict, Path]:
    """One calibration of calib_flows.yaml from the command line: its JSON and its --out file."""
    out = tmp_path_factory.mktemp("calibrated") / "calib_flows.yaml"
    proc = chainsim("calibrate", str(FLOWS), "--rows", ROWS, "--reps", "200", "--seed", "3", "--json",
                    "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), out


def test_json_has_the_contract_fields(cli_run):
    doc, _ = cli_run
    assert [p["name"] for p in doc["parameters"]] == ["lead_rate", "major_share", "start_lag_months", "ramp_months"]
    for p in doc["parameters"]:
        lo, hi = p["interval"]
        assert lo <= p["estimate"] <= hi
        plo, phi = p["prior_interval"]
        assert plo < phi and isinstance(p["identified"], bool)
    assert [f["figure"] for f in doc["fit"]] == ["syn_signed_count", "syn_signed_major_count",
                                                 "syn_started_2020h1_count", "syn_started_count", "syn_signed_value"]
    for f in doc["fit"]:
        lo, hi = f["simulated_interval"]
        assert lo <= f["simulated_mean"] <= hi
        assert f["within"] == (lo <= f["reported"] <= hi)
    assert [f["holdout"] for f in doc["fit"]] == [False, False, False, False, True]
    assert doc["reference_rows"] == int(ROWS) and doc["seed"] == 3 and doc["posterior_draws"] == 500


def test_a_parameter_no_figure_reaches_keeps_its_prior(cli_run):
    doc, _ = cli_run
    params = {p["name"]: p for p in doc["parameters"]}
    assert params["lead_rate"]["identified"] and params["lead_rate"]["narrowing"] > 0.5
    ramp = params["ramp_months"]
    assert not ramp["identified"] and abs(ramp["narrowing"]) < 0.15
    assert doc["not_identified"] == ["ramp_months"]
    # its posterior spans about its whole prior range: nothing is frozen at a guess
    (lo, hi), (plo, phi) = ramp["interval"], ramp["prior_interval"]
    assert lo < plo + 0.1 * (phi - plo) and hi > phi - 0.1 * (phi - plo)


def test_a_scenario_extending_the_out_file_draws_from_the_posterior(cli_run, tmp_path):
    doc, out = cli_run
    child = tmp_path / "child.yaml"
    (tmp_path / out.name).write_text(out.read_text(encoding="utf-8"), encoding="utf-8")
    child.write_text(f"extends: [{FLOWS}, {out.name}]\nid: calibrated_child\n"
                     "chains:\n  - {id: alpha, name_zh: 甲链, name_en: Alpha chain, base_output: {value: 20亿元, "
                     "provenance: assumed},\n     targets: [{value: 170亿, year: 2025, provenance: assumed}], "
                     "segments: [raw, parts, assembly], segments_filled: 2}\n", encoding="utf-8")
    proc = chainsim("validate", str(child))
    assert proc.returncode == 0, proc.stderr
    scenario = load_scenario(child)
    lead = scenario.parameters["lead_rate"]
    estimates = {p["name"]: p for p in doc["parameters"]}
    assert lead.provenance == "calibrated"
    assert lead.value == pytest.approx(estimates["lead_rate"]["estimate"], rel=1e-3)
    assert scenario.posterior is not None and len(scenario.posterior.draws) == 500
    assert scenario.posterior.parameters == ["lead_rate", "major_share", "start_lag_months", "ramp_months"]
    proc = chainsim("run", str(child), "--reps", "400", "--seed", "2", "--no-store", "--json")
    assert proc.returncode == 0, proc.stderr
    [row] = json.loads(proc.stdout)["results"][0]["chains"]
    lo, hi = row["p_reach_spread"]
    assert lo <= row["p_reach"] <= hi and hi - lo > 0.05


def test_human_output_has_units_and_names_what_the_figures_barely_inform():
    proc = chainsim("calibrate", str(FLOWS), "--rows", ROWS, "--reps", "200", "--seed", "3")
    assert proc.returncode == 0, proc.stderr
    assert "barely informed by these figures (their prior uncertainty is carried into P(target)): ramp_months" \
        in proc.stdout
    for unit in ("leads/month", "months", "projects", "亿元"):
        assert unit in proc.stdout
    assert "(holdout)" in proc.stdout and "prior 90%" in proc.stdout


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


@pytest.mark.parametrize("target, why", [
    ("{figure: lc_2021_signed_value, statistic: signed_count, from: 2021-01, to: 2021-12}", "is a count but"),
    ("{figure: lc_2021_signed_count, statistic: started_count, from: 2021-01, to: 2021-12}", "measures started"),
    ("{figure: qs_2014h1_park_output_growth, statistic: output_yi, from: 2021-01, to: 2021-06}", "measures output"),
    ("{figure: lc_target_2025_wenlv, statistic: output_yi, from: 2021-01, to: 2021-12}", "measures output"),
    ("{figure: qs_2014h1_park_output, statistic: output_yi, from: 2021-01, to: 2021-06, chains: [beta]}",
     "is a total"),
], ids=["count-vs-money", "signed-vs-started", "growth-vs-output", "target-vs-output", "total-vs-chain"])
def test_a_figure_compared_with_the_wrong_statistic_is_refused(tmp_path, target, why):
    text = RECOVERY.read_text(encoding="utf-8")
    text = text.replace("    segments_filled: 2\n", "    segments_filled: 2\n  - {id: beta, name_zh: 乙链, name_en: Beta, "
                        "base_output: {value: 5亿元, provenance: assumed}, targets: [{value: 8亿, year: 2025, "
                        "provenance: assumed}], segments: [a], segments_filled: 1}\n", 1)
    text = text.replace("  holdout:\n", f"    - {target}\n  holdout:\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), start=1) if target[:40] in row)
    proc = chainsim("calibrate", str(bad))
    assert proc.returncode == 2, proc.stdout
    assert f"{bad}:{line}: calibration.targets[4].statistic:" in proc.stderr and why in proc.stderr
    assert "Traceback" not in proc.stderr


WUPING = """id: wuping
county: {name_zh: 武平县, name_en: Wuping County, province: 福建省 (龙岩市)}
calendar: {start: 2021-01, horizon: 2025-12, warmup_months: 24}
chains:
  - id: industry
    name_zh: 工业园区
    name_en: Industrial park
    base_output: {value: 150亿元, provenance: assumed}
    targets: [{value: 250亿, year: 2025, provenance: assumed}]
    segments: [a, b, c]
    segments_filled: 2
# Wuping's third-quarter 2020 flows, brought by the county itself (002_31154e2b60305ab5.txt):
# "武平縣在該縣工業園區內舉行重大項目第三季度項目集中開竣工儀式,8個開竣工項目總投資13.79億元"
figures:
  - {id: wp_2020q3_started_count, place: 武平县 Wuping, indicator: started_projects_count, period: 2020Q3,
     value: 5, unit: 个, source: 002_31154e2b60305ab5.txt, quote: 開工項目5個}
  - {id: wp_2020q3_started_value, place: 武平县 Wuping, indicator: started_investment, period: 2020Q3,
     value: 10.9, unit: 亿元, source: 002_31154e2b60305ab5.txt, quote: 總投資10.9億元}
  - {id: wp_2020q3_completed_count, place: 武平县 Wuping, indicator: completed_projects_count, period: 2020Q3,
     value: 3, unit: 个, source: 002_31154e2b60305ab5.txt, quote: 竣工項目3個}
  - {id: wp_2020q3_completed_value, place: 武平县 Wuping, indicator: completed_investment, period: 2020Q3,
     value: 2.89, unit: 亿元, source: 002_31154e2b60305ab5.txt, quote: 總投資2.89億元}
calibration:
  targets:
    - {figure: wp_2020q3_started_count, statistic: started_count, from: 2020-07, to: 2020-09}
    - {figure: wp_2020q3_started_value, statistic: started_value_yi, from: 2020-07, to: 2020-09}
    - {figure: wp_2020q3_completed_count, statistic: completed_count, from: 2020-07, to: 2020-09}
  holdout:
    - {figure: wp_2020q3_completed_value, statistic: completed_value_yi, from: 2020-07, to: 2020-09}
  free:
    lead_rate: {low: 1.0, high: 20.0, log: true}
    start_lag_months: {low: 1.0, high: 18.0}
    base_output.industry: {low: 90.0, high: 240.0, log: true}
ensemble: {reps: 200, seed: 2020}
"""


def test_a_county_brings_its_own_figures_inline(tmp_path):
    path = tmp_path / "wuping.yaml"
    path.write_text(WUPING, encoding="utf-8")
    assert chainsim("validate", str(path)).returncode == 0
    proc = chainsim("calibrate", str(path), "--rows", "2000", "--reps", "200", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert [f["figure"] for f in doc["fit"]] == ["wp_2020q3_started_count", "wp_2020q3_started_value",
                                                 "wp_2020q3_completed_count", "wp_2020q3_completed_value"]
    assert [f["reported"] for f in doc["fit"]] == [5, 10.9, 3, 2.89]
    assert doc["fit"][-1]["holdout"]
    assert [p["name"] for p in doc["parameters"]] == ["lead_rate", "start_lag_months", "base_output.industry"]
    # no flow figure speaks to the park's output: its base output keeps its prior
    assert not next(p for p in doc["parameters"] if p["name"] == "base_output.industry")["identified"]


def test_a_county_figure_may_not_reuse_a_dataset_id_and_must_match_its_statistic(tmp_path):
    clash = WUPING.replace("id: wp_2020q3_started_count,", "id: lc_2021_started_count,").replace(
        "figure: wp_2020q3_started_count,", "figure: lc_2021_started_count,")
    path = tmp_path / "clash.yaml"
    path.write_text(clash, encoding="utf-8")
    proc = chainsim("validate", str(path))
    assert proc.returncode == 2 and "figures[0].id: 'lc_2021_started_count' is already a figure" in proc.stderr
    wrong = WUPING.replace("{figure: wp_2020q3_started_value, statistic: started_value_yi",
                           "{figure: wp_2020q3_started_value, statistic: started_count")
    path.write_text(wrong, encoding="utf-8")
    proc = chainsim("calibrate", str(path), "--rows", "500")
    assert proc.returncode == 2
    assert "started_count is a count but figure 'wp_2020q3_started_value' is in 亿元" in proc.stderr


def test_calibrate_refuses_a_scenario_without_targets():
    with pytest.raises(ValueError, match="no calibration targets"):
        calibrate(load_scenario(TINY))


def test_holdout_figures_never_move_the_posterior():
    scenario = load_scenario(RECOVERY)
    a = calibrate(scenario, rows=1500, seed=5, reps=100)
    b = calibrate(scenario, rows=1500, seed=5, reps=100, reported={"syn_signed_value": 500.0})
    assert np.array_equal(a.draws, b.draws)
    assert a.fit["simulated_mean"].equals(b.fit["simulated_mean"])
    assert not a.fit["reported"].equals(b.fit["reported"])


def test_same_seed_gives_the_same_posterior_and_another_seed_does_not():
    scenario = load_scenario(RECOVERY)
    a = calibrate(scenario, rows=1500, seed=5, reps=100)
    b = calibrate(scenario, rows=1500, seed=5, reps=100)
    c = calibrate(scenario, rows=1500, seed=6, reps=100)
    assert np.array_equal(a.draws, b.draws) and a.parameters.equals(b.parameters) and a.fit.equals(b.fit)
    assert not np.array_equal(a.draws, c.draws)


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


def test_growth_investment_and_producing_statistics_read_the_records(tmp_path):
    text = RECOVERY.read_text(encoding="utf-8").replace("  holdout:\n", (
        "  holdout:\n"
        "    - {figure: qs_2014h1_park_output_growth, statistic: output_growth, from: 2022-01, to: 2022-06}\n"
        "    - {figure: qs_2014h1_fai, statistic: investment_yi, from: 2021-01, to: 2021-06}\n"
        "    - {figure: qs_door_park_phase1_producing, statistic: producing_count, from: 2021-01, to: 2021-12}\n"))
    path = tmp_path / "more.yaml"
    path.write_text(text, encoding="utf-8")
    scenario = load_scenario(path)
    specs = moment_specs(scenario)
    assert [s.reported for s in specs[-4:-1]] == pytest.approx([0.225, 40.1, 9.0])
    got = simulate_moments(scenario, specs, reps=10, seed=3)
    traj = simulate(horizon_for(scenario, specs), 10, 3)
    plan = make_plan(scenario)
    m = month_index("2022-01") - plan.first_month
    output = traj.metric("output_yi")[:, :, 0].astype(float)
    assert np.allclose(got[:, -4], output[m:m + 6].mean(axis=0) / output[m - 12:m - 6].mean(axis=0) - 1, rtol=1e-6)
    m = month_index("2021-01") - plan.first_month
    assert np.allclose(got[:, -3], traj.metric("investment_yi")[m:m + 6, :, 0].sum(axis=0), rtol=1e-5)
    assert np.allclose(got[:, -2], traj.metric("producing_new")[m:m + 12, :, 0].sum(axis=0))
    assert (got[:, -3] > 0).all()


def test_fit_table_flags_holdout_rows_and_its_interval_holds_the_mean():
    table = fit_table(load_scenario(RECOVERY), reps=50, seed=2)
    assert list(table.columns[:4]) == ["figure", "statistic", "unit", "period"]
    assert table["holdout"].tolist() == [False, False, False, False, True]
    assert (table["simulated_lo"] <= table["simulated_mean"]).all()
    assert (table["simulated_mean"] <= table["simulated_hi"]).all()
    inside = (table["simulated_lo"] <= table["reported"]) & (table["reported"] <= table["simulated_hi"])
    assert (table["within"] == inside).all()


def test_a_posterior_draw_outside_the_bounds_or_for_an_unknown_chain_is_located(tmp_path):
    base = RECOVERY.read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(base + "posterior:\n  method: test\n  parameters: [lead_rate, base_output.gamma]\n"
                   "  draws:\n  - [10.0, 5.0]\n  - [900.0, 6.0]\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(bad)
    text = str(err.value)
    assert "posterior.parameters: no chain 'gamma'" in text
    assert "posterior.draws: lead_rate: draws from 10 to 900 leave the parameter's bounds" in text


def test_every_replicate_of_a_group_shares_one_posterior_draw():
    from chainsim.uncertainty import REPS_PER_DRAW, replicate_parameters

    scenario = load_scenario(RECOVERY)
    fitted = calibrate(scenario, rows=1500, seed=5, reps=100)
    from chainsim.calibrate import posterior_scenario

    post = posterior_scenario(scenario, fitted.names, fitted.draws, "test", [], [])
    values = replicate_parameters(post, 9, np.arange(40))
    lead = values["lead_rate"].reshape(-1, REPS_PER_DRAW)
    assert (lead == lead[:, :1]).all() and len(np.unique(lead[:, 0])) > 1
    rows = {tuple(r) for r in np.round(fitted.draws, 12)}
    for g in range(4):
        draw = tuple(np.round([values[n][g * REPS_PER_DRAW] for n in fitted.names], 12))
        assert draw in rows
    summary = run_ensemble(post, reps=200, seed=9)
    drawn = np.asarray(summary.reached)
    assert drawn.shape == (200, 1)


def test_a_province_extending_a_county_s_posterior_keeps_its_pipeline_draws_not_its_base_outputs():
    longyan = load_scenario(ROOT / "scenarios" / "longyan.yaml")
    liancheng = load_scenario(ROOT / "scenarios" / "liancheng.yaml")
    assert longyan.posterior is not None and "lead_rate" in longyan.posterior.parameters
    assert not any(n.startswith("base_output.") for n in longyan.posterior.parameters)
    k = liancheng.posterior.parameters.index("lead_rate")
    assert longyan.posterior.column("lead_rate") == [row[k] for row in liancheng.posterior.draws]


def test_a_malformed_posterior_or_county_figure_is_exit_2_with_file_line_and_field(tmp_path):
    base = RECOVERY.read_text(encoding="utf-8")
    cases = {
        "width": ("posterior:\n  method: m\n  parameters: [lead_rate, major_share]\n  draws:\n  - [10.0]\n",
                  "posterior", "draw 0 has 1 values for 2 parameters"),
        "nan": ("posterior:\n  method: m\n  parameters: [lead_rate]\n  draws:\n  - [.nan]\n",
                "posterior", "not a finite number"),
        "unknown": ("posterior:\n  method: m\n  parameters: [lead_rat]\n  draws:\n  - [10.0]\n",
                    "posterior.parameters", "did you mean 'lead_rate'"),
        "unit": ("  - {id: syn_bad, place: x, indicator: signed_projects_count, period: '2021', value: 3, unit: 只,\n"
                 "     source: s, quote: q}\n", "figures[5].unit", "is not one of"),
    }
    for name, (extra, field, message) in cases.items():
        text = base.replace("\ncalibration:\n", "\n" + extra + "calibration:\n", 1) if name == "unit" else base + extra
        path = tmp_path / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        proc = chainsim("validate", str(path))
        assert proc.returncode == 2, (name, proc.stdout)
        assert f"{path}:" in proc.stderr and field in proc.stderr and message in proc.stderr, (name, proc.stderr)
        assert "Traceback" not in proc.stderr
