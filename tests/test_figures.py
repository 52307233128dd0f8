"""Tests for the reported-figures dataset (data/reported_figures.csv) and its loader."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from chainsim.figures import (
    ALLOWED_UNITS,
    CSV_COLUMNS,
    Figure,
    figures_frame,
    get_figure,
    load_figures,
    seeds_dir,
)

FIGURES = load_figures()
ROWS = list(FIGURES.values())

SOURCE_BY_PREFIX = {
    "lc_": "000_c91d9c35e1b5a817.txt",
    "qs_": "001_539cb1c13df0ec7d.txt",
    "ly_": "002_31154e2b60305ab5.txt",
    "fj_": "003_7af3d84c8a369bd9.txt",
    "jc_": "004_b16a34bcf3903bf3.txt",
}

# id -> (value, unit) fixed by the brief.
KEY_FIGURES: dict[str, tuple[float, str]] = {
    "lc_2021_signed_count": (54, "个"),
    "lc_2021_signed_value": (96.92, "亿元"),
    "lc_2021_signed_ge10_count": (2, "个"),
    "lc_2021_signed_5to10_count": (6, "个"),
    "lc_2021_started_count": (50, "个"),
    "lc_2021_started_value": (85.22, "亿元"),
    "lc_2021_completed_count": (29, "个"),
    "lc_2021_completed_value": (40.69, "亿元"),
    "lc_2022m1m2_signed_count": (8, "个"),
    "lc_2022m1m2_signed_value": (30.77, "亿元"),
    "lc_target_2025_wenlv": (200, "亿元"),
    "lc_target_2025_display": (100, "亿元"),
    "lc_target_2025_sweetpotato": (100, "亿元"),
    "lc_target_2025_other": (50, "亿元"),
    "lc_other_chain_count": (6, "个"),
    "lc_chain_count": (9, "条"),
    "lc_park_output_annual_avg": (180, "亿元"),
    "lc_park_tax_cumulative": (7.1, "亿元"),
    "lc_prework_fund": (500, "万元"),
    "lc_listed_firms": (3, "家"),
    "lc_hightech_firms": (12, "家"),
    "qs_2014h1_park_output": (53.2, "亿元"),
    "qs_2014h1_park_output_growth": (22.5, "%"),
    "qs_2014h1_fai": (40.1, "亿元"),
    "qs_2014h1_tax": (1.14, "亿元"),
    "qs_2014h1_signed_count": (28, "个"),
    "qs_2014h1_signed_value": (105.6, "亿元"),
    "qs_2014h1_negotiating_count": (30, "个"),
    "qs_2014h1_negotiating_value": (82.94, "亿元"),
    "qs_2014h1_started_count": (10, "个"),
    "qs_2014h1_started_value": (20.6, "亿元"),
    "qs_2014h1_leading_output": (35.7, "亿元"),
    "qs_2014h1_leading_output_share": (67, "%"),
    "qs_2014h1_leading_investment": (19.4, "亿元"),
    "qs_2014h1_leading_tax": (8200, "万元"),
    "qs_target_100yi_clusters": (2, "个"),
    "qs_target_50yi_clusters": (2, "个"),
    "qs_door_firms_signed": (23, "家"),
    "qs_door_park_phase1_started": (25, "个"),
    "qs_door_park_phase1_producing": (9, "个"),
    "qs_door_park_phase2_negotiating": (35, "个"),
    "qs_2015_plan_fai": (120, "亿元"),
    "qs_2015_plan_new_projects": (20, "个"),
    "qs_2015_plan_value_added": (50, "亿元"),
    "jc_build_time_before": (3, "年"),
    "jc_build_time_after": (17, "月"),
    "jc_upstream_firms": (200, "家"),
    "fj_county_industrial_revenue_avg": (680, "亿元"),
    "ly_parks_projects_count": (124, "个"),
    "ly_parks_projects_value": (552, "亿元"),
    "ly_key_projects_2020_count": (66, "个"),
    "ly_key_projects_2020m1m8_investment": (45.67, "亿元"),
    "ly_standard_factory_new": (109.75, "万平方米"),
    "ly_standard_factory_target_share": (91.5, "%"),
}

# Periods fixed by the brief.
KEY_PERIODS = {
    "lc_2021_signed_count": "2021",
    "lc_2022m1m2_signed_count": "2022M01-M02",
    "lc_target_2025_wenlv": "2025",
    "lc_park_output_annual_avg": "2017-2021",
    "qs_2014h1_park_output": "2014H1",
    "qs_2015_plan_fai": "2015",
    "fj_county_industrial_revenue_avg": "2023",
}


# --------------------------------------------------------------- number parsing

_ARABIC = re.compile(r"\d+(?:\.\d+)?")
_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG_UNITS = {"万": 10_000, "萬": 10_000}
_CN_RUN = re.compile("[" + "".join([*_CN_DIGITS, *_CN_SMALL_UNITS, *_CN_BIG_UNITS]) + "]+")
_WAN_AFTER = re.compile(r"(\d+(?:\.\d+)?)[万萬]")


def arabic_numbers(text: str) -> list[float]:
    """Arabic numbers (with decimals) in ``text``; ``"5~10"`` gives 5 and 10."""
    return [float(m) for m in _ARABIC.findall(text)]


def arabic_numbers_scaled(text: str) -> list[float]:
    """Arabic numbers followed by 万/萬, multiplied out ("每日2萬噸" -> 20000)."""
    return [float(m) * 10_000 for m in _WAN_AFTER.findall(text)]


def parse_chinese_numeral(run: str) -> int:
    """Value of a simple Chinese numeral: 九 9, 十五 15, 五十 50, 百 100, 三千二百 3200, 三万 30000."""
    total = section = digit = 0
    for ch in run:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_SMALL_UNITS:
            section += (digit or 1) * _CN_SMALL_UNITS[ch]
            digit = 0
        else:  # 万 / 萬
            total += (section + digit or 1) * _CN_BIG_UNITS[ch]
            section = digit = 0
    return total + section + digit


def chinese_numbers(text: str) -> list[float]:
    """Values of Chinese-numeral runs in ``text``, plus each single digit in a run."""
    values: list[float] = []
    for run in _CN_RUN.findall(text):
        values.append(float(parse_chinese_numeral(run)))
        values.extend(float(_CN_DIGITS[ch]) for ch in run if ch in _CN_DIGITS)
    return values


def _contains(candidates: list[float], value: float) -> bool:
    return any(math.isclose(c, value, rel_tol=1e-9, abs_tol=1e-9) for c in candidates)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("九", 9), ("十五", 15), ("五十", 50), ("百", 100), ("四", 4), ("兩", 2),
     ("三千二百", 3200), ("三万", 30000), ("十二萬五千", 125000)],
)
def test_chinese_numeral_parser_handles_simple_forms(text, expected):
    assert parse_chinese_numeral(text) == expected


def test_number_extraction_reads_decimals_ranges_and_chinese_runs():
    assert arabic_numbers("5~10亿元项目6个") == [5, 10, 6]
    assert arabic_numbers("總投資105.6億元") == [105.6]
    assert arabic_numbers_scaled("每日2萬噸") == [20000]
    assert {2.0, 100.0, 50.0} <= set(chinese_numbers("兩個產值百億、兩個產值五十億"))


# ------------------------------------------------------------------ seed fixture

@pytest.fixture(scope="module")
def seed_texts() -> dict[str, str]:
    folder = seeds_dir()
    if not folder.is_dir():
        pytest.skip(f"seed folder {folder} not found (set CHAINSIM_SEEDS_DIR to the seed texts)")
    return {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.txt")}


# ---------------------------------------------------------------- dataset tests

def test_dataset_has_at_least_50_rows():
    assert len(ROWS) >= 50


def test_csv_header_is_exactly_the_documented_columns():
    csv_path = Path(__file__).resolve().parents[1] / "data" / "reported_figures.csv"
    header = csv_path.read_text(encoding="utf-8").splitlines()[0]
    assert tuple(header.split(",")) == CSV_COLUMNS


def test_ids_are_unique_snake_case_with_place_prefix():
    ids = [f.id for f in ROWS]
    assert len(ids) == len(set(ids))
    for fid in ids:
        assert re.fullmatch(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+", fid), fid
        assert fid[:3] in SOURCE_BY_PREFIX, fid


def test_id_prefix_matches_the_seed_file_it_quotes():
    for f in ROWS:
        assert f.source == SOURCE_BY_PREFIX[f.id[:3]], f.id


def test_indicators_are_snake_case_english():
    for f in ROWS:
        assert re.fullmatch(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*", f.indicator), f.id


def test_units_come_from_the_allowed_set():
    bad = {f.id: f.unit for f in ROWS if f.unit not in ALLOWED_UNITS}
    assert not bad


def test_places_are_simplified_chinese_with_pinyin():
    for f in ROWS:
        assert re.fullmatch(r"[\u4e00-\u9fff]+ [A-Z][A-Za-z ]+", f.place), f.id


def test_periods_follow_year_half_quarter_month_or_span_format():
    pattern = r"\d{4}(?:H[12]|Q[1-4]|M\d{2}(?:-M\d{2})?|-\d{4}(?:M\d{2})?)?"
    for f in ROWS:
        assert re.fullmatch(pattern, f.period), (f.id, f.period)


def test_sources_are_bare_seed_file_names(seed_texts):
    for f in ROWS:
        assert "/" not in f.source and f.source in seed_texts, f.id


def test_every_quote_stands_verbatim_in_its_seed(seed_texts):
    missing = [f.id for f in ROWS if f.quote not in seed_texts[f.source]]
    assert not missing, f"quotes not found verbatim: {missing}"


def test_quotes_are_short():
    long_ = {f.id: len(f.quote) for f in ROWS if len(f.quote) > 60}
    assert not long_


def test_value_is_a_number_written_in_the_quote():
    """Arabic numbers first; Chinese numerals only when no Arabic number matches."""
    failures = []
    for f in ROWS:
        candidates = arabic_numbers(f.quote)
        if f.value_yi is None:  # "2萬噸" may be stored multiplied out; money never is
            candidates += arabic_numbers_scaled(f.quote)
        if _contains(candidates, f.value):
            continue
        if not _contains(chinese_numbers(f.quote), f.value):
            failures.append((f.id, f.value, f.quote))
    assert not failures


def test_required_ids_present_with_stated_values_and_units():
    for fid, (value, unit) in KEY_FIGURES.items():
        assert fid in FIGURES, fid
        f = FIGURES[fid]
        assert math.isclose(f.value, value), (fid, f.value, value)
        assert f.unit == unit, (fid, f.unit, unit)


def test_required_periods():
    for fid, period in KEY_PERIODS.items():
        assert FIGURES[fid].period == period, fid


def test_queshan_year_is_flagged_as_inferred():
    assert "2015" in FIGURES["qs_2014h1_park_output"].note
    assert "infer" in FIGURES["qs_2014h1_park_output"].note


def test_chinese_numeral_rows_are_included():
    assert FIGURES["qs_target_100yi_clusters"].quote == "努力打造兩個產值百億、兩個產值五十億產業集群"
    assert FIGURES["lc_chain_count"].quote == "9条战略性产业链"


# ------------------------------------------------------------------ loader tests

def test_value_yi_converts_wan_yuan_and_keeps_yi_yuan():
    assert math.isclose(get_figure("lc_prework_fund").value_yi, 0.05)
    assert math.isclose(get_figure("qs_2014h1_leading_tax").value_yi, 0.82)
    assert get_figure("lc_2021_signed_value").value_yi == pytest.approx(96.92)


def test_value_yi_is_none_for_non_money_units():
    assert get_figure("lc_2021_signed_count").value_yi is None
    assert get_figure("qs_2014h1_park_output_growth").value_yi is None


def test_cite_renders_quote_and_source():
    f = get_figure("qs_2014h1_signed_value")
    assert f.cite() == '"總投資105.6億元" (001_539cb1c13df0ec7d.txt)'


def test_figure_is_frozen():
    f = get_figure("lc_chain_count")
    with pytest.raises(AttributeError):
        f.value = 10  # type: ignore[misc]


def test_load_figures_returns_fresh_dict_of_figures():
    a, b = load_figures(), load_figures()
    assert a == b and a is not b
    a.clear()
    assert load_figures()
    assert all(isinstance(f, Figure) for f in b.values())


def test_get_figure_unknown_id_suggests_close_match():
    with pytest.raises(KeyError, match="did you mean.*lc_2021_signed_count"):
        get_figure("lc_2021_signed_cnt")


def test_duplicate_ids_are_rejected(tmp_path):
    header = ",".join(CSV_COLUMNS)
    row = "x_a,连城县 Liancheng,k,2021,1,个,000_c91d9c35e1b5a817.txt,q,"
    p = tmp_path / "dup.csv"
    p.write_text(f"{header}\n{row}\n{row}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate id"):
        load_figures(p)


def test_unknown_unit_is_rejected(tmp_path):
    header = ",".join(CSV_COLUMNS)
    p = tmp_path / "unit.csv"
    p.write_text(f"{header}\nx_a,连城县 Liancheng,k,2021,1,元,s.txt,q,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unit"):
        load_figures(p)


def test_figures_frame_has_one_row_per_figure_and_value_yi():
    frame = figures_frame()
    assert len(frame) == len(ROWS)
    assert list(frame.columns) == [*CSV_COLUMNS, "value_yi"]
    assert frame.set_index("id").loc["lc_prework_fund", "value_yi"] == pytest.approx(0.05)


def test_seeds_dir_honours_env_var(monkeypatch, tmp_path):
    monkeypatch.setenv("CHAINSIM_SEEDS_DIR", str(tmp_path))
    assert seeds_dir() == tmp_path
    monkeypatch.delenv("CHAINSIM_SEEDS_DIR")
    assert seeds_dir().parts[-2:] == ("shared", "seeds")


def _figures_cli(*args: str):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "chainsim.cli", "figures", *args], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).resolve().parents[1])


def test_figures_command_prints_a_figure_with_its_quote_and_source():
    proc = _figures_cli("lc_2021_signed_value")
    assert proc.returncode == 0, proc.stderr
    assert "96.92 亿元" in proc.stdout and "000_c91d9c35e1b5a817.txt" in proc.stdout
    assert '"' in proc.stdout  # the quote


def test_figures_command_json_converts_money_to_yi():
    import json

    proc = _figures_cli("lc_prework_fund", "--json")
    [fig] = json.loads(proc.stdout)
    assert fig["value"] == 500 and fig["unit"] == "万元" and fig["value_yi"] == 0.05


def test_figures_command_rejects_an_unknown_id_with_a_suggestion():
    proc = _figures_cli("lc_2021_signd_count")
    assert proc.returncode == 2
    assert "did you mean 'lc_2021_signed_count'" in proc.stderr and "Traceback" not in proc.stderr
