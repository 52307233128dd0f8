"""The app's stored-runs page (已存结果), driven by Streamlit's AppTest on a small results
store built in a temporary folder from tiny ensembles; ``CHAINSIM_STORE`` points at it."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from chainsim.ensemble import EnsembleSummary, run_ensemble
from chainsim.scenario import load_scenario, scenario_from_yaml_text
from chainsim.store import open_store
from chainsim.ui.i18n import t
from chainsim.ui.pages.stored import MAKE_STORE

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")
TINY_YAML = REPO / "tests" / "scenarios" / "tiny.yaml"
REPS = 100


@pytest.fixture(scope="module")
def summaries() -> list[tuple[EnsembleSummary, str | None]]:
    """Three tiny ensembles: tiny.yaml with seeds 1 and 2, and a copy named tiny_b (no source)."""
    tiny = load_scenario(TINY_YAML)
    other = scenario_from_yaml_text(TINY_YAML.read_text(encoding="utf-8").replace("id: tiny", "id: tiny_b"))
    return [(run_ensemble(tiny, REPS, 1), str(TINY_YAML)), (run_ensemble(tiny, REPS, 2), str(TINY_YAML)),
            (run_ensemble(other, REPS, 3), None)]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app pointed at tiny.yaml, 100 replicates, and a store path in tmp_path (not yet made)."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "tiny.yaml").write_text(TINY_YAML.read_text(encoding="utf-8"), encoding="utf-8")
    store = tmp_path / "results.duckdb"
    monkeypatch.setenv("CHAINSIM_SCENARIO_DIR", str(folder))
    monkeypatch.setenv("CHAINSIM_APP_REPS", str(REPS))
    monkeypatch.setenv("CHAINSIM_STORE", str(store))
    return store


@pytest.fixture
def store(env: Path, summaries) -> tuple[Path, list[str]]:
    """The store holding the three runs; their run ids in the order saved."""
    results = open_store(env)
    return env, [results.save(summary, source=source) for summary, source in summaries]


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def stored_page() -> AppTest:
    at = run(AppTest.from_file(APP, default_timeout=120))
    at.segmented_control(key="page").set_value("stored")
    return run(at)


def runs_shown(at: AppTest) -> list[str]:
    return at.dataframe[0].value[t("col_run_id", "zh")].tolist()


def values(data: object) -> list[float]:
    """A plotly trace's numbers, whether listed or packed as a typed array ({"dtype", "bdata"})."""
    if isinstance(data, dict):
        return np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"]).tolist()
    return list(data)  # type: ignore[call-overload]


def choose(at: AppTest, run_id: str) -> AppTest:
    at.selectbox(key="stored_run").set_value(run_id)
    return run(at)


def test_page_lists_every_stored_run_newest_first(store) -> None:
    path, run_ids = store
    at = stored_page()
    assert runs_shown(at) == run_ids[::-1]
    table = at.dataframe[0].value
    assert table[t("col_scenario", "zh")].tolist() == ["tiny_b", "tiny", "tiny"]
    assert table[t("col_seed", "zh")].tolist() == [3, 2, 1]
    assert table[t("col_reps", "zh")].tolist() == [REPS] * 3
    assert table[t("col_run_source", "zh")].tolist() == ["", str(TINY_YAML), str(TINY_YAML)]
    assert str(path) in at.caption[0].value


def test_filtering_by_scenario_id_keeps_only_its_runs(store) -> None:
    _, run_ids = store
    at = stored_page()
    at.multiselect(key="stored_filter").set_value(["tiny"])
    run(at)
    assert runs_shown(at) == [run_ids[1], run_ids[0]]
    options = at.selectbox(key="stored_run").options
    assert [o.split(" · ")[0] for o in options] == [run_ids[1], run_ids[0]]
    assert t("stored_count", "zh", n=3, shown=2) in [c.value for c in at.caption]


def test_chosen_run_shows_the_probabilities_the_store_holds(store) -> None:
    path, run_ids = store
    at = stored_page()
    assert len(at.dataframe) == 1 and not at.get("plotly_chart"), "nothing is loaded before a run is chosen"
    choose(at, run_ids[1])
    held = open_store(path).get(run_ids[1]).targets.iloc[0]
    table = at.dataframe[1].value
    assert table[t("col_chain", "zh")].tolist() == ["甲链"]
    assert table[t("col_target", "zh")].tolist() == [20.0]
    assert table[t("col_p", "zh")].tolist() == [round(100 * held.p_reach, 1)]
    assert table[t("col_ci", "zh")].tolist() == [f"[{100 * held.p_reach_lo:.1f}, {100 * held.p_reach_hi:.1f}]"]
    assert "达成概率 (%)" in table.columns and "目标年产值中位数 (亿元/年)" in table.columns
    fan = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert fan["layout"]["yaxis"]["title"]["text"] == "产值 (亿元/年)"
    median = next(trace for trace in fan["data"] if trace.get("name") == t("median", "zh"))
    stored_bands = open_store(path).get(run_ids[1]).bands
    held_median = stored_bands.loc[stored_bands["chain"] == "alpha", "output_yi_p50"].tolist()
    assert values(median["y"]) == pytest.approx(held_median)


def test_a_run_without_its_source_file_shows_chain_ids_in_english(store) -> None:
    _, run_ids = store
    at = stored_page()
    at.radio(key="lang").set_value("en")
    run(at)
    choose(at, run_ids[2])
    table = at.dataframe[1].value
    assert table["Chain"].tolist() == ["alpha"]
    assert "P(reach) (%)" in table.columns and "Target output (亿元/year)" in table.columns


def test_page_reads_the_store_read_only_and_leaves_it_closed_and_unchanged(store, monkeypatch) -> None:
    path, run_ids = store
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    opened: list[bool] = []
    connect = duckdb.connect

    def spy(database: str, read_only: bool = False, **kwargs: object) -> duckdb.DuckDBPyConnection:
        opened.append(read_only)
        return connect(database, read_only=read_only, **kwargs)

    monkeypatch.setattr(duckdb, "connect", spy)
    at = stored_page()
    choose(at, run_ids[0])
    assert opened and all(opened), "every connection the page makes is read-only"
    monkeypatch.undo()
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    opens_for_writing = "import duckdb, sys; duckdb.connect(sys.argv[1]).close()"
    writer = subprocess.run([sys.executable, "-c", opens_for_writing, str(path)], capture_output=True, text=True,
                            timeout=60)
    assert writer.returncode == 0, writer.stderr


def test_a_run_saved_while_the_page_is_open_appears_on_the_next_rerun(store) -> None:
    path, run_ids = store
    at = stored_page()
    assert len(runs_shown(at)) == 3
    tiny = load_scenario(TINY_YAML)
    new_id = open_store(path).save(run_ensemble(tiny, REPS, 4), source=str(TINY_YAML))
    run(at)
    assert runs_shown(at) == [new_id, *run_ids[::-1]]


def test_missing_store_says_so_and_how_to_make_one(env: Path) -> None:
    at = stored_page()
    assert at.info[0].value == t("stored_missing", "zh", path=env)
    assert at.code[0].value == MAKE_STORE
    assert not at.error and not env.exists(), "the page never creates a store"


@pytest.mark.parametrize("content", [b"this is not a database\n" * 10, b""])
def test_garbage_store_file_shows_a_plain_error(env: Path, content: bytes) -> None:
    env.write_bytes(content)
    at = stored_page()
    (error,) = at.error
    assert error.value.startswith(t("stored_error", "zh", error=""))
    assert "not a DuckDB database" in error.value and str(env) in error.value
    assert "Traceback" not in error.value
    assert env.read_bytes() == content


def test_empty_store_says_it_holds_no_runs(env: Path) -> None:
    open_store(env)
    at = stored_page()
    assert at.info[0].value == t("stored_empty", "zh", path=env)
