"""Several counties in one scenario (``chainsim.province``): files, competition, results.

The CLI runs as a subprocess on real scenario files: tests/scenarios/two_counties.yaml (every
mechanism a province adds), tests/scenarios/rivals.yaml and its variant (one industry, two
counties), and the shipped scenarios/longyan.yaml and scenarios/fujian.yaml. The engines are
held to each other on two_counties in tests/test_engine_equivalence.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from chainsim import mechanisms as mech
from chainsim.ensemble import simulate
from chainsim.prepare import make_plan
from chainsim.scenario import load_scenario, scenario_from_yaml_text, scenario_to_yaml

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests" / "scenarios"
TWO = TESTS / "two_counties.yaml"
RIVALS = TESTS / "rivals.yaml"
RIVALS_X3 = TESTS / "rivals_east_effort_x3.yaml"
FUJIAN = ROOT / "scenarios" / "fujian.yaml"
LONGYAN = ROOT / "scenarios" / "longyan.yaml"


def chainsim(*args: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chainsim.cli", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, env=env)


def json_of(*args: object) -> dict:
    proc = chainsim(*args, "--json", "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


# --------------------------------------------------------------------------- files


def test_province_files_validate_and_count_their_counties():
    proc = chainsim("validate", TWO, RIVALS, RIVALS_X3, LONGYAN, FUJIAN)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "2 counties, 3 chains" in lines[0]
    assert "8 counties, 19 chains" in lines[3]
    assert "84 counties" in lines[4]


PROBLEMS = """\
id: broken_province
county: {name_zh: 测试省, name_en: Test Province}
calendar: {start: 2023-01, horizon: 2025-12}
counties:
  - id: east
    name_zh: 东县
    name_en: East
    chains:
      - id: textile
        name_zh: 纺织
        name_en: Textile
        base_output: {value: 10亿元, provenance: assumed}
        targets: [{value: 20亿, year: 2031, provenance: assumed}]
        segments: [a, b]
        segments_filled: 1
  - id: west
    name_zh: 西县
    name_en: West
    levers:
      attraction_effort: {value: 9.0}
    chains:
      - id: textile
        name_zh: 纺织
        name_en: Textile
        base_output: {value: 10亿元, provenance: assumed}
        targets: [{value: 20亿, year: 2025, provenance: assumed}]
        segments: [a, b]
        segments_filled: 5
  - id: north
    name_zh: 北县
    name_en: North
    chains: []
policy:
  levers:
    approval_speedup: {value: 0.1, by_county: {esat: 0.2}}
pairs:
  - {coastal: east, mountain: east, share: 0.5}
"""


def test_a_problem_inside_a_county_is_reported_where_the_file_wrote_it(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(PROBLEMS, encoding="utf-8")
    proc = chainsim("validate", path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stdout == ""
    lines = PROBLEMS.splitlines()

    def line_of(text: str, after: int = 0) -> int:
        return next(i + 1 for i, line in enumerate(lines) if i >= after and text in line)

    reported = {}
    for line in proc.stderr.splitlines():
        m = re.match(r"(.+?):(\d+): (\S+): (.*)", line)
        assert m, line
        reported[m.group(3)] = (int(m.group(2)), m.group(4))
    # a chain written under a county: its field path and line are the file's
    assert reported["counties[1].chains[0]"] == (line_of("- id: textile", line_of("- id: west")),
                                                 "segments_filled (5) exceeds the 2 segments")
    assert reported["counties[0].chains[0].targets[0].year"] == (
        line_of("year: 2031"), "target year 2031 is after the horizon (2025-12)")
    assert reported["counties[2].chains"] == (line_of("chains: []"), "expected a list of chains (at least one)")
    # a county's own lever, a by_county naming no county, a county paired with itself
    assert reported["counties[1].levers.attraction_effort.value"] == (
        line_of("attraction_effort: {value: 9.0}"), "9.0 is outside the lever's bounds [0.25, 3.0] × status quo")
    assert "no county 'esat'" in reported["policy.levers.approval_speedup.by_county.esat"][1]
    assert "cannot be paired with itself" in reported["pairs[0].mountain"][1]


def test_a_province_round_trips_through_yaml():
    scenario = load_scenario(TWO)
    again = scenario_from_yaml_text(scenario_to_yaml(scenario))
    assert again.content_hash() == scenario.content_hash()
    assert [c.id for c in again.chains] == ["coast__textile", "coast__food", "hill__textile"]
    assert [c.industry for c in again.chains] == ["textile", "food", "textile"]


def test_county_levers_by_county_and_resources_reach_each_countys_chains():
    plan = make_plan(load_scenario(TWO))
    months = plan.first_month + np.arange(plan.total_months)
    late = months >= 2024 * 12  # from 2024-01
    effort, approvals = plan.levers["attraction_effort"], plan.levers["approval_speedup"]
    assert np.all(effort[:, :2] == 1.0) and np.all(effort[:, 2] == 0.8)  # by_county: {hill: 0.8}
    assert np.all(approvals[~late, :2] == 0.1) and np.all(approvals[late, :2] == 0.4)  # coast's own schedule
    assert np.all(approvals[:, 2] == 0.0)
    assert plan.land_bank0_mu.tolist() == [150.0, 300.0]
    assert np.allclose(plan.land_supply_mu[0], [500 / 12, 600 / 12])
    # within each county the chains share its leads; coast's lead_rate_scale is 1.5
    assert np.allclose(plan.weight[:2].sum(), 1.0) and plan.weight[2] == 1.0
    assert np.allclose(plan.leads_weight, plan.weight * [1.5, 1.5, 1.0])
    # the 山海协作 pair moves a fifth of coast's textile leads to hill's textile chain; food has no partner
    assert np.allclose(plan.competition.transfer, [[0.8, 0, 0.2], [0, 1, 0], [0, 0, 1]])


# --------------------------------------------------------------------------- the mechanism


def test_the_shared_pool_moves_leads_between_counties_without_creating_them():
    rng = np.random.default_rng(1)
    pools = np.array([[1, 0], [1, 0], [0, 1], [1, 0]], dtype=float)  # three chains of one industry, one alone
    own = rng.uniform(1, 5, (50, 4))
    reference = own / rng.uniform(0.5, 2.0, (50, 4))
    attraction = own * rng.uniform(1.0, 1.6, (50, 4))
    s = 0.6
    leads = mech.shared_pool(own, reference, attraction, pools, s)
    contested = (leads - (1 - s) * own) / s
    # each pool hands out exactly its size, Σ reference over its chains
    assert np.allclose(contested @ pools, reference @ pools)
    # a chain alone in its industry gets its own reference leads back, whatever its pull
    assert np.allclose(contested[:, 2], reference[:, 2])
    # at the status quo (pull = reference = own) every chain gets what one county alone would
    assert np.allclose(mech.shared_pool(own, own, own, pools, s), own)
    # one chain pulling harder gains, the others of its industry lose, the other industry is untouched
    harder = attraction.copy()
    harder[:, 0] *= 2
    moved = mech.shared_pool(own, reference, harder, pools, s)
    assert np.all(moved[:, 0] > leads[:, 0]) and np.all(moved[:, [1, 3]] < leads[:, [1, 3]])
    assert np.allclose(moved[:, 2], leads[:, 2])
    assert np.allclose((moved - leads).sum(axis=1), 0.0)


def test_each_county_serves_projects_from_its_own_land():
    scenario = load_scenario(TWO)
    plan = make_plan(scenario)
    for engine, reps in (("fast", 40), ("mesa", 3)):
        traj = simulate(scenario, reps=reps, seed=4, engine=engine)
        used = traj.metric("land_used_mu").astype(np.float64).sum(axis=0)  # (reps, chains)
        for k in range(plan.n_counties):
            mine = plan.chain_county == k
            supplied = plan.land_bank0_mu[k] + plan.land_supply_mu[:, k].sum()
            assert np.all(used[:, mine].sum(axis=1) <= supplied + 1e-3), (engine, k)
        assert traj.metric("land_lost_new").sum() > 0, engine  # land is short: the queues matter


def test_competition_changes_nothing_in_a_scenario_of_one_county(tmp_path):
    text = (TESTS / "tiny.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    data["parameters"] = {**(data.get("parameters") or {}), "contested_share": 0.9, "approval_pull": 4.0}
    other = tmp_path / "tiny_contested.yaml"
    other.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    a = json_of("run", TESTS / "tiny.yaml", "--reps", "200", "--seed", "3", "--no-store")["results"][0]
    b = json_of("run", other, "--reps", "200", "--seed", "3", "--no-store")["results"][0]
    assert a["chains"] == b["chains"]
    assert "county" not in a["chains"][0] and "counties" not in a


# --------------------------------------------------------------------------- results


def test_run_json_rows_carry_their_county_and_the_province_adds_up():
    [result] = json_of("run", TWO, "--reps", "100", "--seed", "2", "--no-store")["results"]
    assert [r["county"] for r in result["chains"]] == ["coast", "coast", "hill"]
    counties = {r["county"]: r for r in result["counties"]}
    assert set(counties) == {"coast", "hill"} and counties["coast"]["chains"] == 2
    province = result["province"]
    assert province["counties"] == 2 and province["targets"] == 3
    assert province["expected_targets_met"] == pytest.approx(sum(r["p_reach"] for r in result["chains"]))
    assert province["output_yi_mean"] == pytest.approx(sum(c["output_yi_mean"] for c in counties.values()))
    assert province["base_output_yi"] == pytest.approx(12 + 5 + 6)
    for row in [*counties.values(), province]:
        assert row["output_yi_p10"] <= row["output_yi_p50"] <= row["output_yi_p90"]
        assert 0 <= row["p_all_targets"] <= 1


def test_one_county_tripling_its_effort_takes_leads_its_rival_loses():
    doc = json_of("compare", RIVALS, RIVALS_X3, "--reps", "400")
    chains = {r["chain"]: r for r in doc["chains"]}
    east, west = chains["east__textile"], chains["west__textile"]
    assert (east["county"], west["county"]) == ("east", "west")
    assert east["verdict"] == "gains" and east["output_diff_yi_ci"][0] > 0
    assert west["verdict"] == "loses" and west["output_diff_yi_ci"][1] < 0
    assert east["p_reach_b"] > east["p_reach_a"] and west["p_reach_b"] < west["p_reach_a"]
    counties = {r["county"]: r for r in doc["counties"]}
    assert counties["east"]["verdict"] == "gains" and counties["west"]["verdict"] == "loses"
    # part of the east's gain is the west's loss: the province gains less than the east does
    province_gain = counties["east"]["output_diff_yi"] + counties["west"]["output_diff_yi"]
    assert 0 < province_gain < counties["east"]["output_diff_yi"]


def test_the_compare_text_lists_who_gains_and_who_loses():
    proc = chainsim("compare", RIVALS, RIVALS_X3, "--reps", "300", "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    gains, loses = out.index("1 counties gains:"), out.index("1 counties loses:")
    assert gains < out.index("east ", gains) < loses < out.index("west ", loses)


def test_a_province_gives_the_same_numbers_with_any_number_of_workers():
    one = json_of("run", TWO, "--reps", "300", "--seed", "8", "--no-store")
    proc = chainsim("run", TWO, "--reps", "300", "--seed", "8", "--no-store", "--json", "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == one


# --------------------------------------------------------------------------- the shipped provinces


def test_fujian_is_what_its_generator_writes_and_every_generated_number_is_assumed():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "generate_fujian.py"), "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = yaml.safe_load(FUJIAN.read_text(encoding="utf-8"))
    assert len(data["counties"]) == 84
    for county in data["counties"]:
        assert county["lead_rate_scale"]["provenance"] == "assumed"
        assert all(r["provenance"] == "assumed" for r in county["resources"].values())
        assert 1 <= len(county["chains"]) <= 4
        for chain in county["chains"]:
            assert chain["base_output"]["provenance"] == "assumed"
            assert all(t["provenance"] == "assumed" for t in chain["targets"])
    revenue = [float(re.search(r"unit's (\d+)亿 revenue", c["chains"][0]["base_output"]["note"]).group(1))
               for c in data["counties"]]
    assert np.mean(revenue) == pytest.approx(680, rel=0.01)  # fj_county_industrial_revenue_avg
    strong = sum(len(c["chains"]) >= 3 for c in data["counties"])
    assert strong == 11  # fj_top100_counties units with 3-4 chains


def test_fujian_runs_from_the_command_line_with_a_row_per_county():
    [result] = json_of("run", FUJIAN, "--reps", "15", "--no-store")["results"]
    assert len(result["counties"]) == 84 and result["province"]["counties"] == 84
    assert {r["county"] for r in result["chains"]} == {c["county"] for c in result["counties"]}
    jinjiang = [r["chain"] for r in result["chains"] if r["county"] == "jinjiang"]
    assert jinjiang == ["jinjiang__textile", "jinjiang__integrated_circuit", "jinjiang__food"]


def test_a_province_over_the_memory_budget_is_refused_with_exit_2():
    env = {**os.environ, "CHAINSIM_MEMORY_GB": "0.005"}
    proc = chainsim("run", FUJIAN, "--reps", "15", "--no-store", env=env)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "memory budget" in proc.stderr and "'fujian'" in proc.stderr


def test_longyan_holds_wupings_third_quarter_flows_with_lianchengs_calibrated_parameters():
    from chainsim.calibration.moments import moment_specs, simulate_moments
    from chainsim.calibration.report import fit_frame

    scenario = load_scenario(LONGYAN)
    specs = moment_specs(scenario)
    fit = fit_frame(specs, simulate_moments(scenario, specs, 200, 1))
    assert set(fit["figure"]) == {"ly_wuping_2020q3_started_count", "ly_wuping_2020q3_started_value",
                                  "ly_wuping_2020q3_completed_count", "ly_wuping_2020q3_completed_value"}
    assert fit["holdout"].all() and fit["within"].all(), fit.to_string()
