"""Decisions for planners: ``chainsim optimise`` (what a budget buys), ``chainsim discover``
(conditions under which a target is met), ``chainsim robustness`` (which policy holds up)
and ``what-it-takes`` in planner units and two levers.

The CLI runs as a subprocess on tests/scenarios/decisions.yaml (two chains whose targets
are met in some replicates and not others, one calibrated and one uncertain parameter, a
land plan) with small searches, so each test takes seconds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from chainsim.catalogue import LEVERS

REPO = Path(__file__).resolve().parents[1]
DEC = REPO / "tests" / "scenarios" / "decisions.yaml"
PUSH = REPO / "tests" / "scenarios" / "decisions_push.yaml"
SMALL = ("--trials", "16", "--reps", "60", "--check-reps", "120", "--no-progress")


def chainsim(*args: object, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chainsim.cli", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def ok_json(*args: object, cwd: Path = REPO) -> dict:
    done = chainsim(*args, "--json", cwd=cwd)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# ----------------------------------------------------------------------------- optimise


@pytest.fixture(scope="module")
def optimised() -> dict:
    return ok_json("optimise", DEC, "--budget", "5000万元", *SMALL, "--workers", "1")


def test_optimise_json_has_the_contract_fields_and_stays_within_the_budget(optimised: dict) -> None:
    doc = optimised
    assert {"budget_yi_per_year", "cost_yi_per_year", "levers", "expected_targets_met", "status_quo_targets_met",
            "chains"} <= set(doc)
    assert doc["budget_yi_per_year"] == pytest.approx(0.5)
    assert 0.0 <= doc["cost_yi_per_year"] <= 0.5 + 1e-9
    for name, value in doc["levers"].items():
        sq = doc["levers_status_quo"][name]
        assert LEVERS[name].low <= value <= LEVERS[name].high and value >= sq - 1e-12
    for row in doc["chains"]:
        assert {"chain", "p_reach", "p_reach_ci", "p_reach_status_quo"} <= set(row)
        lo, hi = row["p_reach_ci"]
        assert 0 <= lo <= row["p_reach"] <= hi <= 1
    assert doc["expected_targets_met"] == pytest.approx(sum(r["p_reach"] for r in doc["chains"]))
    assert doc["status_quo_targets_met"] == pytest.approx(sum(r["p_reach_status_quo"] for r in doc["chains"]))
    # a budget that buys something is used: more targets met than the status quo, beyond noise
    assert doc["expected_targets_met"] > doc["status_quo_targets_met"]


def test_optimise_is_deterministic_whatever_the_workers(optimised: dict) -> None:
    again = ok_json("optimise", DEC, "--budget", "0.5", *SMALL, "--workers", "2")
    assert again == optimised


@pytest.mark.parametrize("spelling", ["5000万元", "0.5亿", "5e7 CNY", "0.5", "50 mn CNY"])
def test_every_money_spelling_means_the_same_budget(spelling: str) -> None:
    from chainsim.commands.optimise import money

    assert money(spelling) == pytest.approx(0.5)


def test_the_reported_numbers_are_those_of_the_setting_rerun_on_the_check_seed(optimised: dict, tmp_path: Path) -> None:
    out = tmp_path / "best.yaml"
    doc = ok_json("optimise", DEC, "--budget", "5000万元", *SMALL, "--workers", "1", "--out", out)
    assert doc == optimised
    run = ok_json("run", out, "--reps", doc["check_reps"], "--seed", doc["check_seed"], "--no-store")
    p = {r["chain"]: r["p_reach"] for r in run["results"][0]["chains"]}
    assert p == {r["chain"]: r["p_reach"] for r in doc["chains"]}


def test_a_zero_budget_buys_nothing() -> None:
    doc = ok_json("optimise", DEC, "--budget", "0", "--trials", "8", "--reps", "30", "--check-reps", "30",
                  "--workers", "1", "--no-progress")
    assert doc["cost_yi_per_year"] == 0.0 and doc["levers"] == doc["levers_status_quo"]
    assert doc["expected_targets_met"] == doc["status_quo_targets_met"]


def test_min_prob_raises_the_lowest_chosen_chain_and_schedules_by_period() -> None:
    doc = ok_json("optimise", DEC, "--budget", "1亿", "--objective", "min-prob", "--chains", "alpha,beta",
                  "--periods", "2", *SMALL, "--workers", "1")
    assert doc["objective"] == "min-prob" and doc["cost_yi_per_year"] <= 1.0 + 1e-9
    assert doc["objective_value"] == pytest.approx(min(r["p_reach"] for r in doc["chains"]))
    assert doc["objective_value"] >= doc["status_quo_objective_value"]
    assert [p["from"] for p in doc["periods"]] == ["2022-01", "2024-01"]
    for value in doc["levers"].values():  # a number, or one step per period from the policy start
        assert isinstance(value, float) or [s["from"] for s in value] == ["2022-01", "2024-01"]


def test_pareto_front_runs_from_the_status_quo_and_never_over_budget() -> None:
    doc = ok_json("optimise", DEC, "--budget", "0.2", "--pareto", *SMALL, "--workers", "1")
    front = doc["pareto"]
    costs = [f["cost_yi_per_year"] for f in front]
    assert costs == sorted(costs) and costs[0] == 0.0 and max(costs) <= 0.2 + 1e-9
    assert front[0]["levers"] == doc["levers_status_quo"]


@pytest.mark.parametrize(("args", "message"), [
    (("--budget", "5 apples"), "unknown money unit"),
    (("--budget=-1亿",), "negative"),
    (("--budget", "1", "--objective", "min-prob"), "needs --chains"),
    (("--budget", "1", "--chains", "alpah"), "did you mean 'alpha'"),
    (("--budget", "1", "--levers", "attraction_efort"), "did you mean 'attraction_effort'"),
    (("--budget", "1", "--periods", "9"), "--periods must be from 1 to 4"),
])
def test_optimise_bad_input_exits_2_with_a_message(args: tuple[str, ...], message: str) -> None:
    done = chainsim("optimise", DEC, *args, "--trials", "8", "--reps", "10")
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr and done.stdout == ""


def test_optimise_human_output_shows_the_portfolio_cost_and_intervals() -> None:
    done = chainsim("optimise", DEC, "--budget", "0.5", *SMALL, "--workers", "1")
    assert done.returncode == 0, done.stderr
    assert "Yearly cost:" in done.stdout and "亿元/year" in done.stdout and "Expected targets met:" in done.stdout
    assert "status quo" in done.stdout and "alpha" in done.stdout and "[" in done.stdout


# ----------------------------------------------------------------------------- discover


@pytest.fixture(scope="module")
def discovered() -> dict:
    return ok_json("discover", DEC, "--chain", "alpha", "--samples", "30", "--reps", "4", "--workers", "1",
                   "--no-progress")


def test_discover_json_has_boxes_with_coverage_density_and_limits(discovered: dict) -> None:
    doc = discovered
    assert doc["chain"] == "alpha" and 0 < doc["base_rate"] < 1
    assert doc["boxes"] or doc["input_boxes"]
    for box in doc["boxes"] + doc["input_boxes"]:
        assert 0 < box["coverage"] <= 1 and 0 < box["density"] <= 1 and box["density"] >= doc["base_rate"]
        assert box["limits"]
        for lim in box["limits"]:
            assert {"name", "low", "high", "unit"} <= set(lim) and lim["low"] <= lim["high"]
        assert "target is met in" in box["statement"]


def test_discover_is_deterministic_for_a_seed(discovered: dict) -> None:
    again = ok_json("discover", DEC, "--chain", "alpha", "--samples", "30", "--reps", "4", "--workers", "2",
                    "--no-progress")
    assert again == discovered


def test_a_box_s_coverage_and_density_are_those_of_the_rows_inside_it() -> None:
    from chainsim.analysis.discovery import discover
    from chainsim.scenario import load_scenario

    d = discover(load_scenario(DEC), "alpha", samples=30, reps=4, seed=7)
    assert d.boxes and d.input_boxes
    for box in d.boxes + d.input_boxes:
        inside = np.ones(len(d.data), dtype=bool)
        for lim in box.limits:
            inside &= (d.data[lim.name] >= lim.low) & (d.data[lim.name] <= lim.high)
        y = d.data["reached"].to_numpy()
        assert box.density == pytest.approx(y[inside].mean())
        assert box.coverage == pytest.approx(y[inside].sum() / y.sum())


def test_discover_says_plainly_when_no_run_meets_the_target(tmp_path: Path) -> None:
    path = tmp_path / "far.yaml"
    path.write_text(DEC.read_text(encoding="utf-8").replace("value: 22亿", "value: 500亿"), encoding="utf-8")
    done = chainsim("discover", path, "--chain", "alpha", "--samples", "10", "--reps", "2", "--workers", "1")
    assert done.returncode == 0, done.stderr
    assert "No run meets the target" in done.stdout
    doc = ok_json("discover", path, "--chain", "alpha", "--samples", "10", "--reps", "2", "--workers", "1")
    assert doc["boxes"] == [] and doc["base_rate"] == 0


def test_discover_unknown_chain_exits_2() -> None:
    done = chainsim("discover", DEC, "--chain", "alpah", "--samples", "10")
    assert done.returncode == 2 and "did you mean 'alpha'" in done.stderr and "Traceback" not in done.stderr


# ----------------------------------------------------------------------------- robustness


@pytest.fixture(scope="module")
def robust() -> dict:
    return ok_json("robustness", DEC, PUSH, "--reps", "150", "--seed", "4", "--workers", "1", "--no-progress")


def test_robustness_ranks_policies_by_their_worst_decile(robust: dict) -> None:
    assert [s["spread"] for s in robust["spreads"]] == ["scenario", "wide"]
    wide = robust["spreads"][1]
    assert "lead_rate" in wide["parameters_wide"]
    for spread in robust["spreads"]:
        rows = spread["policies"]
        assert {r["policy"] for r in rows} == {"decisions", "decisions_push"}
        for r in rows:
            assert r["regret_mean"] >= 0 and r["regret_max"] >= r["regret_p90"] >= 0
            assert r["worst_decile_targets_met"] <= r["targets_met_p10"] + 1e-9 <= r["expected_targets_met"] + 2
            lo, hi = r["expected_targets_met_ci"]
            assert lo <= r["expected_targets_met"] <= hi
        best = max(rows, key=lambda r: (r["worst_decile_targets_met"], r["expected_targets_met"]))
        assert spread["most_robust"] == best["policy"] and best["rank"] == 1


def test_robustness_is_deterministic(robust: dict) -> None:
    assert ok_json("robustness", DEC, PUSH, "--reps", "150", "--seed", "4", "--workers", "2", "--no-progress") == robust


def test_every_policy_sees_the_same_parameter_draws_in_each_replicate() -> None:
    from chainsim.analysis.outcomes import Run, run_outcomes
    from chainsim.analysis.robustness import wide_draws
    from chainsim.scenario import load_scenario

    a, b = load_scenario(DEC), load_scenario(PUSH)
    draws = wide_draws(a, 50, 9)
    oa, ob = run_outcomes([Run(a, 50, 9, "fast", draws), Run(b, 50, 9, "fast", draws)])
    for name in ("sign_prob", "lead_rate"):
        assert np.array_equal(oa.parameters[name], ob.parameters[name])
    assert np.array_equal(oa.parameters["lead_rate"], draws["lead_rate"])
    assert len(np.unique(oa.parameters["lead_rate"])) == 50


def test_robustness_refuses_policies_with_other_targets(tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text(DEC.read_text(encoding="utf-8").replace("year: 2025, provenance: assumed}]\n    segments: [raw, "
                                                             "parts, assembly]\n    segments_filled: 1",
                                                             "year: 2024, provenance: assumed}]\n    segments: [raw, "
                                                             "parts, assembly]\n    segments_filled: 1"),
                     encoding="utf-8")
    done = chainsim("robustness", DEC, other, "--reps", "10")
    assert done.returncode == 2 and "chain targets differ" in done.stderr and "Traceback" not in done.stderr


def test_robustness_human_output_names_the_most_robust_policy() -> None:
    done = chainsim("robustness", DEC, PUSH, "--reps", "60", "--spread", "scenario", "--workers", "1")
    assert done.returncode == 0, done.stderr
    assert "Most robust (best worst decile):" in done.stdout and "regret" in done.stdout


# ----------------------------------------------------------------------------- what it takes, planner units


def test_what_it_takes_states_the_answer_in_planner_units() -> None:
    doc = ok_json("what-it-takes", DEC, "--chain", "alpha", "--lever", "approval_speedup", "--prob", "0.6",
                  "--reps", "100", "--workers", "1", "--no-progress")
    assert {"chain", "lever", "prob", "value", "reachable", "p_at_bounds"} <= set(doc)
    assert doc["reachable"]
    u = doc["planner"]
    assert u["levers"] == {"approval_speedup": doc["value"]}
    assert u["p_reach"] == doc["p_at_value"]
    assert u["extra_cost_yi_per_year"] == pytest.approx(0.2 * doc["value"])  # 0.20亿元/year for a full cut
    assert u["signed_per_year"] > 0 and u["land_mu_per_year"] > 0 and u["county_land_mu_per_year"] >= u["land_mu_per_year"]
    assert u["land_supply_mu_per_year"] == pytest.approx(300.0)


def test_two_levers_give_the_cheapest_pair_reaching_p() -> None:
    doc = ok_json("what-it-takes", DEC, "--chain", "alpha", "--levers", "attraction_effort,approval_speedup",
                  "--prob", "0.6", "--reps", "60", "--grid", "2", "--workers", "1", "--no-progress")
    assert doc["levers"] == ["attraction_effort", "approval_speedup"]
    reachable = [p for p in doc["pairs"] if p["value_b"] is not None]
    assert doc["reachable"] and reachable
    cheapest = doc["cheapest"]
    assert cheapest["cost_yi_per_year"] == min(p["cost_yi_per_year"] for p in reachable)
    assert cheapest["p_reach"] >= 0.6
    assert doc["planner"]["levers"] == {"attraction_effort": cheapest["attraction_effort"],
                                        "approval_speedup": cheapest["approval_speedup"]}
    text = chainsim("what-it-takes", DEC, "--chain", "alpha", "--levers", "attraction_effort,approval_speedup",
                    "--prob", "0.6", "--reps", "60", "--grid", "2", "--workers", "1").stdout
    assert "Cheapest:" in text and "In planner units" in text


def test_what_it_takes_needs_one_lever_or_two() -> None:
    done = chainsim("what-it-takes", DEC, "--chain", "alpha", "--levers", "attraction_effort")
    assert done.returncode == 2 and "two lever names" in done.stderr
    done = chainsim("what-it-takes", DEC, "--chain", "alpha")
    assert done.returncode == 2 and "Traceback" not in done.stderr


# ----------------------------------------------------------------------------- start-up


def test_building_the_parser_imports_neither_optuna_nor_the_ema_workbench() -> None:
    code = ("import sys, chainsim.cli; chainsim.cli.build_parser(); "
            "print(sorted(m for m in ('optuna', 'ema_workbench', 'SALib', 'scipy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
