"""Mechanisms the seeds describe (issue 12, first part): flagship projects, the build-time cap,
chain types. Each test pins one behaviour, at the formula and in the engines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from chainsim import mechanisms as mech
from chainsim.catalogue import CHAIN_TYPES, PARAMETERS
from chainsim.ensemble import run_scenario
from chainsim.prepare import chain_intensity, draw_parameters, make_plan
from chainsim.scenario import load_scenario
from chainsim.schema import Leader

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "tests" / "scenarios" / "tiny.yaml"


def signed_at_least(traj, size_yi: float) -> float:
    """Mean number of signed projects of at least ``size_yi`` 亿元 per replicate (a size-class edge)."""
    return float(traj.flow("signed", "count", size_min_yi=size_yi).sum()) / traj.data.shape[2]


@pytest.mark.parametrize("engine,reps", [("fast", 400), ("mesa", 30)])
def test_flagship_leads_bring_projects_a_lognormal_around_7yi_never_would(engine, reps) -> None:
    tiny = load_scenario(TINY).with_parameters(lead_rate=0.0, leader_leads_per_10yi=0.0)  # flagship leads only
    none = run_scenario(tiny.with_parameters(flagship_leads_per_year=0.0), reps=reps, seed=5, engine=engine)
    some = run_scenario(tiny.with_parameters(flagship_leads_per_year=3.0), reps=reps, seed=5, engine=engine)
    assert signed_at_least(none.trajectories, 1.0) == 0.0
    signed = some.trajectories.flow("signed", "count").sum() / reps
    assert signed > 1.0  # about 3 a year × 7 years × sign_prob
    assert signed_at_least(some.trajectories, 10.0) / signed > 0.99  # and every one of them is big


def test_attraction_effort_does_not_raise_flagship_arrivals() -> None:
    rate = mech.flagship_intensity(0.2, np.array([0.5, 0.5]), 0.5, 0.5, 0.6)
    assert rate == pytest.approx(np.array([0.2 / 24, 0.2 / 24]))
    tiny = load_scenario(TINY).with_parameters(flagship_leads_per_year=3.0, lead_rate=0.0, leader_leads_per_10yi=0.0)
    base = run_scenario(tiny, reps=300, seed=9).trajectories
    pushed = run_scenario(tiny.with_levers(attraction_effort=3.0), reps=300, seed=9).trajectories
    assert base.metric("leads_new").sum() == pytest.approx(pushed.metric("leads_new").sum(), rel=0.1)


def test_flagship_sizes_sit_between_the_seeds_50yi_and_100yi_tiers() -> None:
    rng = np.random.default_rng(1)
    sizes = mech.draw_project_sizes(rng, 20_000, 0.15, 0.6, 0.8, 7.0, 0.4, 1.0,
                                    PARAMETERS["size_flagship_median_yi"].default,
                                    PARAMETERS["size_flagship_sigma"].default)
    assert 50 <= np.median(sizes) <= 70
    assert np.mean(sizes >= 30) > 0.95


def test_build_time_stops_at_build_months_max_and_approvals_cut_it() -> None:
    months = mech.build_months(np.array([1.0, 20.0, 60.0]), 20.0, 0.35, 0.0, False, 0.3, 48.0)
    assert months[0] == pytest.approx(20.0)
    assert months[1] == pytest.approx(48.0) and months[2] == pytest.approx(48.0)
    jiaocheng = mech.build_months(60.0, 20.0, 0.35, 1 - 17 / 36, False, 0.3, 36.0)
    assert jiaocheng == pytest.approx(17.0)  # 蕉城: 3 years cut to under 17 months


def test_a_chain_type_sets_its_own_output_per_yi_invested() -> None:
    scenario = load_scenario(REPO / "scenarios" / "liancheng.yaml")
    plan = make_plan(scenario)
    p = draw_parameters(scenario, np.random.default_rng(0), 3)
    intensity = chain_intensity(plan, p)
    ids = list(plan.chain_ids)
    tourism, display = ids.index("wenlv_kangyang"), ids.index("smart_display")
    ratio = intensity[:, tourism] / intensity[:, display]
    # the tourism factor is a parameter: calibrated for 连城 (here its median), the type's default elsewhere
    assert ratio == pytest.approx(np.full(3, p["output_factor_tourism_services"][0]))
    default = draw_parameters(scenario.model_copy(update={"parameters": {}}), np.random.default_rng(0), 3)
    assert default["output_factor_tourism_services"] == pytest.approx(CHAIN_TYPES["tourism_services"].output_factor)
    assert plan.build_factor[tourism] < 1.0 and plan.land_factor[tourism] < 1.0


@pytest.mark.parametrize("engine,reps", [("fast", 300), ("mesa", 20)])
def test_a_tourism_chain_grows_less_from_the_same_investment(engine, reps) -> None:
    text = TINY.read_text(encoding="utf-8")
    tourism = load_scenario(TINY).model_copy(update={"chains": [
        load_scenario(TINY).chains[0].model_copy(update={"type": "tourism_services"})]})
    base = run_scenario(load_scenario(TINY), reps=reps, seed=3, engine=engine).summary.targets
    low = run_scenario(tourism, reps=reps, seed=3, engine=engine).summary.targets
    assert "type" not in text
    assert low.output_yi_mean.iloc[0] < base.output_yi_mean.iloc[0]


# ------------------------------------------------------------------ common shocks


@pytest.mark.parametrize("engine,reps", [("fast", 600), ("mesa", 80)])
def test_a_year_effect_shared_by_the_chains_makes_their_fortunes_move_together(engine, reps) -> None:
    three = load_scenario(REPO / "tests" / "scenarios" / "equiv_three_chains.yaml")

    def correlation(scenario) -> float:
        out = run_scenario(scenario, reps=reps, seed=13, engine=engine).summary.target_output_yi  # (reps, targets)
        rel = np.log(out)
        return float(np.corrcoef(rel[:, 0], rel[:, 2])[0, 1])

    calm = correlation(three.with_parameters(macro_sd_per_year=0.0, macro_lead_elasticity=0.0))
    shaken = correlation(three.with_parameters(macro_sd_per_year=0.3, macro_lead_elasticity=3.0))
    assert shaken > calm + 0.15  # fast engine, 600 replicates: 0.15 → 0.61


def test_a_stated_pandemic_year_lowers_that_year_and_only_the_future() -> None:
    base = load_scenario(REPO / "scenarios" / "liancheng.yaml")
    pandemic = load_scenario(REPO / "scenarios" / "liancheng_pandemic_2022.yaml")
    a = run_scenario(base, reps=200, seed=2).summary.annual
    b = run_scenario(pandemic, reps=200, seed=2).summary.annual
    tour_a = a[(a.chain == "wenlv_kangyang") & (a.year == 2022)].output_yi.iloc[0]
    tour_b = b[(b.chain == "wenlv_kangyang") & (b.year == 2022)].output_yi.iloc[0]
    display_a = a[(a.chain == "smart_display") & (a.year == 2023)].output_yi.iloc[0]
    display_b = b[(b.chain == "smart_display") & (b.year == 2023)].output_yi.iloc[0]
    assert tour_b < 0.95 * tour_a
    assert display_b < display_a


# ------------------------------------------------------------------ linkages


def test_a_link_raises_the_linked_chains_leads_with_the_source_chains_growth() -> None:
    links = np.array([[0.0, 0.5], [0.0, 0.0]])
    assert mech.linkage_factor(np.array([1.0, 1.0]), links, 2.0) == pytest.approx([1.0, 1.0])
    assert mech.linkage_factor(np.array([1.6, 1.0]), links, 2.0) == pytest.approx([1.0, 1.3])
    assert mech.linkage_factor(np.array([9.0, 1.0]), links, 2.0) == pytest.approx([1.0, 1.5])  # capped


@pytest.mark.parametrize("engine,reps", [("fast", 400), ("mesa", 40)])
def test_without_links_the_linked_chain_gets_fewer_leads(engine, reps) -> None:
    three = load_scenario(REPO / "tests" / "scenarios" / "equiv_three_chains.yaml")
    unlinked = three.model_copy(update={"links": []})
    linked_leads = run_scenario(three, reps=reps, seed=4, engine=engine).trajectories.metric("leads_new")
    plain_leads = run_scenario(unlinked, reps=reps, seed=4, engine=engine).trajectories.metric("leads_new")
    small = three.chain_ids.index("small_chain")
    leader = three.chain_ids.index("leader_chain")
    assert linked_leads[:, :, small].sum() > 1.05 * plain_leads[:, :, small].sum()
    assert linked_leads[:, :, leader].sum() == pytest.approx(plain_leads[:, :, leader].sum(), rel=0.1)


# ------------------------------------------------------------------ leader pull (以商招商)


def test_leaders_bring_leads_in_proportion_to_their_output() -> None:
    assert mech.leader_leads(0.0, 0.04, 3.0) == 0.0  # no leader, no term
    assert mech.leader_leads(100.0, 0.04, 1.0) == pytest.approx(0.4)
    assert mech.leader_leads(100.0, 0.04, 3.0) == pytest.approx(3 * mech.leader_leads(100.0, 0.04, 1.0))


@pytest.mark.parametrize("engine,reps", [("fast", 300), ("mesa", 30)])
def test_naming_a_big_leader_adds_leads_from_the_first_month(engine, reps) -> None:
    tiny = load_scenario(TINY).with_parameters(leader_leads_per_10yi=0.5)
    chain = tiny.chains[0]
    led = tiny.model_copy(update={"chains": [chain.model_copy(update={"leaders": [Leader(name="宁德时代", output_yi=8.0)]})]})
    plain = tiny.model_copy(update={"chains": [chain.model_copy(update={"leaders": []})]})
    first = slice(0, 12)
    with_leader = run_scenario(led, reps=reps, seed=6, engine=engine).trajectories.metric("leads_new")[first].sum()
    without = run_scenario(plain, reps=reps, seed=6, engine=engine).trajectories.metric("leads_new")[first].sum()
    expected_extra = 0.5 * 8.0 / 10 * 12 * reps  # leads/month × 12 months × replicates
    assert with_leader - without == pytest.approx(expected_extra, rel=0.35)


# ------------------------------------------------------------------ incumbents


def test_small_firms_exit_more_often_than_big_ones() -> None:
    p = mech.exit_probability(0.05, np.array([0.2, 2.0, 20.0, 200.0]), 2.0, 0.3)
    assert np.all(np.diff(p) < 0)
    assert mech.exit_probability(0.05, 2.0, 2.0, 0.3) == pytest.approx(mech.exit_probability(0.05))


def test_after_ten_years_firm_sizes_have_a_fat_upper_tail() -> None:
    from chainsim.model import CountyModel, Enterprise

    scenario = load_scenario(REPO / "scenarios" / "liancheng.yaml")
    scenario = scenario.model_copy(update={"calendar": scenario.calendar.model_copy(update={"horizon": "2031-12"})})
    sizes = []
    for seed in range(3):
        model = CountyModel(scenario, rng=np.random.SeedSequence(seed)).run()
        sizes.extend(e.output_yi for e in model.agents_by_type[Enterprise])
    x = np.sort(np.asarray(sizes))[::-1]
    top = x[: max(20, x.size // 10)]
    hill = 1.0 / np.mean(np.log(top[:-1] / top[-1]))  # Hill estimate of the Pareto tail index
    assert 0.5 < hill < 3.0, hill  # Pareto-like, as firm sizes are (Axtell 2001: about 1)
    assert x[0] > 20 * np.median(x)
