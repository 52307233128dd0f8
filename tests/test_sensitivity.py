"""``sensitivity``: Morris / Sobol' indices of p_reach over levers and uncertain parameters."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from chainsim.analysis import factors, sensitivity
from chainsim.catalogue import LEVERS, PARAMETERS
from chainsim.errors import InputError
from chainsim.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "tests" / "scenarios" / "tiny.yaml"


def chainsim(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chainsim.cli", *(str(a) for a in args)],
                          cwd=REPO, capture_output=True, text=True, timeout=120)


def test_morris_ranks_attraction_effort_above_a_lever_that_cannot_matter() -> None:
    s = load_scenario(TINY)  # no priority chain: chain_chief_priority changes nothing
    assert not any(c.priority for c in s.chains)
    result = sensitivity(s, "morris", reps=50, seed=2, n_trajectories=4)
    rows = result.table.set_index("factor")
    assert set(rows.index) == set(LEVERS)
    assert rows.loc["attraction_effort", "mu_star"] > 0.03  # saturating effort: leads at most 1.5× the status quo
    assert rows.loc["chain_chief_priority", "mu_star"] == 0.0
    assert rows.loc["attraction_effort", "rank"] < rows.loc["chain_chief_priority", "rank"]
    assert result.evaluations == 4 * (len(LEVERS) + 1)
    assert list(result.table.columns[:7]) == ["chain", "target_year", "target_yi", "factor", "kind", "unit", "low"]


def test_sensitivity_is_deterministic_for_a_seed_and_changes_with_it() -> None:
    args = ["sensitivity", TINY, "--reps", "50", "--trajectories", "3", "--json",
            "--levers", "attraction_effort,approval_speedup,precision_targeting"]
    first, second = chainsim(*args, "--seed", "4"), chainsim(*args, "--seed", "4")
    other = chainsim(*args, "--seed", "5")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert json.loads(first.stdout)["chains"] != json.loads(other.stdout)["chains"]


def test_sensitivity_json_lists_factors_and_per_target_indices() -> None:
    done = chainsim("sensitivity", TINY, "--reps", "50", "--trajectories", "3", "--json",
                    "--levers", "attraction_effort,chain_chief_priority")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["scenario"] == "tiny" and doc["method"] == "morris" and doc["evaluations"] == 9
    assert [f["factor"] for f in doc["factors"]] == ["attraction_effort", "chain_chief_priority"]
    (target,) = doc["chains"]
    assert target["chain"] == "alpha" and target["target_year"] == 2025 and target["target_yi"] == 20.0
    by_name = {f["factor"]: f for f in target["factors"]}
    assert by_name["attraction_effort"]["rank"] == 1 and by_name["chain_chief_priority"]["rank"] == 2
    assert {"kind", "unit", "mu_star", "sigma", "rank"} <= set(by_name["attraction_effort"])


def test_human_output_shows_ranges_with_units() -> None:
    done = chainsim("sensitivity", TINY, "--reps", "50", "--trajectories", "2",
                    "--levers", "attraction_effort,prework_fund_yi")
    assert done.returncode == 0, done.stderr
    assert "0.25–3 × status quo" in done.stdout and "亿元/year" in done.stdout and "mu*" in done.stdout


def test_uncertain_parameters_become_factors_within_catalogue_bounds(tmp_path: Path) -> None:
    path = tmp_path / "uncertain.yaml"
    path.write_text(TINY.read_text(encoding="utf-8") + """  sign_prob: {dist: uniform, low: 0.3, high: 0.6}
  major_share: {dist: normal, value: 0.05, sd: 0.05}
""", encoding="utf-8")
    fs = {f.name: f for f in factors(load_scenario(path))}
    assert fs["sign_prob"].kind == "parameter" and (fs["sign_prob"].low, fs["sign_prob"].high) == (0.3, 0.6)
    assert fs["major_share"].low == PARAMETERS["major_share"].low  # 0.05 − 2 × 0.05 clipped at 0
    assert fs["major_share"].high == pytest.approx(0.15)
    assert "lead_rate" not in fs  # fixed in tiny.yaml
    result = sensitivity(load_scenario(path), reps=50, seed=1, n_trajectories=2, levers=["attraction_effort"])
    assert set(result.table["kind"]) == {"lever", "parameter"} and result.evaluations == 2 * 4


def test_sobol_gives_first_order_and_total_indices() -> None:
    s = load_scenario(TINY)
    result = sensitivity(s, "sobol", reps=50, seed=1, n_base=8, levers=["attraction_effort", "chain_chief_priority"])
    rows = result.table.set_index("factor")
    assert result.evaluations == 8 * (2 + 2)
    assert rows.loc["attraction_effort", "rank"] == 1
    assert rows.loc["attraction_effort", "ST"] > 0.5
    assert rows.loc["chain_chief_priority", "ST"] == pytest.approx(0.0, abs=1e-12)
    json.dumps(result.to_contract(), allow_nan=False)


def test_unknown_lever_or_method_is_input_error() -> None:
    s = load_scenario(TINY)
    with pytest.raises(InputError, match="did you mean 'leader_drive'"):
        sensitivity(s, levers=["leader_driv"])
    with pytest.raises(InputError, match="morris or sobol"):
        sensitivity(s, method="fast99")  # type: ignore[arg-type]
    done = chainsim("sensitivity", TINY, "--levers", "attraction_efort")
    assert done.returncode == 2 and "did you mean 'attraction_effort'" in done.stderr
