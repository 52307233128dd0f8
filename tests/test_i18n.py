"""The app's labels: every key once, in both languages."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from chainsim.ui.i18n import LABELS

I18N = Path(__file__).resolve().parents[1] / "src" / "chainsim" / "ui" / "i18n.py"


def test_no_label_key_is_written_twice():
    tree = ast.parse(I18N.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            repeated = {k for k in keys if keys.count(k) > 1}
            assert not repeated, f"label keys written twice (the later silently wins): {sorted(repeated)}"


def test_every_label_has_chinese_and_english_text():
    for key, (zh, en) in LABELS.items():
        assert zh.strip() and en.strip(), key


def test_every_catalogue_lever_parameter_and_unit_has_its_chinese_text() -> None:
    from chainsim.catalogue import LEVERS, PARAMETERS
    from chainsim.ui import i18n

    assert set(i18n.LEVER_TEXT_ZH) == set(LEVERS)
    assert set(i18n.PARAMETER_TEXT_ZH) == set(PARAMETERS)
    units = {spec.unit for spec in [*LEVERS.values(), *PARAMETERS.values()]}
    assert units <= set(i18n.UNITS_ZH)


def test_the_shortfall_pages_labels_are_merged_without_overriding_any() -> None:
    from chainsim.ui.i18n_shortfall import LABELS_SHORTFALL

    tree = ast.parse(I18N.read_text(encoding="utf-8"))
    own = {k.value for node in ast.walk(tree) if isinstance(node, ast.Dict) for k in node.keys
           if isinstance(k, ast.Constant)}
    assert not own & set(LABELS_SHORTFALL), sorted(own & set(LABELS_SHORTFALL))
    assert all(LABELS[k] == v for k, v in LABELS_SHORTFALL.items())
    for zh, en in LABELS_SHORTFALL.values():
        assert zh.strip() and en.strip()
        # the same placeholders in both languages
        assert sorted(re.findall(r"{(\w+)", zh)) == sorted(re.findall(r"{(\w+)", en)), (zh, en)
