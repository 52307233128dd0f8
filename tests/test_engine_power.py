"""The engine-equivalence comparison has power: mutants of the fast engine are rejected.

Each mutant changes one formula in the fast engine only (the Mesa reference keeps the
mechanism), the way a bug would: organic growth +1 point a year, output per 亿元 invested
+12.5%, ramp-up in 8 months instead of 12. The first version's equivalence test passed all
three (0 of 90 comparisons rejected). Here the comparison — two-sample Kolmogorov–Smirnov on
each chain's annual output in every simulated year, Bonferroni at α = 0.01 over them, Mesa
against a ten times larger fast ensemble, fixed seeds — runs on two small scenarios built so
that the mechanism under test is what moves output (tests/scenarios/power_*.yaml), and must
reject each mutant, while the unmutated fast engine must pass. Runtime: about two minutes,
almost all of it the Mesa ensembles (shared by the four tests).
"""

from __future__ import annotations

import types
from functools import cache, partial
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from chainsim import kernel
from chainsim import mechanisms as mech
from chainsim.ensemble import map_blocks
from chainsim.prepare import make_plan
from chainsim.records import Trajectories
from chainsim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
ALPHA = 0.01
CASES = {"incumbents": ("tests/scenarios/power_incumbents.yaml", 200, 2000, 17),
         "projects": ("tests/scenarios/power_projects.yaml", 150, 1500, 19)}


@cache
def scenario_of(name: str) -> Scenario:
    return load_scenario(ROOT / CASES[name][0])


def yearly_output(traj: Trajectories, scenario: Scenario) -> dict[str, np.ndarray]:
    """Per-replicate annual output (亿元/year, mean of the year's months) of every chain and year."""
    plan = make_plan(scenario)
    months = np.arange(plan.total_months)
    years = (plan.first_month + months) // 12
    output = traj.metric("output_yi").astype(np.float64)
    out = {}
    for y in np.unique(years[months >= plan.warmup]):
        for c, chain in enumerate(plan.chain_ids):
            out[f"{chain} {y}"] = output[years == y, :, c].mean(axis=0)
    return out


def outcomes(name: str, engine: str) -> dict[str, np.ndarray]:
    path, mesa_reps, fast_reps, seed = CASES[name]
    scenario = scenario_of(name)
    reps = mesa_reps if engine == "mesa" else fast_reps
    parts = map_blocks(scenario, reps, seed, engine, partial(yearly_output, scenario=scenario))
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


@cache
def mesa_outcomes(name: str) -> dict[str, np.ndarray]:
    return outcomes(name, "mesa")


def rejections(name: str) -> list[str]:
    mesa, fast = mesa_outcomes(name), outcomes(name, "fast")
    alpha = ALPHA / len(mesa)
    return [k for k in mesa if stats.ks_2samp(mesa[k], fast[k]).pvalue < alpha]


def mutated_mech(**overrides) -> types.SimpleNamespace:
    """The mechanisms module as the fast engine sees it, with some functions replaced."""
    shim = types.SimpleNamespace(**{k: getattr(mech, k) for k in dir(mech) if not k.startswith("__")})
    for k, v in overrides.items():
        setattr(shim, k, v)
    return shim


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_the_unmutated_fast_engine_is_not_rejected(name: str) -> None:
    assert rejections(name) == []


@pytest.mark.slow
def test_a_fast_engine_growing_one_point_faster_a_year_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    grow = kernel._growth_exponent
    monkeypatch.setattr(kernel, "_growth_exponent", lambda g, sd: grow(g + 0.01, sd))
    assert rejections("incumbents")


@pytest.mark.slow
def test_a_fast_engine_with_an_eighth_more_output_per_yi_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    intensity = kernel.chain_intensity
    monkeypatch.setattr(kernel, "chain_intensity", lambda plan, p: intensity(plan, p) * 1.125)
    assert rejections("projects")


@pytest.mark.slow
def test_a_fast_engine_ramping_up_in_8_months_instead_of_12_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    ramp = mech.ramp_fraction
    monkeypatch.setattr(kernel, "mech", mutated_mech(ramp_fraction=lambda age, months: ramp(age, months * 8 / 12)))
    assert rejections("projects")
