"""The scenario models in process: frozen, hashable by content, copied on override, round-tripped."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from chainsim.catalogue import LEVERS, PARAMETERS
from chainsim.scenario import (
    Calendar,
    Scenario,
    ScenarioError,
    load_scenario,
    scenario_from_yaml_text,
    scenario_to_yaml,
)

REPO = Path(__file__).resolve().parents[1]
TINY_PATH = REPO / "tests" / "scenarios" / "tiny.yaml"
# tests/scenarios/minimal.yaml: the tests below point at its lines, so keep it as it is.
BASE_TEXT = (REPO / "tests" / "scenarios" / "minimal.yaml").read_text(encoding="utf-8")
ALL_FILES = [TINY_PATH, *sorted((REPO / "scenarios").glob("*.yaml"))]


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return scenario_from_yaml_text(BASE_TEXT, name="tiny.yaml")


@pytest.fixture(scope="module")
def liancheng() -> Scenario:
    return load_scenario(REPO / "scenarios" / "liancheng.yaml")


# --------------------------------------------------------------------------- frozen


def test_scenario_fields_cannot_be_assigned(tiny: Scenario) -> None:
    with pytest.raises(ValidationError, match="frozen"):
        tiny.id = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    "assign",
    [
        lambda s: setattr(s.calendar, "start", "2020-01"),
        lambda s: setattr(s.chains[0], "segments_filled", 3),
        lambda s: setattr(s.chains[0].base_output, "value_yi", 1.0),
        lambda s: setattr(s.chains[0].targets[0], "year", 2024),
        lambda s: setattr(s.ensemble, "reps", 1),
        lambda s: setattr(s.policy, "name", "x"),
    ],
    ids=["calendar", "chain", "base_output", "target", "ensemble", "policy"],
)
def test_nested_models_cannot_be_assigned(tiny: Scenario, assign) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="frozen"):
        assign(tiny)


def test_unknown_keys_are_errors_not_ignored() -> None:
    with pytest.raises(ScenarioError) as info:
        scenario_from_yaml_text(BASE_TEXT + "colour: blue\n", name="t.yaml")
    assert [p.field for p in info.value.problems] == ["colour"]


# --------------------------------------------------------------------------- content hash


def test_content_hash_is_stable_across_loads() -> None:
    first, again = load_scenario(TINY_PATH), load_scenario(TINY_PATH)
    assert again is not first
    assert again.content_hash() == first.content_hash()
    assert len(first.content_hash()) == 64


def test_content_hash_ignores_spelling_and_layout(tiny: Scenario) -> None:
    respelled = BASE_TEXT.replace("value: 10亿元", "value: '1e9 CNY'").replace("20亿", "20").replace(
        "ensemble: {reps: 50, seed: 1}", "# a comment\nensemble:\n  seed: 1\n  reps: 50")
    assert respelled != BASE_TEXT
    assert scenario_from_yaml_text(respelled).content_hash() == tiny.content_hash()


@pytest.mark.parametrize(
    ("old", "new"),
    [("value: 10亿元", "value: 11亿元"), ("year: 2025", "year: 2024"), ("seed: 1", "seed: 2"),
     ("Alpha chain", "Alpha chains"), ("[raw, parts, assembly]", "[raw, assembly, parts]")],
)
def test_content_hash_changes_with_content(tiny: Scenario, old: str, new: str) -> None:
    changed = scenario_from_yaml_text(BASE_TEXT.replace(old, new, 1))
    assert changed.content_hash() != tiny.content_hash()


# --------------------------------------------------------------------------- overrides


def test_with_levers_returns_a_new_scenario_and_leaves_the_original(tiny: Scenario) -> None:
    before = tiny.content_hash()
    pushed = tiny.with_levers(attraction_effort=2.0, approval_speedup=0.5)
    assert pushed is not tiny
    assert pushed.lever_from_policy_start("attraction_effort") == 2.0
    assert pushed.lever_from_policy_start("approval_speedup") == 0.5
    assert tiny.policy.lever("attraction_effort").value == LEVERS["attraction_effort"].default
    assert tiny.content_hash() == before
    assert pushed.content_hash() != before


def test_with_levers_keeps_the_other_levers(liancheng: Scenario) -> None:
    pushed = liancheng.with_levers(attraction_effort=1.5)
    assert pushed.policy.levers["prework_fund_yi"] == liancheng.policy.levers["prework_fund_yi"]
    assert set(pushed.policy.levers) == set(liancheng.policy.levers)


def test_with_levers_rejects_unknown_names(tiny: Scenario) -> None:
    with pytest.raises(KeyError, match="did you mean 'attraction_effort'"):
        tiny.with_levers(atraction_effort=1.0)


def test_with_parameters_returns_a_new_scenario_with_fixed_values(liancheng: Scenario) -> None:
    fixed = liancheng.with_parameters(sign_prob=0.5, exit_per_year=0.05)
    assert fixed is not liancheng
    assert fixed.parameters["sign_prob"].dist == "fixed"
    assert fixed.parameters["sign_prob"].central == 0.5
    assert fixed.parameters["sign_prob"].provenance == liancheng.parameters["sign_prob"].provenance
    assert fixed.parameters["exit_per_year"].value == 0.05
    assert liancheng.parameters["sign_prob"].dist == "uniform"
    # a fixed parameter is no longer drawn from the posterior; the other columns are
    assert "exit_per_year" in liancheng.posterior.parameters and "sign_prob" in liancheng.posterior.parameters
    assert "exit_per_year" not in fixed.posterior.parameters and "sign_prob" not in fixed.posterior.parameters
    assert len(fixed.posterior.parameters) == len(liancheng.posterior.parameters) - 2


def test_with_parameters_rejects_unknown_names(tiny: Scenario) -> None:
    with pytest.raises(KeyError, match="did you mean 'lead_rate'"):
        tiny.with_parameters(lead_rat=1.0)


# --------------------------------------------------------------------------- YAML round trip


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.stem)
def test_scenario_to_yaml_reloads_to_an_equal_scenario(path: Path) -> None:
    scenario = load_scenario(path)
    text = scenario_to_yaml(scenario)
    again = scenario_from_yaml_text(text, name="roundtrip.yaml")
    assert again == scenario
    assert again.content_hash() == scenario.content_hash()


def test_scenario_to_yaml_round_trips_overrides(liancheng: Scenario) -> None:
    changed = liancheng.with_levers(attraction_effort=2.0).with_parameters(lead_rate=9.0)
    assert scenario_from_yaml_text(scenario_to_yaml(changed)) == changed


def test_uploaded_text_may_not_extend() -> None:
    with pytest.raises(ScenarioError) as info:
        scenario_from_yaml_text("extends: tiny.yaml\n" + BASE_TEXT, name="upload.yaml")
    [problem] = info.value.problems
    assert (problem.file, problem.line, problem.field) == ("upload.yaml", 1, "extends")


# --------------------------------------------------------------------------- calendar


@pytest.mark.parametrize(
    ("start", "horizon", "months"),
    [("2022-01", "2022-01", 1), ("2022-01", "2022-12", 12), ("2022-01", "2030-12", 108),
     ("2014-07", "2020-12", 78), ("2021-11", "2022-02", 4)],
)
def test_calendar_counts_months_inclusively(start: str, horizon: str, months: int) -> None:
    assert Calendar(start=start, horizon=horizon).months == months


def test_calendar_reads_years_and_dates_as_months() -> None:
    import datetime as dt

    calendar = Calendar(start=dt.date(2022, 1, 15), horizon=2025)
    assert (calendar.start, calendar.horizon, calendar.start_year) == ("2022-01", "2025-01", 2022)


def test_calendar_horizon_before_start_is_rejected() -> None:
    with pytest.raises(ValidationError, match="before start"):
        Calendar(start="2022-01", horizon="2021-12")


def test_shipped_calendars(liancheng: Scenario) -> None:
    assert liancheng.calendar.months == 108
    assert load_scenario(REPO / "scenarios" / "queshan.yaml").calendar.months == 84  # 2014-01..2020-12


# --------------------------------------------------------------------------- semantic problems


def test_target_beyond_the_horizon_is_a_located_problem() -> None:
    text = BASE_TEXT.replace("year: 2025", "year: 2027")
    with pytest.raises(ScenarioError) as info:
        scenario_from_yaml_text(text, name="late.yaml")
    [problem] = info.value.problems
    assert problem.file == "late.yaml"
    assert problem.field == "chains[0].targets[0].year"
    assert problem.line == next(i for i, line in enumerate(text.splitlines(), 1) if "year: 2027" in line)
    assert "after the horizon (2025-12)" in problem.message


def test_target_in_the_horizon_year_is_fine() -> None:
    text = BASE_TEXT.replace("horizon: 2025-12", "horizon: 2025-01")
    assert scenario_from_yaml_text(text).last_target_year == 2025


def test_every_target_beyond_the_horizon_is_reported() -> None:
    text = BASE_TEXT.replace(
        "targets: [{value: 20亿, year: 2025, provenance: assumed}]",
        "targets: [{value: 20亿, year: 2026, provenance: assumed}, {value: 30亿, year: 2028, provenance: assumed}]",
    )
    with pytest.raises(ScenarioError) as info:
        scenario_from_yaml_text(text)
    assert [p.field for p in info.value.problems] == ["chains[0].targets[0].year", "chains[0].targets[1].year"]


def test_free_parameter_outside_the_catalogue_bounds_is_a_problem() -> None:
    spec = PARAMETERS["lead_rate"]
    text = BASE_TEXT + f"calibration:\n  free:\n    lead_rate: {{low: {spec.low}, high: {spec.high * 2}}}\n"
    with pytest.raises(ScenarioError) as info:
        scenario_from_yaml_text(text)
    assert [p.field for p in info.value.problems] == ["calibration.free.lead_rate"]


def test_unknown_figure_on_a_parameter_is_a_problem() -> None:
    text = BASE_TEXT + "parameters:\n  sign_prob: {value: 0.5, provenance: reported, figure: lc_2021_signed_cnt}\n"
    with pytest.raises(ScenarioError) as info:
        scenario_from_yaml_text(text, name="p.yaml")
    [problem] = info.value.problems
    assert (problem.field, problem.line) == ("parameters.sign_prob.figure", text.count("\n"))
    assert "did you mean 'lc_2021_signed_count'?" in problem.message
