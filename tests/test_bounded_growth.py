"""Bounded growth, levers that cost and saturate, and analyses that never rewrite history.

Each test pins one behaviour of issue 11 on the real Liancheng scenario (or the tiny one
where a mechanism is clearer in isolation), through the library or the CLI.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np

from chainsim.uncertainty import replicate_parameters
import pytest

from chainsim import mechanisms as mech
from chainsim.catalogue import LEVERS, PARAMETERS, PLAUSIBLE_GROWTH_PER_YEAR
from chainsim.costs import lever_cost_yi, policy_cost_yi_per_year, policy_costs
from chainsim.ensemble import run_scenario
from chainsim.records import INDEX
from chainsim.scenario import load_scenario, month_index

REPO = Path(__file__).resolve().parents[1]
LIANCHENG = REPO / "scenarios" / "liancheng.yaml"
ALL_MAX = {name: spec.high for name, spec in LEVERS.items()}


@pytest.fixture(scope="module")
def liancheng():
    return load_scenario(LIANCHENG)


def _policy_month(scenario) -> int:
    """Run month of the policy start (warm-up included)."""
    first = month_index(scenario.calendar.start) - scenario.calendar.warmup_months
    return month_index(scenario.policy_start) - first


# ------------------------------------------------------------------ a lever changes the future only


def test_liancheng_policy_start_follows_its_reported_months(liancheng) -> None:
    assert liancheng.reported_until == "2022-02"  # the Jan-Feb 2022 holdout
    assert liancheng.policy_start == "2022-03"


@pytest.mark.parametrize("engine,reps", [("fast", 40), ("mesa", 2)])
def test_no_lever_changes_the_warm_up_or_the_reported_months(liancheng, engine, reps) -> None:
    scenario = liancheng if engine == "fast" else liancheng.model_copy(
        update={"calendar": liancheng.calendar.model_copy(update={"horizon": "2025-12"})})
    cut = _policy_month(scenario)
    base = run_scenario(scenario, reps=reps, seed=3, engine=engine).trajectories.data[:, :cut]
    for name, value in ALL_MAX.items():
        pushed = run_scenario(scenario.with_levers(**{name: value}), reps=reps, seed=3, engine=engine)
        assert np.array_equal(pushed.trajectories.data[:, :cut], base), f"{name} changed the calibrated past"
    everything = run_scenario(scenario.with_levers(**ALL_MAX), reps=reps, seed=3, engine=engine)
    assert np.array_equal(everything.trajectories.data[:, :cut], base)
    assert not np.array_equal(everything.trajectories.data, run_scenario(
        scenario, reps=reps, seed=3, engine=engine).trajectories.data), "the levers must change the future"


def test_with_levers_keeps_the_scenario_path_before_the_policy_start() -> None:
    approvals = load_scenario(REPO / "scenarios" / "liancheng_approvals.yaml")
    assert approvals.lever_from_policy_start("approval_speedup") == pytest.approx(0.53)
    moved = approvals.with_levers(approval_speedup=0.2)
    setting = moved.policy.lever("approval_speedup")
    assert setting.value == 0.0
    assert [(s.from_, s.value) for s in setting.schedule] == [("2022-03", 0.2)]


# ------------------------------------------------------------------ capacity that binds


def test_started_investment_never_exceeds_the_land_and_factory_space_supplied(liancheng) -> None:
    scenario = liancheng.with_levers(**ALL_MAX)
    result = run_scenario(scenario, reps=60, seed=5)
    traj, p = result.trajectories, result.trajectories.parameters
    land_used = traj.metric("land_used_mu").sum(axis=(0, 2))  # per replicate, 亩
    factory_used = traj.metric("factory_used_wm2").sum(axis=(0, 2))
    res = scenario.resources
    from chainsim.prepare import make_plan

    plan = make_plan(scenario)
    supplied = res.land_bank_mu.value + plan.land_supply_mu.sum()
    assert np.all(land_used <= supplied * (1 + 1e-5))
    assert np.all(factory_used <= res.factory_space_wm2.value + plan.factory_supply_wm2.sum() + 1e-3)
    started = traj.flow("started", "value_yi").sum(axis=(0, 2))
    land_by_chain = traj.metric("land_used_mu").sum(axis=0)  # (replicate, chain), 亩
    backed = ((land_by_chain / plan.land_factor[None, :]).sum(axis=1) * p["investment_intensity_yi_per_mu"]
              + factory_used / p["factory_wm2_per_yi"])  # 亿元 that land (by chain type) and factories can hold
    assert np.allclose(started, backed, rtol=1e-3)
    assert traj.metric("stock_waiting").max() > 0, "at every lever's maximum some projects must wait for land"
    assert traj.metric("land_lost_new").sum() > 0, "and some must go elsewhere"


def test_every_lever_at_its_maximum_keeps_liancheng_below_the_plausibility_bound(liancheng) -> None:
    result = run_scenario(liancheng.with_levers(**ALL_MAX), reps=400, seed=11)
    frame = result.frame()
    in_2025 = frame[frame["month"].str.startswith("2025")]
    total = in_2025.groupby("replicate")["output_yi"].sum() / 12  # annual output 2025, 亿元/year
    # each replicate starts from its own base outputs (drawn from the calibration posterior)
    drawn = replicate_parameters(liancheng, 11, np.arange(400))
    base = sum(drawn.get(f"base_output.{c.id}", c.base_output.value_yi) for c in liancheng.chains)
    growth = (total.to_numpy() / base) ** (1 / (2025 - 2021)) - 1  # compound, from 2021's level
    assert np.percentile(growth, 95) < PLAUSIBLE_GROWTH_PER_YEAR
    assert np.percentile(total.to_numpy() / base, 50) > 1.2, "the levers still move the county"


def test_a_project_that_finds_no_land_waits_then_goes_elsewhere(liancheng) -> None:
    scarce = liancheng.model_copy(update={"resources": liancheng.resources.model_copy(update={
        "land_supply_mu_per_year": liancheng.resources.land_supply_mu_per_year.model_copy(update={"value": 100.0}),
        "land_bank_mu": liancheng.resources.land_bank_mu.model_copy(update={"value": 0.0}),
        "factory_space_wm2": liancheng.resources.factory_space_wm2.model_copy(update={"value": 0.0})})})
    for engine, reps in (("fast", 30), ("mesa", 2)):
        short = scarce.model_copy(update={"calendar": scarce.calendar.model_copy(update={"horizon": "2025-12"})})
        traj = run_scenario(short, reps=reps, seed=2, engine=engine).trajectories
        plenty = run_scenario(liancheng.model_copy(update={"calendar": short.calendar}), reps=reps, seed=2,
                              engine=engine).trajectories
        assert traj.metric("land_lost_new").sum() > 0
        assert traj.metric("stock_waiting").sum() > 0
        assert traj.flow("started", "value_yi").sum() < 0.5 * plenty.flow("started", "value_yi").sum()


def test_served_in_order_is_a_queue_without_overtaking() -> None:
    need = np.array([3.0, 5.0, 1.0, 0.0, 2.0, 2.0])
    group = np.array([0, 0, 0, 0, 1, 1])
    served = mech.served_in_order(need, np.array([8.5, 3.0]), group)
    assert served.tolist() == [True, True, False, False, True, False]


# ------------------------------------------------------------------ demand that is finite


def test_attraction_effort_has_diminishing_returns_and_a_ceiling() -> None:
    h = PARAMETERS["effort_half"].default
    e = np.linspace(0.25, 3.0, 12)
    r = mech.effort_response(e, h)
    assert mech.effort_response(1.0, h) == pytest.approx(1.0)
    assert np.all(np.diff(r) > 0) and np.all(np.diff(r, 2) < 0)
    assert mech.effort_response(1e9, h) == pytest.approx(1 + h, rel=1e-6)


def test_more_effort_signs_less_and_less_in_the_engine(liancheng) -> None:
    signed = []
    for effort in (1.0, 2.0, 3.0):
        traj = run_scenario(liancheng.with_levers(attraction_effort=effort), reps=200, seed=4).trajectories
        signed.append(float(traj.flow("signed", "count")[traj.warmup + 2:].sum()) / 200)
    assert signed[0] < signed[1] < signed[2]
    assert signed[2] - signed[1] < signed[1] - signed[0]


def test_the_size_feedback_stops_at_its_cap() -> None:
    args = dict(lead_rate=10.0, weight=1.0, effort=1.0, size_elasticity=0.3, size_feedback_cap=2.0,
                completeness=0.5, completeness_0=0.5, completeness_gain=0.6)
    assert mech.lead_intensity(output_ratio=2.0, **args) == mech.lead_intensity(output_ratio=50.0, **args)
    assert mech.lead_intensity(output_ratio=1.5, **args) < mech.lead_intensity(output_ratio=2.0, **args)


def test_chain_chief_priority_moves_attention_from_the_other_chains(liancheng) -> None:
    weight = np.array([0.2, 0.3, 0.5])
    priority = np.array([1.0, 0.0, 0.0])
    effort = mech.chain_effort(1.0, priority, weight, 1.0, 0.5, 0.5)
    assert np.sum(weight * effort) == pytest.approx(1.0)
    assert effort[0] > 1.0 and np.all(effort[1:] < 1.0)
    base = run_scenario(liancheng, reps=200, seed=8).trajectories
    chief = run_scenario(liancheng.with_levers(chain_chief_priority=1.0), reps=200, seed=8).trajectories
    cut = _policy_month(liancheng)
    leads_base = base.metric("leads_new")[cut:].sum(axis=(0, 1))
    leads_chief = chief.metric("leads_new")[cut:].sum(axis=(0, 1))
    prio = np.array([c.priority for c in liancheng.chains])
    assert np.all(leads_chief[prio] > leads_base[prio])
    assert np.all(leads_chief[~prio] < leads_base[~prio])


# ------------------------------------------------------------------ no lever is free


def test_every_lever_has_a_yearly_cost_with_its_provenance() -> None:
    for name, spec in LEVERS.items():
        assert spec.cost is not None and spec.cost.per_unit_yi > 0, name
        assert spec.cost.provenance in ("reported", "assumed") and spec.cost.basis
        if spec.cost.provenance == "reported":
            assert spec.cost.figure
    assert lever_cost_yi("prework_fund_yi", 0.05) == pytest.approx(0.05)  # the fund costs itself
    assert lever_cost_yi("land_supply", 1.0, 2000.0) == pytest.approx(11.0)  # 龙岩: 11亿元 for 2000亩


def test_a_policy_variant_costs_more_than_the_status_quo(liancheng) -> None:
    approvals = load_scenario(REPO / "scenarios" / "liancheng_approvals.yaml")
    extra = policy_cost_yi_per_year(approvals) - policy_cost_yi_per_year(liancheng)
    row = policy_costs(approvals).set_index("lever").loc["approval_speedup"]
    assert extra == pytest.approx(row.cost_yi_per_year) and extra > 0


def test_compare_json_shows_the_cost_of_each_side() -> None:
    done = subprocess.run([sys.executable, "-m", "chainsim.cli", "compare", str(LIANCHENG),
                           str(REPO / "scenarios" / "liancheng_prework_x2.yaml"), "--reps", "50", "--seed", "1",
                           "--json"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["cost_diff_yi_per_year"] == pytest.approx(0.05, abs=1e-9)


# ------------------------------------------------------------------ warnings and memory


def test_run_json_warns_of_implausible_growth_and_missing_calibration(tmp_path: Path) -> None:
    tiny = REPO / "tests" / "scenarios" / "tiny.yaml"
    done = subprocess.run([sys.executable, "-m", "chainsim.cli", "run", str(tiny), "--reps", "50", "--seed", "1",
                           "--no-store", "--json"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    warnings = json.loads(done.stdout)["results"][0]["warnings"]
    kinds = {w["kind"] for w in warnings}
    assert {"uncalibrated", "unbounded"} <= kinds
    assert "warning:" in done.stderr


def test_a_scenario_over_the_memory_budget_exits_2_under_ulimit(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    huge.write_text(f"""extends: {LIANCHENG}
id: huge
resources:
  land_supply_mu_per_year: {{value: 1000000, provenance: assumed}}
  land_bank_mu: {{value: 1000000, provenance: assumed}}
  factory_space_wm2: {{value: 0, provenance: assumed}}
parameters:
  lead_rate: {{value: 500, provenance: assumed}}
""", encoding="utf-8")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))

    done = subprocess.run([sys.executable, "-m", "chainsim.cli", "run", str(huge), "--reps", "200", "--no-store"],
                          cwd=REPO, capture_output=True, text=True, timeout=300, preexec_fn=limit)
    assert done.returncode == 2, done.stderr
    assert "memory budget" in done.stderr and "lead_rate" in done.stderr
    assert "Traceback" not in done.stderr


# ------------------------------------------------------------------ what it takes, kept


def test_a_what_it_takes_answer_written_as_a_policy_reaches_its_probability(liancheng, tmp_path: Path) -> None:
    from chainsim.analysis import what_it_takes

    w = what_it_takes(liancheng, "fine_chemicals", "approval_speedup", prob=0.45, reps=300, seed=21)
    assert w.reachable and w.value is not None
    policy = tmp_path / "policy.yaml"
    policy.write_text(f"""extends: {LIANCHENG}
id: liancheng_wit
policy:
  levers:
    approval_speedup:
      value: 0.0
      schedule: [{{from: {liancheng.policy_start}, value: {w.value}}}]
""", encoding="utf-8")
    reps = 600
    done = subprocess.run([sys.executable, "-m", "chainsim.cli", "run", str(policy), "--reps", str(reps), "--seed",
                           "77", "--no-store", "--json"], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    row = next(c for c in json.loads(done.stdout)["results"][0]["chains"] if c["chain"] == "fine_chemicals")
    # replicates share posterior draws in groups: the run's own Monte Carlo interval, not a binomial one
    lo, hi = row["p_reach_ci"]
    assert hi >= 0.45 - (0.45 * 0.55 / 300) ** 0.5, (w.value, row["p_reach"], row["p_reach_ci"])
