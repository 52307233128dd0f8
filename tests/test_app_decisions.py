"""The decision pages of the app (budget, conditions, robustness) driven with Streamlit's
AppTest on the two-chain test county: each computes on demand, shows what the library
computes, and speaks Chinese throughout by default."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from chainsim.catalogue import LEVERS, PARAMETERS
from chainsim.scenario import load_scenario
from chainsim.ui.i18n import t
from chainsim.ui.widgets import PAGES

from test_app_liancheng import ALLOWED, _strings

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")
REPS = 60


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for name in ("decisions.yaml", "decisions_push.yaml"):
        shutil.copy(REPO / "tests" / "scenarios" / name, folder / name)
    monkeypatch.setenv("CHAINSIM_SCENARIO_DIR", str(folder))
    monkeypatch.setenv("CHAINSIM_APP_REPS", str(REPS))
    monkeypatch.setenv("CHAINSIM_STORE", str(tmp_path / "results.duckdb"))
    at = run(AppTest.from_file(APP, default_timeout=300))
    at.selectbox(key="scenario_choice").set_value("decisions.yaml")
    return run(at)


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def go_to(at: AppTest, page: str) -> AppTest:
    at.segmented_control(key="page").set_value(page)
    return run(at)


def untranslated(at: AppTest) -> set[str]:
    strings: list[str] = []
    _strings(at._tree, strings)
    ids = {*LEVERS, *PARAMETERS, *PAGES, "decisions", "decisions_push", "alpha", "beta"}
    found = set()
    for text in strings:
        text = re.sub(r"`[^`]*`", " ", text)
        text = re.sub(r"\S*/\S*", " ", text)
        text = re.sub(r"\?\S*", " ", text)  # the shareable link's query string
        for word in re.findall(r"[A-Za-z][A-Za-z0-9_]*", text):
            if re.fullmatch(r"P\d+", word):
                continue
            if len(word) >= 3 and word not in ALLOWED and word not in ids:
                found.add(word)
    return found


def test_budget_page_shows_the_library_s_portfolio_in_chinese(app: AppTest) -> None:
    from chainsim.analysis.optimise import optimise

    at = go_to(app, "optimise")
    assert not at.dataframe  # nothing runs before the button
    at.slider(key="opt_budget").set_value(0.5)
    at.select_slider(key="opt_trials").set_value(16)
    at.button(key="opt_run").click()
    run(at)
    expected = optimise(load_scenario(REPO / "tests" / "scenarios" / "decisions.yaml"), 0.5, reps=REPS, seed=7,
                        trials=16, check_reps=REPS)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("opt_met", "zh")] == f"{expected.expected_targets_met:.2f}"
    assert metrics[t("opt_cost", "zh")] == f"{expected.cost_yi_per_year:.3f}"
    levers, chains = at.dataframe[0].value, at.dataframe[1].value
    assert t("col_new_value", "zh") in levers.columns and len(levers) == len(expected.levers)
    assert list(chains[t("col_p_new", "zh")]) == pytest.approx(list(100 * expected.table["p_reach"]))
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert chart["layout"]["yaxis"]["title"]["text"] == "达成概率 (%)"
    assert json.loads(at.code[0].value) == json.loads(json.dumps(expected.to_contract(), ensure_ascii=False))
    assert not untranslated(at)


def test_conditions_page_shows_boxes_as_tables_and_a_scatter(app: AppTest) -> None:
    at = go_to(app, "discover")
    at.selectbox(key="disc_chain").set_value("alpha")
    at.select_slider(key="disc_samples").set_value(50)
    at.button(key="disc_run").click()
    run(at)
    assert at.info and "目标达成比例为" in at.info[0].value
    assert at.table, "each box is a table of conditions"
    header = list(at.table[0].value.columns)
    assert header == [t("col_condition", "zh"), t("col_kind", "zh"), t("col_range", "zh")]
    assert any("覆盖全部达标模拟的" in m.value for m in at.markdown)
    assert at.get("plotly_chart"), "a scatter of the first box's conditions"
    assert not untranslated(at)


def test_robustness_page_ranks_the_policy_files_with_a_table_and_a_chart(app: AppTest) -> None:
    from chainsim.analysis.robustness import robustness

    at = go_to(app, "robust")
    assert at.multiselect(key="rob_policies").value == ["__status_quo__", "decisions_push"]
    at.button(key="rob_run").click()
    run(at)
    expected = robustness([load_scenario(REPO / "tests" / "scenarios" / n) for n in ("decisions.yaml",
                                                                                     "decisions_push.yaml")],
                          REPS, 7, ("scenario",))
    table = at.dataframe[0].value
    worst = t("col_worst", "zh")
    assert sorted(table[worst]) == pytest.approx(sorted(expected.table["worst_decile_targets_met"]))
    assert at.success and "最稳健的方案" in at.success[0].value
    assert at.get("plotly_chart")
    assert not untranslated(at)



def test_what_it_takes_page_states_the_answer_in_planner_units(app: AppTest) -> None:
    from chainsim.analysis import what_it_takes

    at = go_to(app, "what")
    at.selectbox(key="what_chain").set_value("alpha")
    at.selectbox(key="what_lever").set_value("approval_speedup")
    at.slider(key="what_prob").set_value(0.6)
    at.button(key="what_run").click()
    run(at)
    expected = what_it_takes(load_scenario(REPO / "tests" / "scenarios" / "decisions.yaml"), "alpha",
                             "approval_speedup", 0.6, REPS, 7)
    assert expected.reachable and at.success
    (table,) = [tb.value for tb in at.table if t("col_measure", "zh") in tb.value.columns]
    budget = table[table[t("col_measure", "zh")] == t("wit_budget", "zh")][t("col_at_value", "zh")].iloc[0]
    assert float(budget) == pytest.approx(0.2 * expected.value, abs=0.01)  # 0.20亿元/year for a full cut, 2 decimals
    assert t("wit_signed", "zh") in list(table[t("col_measure", "zh")])
    assert all(re.fullmatch(r"[^A-Za-z]*", m) for m in table[t("col_measure", "zh")])
