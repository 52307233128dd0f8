"""Behaviour of the model that a planner relies on, pinned on common seeds in both engines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from chainsim import mechanisms as mech
from chainsim.ensemble import simulate
from chainsim.model import CountyModel
from chainsim.scenario import load_scenario

TINY = Path(__file__).parent / "scenarios" / "tiny.yaml"


@pytest.fixture(scope="module")
def tiny():
    return load_scenario(TINY)


def signed_value_after_start(scenario, engine: str, reps: int, seed: int) -> float:
    traj = simulate(scenario, reps=reps, seed=seed, engine=engine)
    return float(traj.flow("signed", "value_yi")[traj.warmup:].sum(axis=(0, 2)).mean())


def test_more_attraction_effort_never_lowers_expected_signed_investment_fast(tiny):
    efforts = [0.25, 0.5, 1.0, 1.5, 2.0, 3.0]
    means = [signed_value_after_start(tiny.with_levers(attraction_effort=e), "fast", 1000, 7) for e in efforts]
    assert all(b > a for a, b in zip(means, means[1:])), means


def test_more_attraction_effort_never_lowers_expected_signed_investment_mesa(tiny):
    low = signed_value_after_start(tiny.with_levers(attraction_effort=0.5), "mesa", 40, 7)
    high = signed_value_after_start(tiny.with_levers(attraction_effort=2.0), "mesa", 40, 7)
    assert high > low


def mean_signing_to_production_months(scenario, seeds: range) -> float:
    lags: list[int] = []
    for s in seeds:
        model = CountyModel(scenario, rng=np.random.SeedSequence(s)).run()
        lags.extend(model.production_lags)
    assert lags, "no project reached production"
    return float(np.mean(lags))


def test_faster_approvals_never_lengthen_mean_time_from_signing_to_production(tiny):
    busy = tiny.with_parameters(lead_rate=3.0)
    means = [mean_signing_to_production_months(busy.with_levers(approval_speedup=a), range(12))
             for a in (0.0, 0.25, 0.5)]
    assert means[0] > means[1] > means[2], means


@pytest.mark.parametrize("size", [0.2, 1.0, 5.0, 30.0])
def test_approval_speedup_shortens_every_stage_formula(size):
    speedups = np.linspace(0.0, 0.53, 13)
    p_start = mech.start_probability(6.0, speedups, 0.05, 0.5, 0.3)
    months = mech.build_months(size, 12.0, 0.35, speedups, False, 0.3)
    assert np.all(np.diff(p_start) > 0)
    assert np.all(np.diff(months) < 0)


@pytest.mark.parametrize("engine", ["fast", "mesa"])
def test_chain_with_no_leads_and_no_growth_stays_flat(tiny, engine):
    still = tiny.with_parameters(lead_rate=0.0, growth_per_year=0.0, growth_sd_per_year=0.0, exit_per_year=0.0,
                                 flagship_leads_per_year=0.0, leader_leads_per_10yi=0.0, macro_sd_per_year=0.0)
    traj = simulate(still, reps=5, seed=3, engine=engine)
    output = traj.metric("output_yi")
    np.testing.assert_allclose(output, 10.0, rtol=1e-5)
    assert traj.metric("leads_new").sum() == 0


@pytest.mark.parametrize("engine", ["fast", "mesa"])
def test_same_seed_gives_identical_results_and_different_seeds_do_not(tiny, engine):
    reps = 6
    a = simulate(tiny, reps=reps, seed=11, engine=engine)
    b = simulate(tiny, reps=reps, seed=11, engine=engine)
    c = simulate(tiny, reps=reps, seed=12, engine=engine)
    np.testing.assert_array_equal(a.data, b.data)
    assert not np.array_equal(a.data, c.data)


def test_replicates_within_a_run_differ(tiny):
    traj = simulate(tiny, reps=4, seed=1, engine="fast")
    final = traj.metric("output_yi")[-1, :, 0]
    assert len(set(np.round(final, 6))) == 4


def test_ensemble_result_does_not_depend_on_the_global_random_state(tiny):
    np.random.seed(1)
    a = simulate(tiny, reps=3, seed=5, engine="fast")
    np.random.seed(2)
    _ = np.random.random(100)
    b = simulate(tiny, reps=3, seed=5, engine="fast")
    np.testing.assert_array_equal(a.data, b.data)


def test_output_is_the_base_output_during_the_warm_up_and_at_the_start(tiny):
    traj = simulate(tiny, reps=3, seed=2, engine="fast")
    np.testing.assert_allclose(traj.metric("output_yi")[: traj.warmup + 1], 10.0, rtol=0.05)


def test_bigger_projects_take_longer_to_build():
    sizes = np.array([0.1, 1.0, 5.0, 10.0, 50.0])
    months = mech.build_months(sizes, 12.0, 0.35, 0.0, False, 0.3)
    assert np.all(np.diff(months) > 0)
    # 蕉城: a 3-year build cut to under 17 months is a cut of about 0.53
    assert mech.build_months(20.0, 12.0, 0.35, 0.53, False, 0.3) < 17.0


def test_size_mixture_reproduces_liancheng_2021_mix_on_average():
    rng = np.random.default_rng(0)
    sizes = mech.draw_project_sizes(rng, 54 * 2000, 0.15, 0.6, 0.8, 7.0, 0.4).reshape(2000, 54)
    assert 80 < sizes.sum(axis=1).mean() < 115  # reported: 96.92亿 for 54 projects
    assert 1.0 < (sizes >= 10).sum(axis=1).mean() < 3.0  # reported: 2
    assert 4.0 < ((sizes >= 5) & (sizes < 10)).sum(axis=1).mean() < 8.0  # reported: 6


def test_precision_targeting_aims_leads_at_missing_segments():
    filled = np.array([[True, True, True, False, False, False]] * 1000)
    rng = np.random.default_rng(0)
    segs = mech.choose_segments(rng.random(1000), rng.random(1000), filled, 6, 1.0)
    assert set(segs.tolist()) == {3, 4, 5}
    segs = mech.choose_segments(rng.random(1000), rng.random(1000), filled, 6, 0.0)
    assert set(segs.tolist()) == {0, 1, 2, 3, 4, 5}


def test_initial_enterprises_add_up_to_the_base_output():
    rng = np.random.default_rng(0)
    out, tiers = mech.initial_enterprises(rng, 37.5, 12, 2, 0.35)
    assert out.sum() == pytest.approx(37.5)
    assert (tiers == mech.LEADER).sum() == 2
    assert out[tiers == mech.LEADER].sum() == pytest.approx(0.35 * 37.5)
