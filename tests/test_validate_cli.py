"""``chainsim validate`` as a user meets it: a subprocess, exit codes, FILE:LINE: field: message.

Every bad-input test asserts the contract (CONTRACT.md): exit code 2, at least one stderr line
``FILE:LINE: dotted.field: message`` naming the right file, line and field, no Python
traceback, nothing on stdout, and no file created by the run.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from chainsim.scenario import MAX_FILE_BYTES, MAX_YAML_NODES, ScenarioError, load_scenario

REPO = Path(__file__).resolve().parents[1]
# tests/scenarios/minimal.yaml: the tests below point at its lines, so keep it as it is.
BASE_TEXT = (REPO / "tests" / "scenarios" / "minimal.yaml").read_text(encoding="utf-8")
SHIPPED = sorted((REPO / "scenarios").glob("*.yaml"))

PROBLEM_LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<field>\S+): (?P<message>.+)$")


@dataclass(frozen=True)
class Reported:
    file: str
    line: int
    field: str
    message: str


def run_validate(*paths: Path | str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chainsim.cli", "validate", *(str(p) for p in paths)],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line of ``text`` containing ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the test file")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def tiny_with(old: str, new: str) -> str:
    assert old in BASE_TEXT, old
    return BASE_TEXT.replace(old, new, 1)


def rejected(tmp_path: Path, *paths: Path | str) -> list[Reported]:
    """Run validate on bad input; check the contract; return the parsed problem lines."""
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run_validate(*paths)
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == before, "validate created files"
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines, "no problem reported"
    reported = []
    for line in lines:
        match = PROBLEM_LINE.match(line)
        assert match, f"not FILE:LINE: field: message: {line!r}"
        reported.append(Reported(match["file"], int(match["line"]), match["field"], match["message"]))
    return reported


def find(reported: list[Reported], *, file: Path | str, field: str) -> Reported:
    hits = [r for r in reported if r.file == str(file) and r.field == field]
    assert hits, f"no problem for {file}: {field} in {reported}"
    return hits[0]


# --------------------------------------------------------------------------- whole-file problems


def test_yaml_syntax_error_is_located_at_its_line(tmp_path: Path) -> None:
    text = tiny_with("calendar: {start: 2022-01, horizon: 2025-12}", "calendar: start: 2022-01")
    path = write(tmp_path, "syntax.yaml", text)
    problem = find(rejected(tmp_path, path), file=path, field="(file)")
    assert problem.line == line_of(text, "calendar: start")
    assert "YAML error" in problem.message


def test_empty_file_is_a_whole_file_problem(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.yaml", "")
    problem = find(rejected(tmp_path, path), file=path, field="(file)")
    assert problem.line == 0
    assert "empty" in problem.message


def test_comment_only_file_counts_as_empty(tmp_path: Path) -> None:
    path = write(tmp_path, "comments.yaml", "# nothing here\n\n# still nothing\n")
    with pytest.raises(ScenarioError) as info:  # in process: the CLI path is the test above
        load_scenario(path)
    [problem] = info.value.problems
    assert (problem.file, problem.line, problem.field) == (str(path), None, "")
    assert "empty" in problem.message


def test_list_at_top_level_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "list.yaml", "- id: tiny\n- id: other\n")
    problem = find(rejected(tmp_path, path), file=path, field="(file)")
    assert problem.line == 1
    assert "list" in problem.message and "mapping" in problem.message


def test_scalar_at_top_level_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "scalar.yaml", "just a sentence\n")
    problem = find(rejected(tmp_path, path), file=path, field="(file)")
    assert problem.line == 1
    assert "single value" in problem.message


def test_binary_garbage_with_nul_bytes_is_rejected_at_the_first_nul(tmp_path: Path) -> None:
    raw = bytearray(random.Random(1).randbytes(4096))
    raw[1000] = 0
    first_nul = raw.index(0)
    path = tmp_path / "garbage.yaml"
    path.write_bytes(bytes(raw))
    problem = find(rejected(tmp_path, path), file=path, field="(file)")
    assert problem.line == bytes(raw[:first_nul]).count(b"\n") + 1
    assert "binary" in problem.message


def test_invalid_utf8_without_nul_bytes_is_rejected_at_its_line(tmp_path: Path) -> None:
    rng = random.Random(2)
    junk = bytes(rng.randrange(0x80, 0x100) for _ in range(2000))  # no NULs; 0xff never valid UTF-8
    raw = b"id: tiny\ncounty:\n  name_zh: \xff" + junk
    assert b"\x00" not in raw
    path = tmp_path / "latin.yaml"
    path.write_bytes(raw)
    problem = find(rejected(tmp_path, path), file=path, field="(file)")
    assert problem.line == 3
    assert "UTF-8" in problem.message


def test_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    rows = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        rows.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    text = "\n".join(rows) + "\n"  # 9**9 strings once expanded
    path = write(tmp_path, "bomb.yaml", text)
    problem = find(rejected(tmp_path, path), file=path, field="(file)")
    assert 1 <= problem.line <= len(rows)
    assert str(MAX_YAML_NODES) in problem.message and "alias" in problem.message


def test_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    text = BASE_TEXT + "# " + "x" * MAX_FILE_BYTES + "\n"
    path = write(tmp_path, "huge.yaml", text)
    problem = find(rejected(tmp_path, path), file=path, field="(file)")
    assert problem.line == 0
    assert str(MAX_FILE_BYTES) in problem.message


def test_python_object_tag_is_refused_and_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    text = tiny_with(
        "county: {name_zh: 测试县, name_en: Test County}",
        f"county: !!python/object/apply:os.system [\"touch {marker}\"]",
    )
    path = write(tmp_path, "exploit.yaml", text)
    problem = find(rejected(tmp_path, path), file=path, field="county")
    assert not marker.exists()
    assert problem.line == line_of(text, "python/object")
    assert "tag not allowed" in problem.message


def test_python_name_tag_is_refused(tmp_path: Path) -> None:
    text = tiny_with("county: {name_zh: 测试县, name_en: Test County}", "county: !!python/name:os.system")
    path = write(tmp_path, "name_tag.yaml", text)
    problem = find(rejected(tmp_path, path), file=path, field="county")
    assert problem.line == line_of(text, "python/name")
    assert "tag not allowed" in problem.message


def test_missing_path_is_reported_under_the_name_given(tmp_path: Path) -> None:
    path = tmp_path / "does_not_exist.yaml"
    problem = find(rejected(tmp_path, path), file=path, field="(file)")
    assert problem.line == 0
    assert "no such file" in problem.message


def test_directory_is_not_a_scenario_file(tmp_path: Path) -> None:
    folder = tmp_path / "a_folder.yaml"
    folder.mkdir()
    problem = find(rejected(tmp_path, folder), file=folder, field="(file)")
    assert problem.line == 0
    assert "directory" in problem.message


def test_whole_file_problems_name_the_file_as_given_not_resolved(tmp_path: Path) -> None:
    path = write(tmp_path, "relative.yaml", "calendar: start: 2022-01\n")
    given = os.path.relpath(path, REPO)  # validate runs in the repo root
    reported = rejected(tmp_path, given)
    assert {r.file for r in reported} == {given}


# --------------------------------------------------------------------------- schema problems


def test_unknown_top_level_key_suggests_the_right_one(tmp_path: Path) -> None:
    text = tiny_with("chains:", "chians:")
    path = write(tmp_path, "typo.yaml", text)
    problem = find(rejected(tmp_path, path), file=path, field="chians")
    assert problem.line == line_of(text, "chians:")
    assert "unknown key 'chians'" in problem.message and "did you mean 'chains'?" in problem.message


def test_unknown_nested_key_is_located_by_its_dotted_path(tmp_path: Path) -> None:
    text = tiny_with("    segments:", "    segmnts:")
    path = write(tmp_path, "nested.yaml", text)
    problem = find(rejected(tmp_path, path), file=path, field="chains[0].segmnts")
    assert problem.line == line_of(text, "segmnts:")
    assert "did you mean 'segments'?" in problem.message


def test_wrong_type_names_the_field_and_line(tmp_path: Path) -> None:
    text = tiny_with("segments_filled: 1", "segments_filled: lots")
    path = write(tmp_path, "wrong_type.yaml", text)
    problem = find(rejected(tmp_path, path), file=path, field="chains[0].segments_filled")
    assert problem.line == line_of(text, "segments_filled")
    assert "integer" in problem.message


def test_zero_money_is_rejected(tmp_path: Path) -> None:
    text = tiny_with("value: 10亿元", "value: 0")
    path = write(tmp_path, "zero.yaml", text)
    problem = find(rejected(tmp_path, path), file=path, field="chains[0].base_output.value")
    assert problem.line == line_of(text, "base_output")
    assert "greater than 0" in problem.message


def test_negative_money_is_rejected(tmp_path: Path) -> None:
    text = tiny_with("value: 10亿元", "value: -5亿元")
    path = write(tmp_path, "negative.yaml", text)
    problem = find(rejected(tmp_path, path), file=path, field="chains[0].base_output.value")
    assert problem.line == line_of(text, "-5亿元")
    assert "greater than 0" in problem.message


def test_money_with_an_unknown_unit_is_rejected_naming_the_unit(tmp_path: Path) -> None:
    text = tiny_with("value: 10亿元", "value: 10 furlongs")
    path = write(tmp_path, "unit.yaml", text)
    problem = find(rejected(tmp_path, path), file=path, field="chains[0].base_output.value")
    assert problem.line == line_of(text, "furlongs")
    assert "unknown money unit 'furlongs'" in problem.message


def test_target_year_before_the_start_is_rejected(tmp_path: Path) -> None:
    text = tiny_with("year: 2025", "year: 2020")
    path = write(tmp_path, "early.yaml", text)
    problem = find(rejected(tmp_path, path), file=path, field="chains[0].targets[0].year")
    assert problem.line == line_of(text, "year: 2020")
    assert "before the start" in problem.message


def test_lever_outside_its_bounds_is_rejected(tmp_path: Path) -> None:
    text = BASE_TEXT + "policy:\n  levers:\n    attraction_effort: 9\n"
    path = write(tmp_path, "lever_bounds.yaml", text)
    problem = find(rejected(tmp_path, path), file=path, field="policy.levers.attraction_effort.value")
    assert problem.line == line_of(text, "attraction_effort: 9")
    assert "outside the lever's bounds [0.25, 3.0]" in problem.message


def test_unknown_lever_is_rejected_with_a_suggestion(tmp_path: Path) -> None:
    text = BASE_TEXT + "policy:\n  levers:\n    atraction_effort: 1.2\n"
    path = write(tmp_path, "lever_name.yaml", text)
    problem = find(rejected(tmp_path, path), file=path, field="policy.levers")
    assert problem.line in (line_of(text, "levers:"), line_of(text, "atraction_effort"))
    assert "unknown lever 'atraction_effort'" in problem.message
    assert "did you mean 'attraction_effort'?" in problem.message


def test_unknown_figure_id_is_rejected_with_a_suggestion(tmp_path: Path) -> None:
    text = tiny_with("year: 2025, provenance: assumed}", "year: 2025, figure: lc_target_2025_wenlvv}")
    path = write(tmp_path, "figure.yaml", text)
    problem = find(rejected(tmp_path, path), file=path, field="chains[0].targets[0].figure")
    assert problem.line == line_of(text, "wenlvv")
    assert "no reported figure 'lc_target_2025_wenlvv'" in problem.message
    assert "did you mean 'lc_target_2025_wenlv'?" in problem.message


def test_several_problems_in_one_file_are_all_reported(tmp_path: Path) -> None:
    text = (
        tiny_with("id: tiny", "id: tiny\ntitel: typo")
        .replace("value: 10亿元", "value: -1")
        .replace("segments_filled: 1", "segments_filled: lots")
        .replace("reps: 50", "reps: 0")
    )
    path = write(tmp_path, "several.yaml", text)
    reported = rejected(tmp_path, path)
    assert find(reported, file=path, field="titel").line == line_of(text, "titel")
    assert find(reported, file=path, field="chains[0].base_output.value").line == line_of(text, "value: -1")
    assert find(reported, file=path, field="chains[0].segments_filled").line == line_of(text, "segments_filled")
    assert find(reported, file=path, field="ensemble.reps").line == line_of(text, "ensemble")


def test_problems_in_several_files_are_all_reported_with_their_file(tmp_path: Path) -> None:
    good = write(tmp_path, "good.yaml", BASE_TEXT)
    bad_a = write(tmp_path, "bad_a.yaml", tiny_with("chains:", "chians:"))
    bad_b = write(tmp_path, "bad_b.yaml", tiny_with("year: 2025", "year: 2020"))
    result = run_validate(good, bad_a, bad_b)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    files = {PROBLEM_LINE.match(line)["file"] for line in result.stderr.splitlines()}  # type: ignore[index]
    assert files == {str(bad_a), str(bad_b)}


# --------------------------------------------------------------------------- extends


def test_extends_of_a_missing_file_is_reported_on_the_extends_line(tmp_path: Path) -> None:
    text = "# override\nextends: no_such_base.yaml\nid: child\n"
    path = write(tmp_path, "child.yaml", text)
    problem = find(rejected(tmp_path, path), file=path, field="extends")
    assert problem.line == line_of(text, "extends:")
    assert "missing file" in problem.message and "no_such_base.yaml" in problem.message


def test_circular_extends_is_reported_not_followed_forever(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", "extends: b.yaml\nid: a\n")
    b = write(tmp_path, "b.yaml", "extends: a.yaml\nid: b\n")
    reported = rejected(tmp_path, a)
    hits = [r for r in reported if r.field == "extends" and "circular" in r.message]
    assert hits, reported
    assert hits[0].file in (str(a), str(a.resolve()), str(b), str(b.resolve()))
    assert hits[0].line == 1


def test_extending_file_overrides_one_lever_and_keeps_the_rest(tmp_path: Path) -> None:
    base_path = REPO / "scenarios" / "liancheng.yaml"
    child = write(tmp_path, "liancheng_push.yaml",
                  f"extends: {base_path}\npolicy:\n  name: push\n  levers:\n    attraction_effort: 1.5\n")
    result = run_validate(child)
    assert result.returncode == 0, result.stderr

    base = load_scenario(base_path)
    scenario = load_scenario(child)
    assert scenario.policy.lever("attraction_effort").value == 1.5
    assert base.policy.lever("attraction_effort").value == 1.0
    assert scenario.policy.name == "push"
    # the deep merge keeps every other lever, note included, and everything outside policy
    assert scenario.policy.levers["prework_fund_yi"] == base.policy.levers["prework_fund_yi"]
    assert set(scenario.policy.levers) == set(base.policy.levers)
    assert scenario.policy.description == base.policy.description
    assert scenario.chains == base.chains
    assert scenario.calibration == base.calibration


def test_extends_replaces_lists_whole_and_resolves_relative_to_the_file(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", BASE_TEXT)
    sub = tmp_path / "variants"
    sub.mkdir()
    child = write(sub, "one_segment.yaml", "extends: ../base.yaml\nid: one_segment\n"
                  "chains:\n  - id: beta\n    name_zh: 乙链\n    name_en: Beta chain\n"
                  "    base_output: {value: 5, provenance: assumed}\n"
                  "    targets: [{value: 8, year: 2024, provenance: assumed}]\n"
                  "    segments: [only]\n    segments_filled: 1\n")
    scenario = load_scenario(child)
    assert scenario.id == "one_segment"
    assert [c.id for c in scenario.chains] == ["beta"]  # replaced, not appended or merged by index
    assert scenario.ensemble.reps == 50  # inherited


# --------------------------------------------------------------------------- valid files


def test_shipped_scenarios_and_fixtures_validate() -> None:
    assert {p.name for p in SHIPPED} >= {"liancheng.yaml", "queshan.yaml"}
    fixtures = [REPO / "tests" / "scenarios" / name for name in ("tiny.yaml", "tiny_extends.yaml")]
    result = run_validate(*SHIPPED, *fixtures)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    for path in [*SHIPPED, *fixtures]:
        assert f"{path}: ok:" in result.stdout


def test_extending_fixture_overrides_its_lever() -> None:
    fixtures = REPO / "tests" / "scenarios"
    child = load_scenario(fixtures / "tiny_extends.yaml")
    assert child.id == "tiny_extends"
    assert child.policy.lever("approval_speedup").value == 0.3
    assert child.chains == load_scenario(fixtures / "tiny.yaml").chains


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_base_outputs_are_assumed_and_below_their_targets(path: Path) -> None:
    scenario = load_scenario(path)
    for chain in scenario.chains:
        assert 0 < chain.base_output.value_yi < max(t.value_yi for t in chain.targets)
        assert chain.base_output.provenance == "assumed" and chain.base_output.note
