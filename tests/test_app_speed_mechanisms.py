"""How the planners' app saves time, as behaviour (never timings; benchmarks/app_speed.py
measures those): the blocks of an ensemble on worker processes give the same numbers as
``run_ensemble``; a preview is part of the final result; the launcher (``chainsim app``)
computes the status quo before the server starts and the pages then use it; the overview
draws the status quo before reading any policy file; a slider move computes only the new
setting.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from chainsim.ensemble import run_ensemble
from chainsim.scenario import load_scenario
from chainsim.ui import runs, serve, workers
from chainsim.ui.i18n import t

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")
TINY = REPO / "tests" / "scenarios" / "tiny.yaml"
REPS = 300  # two blocks of the tiny scenario (200 + 100): room for a preview


@pytest.fixture(autouse=True)
def fresh_caches() -> None:
    """Every test starts with empty app caches and no worker pool (they are per process)."""
    runs.ensemble.clear()
    runs._computed.clear()
    yield
    workers.stop_pool()


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tiny.yaml and a policy file extending it; the app pointed at them at 300 replicates."""
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "tiny.yaml").write_text(TINY.read_text(encoding="utf-8"), encoding="utf-8")
    (scenarios / "tiny_faster.yaml").write_text(
        "extends: tiny.yaml\nid: tiny_faster\npolicy:\n  name: faster\n  levers:\n"
        "    approval_speedup: {value: 0.3, note: assumed}\n", encoding="utf-8")
    monkeypatch.setenv("CHAINSIM_SCENARIO_DIR", str(scenarios))
    monkeypatch.setenv("CHAINSIM_APP_REPS", str(REPS))
    monkeypatch.setenv("CHAINSIM_STORE", str(tmp_path / "results.duckdb"))
    return scenarios


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every ensemble the app computes, as (scenario id, replicates)."""
    calls: list[tuple[str, int]] = []
    original = workers.compute

    def spy(scenario, reps, seed, on_preview=None):
        calls.append((scenario.id, reps))
        return original(scenario, reps, seed, on_preview)

    monkeypatch.setattr(workers, "compute", spy)
    return calls


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def run_caption(at: AppTest) -> str:
    return next(c.value for c in at.caption if "次重复模拟 · 随机种子" in c.value)


@pytest.mark.parametrize("pool", [0, 2], ids=["in-process", "two-workers"])
def test_blocks_give_the_numbers_of_run_ensemble_and_the_preview_is_part_of_them(pool: int) -> None:
    scenario = load_scenario(TINY).with_levers(attraction_effort=1.4)
    if pool:
        assert workers.start_pool(pool) == 2
    previews: list[workers.Preview] = []
    got = workers.compute(scenario, REPS, 7, previews.append)
    want = run_ensemble(scenario, REPS, 7, "fast")
    pd.testing.assert_frame_equal(got.targets, want.targets)
    pd.testing.assert_frame_equal(got.bands, want.bands)
    np.testing.assert_array_equal(got.reached, want.reached)
    assert len(previews) <= 1
    if not pool:  # in this process the smaller block runs first: a preview of its 100 replicates
        assert len(previews) == 1
    for preview in previews:
        assert preview.of_reps == REPS and 0 < preview.summary.reps < REPS
        assert len(preview.replicates) == preview.summary.reps
        np.testing.assert_array_equal(preview.summary.reached, want.reached[preview.replicates])


def test_a_single_block_has_no_preview() -> None:
    previews: list[workers.Preview] = []
    workers.compute(load_scenario(TINY), 100, 7, previews.append)
    assert previews == []


def test_the_launcher_computes_the_status_quo_and_the_pages_use_it(folder: Path,
                                                                   computed: list[tuple[str, int]]) -> None:
    prepared = serve.prepare(workers=1)
    assert [name for name, _, _ in prepared.runs] == ["tiny.yaml", "tiny_faster.yaml"]
    assert computed == [("tiny", REPS), ("tiny_faster", REPS)]
    computed.clear()
    at = run(AppTest.from_file(APP, default_timeout=120))  # the overview: every column from the launcher
    assert computed == []
    table = at.table[0].value
    assert table.shape[1] == 4  # chain, target, status quo, the policy file
    at.segmented_control(key="page").set_value("results")
    run(at)
    assert computed == []
    assert "应用启动时预先计算" in run_caption(at) and "本次计算" not in run_caption(at)


def test_the_overview_draws_the_status_quo_before_reading_a_policy_file(folder: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    ensemble, load_path = runs.ensemble, runs.load_path
    monkeypatch.setattr(runs, "ensemble", lambda *a, **k: (events.append("ensemble"), ensemble(*a, **k))[1])
    monkeypatch.setattr(runs, "load_path",
                        lambda path, shown: (events.append(f"load {Path(path).name}"), load_path(path, shown))[1])
    at = run(AppTest.from_file(APP, default_timeout=120))
    assert events.index("ensemble") < events.index("load tiny_faster.yaml")
    assert at.table[0].value.shape[1] == 4


def test_a_slider_move_computes_only_the_new_setting_with_a_preview_then_the_full_result(
        folder: Path, computed: list[tuple[str, int]]) -> None:
    at = run(AppTest.from_file(APP, default_timeout=120))
    at.segmented_control(key="page").set_value("results")
    run(at)
    computed.clear()
    (slider,) = [s for s in at.slider if s.key.startswith("lever_attraction_effort_")]
    slider.set_value(1.5)
    at.button(key="apply_levers").click()
    run(at)
    assert computed == [("tiny", REPS)]  # the new setting once, at the full replicates; not the status quo
    caption = run_caption(at)
    assert "本次计算" in caption and "快速预览" not in caption  # the page ends with the full result
    computed.clear()
    slider.set_value(1.0)  # back to a setting seen before: from the cache
    at.button(key="apply_levers").click()
    run(at)
    assert computed == []


def test_the_preview_is_labelled_and_shows_the_status_quo_paired_on_the_same_replicates(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Drawn alone (the page as it stands while the last block runs): the caption says how
    many of the replicates are in, the spread waits for the full ensemble."""
    original = workers.compute

    def stop_after_preview(scenario, reps, seed, on_preview=None):
        def keep(preview):
            on_preview(preview)
            raise _Stop

        return original(scenario, reps, seed, keep if on_preview else None)

    at = run(AppTest.from_file(APP, default_timeout=120))
    at.segmented_control(key="page").set_value("results")
    run(at)
    monkeypatch.setattr(workers, "compute", stop_after_preview)
    (slider,) = [s for s in at.slider if s.key.startswith("lever_attraction_effort_")]
    slider.set_value(1.5)
    at.button(key="apply_levers").click()
    at.run()
    shown = [c.value for c in at.caption]
    preview = next(c for c in shown if "快速预览" in c)
    assert re.search(r"已完成 100 / 300 次重复模拟", preview)
    assert any(t("preview_note", "zh", n=100, reps=REPS) == i.value for i in at.info)
    metrics = [m for m in at.metric if m.label == t("metric_now", "zh")]
    assert metrics and all(m.value.endswith("%") for m in metrics)


class _Stop(Exception):
    """Stops the page after its preview, to look at the preview as it stands."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_chainsim_app_prepares_then_serves(folder: Path, tmp_path: Path) -> None:
    port = _free_port()
    log = tmp_path / "app.log"
    env = {**os.environ, "CHAINSIM_SCENARIO_DIR": str(folder), "CHAINSIM_APP_REPS": str(REPS),
           "CHAINSIM_STORE": str(tmp_path / "results.duckdb")}
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "chainsim.cli", "app", "--workers", "2", "--",
                                 "--server.headless", "true", "--server.port", str(port), "--server.address",
                                 "127.0.0.1", "--server.fileWatcherType", "none",
                                 "--browser.gatherUsageStats", "false"],
                                cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, log.read_text(errors="replace")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                assert time.monotonic() < deadline, log.read_text(errors="replace")
                time.sleep(0.2)
        text = log.read_text(errors="replace")
        # the status quo was computed before the server answered
        assert "status quo of tiny.yaml (300 replicates) computed" in text
        assert "status quo of tiny_faster.yaml (300 replicates) computed" in text
        assert "(2 worker processes)" in text
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_pages_drawn_before_the_sliders_see_the_applied_values(folder: Path) -> None:
    from chainsim.ui import app as ui_app

    assert {"overview", "results"} <= ui_app.DRAWN_BEFORE_SLIDERS
    at = run(AppTest.from_file(APP, default_timeout=120))
    at.segmented_control(key="page").set_value("results")
    run(at)
    (slider,) = [s for s in at.slider if s.key.startswith("lever_attraction_effort_")]
    slider.set_value(1.5)
    at.button(key="apply_levers").click()
    run(at)
    now = [m.value for m in at.metric if m.label == t("metric_now", "zh")]
    at.segmented_control(key="page").set_value("overview")
    run(at)
    (slider,) = [s for s in at.slider if s.key.startswith("lever_attraction_effort_")]
    assert slider.value == pytest.approx(1.5)
    assert at.query_params["attraction_effort"] in ("1.5", ["1.5"])
    at.segmented_control(key="page").set_value("results")
    run(at)
    assert [m.value for m in at.metric if m.label == t("metric_now", "zh")] == now


def test_a_setting_the_store_does_not_hold_opens_no_store_connection(folder: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The status quo comes from the results store when ``chainsim run`` put it there; a moved
    slider's setting, which the store does not hold, is computed without opening the store."""
    from chainsim import store as store_module
    from chainsim.cli import main as cli
    from chainsim.ui.state import lever_key, status_quo_levers

    store = tmp_path / "results.duckdb"
    # no address-space limit on this test process (it would outlive the command and keep
    # the browser tests of the same worker from starting Chromium)
    monkeypatch.setenv("CHAINSIM_MEMORY_LIMIT_GB", "0")
    assert cli(["run", str(folder / "tiny.yaml"), "--reps", str(REPS), "--store", str(store)]) == 0
    opened: list[str] = []
    original = store_module.open_store
    monkeypatch.setattr(store_module, "open_store", lambda *a, **k: (opened.append("open"), original(*a, **k))[1])
    scenario = load_scenario(folder / "tiny.yaml")
    key = (scenario.content_hash(), lever_key(status_quo_levers(scenario)), REPS, scenario.ensemble.seed)
    assert runs.ensemble(*key, scenario).stored
    assert opened  # the index of the store's runs, then the run itself
    opened.clear()
    moved = scenario.with_levers(attraction_effort=1.5)
    timed = runs.ensemble(scenario.content_hash(), (("attraction_effort", 1.5),), REPS, scenario.ensemble.seed, moved)
    assert not timed.stored and opened == []
