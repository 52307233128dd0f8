"""The app as a planner meets it: a real ``streamlit run`` server driven in headless Chromium.

Starts ``streamlit run app.py`` on a free local port (a tiny one-chain scenario in a
temporary scenario folder, 100 replicates),
loads the page, reads the probability shown for a chain, moves the attraction-effort
slider with the keyboard, sees the probability change, and saves a screenshot to
tests/artifacts/app.png for a person to look at. Needs Debian's Chromium at
/usr/bin/chromium (CI installs it); skipped, with that reason, when it is absent.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# alpha reaches its 20亿 target in most but not all replicates, so more attraction effort shows.
SCENARIO = (REPO / "tests" / "scenarios" / "tiny.yaml").read_text(encoding="utf-8")
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
STARTUP_S = 90
RESULT_MS = 90_000
PERCENT = re.compile(r"^\d{1,3}\.\d%$")
"""A probability as the app shows it, e.g. 84.0%."""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (install Debian's chromium package)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not answer within {STARTUP_S} s:\n{log.read_text(errors='replace')}")


@contextlib.contextmanager
def streamlit_server(folder: Path, tmp_path: Path, reps: int = 100) -> Iterator[str]:
    """``streamlit run app.py`` on a free local port, reading ``folder``'s scenarios and
    a results store in ``tmp_path``; stopped (its whole process group) afterwards."""
    port = _free_port()
    env = {**os.environ, "CHAINSIM_SCENARIO_DIR": str(folder), "CHAINSIM_APP_REPS": str(reps),
           "CHAINSIM_STORE": str(tmp_path / "results.duckdb"), "PYTHONUNBUFFERED": "1"}
    log = tmp_path / "streamlit.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """The app on the tiny one-chain scenario."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "tiny.yaml").write_text(SCENARIO, encoding="utf-8")
    with streamlit_server(folder, tmp_path) as url:
        yield url


@pytest.fixture(scope="module")
def liancheng_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on the repository's scenarios (Liancheng's nine chains first), 100 replicates."""
    with streamlit_server(REPO / "scenarios", tmp_path_factory.mktemp("liancheng")) as url:
        yield url


def expected_percent(**levers: float) -> str:
    """The probability the app should show for alpha with these levers, as the library computes it."""
    from chainsim.ensemble import run_ensemble
    from chainsim.scenario import scenario_from_yaml_text

    scenario = scenario_from_yaml_text(SCENARIO).with_levers(**levers)
    return f"{100 * run_ensemble(scenario, 100, 1).targets.p_reach[0]:.1f}%"


def open_page(page, label: str) -> None:
    """Click a page of the page picker (a segmented control) by its label."""
    page.locator('[class*="st-key-page"] button', has_text=label).first.click()


def apply_sliders(page) -> None:
    """Click 应用滑块设置 (the sliders are in a form)."""
    page.locator('[class*="st-key-apply_levers"] button').click()


def no_horizontal_overflow(page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_moving_a_slider_in_the_browser_changes_the_probability_shown(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1100})
            page.goto(server, wait_until="domcontentloaded")
            open_page(page, "达成概率")
            shown = page.locator('.st-key-p_now_alpha_2025 [data-testid="stMetricValue"]')
            expect(shown).to_have_text(PERCENT, timeout=RESULT_MS)
            before = shown.inner_text()
            # the slider's thumb is an <input type="range"> inside the element keyed lever_attraction_effort_*
            thumb = page.locator('[class*="st-key-lever_attraction_effort_"] input[type="range"]')
            expect(thumb).to_have_value("1", timeout=RESULT_MS)
            thumb.focus()
            for _ in range(10):  # 10 steps of 0.05: attraction effort 1.0 → 1.5 (no rerun: a form)
                thumb.press("ArrowRight")
            expect(thumb).to_have_value("1.5")
            apply_sliders(page)
            # each key press may rerun the app; wait for the run of the final value, 1.5
            expect(shown).to_have_text(expected_percent(attraction_effort=1.5), timeout=RESULT_MS)
            after = shown.inner_text()
            assert before == expected_percent(attraction_effort=1.0)
            assert float(after.rstrip("%")) > float(before.rstrip("%"))
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shot = ARTIFACTS / "app.png"
            page.set_viewport_size({"width": 1440, "height": 2200})  # the app scrolls inside its own pane
            expect(shown).to_have_text(after)
            page.wait_for_timeout(1000)  # let the charts redraw at the new size (cosmetic: the screenshot only)
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot: {shot} (probability {before} → {after})")
        finally:
            browser.close()



OVERVIEW = '[data-testid="stTable"]'


@pytest.mark.parametrize("width,height,name", [(1366, 768, "liancheng-1366"), (390, 844, "liancheng-390")])
def test_liancheng_fits_the_screen_without_horizontal_overflow(liancheng_server: str, width: int, height: int,
                                                              name: str) -> None:
    """At a laptop's 1366 px and a phone's 390 px: the overview, the targets page and the
    缺口分析 page of the nine-chain scenario do not scroll sideways; screenshots in
    tests/artifacts/ to look at."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(liancheng_server, wait_until="domcontentloaded")
            table = page.locator(OVERVIEW).first
            expect(table).to_be_visible(timeout=RESULT_MS)
            expect(page.get_by_text("计算中…")).to_have_count(0, timeout=RESULT_MS)
            page.wait_for_timeout(500)
            assert no_horizontal_overflow(page), "overview scrolls sideways"
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{name}-overview.png"), full_page=True)
            open_page(page, "达成概率")
            shown = page.locator('.st-key-p_now_wenlv_kangyang_2025 [data-testid="stMetricValue"]')
            expect(shown).to_have_text(re.compile(r"^(<1%|>99%|\d{1,3}\.\d%)$"), timeout=RESULT_MS)
            page.wait_for_timeout(500)
            assert no_horizontal_overflow(page), "targets page scrolls sideways"
            page.screenshot(path=str(ARTIFACTS / f"{name}-targets.png"), full_page=True)
            open_page(page, "缺口分析")
            gaps = page.locator(OVERVIEW, has_text="补齐缺口需新签重大项目")
            expect(gaps).to_be_visible(timeout=RESULT_MS)
            expect(gaps).to_contain_text("文旅康养")
            expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(1, timeout=RESULT_MS)
            page.wait_for_timeout(500)
            assert no_horizontal_overflow(page), "缺口分析 page scrolls sideways"
            page.screenshot(path=str(ARTIFACTS / f"{name}-shortfall.png"), full_page=True)
        finally:
            browser.close()
