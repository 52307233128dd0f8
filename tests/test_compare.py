"""``compare``: two scenarios on common random numbers, paired differences in p_reach."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from chainsim.analysis import compare, paired_difference_interval
from chainsim.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "tests" / "scenarios" / "tiny.yaml"


def chainsim(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chainsim.cli", *(str(a) for a in args)],
                          cwd=REPO, capture_output=True, text=True, timeout=120)


def write_variant(tmp_path: Path, name: str, body: str) -> Path:
    """A scenario in tmp_path that extends a copy of tiny.yaml."""
    base = tmp_path / "tiny.yaml"
    if not base.exists():
        base.write_text(TINY.read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"extends: tiny.yaml\nid: {name}\n{body}", encoding="utf-8")
    return path


def effort(tmp_path: Path, name: str, value: float) -> Path:
    return write_variant(tmp_path, name, f"policy:\n  name: {name}\n  levers:\n    attraction_effort: {value}\n")


def test_a_scenario_compared_with_itself_differs_by_exactly_zero() -> None:
    s = load_scenario(TINY)
    c = compare(s, s, reps=200, seed=5)
    row = c.table.iloc[0]
    assert row["diff"] == 0.0
    assert row["p_reach_a"] == row["p_reach_b"]
    assert row["diff_lo"] <= 0.0 <= row["diff_hi"]
    assert row["n_a_only"] == 0 and row["n_b_only"] == 0


def test_raising_attraction_effort_raises_p_reach_beyond_noise(tmp_path: Path) -> None:
    low, high = effort(tmp_path, "low_effort", 0.5), effort(tmp_path, "high_effort", 2.0)
    done = chainsim("compare", low, high, "--reps", "200", "--seed", "3", "--json")
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(done.stdout)["chains"]
    lo, hi = row["diff_ci"]
    assert row["diff"] > 0.2
    assert 0.0 < lo <= row["diff"] <= hi <= 1.0


def test_compare_json_follows_the_contract(tmp_path: Path) -> None:
    b = effort(tmp_path, "more_effort", 1.5)
    done = chainsim("compare", TINY, b, "--reps", "100", "--seed", "1", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)  # stdout holds only the JSON
    assert doc["a"] == "tiny" and doc["b"] == "more_effort"
    (row,) = doc["chains"]
    assert {"chain", "p_reach_a", "p_reach_b", "diff", "diff_ci"} <= set(row)
    assert row["chain"] == "alpha"
    assert 0.0 <= row["p_reach_a"] <= 1.0 and 0.0 <= row["p_reach_b"] <= 1.0
    assert row["diff"] == pytest.approx(row["p_reach_b"] - row["p_reach_a"])
    assert len(row["diff_ci"]) == 2 and row["diff_ci"][0] <= row["diff"] <= row["diff_ci"][1]
    assert doc["missing"] == []


def test_same_seed_gives_the_same_comparison(tmp_path: Path) -> None:
    b = effort(tmp_path, "more_effort", 1.5)
    runs = [chainsim("compare", TINY, b, "--reps", "100", "--seed", "8", "--json").stdout for _ in range(2)]
    assert runs[0] == runs[1] and runs[0]


def test_a_chain_in_only_one_scenario_is_reported_missing(tmp_path: Path) -> None:
    two_chains = write_variant(tmp_path, "two_chains", """chains:
  - id: alpha
    name_zh: 甲链
    name_en: Alpha chain
    base_output: {value: 10亿元, provenance: assumed}
    targets: [{value: 20亿, year: 2025, provenance: assumed}]
    segments: [raw, parts, assembly]
    segments_filled: 1
  - id: beta
    name_zh: 乙链
    name_en: Beta chain
    base_output: {value: 5亿元, provenance: assumed}
    targets: [{value: 8亿, year: 2025, provenance: assumed}]
    segments: [raw, assembly]
    segments_filled: 1
""")
    done = chainsim("compare", TINY, two_chains, "--reps", "50", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert [r["chain"] for r in doc["chains"]] == ["alpha"]
    assert doc["missing"] == [{"chain": "beta", "target_year": 2025, "target_yi": 8.0, "missing_in": "a"}]
    text = chainsim("compare", TINY, two_chains, "--reps", "50").stdout
    assert "beta" in text and "only in B" in text


def test_human_output_shows_units_and_intervals(tmp_path: Path) -> None:
    b = effort(tmp_path, "more_effort", 1.5)
    done = chainsim("compare", TINY, b, "--reps", "50")
    assert done.returncode == 0, done.stderr
    assert "亿元" in done.stdout and "95% CI" in done.stdout and "50 replicates" in done.stdout


def test_a_bad_scenario_file_exits_2_with_its_location(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.read_text(encoding="utf-8").replace("segments_filled: 1", "segments_filled: 9"),
                   encoding="utf-8")
    done = chainsim("compare", TINY, bad)
    assert done.returncode == 2
    assert f"{bad}:" in done.stderr and "segments_filled" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


@pytest.mark.parametrize("value", [False, True])
def test_paired_interval_stays_sensible_when_both_proportions_sit_at_a_boundary(value: bool) -> None:
    outcomes = np.full(200, value)
    diff, lo, hi = paired_difference_interval(outcomes, outcomes)
    assert diff == 0.0
    assert -0.05 < lo < 0.0 < hi < 0.05  # not degenerate, not wide


def test_paired_interval_is_bounded_by_plus_and_minus_one() -> None:
    diff, lo, hi = paired_difference_interval(np.zeros(50, bool), np.ones(50, bool))
    assert diff == 1.0 and hi == 1.0 and 0.8 < lo < 1.0
    diff, lo, hi = paired_difference_interval(np.ones(50, bool), np.zeros(50, bool))
    assert diff == -1.0 and lo == -1.0 and -1.0 < hi < -0.8


def test_correlated_pairs_give_a_narrower_interval_than_independent_ones() -> None:
    rng = np.random.default_rng(0)
    a = rng.random(400) < 0.5
    b_paired = a.copy()
    b_paired[np.flatnonzero(~a)[:40]] = True  # same replicates, 40 more reach the target
    b_shuffled = rng.permutation(b_paired)  # same margin, pairing destroyed
    _, lo_p, hi_p = paired_difference_interval(a, b_paired)
    _, lo_s, hi_s = paired_difference_interval(a, b_shuffled)
    assert hi_p - lo_p < 0.6 * (hi_s - lo_s)
    assert lo_p > 0.0
