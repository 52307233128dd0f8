"""The calibration recovers parameters it is told nothing about but the data.

Synthetic figures: one replicate of tests/scenarios/calib_recovery.yaml at known values of
lead_rate, major_share and start_lag_months (its moments, "as if reported"); the
calibration must bring back intervals that hold the known values. With 90% intervals,
at least 12 of the 15 (5 data seeds × 3 parameters) must hold them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chainsim.calibrate import calibrate
from chainsim.calibration.moments import moment_specs, simulate_moments
from chainsim.scenario import load_scenario

SCENARIO = Path(__file__).resolve().parent / "scenarios" / "calib_recovery.yaml"
TRUTH = {"lead_rate": 20.0, "major_share": 0.15, "start_lag_months": 6.0}
DATA_SEEDS = (101, 102, 103, 104, 105)


@pytest.mark.slow
def test_known_parameters_lie_inside_the_calibrated_intervals():
    scenario = load_scenario(SCENARIO)
    specs = moment_specs(scenario)
    truth_scenario = scenario.with_parameters(**TRUTH)
    inside, identified, total = 0, 0, 0
    for data_seed in DATA_SEEDS:
        data = simulate_moments(truth_scenario, specs, reps=1, seed=data_seed)[0]
        reported = {s.figure: float(v) for s, v in zip(specs, data)}
        result = calibrate(scenario, reps=200, seed=7, reported=reported)
        for row in result.parameters.itertuples(index=False):
            total += 1
            inside += bool(row.lo <= TRUTH[row.name] <= row.hi)
            identified += bool(row.identified)
    assert total == 15
    assert inside >= 12, f"only {inside} of {total} intervals hold the known value"
    assert identified >= 12, f"only {identified} of {total} parameters identified"


def test_a_fit_to_the_models_own_mean_lands_near_the_truth():
    scenario = load_scenario(SCENARIO)
    specs = moment_specs(scenario)
    mean = simulate_moments(scenario.with_parameters(**TRUTH), specs, reps=400, seed=9).mean(axis=0)
    result = calibrate(scenario, reps=200, seed=7, reported={s.figure: float(v) for s, v in zip(specs, mean)})
    estimate = dict(zip(result.parameters["name"], result.parameters["estimate"]))
    assert estimate["lead_rate"] == pytest.approx(TRUTH["lead_rate"], rel=0.1)
    assert estimate["major_share"] == pytest.approx(TRUTH["major_share"], abs=0.04)
    assert estimate["start_lag_months"] == pytest.approx(TRUTH["start_lag_months"], abs=2.0)
