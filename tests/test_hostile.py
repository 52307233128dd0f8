"""Hostile input through the CLI: every file of tests/hostile/ and every special path (a
FIFO, a device, a symbolic link loop, a file too big) gets exit 2 with a located, plain
message, never a hang, a traceback, unbounded reading or code execution."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from chainsim.scenario import MAX_YAML_NODES, ScenarioError, read_bounded, scenario_from_yaml_text

REPO = Path(__file__).resolve().parents[1]
HOSTILE_DIR = REPO / "tests" / "hostile"
MINIMAL = (REPO / "tests" / "scenarios" / "minimal.yaml").read_text(encoding="utf-8")
PROBLEM = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<field>\S+): (?P<message>.+)$")

HOSTILE: dict[str, tuple[str, str]] = {
    # file: (field reported, fragment of the message)
    "alias_bomb.yaml": ("(file)", "alias bomb"),
    "base_output_1e-300.yaml": ("chains[0].base_output.value", "0.01 to 10000亿元"),
    "base_output_1e300.yaml": ("chains[0].base_output.value", "0.01 to 10000亿元"),
    "base_output_1e8_yi.yaml": ("chains[0].base_output.value", "0.01 to 10000亿元"),
    "deep_nesting.yaml": ("(file)", "nested too deeply"),
    "duplicate_key_and_schema_error.yaml": ("ensemble", "duplicate key"),
    "escape_in_key.yaml": ("(file)", "character #x001b is not allowed"),
    "extends_dev_urandom.yaml": ("extends", "is a character device"),
    "extends_dev_zero.yaml": ("extends", "is a character device"),
    "extends_self.yaml": ("extends", "circular extends"),
    "gb18030_encoded.yaml": ("(file)", "GBK/GB18030"),
    "gbk_encoded.yaml": ("(file)", "GBK/GB18030"),
    "horizon_2522.yaml": ("calendar.horizon", "year 2522 is outside the supported range 1900–2200"),
    "latin1_bytes.yaml": ("(file)", "save the file as UTF-8"),
    "lever_out_of_bounds.yaml": ("policy.levers.attraction_effort.value", "outside the lever's bounds"),
    "lever_wrong_type_list.yaml": ("policy.levers.attraction_effort", "expected a number (the lever's value)"),
    "lever_wrong_type_text.yaml": ("policy.levers.attraction_effort", "expected a number (the lever's value)"),
    "money_infinity.yaml": ("chains[0].base_output.value", "finite"),
    "month_13.yaml": ("calendar.horizon", "month 13"),
    "nul_bytes.yaml": ("(file)", "NUL bytes"),
    "parameter_sd_huge.yaml": ("parameters.lead_rate.sd", "1000000"),
    "recursive_alias.yaml": ("(file)", "recursive YAML alias"),
    "tag_binary.yaml": ("chains[0].name_en", "tag not allowed: !!binary"),
    "tag_custom.yaml": ("chains[0].name_en", "tag not allowed: !shell"),
    "tag_omap.yaml": ("ensemble", "tag not allowed: !!omap"),
    "tag_python_object.yaml": ("county", "tag not allowed: !!python/object/apply"),
    "tag_set.yaml": ("chains[0].segments", "tag not allowed: !!set"),
    "target_1e300.yaml": ("chains[0].targets[0].value", "0.01 to 1e+06亿元"),
    "top_level_list.yaml": ("(file)", "top level is a list"),
    "two_errors.yaml": ("calendar.horizon", "year 2522"),
    "unhashable_key.yaml": ("(file)", "unhashable key"),
}

VALID_BUT_HOSTILE = "escape_in_county_name.yaml"


def cli(*args: object, cwd: Path = REPO, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``chainsim ARGS`` as a subprocess; the timeout turns a hang into a failure."""
    return subprocess.run([sys.executable, "-m", "chainsim.cli", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


def problems_by_file(stderr: str) -> dict[str, list[tuple[int, str, str]]]:
    """Every stderr line parsed as FILE:LINE: field: message (any other line fails)."""
    out: dict[str, list[tuple[int, str, str]]] = {}
    for line in stderr.splitlines():
        match = PROBLEM.match(line)
        assert match, f"not FILE:LINE: field: message: {line!r}"
        out.setdefault(Path(match["file"]).name, []).append((int(match["line"]), match["field"], match["message"]))
    return out


def test_the_corpus_and_its_expectations_list_the_same_files():
    on_disk = {p.name for p in HOSTILE_DIR.glob("*.yaml")} - {VALID_BUT_HOSTILE}
    assert on_disk == set(HOSTILE)


@pytest.mark.parametrize("command", ["validate", "run"])
def test_every_hostile_file_is_refused_with_a_located_plain_message(command, tmp_path):
    files = [HOSTILE_DIR / name for name in sorted(HOSTILE)]
    extra = ["--no-store", "--reps", "2"] if command == "run" else []
    result = cli(command, *files, *extra, cwd=HOSTILE_DIR)
    assert result.returncode == 2, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert "PWNED" not in result.stderr + result.stdout  # the python/object tag was never constructed
    reported = problems_by_file(result.stderr)
    for name, (field, fragment) in HOSTILE.items():
        assert any(f == field and fragment in m for _, f, m in reported.get(name, [])), (name, reported.get(name))
    assert not any("\x1b" in line for line in result.stderr.splitlines())


def test_a_file_with_several_problems_reports_every_one_at_once():
    reported = problems_by_file(cli("validate", HOSTILE_DIR / "two_errors.yaml").stderr)["two_errors.yaml"]
    fields = {field for _, field, _ in reported}
    assert fields == {"calendar.horizon", "ensemble.reps", "policy.levers.leader_drive.value"}


def test_a_duplicate_key_is_reported_with_the_schema_problems_of_the_file():
    reported = problems_by_file(cli("validate", HOSTILE_DIR / "duplicate_key_and_schema_error.yaml").stderr)
    fields = {field for _, field, _ in reported["duplicate_key_and_schema_error.yaml"]}
    assert fields == {"ensemble", "chains[0].base_output.value"}


def test_an_upload_with_several_problems_reports_every_one_at_once():
    """The app's upload path (``scenario_from_yaml_text``) reports as the CLI does."""
    text = (HOSTILE_DIR / "two_errors.yaml").read_text(encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        scenario_from_yaml_text(text, "upload.yaml")
    assert {p.field for p in info.value.problems} == {"calendar.horizon", "ensemble.reps",
                                                      "policy.levers.leader_drive.value"}


def test_control_characters_in_a_county_name_are_escaped_when_echoed():
    result = cli("validate", HOSTILE_DIR / VALID_BUT_HOSTILE)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout and "\u202e" not in result.stdout
    assert "\\x1b[31m红\\x1b]0;pwned\\x07\\u202e" in result.stdout


# --------------------------------------------------------------------------- special paths


def assert_refused(result: subprocess.CompletedProcess[str], file: str, field: str, fragment: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    reported = problems_by_file(result.stderr)[file]
    assert any(f == field and fragment in m for _, f, m in reported), reported


@pytest.fixture
def specials(tmp_path: Path) -> Path:
    """A folder with a FIFO, a symbolic link loop and scenarios extending each."""
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "loop_a.yaml").symlink_to("loop_b.yaml")
    (tmp_path / "loop_b.yaml").symlink_to("loop_a.yaml")
    for target in ("pipe.yaml", "loop_a.yaml"):
        (tmp_path / f"extends_{target}").write_text(f"extends: {target}\n" + MINIMAL, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("name, field, fragment", [
    ("pipe.yaml", "(file)", "is a named pipe (FIFO)"),
    ("extends_pipe.yaml", "extends", "is a named pipe (FIFO)"),
    ("loop_a.yaml", "(file)", "symbolic link loop"),
    ("extends_loop_a.yaml", "extends", "symbolic link loop"),
])
def test_a_fifo_or_a_symlink_loop_is_refused_without_hanging(specials, name, field, fragment):
    assert_refused(cli("validate", name, cwd=specials), name, field, fragment)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_refused_before_a_byte_is_read(device):
    assert_refused(cli("run", device, "--no-store"), Path(device).name, "(file)", "is a character device")


def test_the_size_limit_is_enforced_while_reading_not_from_the_reported_size():
    """/proc files report a size of 0 but hold more: reading stops at the limit."""
    status = Path("/proc/self/status")
    if not status.is_file() or status.stat().st_size != 0:
        pytest.skip("needs a Linux /proc file that reports size 0")
    with pytest.raises(ScenarioError, match="larger than the limit of 10 bytes"):
        read_bounded(status, limit=10)


def test_a_big_plain_file_gets_a_plain_count_message_not_an_alias_bomb(tmp_path):
    data = yaml.safe_load(MINIMAL)
    chain = data["chains"][0]
    data["chains"] = [{**chain, "id": f"c{i}", "targets": [dict(t) for t in chain["targets"]],
                       "base_output": dict(chain["base_output"]), "segments": list(chain["segments"])}
                      for i in range(2000)]
    text = yaml.safe_dump(data, allow_unicode=True)
    assert "&" not in text and "*" not in text  # no aliases
    path = tmp_path / "many.yaml"
    path.write_text(text, encoding="utf-8")
    result = cli("validate", path)
    assert_refused(result, "many.yaml", "(file)", f"the limit is {MAX_YAML_NODES}")
    assert "alias" not in result.stderr and "YAML nodes" in result.stderr


def test_more_chains_than_the_schema_allows_is_refused_naming_the_bound(tmp_path):
    data = yaml.safe_load(MINIMAL)
    data["chains"] = [{**data["chains"][0], "id": f"c{i}"} for i in range(51)]
    path = tmp_path / "fifty_one.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert_refused(cli("validate", path), "fifty_one.yaml", "chains", "at most 50")


def test_a_sobol_base_that_is_not_a_power_of_two_is_refused():
    result = cli("sensitivity", REPO / "tests" / "scenarios" / "tiny.yaml", "--method", "sobol", "--base", "6")
    assert result.returncode == 2 and "Traceback" not in result.stderr and result.stdout == ""
    assert "--base 6" in result.stderr and "power of 2" in result.stderr
