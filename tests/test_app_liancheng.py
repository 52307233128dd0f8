"""The planners' app on the real nine-chain Liancheng scenario (scenarios/liancheng.yaml and
its policy files), driven with Streamlit's AppTest: Chinese throughout, honest display,
the overview, settings that last and the shareable link.

The app reads the repository's scenarios/ folder and runs 100 replicates per ensemble; the
results store (saved settings) is a temporary file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from chainsim.catalogue import LEVERS, PARAMETERS
from chainsim.figures import load_figures
from chainsim.scenario import load_scenario
from chainsim.ui.i18n import t
from chainsim.ui.widgets import PAGES

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")
SCENARIOS = REPO / "scenarios"
REPS = 100

# Words that may stand in Chinese mode: units, statistics' names, file formats, the tool's
# own name, the language switch. Ids (chains, levers, parameters, figures, scenario files)
# are allowed separately, and so is text quoted verbatim from a scenario file.
ALLOWED = {
    "English", "Language", "chainsim", "YAML", "yaml", "CSV", "csv", "PDF", "pdf", "Excel", "xlsx", "UTC",
    "Wilson", "duckdb", "fast", "mesa", "CNY", "sqrt", "exp", "run", "scenarios", "results", "CHAINSIM_STORE",
    "validate", "reps", "seed", "json", "what", "takes", "Morris",
}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CHAINSIM_SCENARIO_DIR", str(SCENARIOS))
    monkeypatch.setenv("CHAINSIM_APP_REPS", str(REPS))
    store = tmp_path / "results.duckdb"
    monkeypatch.setenv("CHAINSIM_STORE", str(store))
    monkeypatch.setenv("CHAINSIM_APP_SENS_TRAJECTORIES", "2")  # the drivers' Morris analysis, kept small
    return store


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def start(scenario: str = "liancheng.yaml", page: str | None = None) -> AppTest:
    at = run(AppTest.from_file(APP, default_timeout=300))
    if scenario != "liancheng.yaml":
        at.selectbox(key="scenario_choice").set_value(scenario)
        run(at)
    if page:
        go_to(at, page)
    return at


def go_to(at: AppTest, page: str) -> AppTest:
    at.segmented_control(key="page").set_value(page)
    return run(at)


def lever_slider(at: AppTest, name: str):
    (slider,) = [s for s in at.slider if s.key.startswith(f"lever_{name}_")]
    return slider


def set_lever(at: AppTest, name: str, value: float) -> AppTest:
    lever_slider(at, name).set_value(value)
    at.button(key="apply_levers").click()
    return run(at)


def _strings(node: object, out: list[str]) -> None:
    """Every visible string of an AppTest element tree (labels, help, text, options,
    table headers and text cells); code blocks (YAML, commands) are left out."""
    if type(node).__name__ in ("Code",):
        return
    if type(node).__name__ == "Html" and str(node.proto.body).lstrip().startswith("<style"):
        return  # st.html: the page's CSS, not visible text
    for attr in ("label", "help", "value", "placeholder", "body", "delta"):
        try:
            v = getattr(node, attr)
        except Exception:  # noqa: BLE001 - an element without that attribute
            continue
        if isinstance(v, str):
            out.append(v)
        elif hasattr(v, "columns") and hasattr(v, "dtypes"):
            out.extend(map(str, v.columns))
            for c in v.columns:
                if not str(v[c].dtype).startswith(("int", "float", "bool")):
                    out.extend(map(str, v[c]))
    try:
        options = getattr(node, "options")
    except Exception:  # noqa: BLE001
        options = None
    if options:  # as shown (AppTest gives the formatted options)
        out.extend(map(str, options))
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            _strings(child, out)


def _verbatim(path: Path) -> list[str]:
    """Free text of a scenario file and the files it extends (titles, descriptions, notes):
    the author's words, shown as written."""
    texts: list[str] = []

    def walk(x: object) -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                if k in ("title", "description", "note", "name_en") and isinstance(v, str):
                    texts.append(v.strip())
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    walk(data)
    if isinstance(data, dict) and data.get("extends"):
        texts += _verbatim(path.parent / data["extends"])
    return texts


def _ids(scenario_path: Path) -> set[str]:
    scn = load_scenario(scenario_path)
    ids = {*LEVERS, *PARAMETERS, *load_figures(), *PAGES, scn.id}
    ids |= {c.id for c in scn.chains}
    ids |= {s for c in scn.chains for s in getattr(c, "segments", []) or [] if isinstance(s, str)}
    ids |= {p.stem for p in SCENARIOS.glob("*.yaml")}
    return ids


def untranslated(at: AppTest, scenario_path: Path) -> set[str]:
    strings: list[str] = []
    _strings(at._tree, strings)
    verbatim = sorted(_verbatim(scenario_path), key=len, reverse=True)
    ids = _ids(scenario_path)
    found: set[str] = set()
    for text in strings:
        for v in verbatim:
            if v and v in text:
                text = text.replace(v, " ")
        text = re.sub(r"`[^`]*`", " ", text)  # commands in backticks
        text = re.sub(r"\S*/\S*", " ", text)  # paths and units such as 1/year
        text = re.sub(r"\?\S*", " ", text)  # the link's query string
        for word in re.findall(r"[A-Za-z][A-Za-z0-9_]*", text):
            if re.fullmatch(r"P\d+|[0-9a-f]*\d[0-9a-f]*", word):  # P10, P90; hex parts of run ids
                continue
            if len(word) >= 3 and word not in ALLOWED and word not in ids:
                found.add(word)
    return found


def test_chinese_mode_shows_no_untranslated_english_word_on_any_page(env: Path) -> None:
    path = SCENARIOS / "liancheng_approvals.yaml"
    at = start("liancheng_approvals.yaml")
    problems: dict[str, set[str]] = {}
    for page in PAGES:
        go_to(at, page)
        if page == "compare":
            at.button(key="save").click()
            run(at)
            set_lever(at, "standard_factory_wm2", 10.0)
            at.button(key="save").click()
            run(at)
        if page == "calibration":
            at.button(key="calib_run").click()
            run(at)
        words = untranslated(at, path)
        if words:
            problems[page] = words
    assert not problems, problems


def test_the_language_switch_still_shows_english(env: Path) -> None:
    at = start(page="provenance")
    at.radio(key="lang").set_value("en")
    run(at)
    params = at.dataframe[2].value
    assert "lead_rate" in params["Item"].tolist()
    assert lever_slider(at, "attraction_effort").label == "Attraction effort (× status quo)"


# ----------------------------------------------------------------------------- honest display


def test_scheduled_approvals_slider_starts_at_the_value_the_scenario_applies(env: Path) -> None:
    at = start("liancheng_approvals.yaml", page="results")
    slider = lever_slider(at, "approval_speedup")
    assert slider.value == pytest.approx(0.53)
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert "2022-03 起 0.53" in captions and "2022-01 起 0" in captions
    # unmoved, the slider means the scenario as loaded: current = status quo
    now = [m.value for m in at.metric if m.label == t("metric_now", "zh")]
    sq = [m.value for m in at.metric if m.label == t("metric_sq", "zh")]
    assert now == sq


def test_a_change_within_the_noise_is_marked_no_significant_change(env: Path) -> None:
    at = start(page="results")
    set_lever(at, "standard_factory_wm2", 3.5)  # a small nudge: within the noise for 100 replicates
    deltas = [m.delta for m in at.metric if m.label == t("metric_now", "zh")]
    assert t("no_change", "zh") in deltas


def test_probabilities_near_zero_show_as_below_one_percent(env: Path) -> None:
    at = start(page="results")
    values = [m.value for m in at.metric if m.label == t("metric_sq", "zh")]
    assert len(values) == 9
    assert "<1%" in values  # 文旅康养's 200亿 by 2025 at the status quo
    assert all(v in ("<1%", ">99%") or re.fullmatch(r"\d{1,2}\.\d%", v) for v in values)
    assert not any(v == "0.0%" for v in values)


def test_a_cached_result_is_captioned_as_cached(env: Path) -> None:
    at = start(page="results")
    go_to(at, "provenance")
    go_to(at, "results")
    caption = next(c.value for c in at.caption if "次重复模拟" in c.value)
    assert "结果来自缓存" in caption and "本次计算" not in caption


def test_paired_differences_are_in_the_order_of_the_table_above(env: Path) -> None:
    at = start(page="compare")
    at.button(key="save").click()
    run(at)
    set_lever(at, "attraction_effort", 2.0)
    at.button(key="save").click()
    run(at)
    _, side_by_side, paired = (d.value for d in at.dataframe)
    assert paired[t("col_chain", "zh")].tolist() == side_by_side[t("col_chain", "zh")].tolist()


def test_sources_are_named_by_outlet_title_and_date_and_only_for_this_county(env: Path) -> None:
    at = start(page="provenance")
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert "闽西日报《连城县全力打造高质量发展产业集聚区》2022-02-28" in captions
    assert ".txt" not in captions
    at.selectbox(key="scenario_choice").set_value("queshan.yaml")
    run(at)
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert "每年安排500万元专项资金" not in captions  # Liancheng's pre-work fund is not Queshan's


def test_main_page_says_the_base_outputs_are_not_reported_and_drawn_from_the_posterior(env: Path) -> None:
    at = start(page="results")
    [note] = [c.value for c in at.caption if c.value.startswith("⚠") and "基期产值" in c.value]
    assert "未见报道" in note and "校准后验" in note and "文旅康养" in note


# ----------------------------------------------------------------------------- overview


def test_overview_shows_every_chain_under_every_policy_file(env: Path) -> None:
    at = start()
    table = at.table[0].value
    scn = load_scenario(SCENARIOS / "liancheng.yaml")
    assert table[t("col_chain", "zh")].tolist()[:-1] == [c.name_zh for c in scn.chains]
    assert table[t("col_chain", "zh")].tolist()[-1].startswith("全县合计")
    policy_columns = [c for c in table.columns if c not in (t("col_chain", "zh"), t("overview_target", "zh"))]
    variants = list(SCENARIOS.glob("liancheng_*.yaml"))  # every policy file that extends liancheng.yaml
    assert policy_columns[0] == "现状" and len(policy_columns) == 1 + len(variants)
    assert all(re.fullmatch(r"(<1%|>99%|\d{1,2}%) \(\d+–\d+\)", v) for v in table["现状"][:-1])


# ----------------------------------------------------------------------------- settings that last


def test_a_saved_setting_lasts_into_a_new_session_and_reopens(env: Path) -> None:
    at = start(page="compare")
    set_lever(at, "attraction_effort", 1.5)
    at.text_input[0].set_value("招商加力")
    run(at)  # in a browser the field commits (a rerun) before the button is clicked
    at.button(key="save").click()
    run(at)
    later = start(page="compare")  # a new session on the same store
    assert lever_slider(later, "attraction_effort").value == 1.0
    later.button(key="open_招商加力").click()
    run(later)
    assert lever_slider(later, "attraction_effort").value == 1.5
    assert later.query_params["attraction_effort"] in ("1.5", ["1.5"])
    go_to(later, "overview")
    assert "已存：招商加力" in later.table[0].value.columns


def test_a_link_with_lever_values_opens_that_setting(env: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params["scenario"] = "liancheng.yaml"
    at.query_params["attraction_effort"] = "2"
    run(at)
    assert lever_slider(at, "attraction_effort").value == 2.0
    go_to(at, "results")
    now = [m.value for m in at.metric if m.label == t("metric_now", "zh")]
    sq = [m.value for m in at.metric if m.label == t("metric_sq", "zh")]
    assert now != sq


def test_each_lever_shows_its_yearly_cost_and_the_page_the_cost_of_the_setting(env: Path) -> None:
    at = start(page="results")
    captions = [c.value for c in at.caption]
    assert sum("年成本" in c for c in captions) >= len(__import__("chainsim.catalogue", fromlist=["LEVERS"]).LEVERS)
    assert any(c.startswith("本设置的杠杆年成本") for c in captions)


# ----------------------------------------------------------------------------- why it falls short


def test_the_shortfall_page_splits_each_gap_and_names_the_projects_needed(env: Path) -> None:
    from chainsim.analysis.shortfall import decompose
    from chainsim.ensemble import run_ensemble

    at = start(page="shortfall")
    scn = load_scenario(SCENARIOS / "liancheng.yaml")
    table = at.table[0].value
    assert table[t("col_chain", "zh")].tolist() == [c.name_zh for c in scn.chains]
    # the same numbers as the library on the same ensemble
    items = {s.chain: s for s in decompose(scn, run_ensemble(scn, REPS, scn.ensemble.seed))}
    for c, row in zip(scn.chains, table.to_dict("records")):
        s = items[c.id]
        assert row[t("sf_col_gap", "zh")] == f"{s.gap_yi:.1f}"
        assert row[t("sf_col_pipeline", "zh")] == f"{s.pipeline_yi:+.1f}"
        # no base output is reported: each is drawn from the calibration posterior
        assert row[t("sf_col_base", "zh")] == f"{s.base_output_yi:.1f} ⚠未报道·后验"
        needed = row[t("sf_col_needed", "zh")]
        assert re.fullmatch(r"\d{4}-\d{2} 前签约 \d+ 个（立即签约需 \d+ 个）", needed) or needed in (
            t("sf_reached", "zh"), t("sf_too_late", "zh")), needed
    wenlv = items["wenlv_kangyang"]
    assert wenlv.gap_yi > 100  # 200亿 against about 56亿 in a typical replicate
    text = " ".join(i.value for i in at.info)
    assert f"需在 {wenlv.headline.sign_by} 前签约 {wenlv.headline.count_by} 个" in text
    assert any("基期产值未见报道" in w.value and "文旅康养" in w.value for w in at.warning)
    assert len(at.get("plotly_chart")) == 1  # only the first chain's chart is drawn at once
    assert at.table[1].value.columns.tolist()[0] == t("sf_col_tier", "zh")


def test_the_shortfall_page_ranks_drivers_with_provenance_in_chinese(env: Path) -> None:
    at = start(page="shortfall")
    assert not [tb for tb in at.table if t("sf_col_factor", "zh") in tb.value.columns]
    at.button(key="sf_drivers_run").click()
    run(at)
    [drivers] = [tb.value for tb in at.table if t("sf_col_factor", "zh") in tb.value.columns]
    assert set(drivers[t("col_provenance", "zh")]) <= {"报道", "校准", "⚠ 假设"}
    assert (drivers[t("sf_col_rank", "zh")].astype(int) <= 3).all()
    flat = [c.value for c in at.caption if "无法据此排出驱动因素" in c.value]
    ranked = set(drivers[t("col_chain", "zh")]) - {""}
    scn = load_scenario(SCENARIOS / "liancheng.yaml")
    for chain in scn.chains:  # each chain has its drivers, or a note that nothing moves its P(reach)
        assert chain.name_zh in ranked or any(chain.name_zh in f for f in flat), chain.name_zh
    assert not untranslated(at, SCENARIOS / "liancheng.yaml")
