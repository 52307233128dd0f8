"""The calibration is itself calibrated: on synthetic data sets drawn from the prior
predictive, each recalibrated against one shared reference table, the posterior's 50% and 90%
intervals hold the true parameters as often as they claim, and the true values' ranks among
the posterior draws are uniform (simulation-based calibration). A method made overconfident
on purpose fails the same check."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np

from chainsim.calibration import check as check_module
from chainsim.calibration.abc import PosteriorSample
from chainsim.calibration.check import check_calibration
from chainsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
RECOVERY = ROOT / "tests" / "scenarios" / "calib_recovery.yaml"
N, ROWS = 40, 4000


def pooled(result, column: str) -> float:
    return float(result.parameters[column].mean())


def test_posterior_intervals_cover_the_true_values_as_often_as_they_claim():
    result = check_calibration(load_scenario(RECOVERY), N, rows=ROWS, seed=7, reps=20)
    intervals = N * len(result.parameters)  # 120: three parameters, forty data sets
    assert abs(pooled(result, "coverage_90") - 0.9) <= 3 * math.sqrt(0.09 / intervals)
    assert abs(pooled(result, "coverage_50") - 0.5) <= 3 * math.sqrt(0.25 / intervals)
    assert (result.parameters["rank_p"] > 0.001).all()
    assert list(result.parameters["name"]) == ["lead_rate", "major_share", "start_lag_months"]


def test_an_overconfident_posterior_fails_the_check(monkeypatch):
    honest = check_module.abc_posterior

    def overconfident(*args, **kwargs) -> PosteriorSample:
        s = honest(*args, **kwargs)
        centre = np.average(s.theta, axis=0, weights=s.weights)
        return PosteriorSample(s.names, centre + 0.25 * (s.theta - centre), s.weights, s.distance, s.accept, s.rows)

    monkeypatch.setattr(check_module, "abc_posterior", overconfident)
    result = check_calibration(load_scenario(RECOVERY), N, rows=ROWS, seed=7, reps=20)
    assert pooled(result, "coverage_90") < 0.75
    assert (result.parameters["rank_p"] < 0.01).any()


def test_the_check_from_the_command_line_gives_the_contract_json():
    proc = subprocess.run([sys.executable, "-m", "chainsim.cli", "calibrate", str(RECOVERY), "--check", "6",
                           "--rows", "1000", "--check-reps", "50", "--json"], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    check = json.loads(proc.stdout)["check"]
    assert check["datasets"] == 6
    for p in check["parameters"]:
        assert set(p) >= {"name", "coverage_50", "coverage_90", "rank_p"}
        assert 0 <= p["coverage_50"] <= p["coverage_90"] <= 1 and 0 <= p["rank_p"] <= 1
    [row] = check["p_reach"]
    assert row["chain"] == "alpha" and 0 <= row["coverage_90"] <= 1
