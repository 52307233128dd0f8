"""Why a chain falls short (``chainsim.analysis.shortfall``): the split of its target-year
output adds up, the yield of one new project agrees with the engine, the projects counted
close the gap, a gap that new projects cannot close in time is said so, the drivers carry
their provenance, and ``chainsim run --json`` carries it all."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from chainsim.analysis.shortfall import (MIN_USEFUL_SHARE, SIGN_BY_SHARE, TIERS, decompose, factor_provenance,
                                         project_yield, tier_size_yi, top_drivers)
from chainsim.ensemble import run_ensemble, simulate
from chainsim.prepare import make_plan
from chainsim.records import pipeline_cutoff
from chainsim.scenario import Scenario, load_scenario, month_index

ROOT = Path(__file__).resolve().parents[1]
THREE = ROOT / "tests" / "scenarios" / "equiv_three_chains.yaml"
CHECKER = ROOT.parent / "shared" / "tools" / "check_run_json.py"


def three_chains() -> Scenario:
    scn = load_scenario(THREE)
    return scn.model_copy(update={"calendar": scn.calendar.model_copy(update={"horizon": "2025-12"})})


def fixed(scn: Scenario) -> Scenario:
    """Every uncertain parameter at its central value."""
    return scn.with_parameters(**{n: s.central for n, s in scn.parameters.items() if s.dist != "fixed"})


def test_one_projects_yield_is_what_the_engine_produces_from_its_signings() -> None:
    """The new cohort's mean target-year output equals the sum over months of the mean
    number signed × the yield of one project signed then (one project size, land for all,
    no year effects), chain by chain, within 3%."""
    scn = fixed(three_chains()).with_parameters(major_share=0.0, flagship_leads_per_year=0.0, size_ordinary_sigma=0.1,
                                                size_ordinary_median_yi=0.8, macro_sd_per_year=0.0)
    scn = scn.model_copy(update={"resources": None})
    plan = make_plan(scn)
    traj = simulate(scn, 2000, 5, "fast")
    cutoff = pipeline_cutoff(scn, plan.first_month)
    in_2025 = (plan.first_month + np.arange(plan.total_months)) // 12 == 2025
    signed = traj.flow("signed", "count").mean(axis=1)  # (months, chains)
    months = np.arange(cutoff, plan.total_months)
    for c, chain in enumerate(plan.chain_ids):
        one = project_yield(scn, chain, 0.8 * np.exp(0.1**2 / 2), months, 2025, plan)[0]  # the mean size
        predicted = float(np.sum(signed[cutoff:, c] * one))
        simulated = float(traj.metric("output_new_yi")[in_2025][:, :, c].mean())
        assert predicted == pytest.approx(simulated, rel=0.03), chain


def test_a_project_yields_less_the_later_it_is_signed_and_more_with_faster_approvals() -> None:
    scn = fixed(three_chains())
    plan = make_plan(scn)
    months = np.arange(pipeline_cutoff(scn, plan.first_month), plan.total_months)
    slow = project_yield(scn, "leader_chain", [1.0, 7.0], months, 2025, plan)
    fast = project_yield(scn.with_levers(approval_speedup=0.53), "leader_chain", [1.0, 7.0], months, 2025)
    assert (np.diff(slow, axis=1) <= 1e-12).all()  # later signing, less output in 2025
    assert slow[:, -1].max() == 0.0  # signed in December 2025: nothing in 2025
    assert (fast[:, 0] > slow[:, 0]).all()
    assert (slow[1] >= slow[0]).all() and slow[1, 0] > slow[0, 0]  # a bigger project yields more


def test_the_split_adds_up_and_the_projects_counted_close_the_gap() -> None:
    scn = three_chains()
    summary = run_ensemble(scn, 300, 4)
    items = decompose(scn, summary)
    assert [s.chain for s in items] == summary.targets["chain"].tolist()
    plan = make_plan(scn)
    for s, row in zip(items, summary.targets.itertuples(index=False)):
        assert s.base_output_yi + s.incumbent_growth_yi + s.pipeline_yi + s.new_yi == pytest.approx(s.typical_yi)
        assert sum(s.mean.values()) == pytest.approx(row.output_yi_mean, rel=1e-5)
        assert row.output_yi_p10 <= s.typical_yi <= row.output_yi_p90
        assert s.gap_yi == pytest.approx(max(s.target_yi - s.typical_yi, 0.0))
        assert s.base_provenance == "assumed"
        if s.gap_yi == 0:
            assert s.options == ()
            continue
        assert [o.tier for o in s.options] == list(TIERS)
        for o in s.options:
            assert o.size_yi == pytest.approx(tier_size_yi(scn, o.tier))
            assert o.in_time  # three years to go: new projects can still produce
            assert o.count_now * o.yield_now_yi >= s.gap_yi > (o.count_now - 1) * o.yield_now_yi
            assert month_index(o.sign_by) >= month_index(s.policy_start)
            by = o.schedule  # half-year steps from the policy start, each count closing the gap
            assert by["sign_by"].iloc[0] == s.policy_start and (by["count"] * by["yield_yi"] >= s.gap_yi).all()
            assert o.count_by >= o.count_now
            c = plan.chain_ids.index(s.chain)
            land = o.count_by * o.size_yi * plan.land_factor[c] / scn.parameters["investment_intensity_yi_per_mu"].central \
                if "investment_intensity_yi_per_mu" in scn.parameters else \
                o.count_by * o.size_yi * plan.land_factor[c] / 0.04
            assert o.land_mu == pytest.approx(land)
            # signing by sign_by still yields at least half of signing at once
            signed = np.arange(month_index(s.policy_start), month_index(o.sign_by) + 2) - plan.first_month
            y = project_yield(scn, s.chain, o.size_yi, signed, s.target_year, plan)[0]
            assert y[-2] >= SIGN_BY_SHARE * y[0] > y[-1]


def test_a_gap_new_projects_cannot_close_in_time_is_said_so() -> None:
    from chainsim.ui.shortfall_views import need_sentence

    scn = three_chains()
    soon = [c.model_copy(update={"targets": [c.targets[0].model_copy(update={"year": 2023, "value_yi": 100.0})]})
            for c in scn.chains]
    # the policy starts in July of the target year: no project signed from then produces much in it
    scn = scn.model_copy(update={"chains": soon, "policy": scn.policy.model_copy(update={"start": "2023-07"})})
    summary = run_ensemble(scn, 100, 4)
    for s in decompose(scn, summary):
        assert s.gap_yi > 0 and not s.in_time
        assert all(o.count_now is None and o.yield_now_yi < MIN_USEFUL_SHARE * o.capacity_yi for o in s.options)
        assert "来不及" in need_sentence(s, "zh") and "cannot close" in need_sentence(s, "en")
        assert s.to_contract()["gap_closable_in_time"] is False


def test_the_top_drivers_carry_their_provenance() -> None:
    scn = load_scenario(ROOT / "scenarios" / "liancheng.yaml")
    assert factor_provenance(scn, "lead_rate", "parameter") == "calibrated"
    assert factor_provenance(scn, "base_output.smart_display", "parameter") == "calibrated"  # in the posterior
    assert factor_provenance(scn, "prework_fund_yi", "lever") == "reported"
    assert factor_provenance(scn, "effort_half", "parameter") == "assumed"  # the catalogue default
    rows = [{"chain": "wenlv_kangyang", "target_year": 2025, "factor": f, "kind": k, "unit": "", "low": 0.0, "high": 1.0,
             "mu_star": m, "mu_star_conf": conf, "mu": mu, "rank": r}
            for f, k, m, conf, mu, r in [("lead_rate", "parameter", 0.3, 0.1, 0.3, 1),
                                         ("attraction_effort", "lever", 0.2, 0.05, -0.2, 2),
                                         ("sign_prob", "parameter", 0.1, 0.15, 0.0, 3),
                                         ("finance_matching", "lever", 0.0, 0.0, 0.0, 4)]]
    drivers = top_drivers(SimpleNamespace(table=pd.DataFrame(rows)), scn)
    assert drivers["factor"].tolist() == ["lead_rate", "attraction_effort", "sign_prob"]
    assert drivers["provenance"].tolist() == ["calibrated", "assumed", "calibrated"]
    assert drivers["direction"].tolist() == [1, -1, 0]
    assert drivers["significant"].tolist() == [True, True, False]  # sign_prob's effect is within its interval


def test_run_json_carries_the_split_and_the_projects_needed(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "chainsim.cli", "run", str(THREE), "--reps", "100", "--seed", "3",
                           "--json", "--no-store"], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    for row in doc["results"][0]["chains"]:
        assert row["base_output_yi"] + row["incumbent_growth_yi"] + row["pipeline_output_yi"] + row["new_output_yi"] \
            == pytest.approx(row["output_yi_typical"])
        assert row["output_incumbent_yi_mean"] + row["output_pipeline_yi_mean"] + row["output_new_yi_mean"] \
            == pytest.approx(row["output_yi_mean"], rel=1e-5)
        assert row["gap_yi"] == pytest.approx(max(row["target_yi"] - row["output_yi_typical"], 0.0))
        for option in row["projects_needed"]:
            assert {"tier", "size_yi", "count_if_signed_now", "sign_by", "count_if_signed_by", "land_mu"} <= set(option)
    (tmp_path / "run.json").write_text(proc.stdout)
    if CHECKER.exists():
        check = subprocess.run([sys.executable, str(CHECKER), str(tmp_path / "run.json"), "3"], capture_output=True,
                               text=True)
        assert check.returncode == 0, check.stdout + check.stderr


def test_a_policy_starting_after_the_target_year_leaves_no_project_in_time() -> None:
    scn = three_chains()
    late = scn.model_copy(update={"policy": scn.policy.model_copy(update={"start": "2025-12"})})
    plan = make_plan(late)
    from chainsim.analysis.shortfall import project_options

    options = project_options(late, "leader_chain", 2024, 10.0, plan)
    assert [o.tier for o in options] == list(TIERS)
    assert all(not o.in_time and o.yield_now_yi == 0.0 and o.schedule.empty for o in options)


def test_the_contract_fields_are_the_ones_listed() -> None:
    from chainsim.analysis.shortfall import CONTRACT_FIELDS, contract_fields

    scn = three_chains()
    rows = contract_fields(scn, run_ensemble(scn, 50, 2))
    assert all(tuple(row) == CONTRACT_FIELDS for row in rows)
