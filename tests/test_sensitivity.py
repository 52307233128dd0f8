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
    result = sensitivity(s, "morris", reps=50, seed=2, n_trajectories=4, include="levers")
    rows = result.table.set_index("factor")
    assert set(rows.index) == set(LEVERS)
    assert rows.loc["attraction_effort", "mu_star"] > 0.03  # saturating effort: leads at most 1.5× the status quo
    assert rows.loc["chain_chief_priority", "mu_star"] == 0.0
    assert rows.loc["attraction_effort", "rank"] < rows.loc["chain_chief_priority", "rank"]
    assert result.evaluations == 4 * (len(LEVERS) + 1)
    assert list(result.table.columns[:8]) == ["chain", "target_year", "target_yi", "factor", "kind", "provenance",
                                              "unit", "low"]


def test_sensitivity_is_deterministic_for_a_seed_and_changes_with_it() -> None:
    args = ["sensitivity", TINY, "--reps", "50", "--trajectories", "3", "--json",
            "--levers", "attraction_effort,approval_speedup,precision_targeting", "--factors", "levers"]
    first, second = chainsim(*args, "--seed", "4"), chainsim(*args, "--seed", "4")
    other = chainsim(*args, "--seed", "5")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert json.loads(first.stdout)["chains"] != json.loads(other.stdout)["chains"]


def test_sensitivity_json_lists_factors_and_per_target_indices() -> None:
    done = chainsim("sensitivity", TINY, "--reps", "50", "--trajectories", "3", "--json",
                    "--levers", "attraction_effort,chain_chief_priority", "--factors", "levers")
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
                    "--levers", "attraction_effort,prework_fund_yi", "--factors", "levers")
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
    assert fs["sign_prob"].provenance == fs["major_share"].provenance == "assumed"
    # lead_rate is set in tiny.yaml as an assumption: varied over its plausible range around that value
    assert fs["lead_rate"].provenance == "assumed" and fs["lead_rate"].low < 1.0 < fs["lead_rate"].high
    # every other assumed catalogue parameter is varied too; a chain type the county lacks is not
    assert "output_intensity" in fs and "growth_per_year" in fs and "output_factor_agri_food" not in fs
    levers_only = {f.name for f in factors(load_scenario(path), include="levers")}
    assert levers_only == set(LEVERS)


def test_sobol_gives_first_order_and_total_indices() -> None:
    s = load_scenario(TINY)
    result = sensitivity(s, "sobol", reps=50, seed=1, n_base=8, levers=["attraction_effort", "chain_chief_priority"],
                         include="levers")
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


POSTERIOR_TINY = """  lead_rate: {value: 2.0, provenance: calibrated, interval: [1.5, 2.5]}
posterior:
  method: a test posterior
  parameters: [lead_rate, base_output.alpha]
  draws:
  - [1.6, 6.0]
  - [2.4, 9.0]
  - [2.0, 12.0]
  - [1.8, 16.0]
  - [2.2, 19.0]
"""


def test_the_verdict_s_drivers_come_with_their_provenance(tmp_path: Path) -> None:
    path = tmp_path / "posterior.yaml"
    path.write_text(TINY.read_text(encoding="utf-8").replace("{value: 20亿, year: 2025", "{value: 45亿, year: 2025")
                    .replace("  lead_rate: {value: 1.0, provenance: assumed, note: \"a small test chain: about one lead "
                             "a month\"}\n", POSTERIOR_TINY), encoding="utf-8")
    scenario = load_scenario(path)
    fs = {f.name: f for f in factors(scenario, include="uncertain")}
    assert fs["base_output.alpha"].provenance == "calibrated" and fs["base_output.alpha"].unit == "亿元/year"
    assert fs["base_output.alpha"].low == pytest.approx(6.6) and fs["base_output.alpha"].high == pytest.approx(18.4)
    assert fs["lead_rate"].provenance == "calibrated" and fs["growth_per_year"].provenance == "assumed"
    result = sensitivity(scenario, reps=50, seed=3, n_trajectories=3, include="uncertain")
    rows = result.table.set_index("factor")
    # what turns investment into output is an assumption, and it drives this verdict
    assert rows.loc["output_intensity", "provenance"] == "assumed" and rows.loc["output_intensity", "rank"] <= 5
    assert rows.loc["output_intensity", "mu"] > 0.2
    assert rows.loc["chain_chief_gain", "mu_star"] == 0.0  # no priority chain: it cannot matter
    assert set(result.table["provenance"]) == {"assumed", "calibrated"}
    doc = result.to_contract()
    assert all(f["provenance"] in ("assumed", "calibrated") for f in doc["chains"][0]["factors"])
