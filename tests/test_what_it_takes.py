"""``what_it_takes``: the smallest lever value that reaches a target with a given probability."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from chainsim.analysis import what_it_takes
from chainsim.catalogue import LEVERS
from chainsim.ensemble import run_ensemble
from chainsim.errors import InputError
from chainsim.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "tests" / "scenarios" / "tiny.yaml"
TINY_TEXT = TINY.read_text(encoding="utf-8")
WIT_MODULE = importlib.import_module("chainsim.analysis.lever_search")


def chainsim(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chainsim.cli", *(str(a) for a in args)],
                          cwd=REPO, capture_output=True, text=True, timeout=120)


def with_target(tmp_path: Path, target: str) -> Path:
    path = tmp_path / "target.yaml"
    path.write_text(TINY_TEXT.replace("value: 20亿", f"value: {target}"), encoding="utf-8")
    return path


def p_reach(scenario, lever: str, value: float, reps: int, seed: int) -> float:
    summary = run_ensemble(scenario.with_levers(**{lever: value}), reps, seed)
    return float(summary.targets["p_reach"].iloc[0])


def test_finds_a_value_that_reaches_prob_while_one_tolerance_below_does_not() -> None:
    s = load_scenario(TINY)
    w = what_it_takes(s, "alpha", "attraction_effort", prob=0.8, reps=200, seed=3)
    spec = LEVERS["attraction_effort"]
    assert w.reachable and w.value is not None and w.value_below is not None
    assert w.tol == pytest.approx(0.01 * (spec.high - spec.low))
    assert spec.low < w.value <= spec.high
    assert w.value - w.tol <= w.value_below < w.value
    # re-run both ends independently: p(value) reaches prob, the value just below does not
    assert p_reach(s, "attraction_effort", w.value, 200, 3) == w.p_at_value >= 0.8
    assert p_reach(s, "attraction_effort", w.value_below, 200, 3) == w.p_below < 0.8
    assert list(w.history.columns[:2]) == ["value", "p_reach"] and len(w.history) <= 12


class _FakeSummary:
    def __init__(self, p: float):
        self.targets = pd.DataFrame({"chain": ["alpha"], "target_year": [2025], "p_reach": [p]})


def _fake_engine(monkeypatch: pytest.MonkeyPatch, curve) -> list[float]:
    """Replace the ensemble by a known p(value) curve of attraction_effort; returns the values asked for."""
    asked: list[float] = []

    def fake_run(scenario, reps, seed, engine, executor):
        value = scenario.lever_from_policy_start("attraction_effort")
        asked.append(value)
        return _FakeSummary(curve(value))

    monkeypatch.setattr(WIT_MODULE, "run_ensemble", fake_run)
    return asked


def test_on_a_monotone_curve_p_one_tolerance_below_the_answer_is_short(monkeypatch: pytest.MonkeyPatch) -> None:
    def curve(v: float) -> float:  # rises through 0.8 at v = 1.7
        return min(1.0, max(0.0, (v - 0.25) / 1.8125))

    asked = _fake_engine(monkeypatch, curve)
    w = what_it_takes(load_scenario(TINY), "alpha", "attraction_effort", prob=0.8)
    assert w.value is not None and curve(w.value) >= 0.8 and curve(w.value - w.tol) < 0.8
    assert w.value == pytest.approx(1.7, abs=w.tol)
    assert len(asked) == len(set(asked)) <= 12  # no value evaluated twice


def test_a_lever_that_reaches_prob_only_mid_range_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    def curve(v: float) -> float:  # too little and too much both miss: p peaks at v = 1.6
        return max(0.0, 0.9 - abs(v - 1.6))

    _fake_engine(monkeypatch, curve)
    w = what_it_takes(load_scenario(TINY), "alpha", "attraction_effort", prob=0.8)
    assert w.p_at_bounds == (0.0, 0.0)
    assert w.reachable and w.value is not None and curve(w.value) >= 0.8
    assert w.value_below is not None and curve(w.value_below) < 0.8 and w.value - w.value_below <= w.tol


def test_same_seed_gives_the_same_answer() -> None:
    s = load_scenario(TINY)
    first = what_it_takes(s, "alpha", "attraction_effort", prob=0.9, reps=100, seed=7)
    second = what_it_takes(s, "alpha", "attraction_effort", prob=0.9, reps=100, seed=7)
    assert first.to_contract() == second.to_contract()


def test_an_absurd_target_is_out_of_reach_with_p_at_bounds(tmp_path: Path) -> None:
    done = chainsim("what-it-takes", with_target(tmp_path, "1e6亿"), "--chain", "alpha", "--lever",
                    "attraction_effort", "--reps", "50", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert {"chain", "lever", "prob", "value", "reachable", "p_at_bounds"} <= set(doc)
    assert doc["chain"] == "alpha" and doc["lever"] == "attraction_effort" and doc["prob"] == 0.8
    assert doc["reachable"] is False and doc["value"] is None
    assert doc["p_at_bounds"] == [0.0, 0.0]
    text = chainsim("what-it-takes", with_target(tmp_path, "1e6亿"), "--chain", "alpha", "--lever",
                    "attraction_effort", "--reps", "50").stdout
    assert "Out of reach" in text and "× status quo" in text


def test_a_target_already_reached_gives_the_lower_bound(tmp_path: Path) -> None:
    done = chainsim("what-it-takes", with_target(tmp_path, "5亿"), "--chain", "alpha", "--lever",
                    "approval_speedup", "--prob", "0.9", "--reps", "50", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["reachable"] is True
    assert doc["value"] == LEVERS["approval_speedup"].low
    assert doc["p_at_bounds"][0] >= 0.9


def test_human_output_names_the_value_with_its_unit_and_interval() -> None:
    done = chainsim("what-it-takes", TINY, "--chain", "alpha", "--lever", "attraction_effort", "--reps", "100")
    assert done.returncode == 0, done.stderr
    assert "It takes attraction_effort = " in done.stdout
    assert "× status quo" in done.stdout and "20.0亿元/year in 2025" in done.stdout and "[" in done.stdout


@pytest.mark.parametrize(("option", "wrong", "right"), [("--lever", "attraction_efort", "attraction_effort"),
                                                         ("--chain", "alpah", "alpha")])
def test_an_unknown_lever_or_chain_exits_2_with_a_suggestion(option: str, wrong: str, right: str) -> None:
    args = {"--chain": "alpha", "--lever": "attraction_effort", option: wrong}
    done = chainsim("what-it-takes", TINY, "--chain", args["--chain"], "--lever", args["--lever"])
    assert done.returncode == 2
    assert f"did you mean {right!r}" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_an_unknown_target_year_exits_2_naming_the_chain_s_years() -> None:
    done = chainsim("what-it-takes", TINY, "--chain", "alpha", "--lever", "attraction_effort",
                    "--target-year", "2024")
    assert done.returncode == 2 and "2025" in done.stderr and "Traceback" not in done.stderr


def test_the_python_api_raises_input_error_for_unknown_names() -> None:
    s = load_scenario(TINY)
    with pytest.raises(InputError, match="did you mean 'approval_speedup'"):
        what_it_takes(s, "alpha", "approval_speedupp")
    with pytest.raises(InputError, match="probability"):
        what_it_takes(s, "alpha", "approval_speedup", prob=1.5)
