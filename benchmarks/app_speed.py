"""How fast the planners' app answers, in a real browser (headless Chromium via Playwright).

    python benchmarks/app_speed.py [--reps 300] [--rounds 3] [--json benchmarks/app_speed.json]

Starts the app on a free local port with the repository's scenarios (Liancheng's nine
chains first), a fresh results store and a fresh cache, three ways:

* ``app``: ``chainsim app`` (``make app``), which imports the app, starts its worker
  processes and computes the status quo of Liancheng and its policy files before it
  listens (``server_ready``: seconds from launch to the server answering);
* ``plain``: ``streamlit run app.py``, which listens at once and computes on the first view;
* ``precomputed``: ``streamlit run app.py`` after ``chainsim run`` stored the status quo of
  Liancheng and its policy files in the results store;

and measures, each way:

* ``cold_first_p``: a new server, a new page: seconds from navigation to the first
  probability in the overview table (the status quo column);
* ``cold_overview_done``: … to the last policy column filled in;
* ``warm_first_p``: a second browser session on the same server (everything cached);
* ``slider_preview`` / ``slider_full``: on the targets page, moving the attraction-effort
  slider to a value not seen before (keyboard presses, then 应用): seconds from the click
  to the first new probability (the preview's, or the full result's if no preview came
  first), and to the full ensemble's caption (本次计算);
* ``slider_seen``: moving back to a value seen before (cached): to the new probability.

The figures of ``app`` carry no prefix; the others are prefixed ``plain_`` and
``precomputed_``. Writes the figures as JSON (``--json``) and prints them. Needs
/usr/bin/chromium. The machine is shared: run it when quiet, and read the load average
it records.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from statistics import median

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
PERCENT = re.compile(r"(<1%|>99%|\d{1,3}(\.\d)?%)")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(reps: int, store: Path, launcher: bool = False) -> tuple[subprocess.Popen[bytes], str, float]:
    """Start the app (``chainsim app`` if ``launcher``, else ``streamlit run app.py``); returns
    the process, its address and the seconds until it answered."""
    port = _port()
    env = {**os.environ, "CHAINSIM_SCENARIO_DIR": str(REPO / "scenarios"), "CHAINSIM_APP_REPS": str(reps),
           "CHAINSIM_STORE": str(store)}
    options = ["--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
               "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
    command = ([sys.executable, "-m", "chainsim.cli", "app", "--", *options] if launcher
               else [sys.executable, "-m", "streamlit", "run", "app.py", *options])
    t0 = time.perf_counter()
    proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return proc, url, time.perf_counter() - t0
        except OSError:
            time.sleep(0.1)
    stop(proc)
    raise SystemExit("the app did not start")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def first_p(page, timeout_s: float = 120) -> None:
    """Wait for a probability in the overview table's status-quo column."""
    page.locator('[data-testid="stTable"] td', has_text=PERCENT).first.wait_for(timeout=timeout_s * 1000)


def open_page(page, label: str) -> None:
    page.locator('[class*="st-key-page"] button', has_text=label).first.click()


def metric(page) -> str:
    """精细化工's probability under the current setting: the preview's (``st-key-preview_p_now_…``)
    or the full result's (``st-key-p_now_…``), whichever is on the page."""
    return page.locator('[class*="p_now_fine_chemicals_2025"] [data-testid="stMetricValue"]').first.inner_text()


def move_slider(page, presses: int) -> float:
    """Move attraction effort by ``presses`` steps of 0.05 (negative: left), click 应用;
    returns the time of the click."""
    thumb = page.locator('[class*="st-key-lever_attraction_effort_"] input[type="range"]')
    thumb.focus()
    for _ in range(abs(presses)):
        thumb.press("ArrowRight" if presses > 0 else "ArrowLeft")
    t0 = time.perf_counter()
    page.locator('[class*="st-key-apply_levers"] button').click()
    return t0


def wait_changed(page, before: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if metric(page) != before:
                return
        except Exception:  # noqa: BLE001 - the element is being redrawn
            pass
        time.sleep(0.02)
    raise TimeoutError("the probability did not change")


def caption(page) -> str:
    found = page.locator('[data-testid="stCaptionContainer"]', has_text="次重复模拟")
    return found.first.inner_text() if found.count() else ""


def wait_full(page, needle: str = "", timeout_s: float = 120) -> None:
    """Wait for the run caption of the full ensemble (no 快速预览), holding ``needle``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            text = caption(page)
        except Exception:  # noqa: BLE001 - being redrawn
            text = ""
        if text and "快速预览" not in text and needle in text:
            return
        time.sleep(0.02)
    raise TimeoutError("no full result")


def precompute(reps: int, store: Path) -> None:
    """``chainsim run`` of Liancheng and its policy files into the store, as a deployment would."""
    files = sorted(str(p) for p in (REPO / "scenarios").glob("liancheng*.yaml"))
    subprocess.run([sys.executable, "-m", "chainsim.cli", "run", *files, "--reps", str(reps), "--store", str(store)],
                   cwd=REPO, check=True, stdout=subprocess.DEVNULL)


def measure(reps: int, mode: str = "app") -> dict[str, float]:
    """One round of every figure for one way of starting the app (``app``, ``plain``, ``precomputed``)."""
    from playwright.sync_api import sync_playwright

    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "results.duckdb"
        if mode == "precomputed":
            precompute(reps, store)
        proc, url, ready = start_server(reps, store, launcher=mode == "app")
        out["server_ready"] = ready
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                try:
                    page = browser.new_page(viewport={"width": 1366, "height": 900})
                    t0 = time.perf_counter()
                    page.goto(url, wait_until="commit")
                    first_p(page)
                    out["cold_first_p"] = time.perf_counter() - t0
                    page.get_by_text("正在计算第").first.wait_for(state="detached", timeout=300_000)
                    out["cold_overview_done"] = time.perf_counter() - t0
                    page2 = browser.new_page(viewport={"width": 1366, "height": 900})
                    t0 = time.perf_counter()
                    page2.goto(url, wait_until="commit")
                    first_p(page2)
                    out["warm_first_p"] = time.perf_counter() - t0
                    page2.close()
                    open_page(page, "达成概率")
                    page.locator('.st-key-p_now_fine_chemicals_2025 [data-testid="stMetricValue"]').wait_for(
                        timeout=120_000)
                    wait_full(page)
                    before = metric(page)
                    t0 = move_slider(page, 6)  # 1.0 → 1.3, not seen before
                    wait_changed(page, before)
                    out["slider_preview"] = time.perf_counter() - t0
                    wait_full(page, "本次计算")
                    out["slider_full"] = time.perf_counter() - t0
                    before = metric(page)
                    t0 = move_slider(page, -6)  # back to 1.0: cached
                    wait_changed(page, before)
                    out["slider_seen"] = time.perf_counter() - t0
                finally:
                    browser.close()
        finally:
            stop(proc)
    return out


MODES = ("app", "plain", "precomputed")
"""The ways of starting the app, in the order measured in each round."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "app_speed.json")
    args = parser.parse_args()
    rounds = []
    for _ in range(args.rounds):
        figures: dict[str, float] = {}
        for mode in MODES:
            prefix = "" if mode == "app" else f"{mode}_"
            figures.update({f"{prefix}{k}": v for k, v in measure(args.reps, mode).items()})
        rounds.append(figures)
    result = {
        "reps": args.reps, "rounds": args.rounds, "load_average": list(os.getloadavg()),
        "cpus": os.cpu_count(), "median_s": {k: round(median(r[k] for r in rounds), 2) for k in rounds[0]},
        "min_s": {k: round(min(r[k] for r in rounds), 2) for k in rounds[0]},
        "max_s": {k: round(max(r[k] for r in rounds), 2) for k in rounds[0]},
    }
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
