"""The docs say what the code does: README's commands, the model's parameter table."""

from __future__ import annotations

import re
from pathlib import Path

from chainsim.catalogue import LEVERS, PARAMETERS

ROOT = Path(__file__).resolve().parents[1]


def test_readme_opens_with_the_run_and_test_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```sh\n(.*?)```", text, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert commands == ["make run", "make test"]


def test_ci_calls_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test\b", ci, re.M)


def test_model_doc_lists_every_parameter_with_its_default():
    doc = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    table = doc.split("<!-- parameters:begin -->")[1].split("<!-- parameters:end -->")[0]
    for name, spec in PARAMETERS.items():
        row = next((line for line in table.splitlines() if line.startswith(f"| `{name}` |")), None)
        assert row is not None, f"{name} missing from docs/model.md"
        assert row.split("|")[2].strip() == f"{spec.default:g}", f"{name}: default differs from the catalogue"


def test_model_doc_lists_every_lever():
    doc = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    for name, spec in LEVERS.items():
        assert f"| `{name}` | {spec.label_zh} | {spec.default:g} |" in doc, name
