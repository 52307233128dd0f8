"""The planners' app driven by Streamlit's AppTest: every page, as a planner uses it.

The app reads its scenarios from ``CHAINSIM_SCENARIO_DIR`` (here tests/scenarios, or a
temporary folder) and runs ``CHAINSIM_APP_REPS`` replicates (here 100) per ensemble.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from chainsim.catalogue import LEVERS, PARAMETERS
from chainsim.ensemble import run_ensemble
from chainsim.report import format_p
from chainsim.scenario import load_scenario, scenario_from_yaml_text
from chainsim.ui import exports
from chainsim.ui.i18n import t, unit_label
from chainsim.ui.state import AppState, apply_levers, status_quo_levers

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")
REPS = 100

# alpha reaches its target in most but not all replicates, so moving a lever shows.
TINY_TEXT = (REPO / "tests" / "scenarios" / "tiny.yaml").read_text(encoding="utf-8")

BAD_TEXT = """\
id: tiny
county: {name_zh: 测试县, name_en: Test County}
calendar: {start: 2022-01, horizon: 2025-12}
chains:
  - id: alpha
    name_zh: 甲链
    name_en: Alpha chain
    base_output: {value: 10 apples, provenance: assumed}
    targets: [{value: 20亿, year: 2025, provenance: assumed}]
    segmnts: [raw, parts, assembly]
    segments_filled: 1
"""

CALIBRATED_TEXT = TINY_TEXT.replace("id: tiny\n", "id: tiny_cal\n") + """\
calibration:
  targets:
    - {figure: lc_2021_signed_count, statistic: signed_count, from: 2021-01, to: 2021-12}
  holdout:
    - {figure: lc_2022m1m2_signed_count, statistic: signed_count, from: 2022-01, to: 2022-02}
  free:
    lead_rate: {low: 0.2, high: 20, log: true}
"""


@pytest.fixture
def scenario_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scenario folder holding tiny.yaml; the app is pointed at it with small ensembles."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "tiny.yaml").write_text(TINY_TEXT, encoding="utf-8")
    monkeypatch.setenv("CHAINSIM_SCENARIO_DIR", str(folder))
    monkeypatch.setenv("CHAINSIM_APP_REPS", str(REPS))
    monkeypatch.setenv("CHAINSIM_STORE", str(tmp_path / "results.duckdb"))
    return folder


@pytest.fixture
def app(scenario_dir: Path) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return go_to(at, "results")


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label_key: str, lang: str = "zh") -> str:
    values = [m.value for m in at.metric if m.label == t(label_key, lang)]
    assert len(values) == 1, [(m.label, m.value) for m in at.metric]
    return values[0]


def percent(text: str) -> float:
    return float(text.rstrip("%")) / 100


def lever_slider(at: AppTest, name: str):
    (slider,) = [s for s in at.slider if s.key.startswith(f"lever_{name}_")]
    return slider


def set_lever(at: AppTest, name: str, value: float) -> AppTest:
    """Move one slider and click 应用 (the sliders sit in a form: nothing reruns before it)."""
    lever_slider(at, name).set_value(value)
    at.button(key="apply_levers").click()
    return run(at)


def go_to(at: AppTest, page: str) -> AppTest:
    at.segmented_control(key="page").set_value(page)
    return run(at)


def code_text(at: AppTest) -> str:
    return "\n".join(c.value for c in at.code)


# ----------------------------------------------------------------------------- scenario picker


def test_picker_lists_the_top_level_yaml_files_of_the_scenario_dir(scenario_dir: Path) -> None:
    (scenario_dir / "other.yml").write_text(TINY_TEXT.replace("id: tiny", "id: other"), encoding="utf-8")
    (scenario_dir / "notes.txt").write_text("not a scenario", encoding="utf-8")
    (scenario_dir / "sub").mkdir()
    (scenario_dir / "sub" / "deep.yaml").write_text(TINY_TEXT, encoding="utf-8")
    at = run(AppTest.from_file(APP, default_timeout=120))
    assert at.selectbox(key="scenario_choice").options[:-1] == ["other.yml", "tiny.yaml"]


def test_invalid_scenario_file_in_the_folder_shows_located_problems(scenario_dir: Path) -> None:
    (scenario_dir / "broken.yaml").write_text(BAD_TEXT, encoding="utf-8")
    at = run(AppTest.from_file(APP, default_timeout=120))
    at.selectbox(key="scenario_choice").set_value("broken.yaml")
    run(at)
    assert at.error and at.error[0].value == t("scenario_errors", "zh")
    assert re.search(r"broken\.yaml:10: chains\[0\]\.segmnts: unknown key 'segmnts'", code_text(at))
    assert not at.metric


# ----------------------------------------------------------------------------- uploads


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.selectbox(key="scenario_choice").set_value("__upload__")
    run(at)
    at.file_uploader(key="upload").set_value((name, data, "application/x-yaml"))
    return run(at)


def test_bad_upload_shows_every_problem_as_file_line_field_message(app: AppTest) -> None:
    upload(app, "bad.yaml", BAD_TEXT.encode("utf-8"))
    assert app.error[0].value == t("scenario_errors", "zh")
    lines = code_text(app).splitlines()
    assert "bad.yaml:8: chains[0].base_output.value: unknown money unit 'apples' in '10 apples'" in lines[0]
    assert any(line.startswith("bad.yaml:10: chains[0].segmnts: unknown key 'segmnts'; did you mean 'segments'?")
               for line in lines)
    assert any(line.startswith("bad.yaml:5: chains[0].segments: required field is missing") for line in lines)
    assert not app.metric and not app.slider


def test_uploaded_yaml_is_never_executed(app: AppTest, tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    evil = f'id: !!python/object/apply:os.system ["touch {marker}"]\n'
    upload(app, "evil.yaml", evil.encode("utf-8"))
    assert re.match(r"evil\.yaml:1: id: tag not allowed", code_text(app))
    assert not marker.exists()


def test_oversized_and_binary_uploads_are_refused_with_a_reason(app: AppTest) -> None:
    upload(app, "big.yaml", b"# padding\n" * 30_000)
    assert re.match(r"big\.yaml:0: \(file\): file is 300000 bytes; the limit is \d+ bytes", code_text(app))
    upload(app, "binary.yaml", b"id: x\n\xff\xfe\n")
    assert code_text(app).startswith("binary.yaml:2: (file): not UTF-8 text")


def test_valid_upload_is_simulated(app: AppTest) -> None:
    upload(app, "mine.yaml", TINY_TEXT.replace("20亿", "18亿").encode("utf-8"))
    assert not app.error
    expected = run_ensemble(scenario_from_yaml_text(TINY_TEXT.replace("20亿", "18亿")), REPS, 1).targets
    assert percent(metric(app, "metric_now")) == pytest.approx(expected.p_reach[0], abs=5e-4)


# ----------------------------------------------------------------------------- targets page


def test_page_shows_the_same_probability_as_the_library(app: AppTest) -> None:
    expected = run_ensemble(scenario_from_yaml_text(TINY_TEXT), REPS, 1).targets.iloc[0]
    assert percent(metric(app, "metric_sq")) == pytest.approx(expected.p_reach, abs=5e-4)
    assert percent(metric(app, "metric_now")) == pytest.approx(expected.p_reach, abs=5e-4)
    table = app.table[0].value
    assert table[t("col_target", "zh")].tolist() == [20.0]
    assert table[t("col_p_now", "zh")].tolist() == [format_p(expected.p_reach)]
    assert f"{100 * expected.p_reach_lo:.1f}–{100 * expected.p_reach_hi:.1f}" == table[t("col_ci", "zh")][0]


def test_every_table_column_and_chart_axis_with_a_number_names_its_unit(app: AppTest) -> None:
    columns = app.table[0].value.columns
    assert "目标产值 (亿元/年)" in columns and "现状概率 (%)" in columns
    fan = json.loads(app.get("plotly_chart")[0].proto.spec)
    assert fan["layout"]["yaxis"]["title"]["text"] == "产值 (亿元/年)"
    assert fan["layout"]["xaxis"]["title"]["text"] == "月份"
    for name, spec in LEVERS.items():
        assert lever_slider(app, name).label.endswith(f"({unit_label(spec.unit, 'zh')})")


def test_moving_attraction_effort_up_raises_the_displayed_probability(app: AppTest) -> None:
    before = percent(metric(app, "metric_now"))
    status_quo = metric(app, "metric_sq")
    set_lever(app, "attraction_effort", 1.3)
    after = percent(metric(app, "metric_now"))
    assert after > before
    assert metric(app, "metric_sq") == status_quo
    scenario = scenario_from_yaml_text(TINY_TEXT).with_levers(attraction_effort=1.3)
    assert after == pytest.approx(run_ensemble(scenario, REPS, 1).targets.p_reach[0], abs=5e-4)


def test_reset_returns_the_sliders_to_the_scenario_values(app: AppTest) -> None:
    set_lever(app, "attraction_effort", 2.5)
    app.button(key="reset_levers").click()
    run(app)
    assert lever_slider(app, "attraction_effort").value == 1.0
    assert metric(app, "metric_now") == metric(app, "metric_sq")


def test_sliders_carry_bounds_and_no_quote_from_another_county(app: AppTest) -> None:
    spec = LEVERS["prework_fund_yi"]
    slider = lever_slider(app, "prework_fund_yi")
    assert (slider.min, slider.max) == (spec.low, spec.high)
    # the tiny scenario's county is 测试县: Liancheng's quote is not its evidence
    assert "每年安排500万元专项资金" not in slider.help
    assert not any("每年安排500万元专项资金" in c.value for c in app.sidebar.caption)


def test_language_switch_changes_labels_and_keeps_the_sliders(app: AppTest) -> None:
    assert app.title[0].value == "产业链目标达成模拟"
    set_lever(app, "attraction_effort", 1.5)
    zh_now = metric(app, "metric_now")
    app.radio(key="lang").set_value("en")
    run(app)
    assert app.title[0].value == "Industrial-chain target simulator"
    assert lever_slider(app, "attraction_effort").label == "Attraction effort (× status quo)"
    assert lever_slider(app, "attraction_effort").value == 1.5
    assert metric(app, "metric_now", "en") == zh_now
    assert "Target output (亿元/year)" in app.table[0].value.columns


# ----------------------------------------------------------------------------- comparison page


def test_saving_two_settings_shows_the_paired_comparison(app: AppTest) -> None:
    go_to(app, "compare")
    assert app.info[0].value == t("saved_none", "zh")
    app.button(key="save").click()
    run(app)
    set_lever(app, "attraction_effort", 1.3)
    app.button(key="save").click()
    run(app)
    levers, side_by_side, paired = (d.value for d in app.dataframe)
    assert list(levers.columns) == ["杠杆", "方案 1", "方案 2"]
    p1, p2 = (percent(side_by_side[f"方案 {k} 达成概率 (%)"][0]) * 100 for k in (1, 2))
    assert p2 > p1
    assert float(paired["方案 2 − 方案 1 (百分点)"][0].split()[0]) == pytest.approx(p2 - p1, abs=0.11)
    lo, hi = map(float, re.findall(r"[-+]?\d+\.\d", paired["方案 2 − 方案 1 95% 区间 (百分点)"][0]))
    assert lo <= p2 - p1 <= hi
    assert app.get("plotly_chart"), "the overlaid chart is drawn"


def test_at_most_three_settings_can_be_saved(app: AppTest) -> None:
    go_to(app, "compare")
    for value in (1.0, 1.5, 2.0):
        set_lever(app, "attraction_effort", value)
        app.button(key="save").click()
        run(app)
    assert app.button(key="save").disabled
    assert len(app.dataframe[0].value.columns) == 1 + 3
    app.button(key="delete_方案 2").click()
    run(app)
    assert list(app.dataframe[0].value.columns) == ["杠杆", "方案 1", "方案 3"]


# ----------------------------------------------------------------------------- what it takes, calibration, provenance


def test_what_it_takes_panel_answers_like_the_library(app: AppTest) -> None:
    from chainsim.analysis import what_it_takes

    go_to(app, "what")
    assert not app.success and not app.warning
    app.button(key="what_run").click()
    run(app)
    expected = what_it_takes(scenario_from_yaml_text(TINY_TEXT), "alpha", "attraction_effort", 0.8, REPS, 1)
    assert expected.reachable
    assert f"{expected.value:.3g}" in app.success[0].value
    assert app.json[0].value and json.loads(app.json[0].value)["value"] == pytest.approx(expected.value)
    app.slider(key="what_prob").set_value(0.95)
    run(app)
    assert not app.success, "a changed question waits for a new click"


def test_calibration_page_shows_reported_against_simulated(scenario_dir: Path) -> None:
    (scenario_dir / "tiny.yaml").write_text(CALIBRATED_TEXT, encoding="utf-8")
    at = run(AppTest.from_file(APP, default_timeout=120))
    go_to(at, "calibration")
    at.button(key="calib_run").click()
    run(at)
    table = at.dataframe[0].value
    assert table["报道数值编号"].tolist() == ["lc_2021_signed_count", "lc_2022m1m2_signed_count"]
    assert table["报道值"].tolist() == [54.0, 8.0]
    assert table["用途"].tolist() == ["拟合", "留出检验"]
    assert table["原文"][0] == "连城县新签约项目54个"


def test_calibration_page_says_when_there_is_nothing_to_fit(app: AppTest) -> None:
    go_to(app, "calibration")
    assert app.info[0].value == t("calib_none", "zh")


def test_provenance_page_flags_assumed_numbers_and_quotes_reported_ones(app: AppTest) -> None:
    go_to(app, "provenance")
    chains, levers, params = (d.value for d in app.dataframe)
    assert chains["来源类型"].tolist() == ["⚠ 假设", "⚠ 假设"]
    prework = levers[levers["项目"].str.startswith("项目前期工作经费")].iloc[0]
    assert prework["来源类型"] == "报道" and prework["原文"] == ""  # Liancheng's, not 测试县's
    lead = params[params["编号"] == "lead_rate"].iloc[0]
    assert lead["项目"] == "招商线索到达率"
    assert (lead["数值"], lead["取值出处"], lead["来源类型"]) == ("1", "方案文件", "⚠ 假设")
    assert len(params) == len(PARAMETERS)


# ----------------------------------------------------------------------------- downloads


def test_downloaded_yaml_round_trips_through_the_cli(app: AppTest, tmp_path: Path) -> None:
    moved = {"attraction_effort": 1.5, "approval_speedup": 0.3, "prework_fund_yi": 0.12}
    for name, value in moved.items():
        set_lever(app, name, value)
    shown = percent(metric(app, "metric_now"))
    go_to(app, "download")
    assert [b.label for b in app.download_button] == [
        t("download_yaml", "zh"), t("download_targets", "zh"), t("download_bands", "zh"), t("download_xlsx", "zh")]
    path = tmp_path / "from_app.yaml"
    path.write_text(app.code[0].value, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "chainsim.cli", "validate", str(path)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = load_scenario(path)
    expected = {**status_quo_levers(scenario_from_yaml_text(TINY_TEXT)), **moved}
    assert {name: loaded.lever_from_policy_start(name) for name in LEVERS} == expected
    done = subprocess.run([sys.executable, "-m", "chainsim.cli", "run", str(path), "--reps", str(REPS), "--seed", "1",
                           "--no-store", "--json"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["results"][0]["chains"][0]["p_reach"] == pytest.approx(shown, abs=5e-4)


def test_results_csv_open_in_excel_with_chinese_headers_units_and_lever_values() -> None:
    scenario = scenario_from_yaml_text(TINY_TEXT).with_levers(attraction_effort=1.5)
    summary = run_ensemble(scenario, 20, 1)
    raw = exports.targets_csv(summary, scenario)
    assert raw.startswith("\ufeff".encode("utf-8")), "UTF-8 with a byte-order mark"
    targets = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
    bands = pd.read_csv(io.BytesIO(exports.bands_csv(summary, scenario)), encoding="utf-8-sig")
    assert {"产业链", "目标产值 (亿元/年)", "达成概率 (%)", "达成概率95%区间下限 (%)", "重复模拟次数", "随机种子"} <= set(targets)
    assert targets["产业链"].tolist() == ["甲链"]
    assert targets["达成概率 (%)"].tolist() == (100 * summary.targets["p_reach"]).round(2).tolist()
    assert targets["杠杆：招商力度 (× 现状)"].tolist() == [1.5]
    assert {"月份", "产值P5 (亿元/年)", "产值P50 (亿元/年)", "产值P95 (亿元/年)"} <= set(bands)
    assert len(bands) == len(summary.bands)


def test_unmoved_sliders_mean_exactly_the_scenario_as_loaded() -> None:
    scenario = scenario_from_yaml_text(TINY_TEXT)
    assert apply_levers(scenario, status_quo_levers(scenario)) is scenario
    state = AppState("zh", "tiny.yaml", scenario, {**status_quo_levers(scenario), "leader_drive": 2.0}, REPS, 1)
    assert state.current.lever_from_policy_start("leader_drive") == 2.0
    assert scenario_from_yaml_text(exports.scenario_yaml(state)).content_hash() == state.current.content_hash()
