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
  to the first new probability of 精细化工 on the page (the preview's, or the full result's
  if no preview came first), and to the full result (its caption, 本次计算, and 精细化工's
  probability in the targets table);
* ``slider_seen``: moving back to a value seen before (cached): to the new probability.

Every figure is timed inside the page (``performance.now()``: a capture-phase click
listener and a ``MutationObserver`` installed before the app loads), from navigation start
or from the click's event to the moment the new text is in the page's DOM; Playwright only
drives and waits. The same figures as Playwright sees them (its click's own checks and its
20 ms polling included, as measured before 2026-12-07) are kept with the suffix
``_driver``. The figures of ``app`` carry no prefix; the others are prefixed ``plain_`` and
``precomputed_``. ``--modes plain,precomputed`` measures an app without ``chainsim app``
(an older commit, for a before/after on the same method). Writes the figures as JSON (``--json``) and prints them. Needs
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


MARKS = r"""
(() => {
  const percent = /(<1%|>99%|\d{1,3}(\.\d)?%)/;
  const m = window.__marks = {first_p: null, cells: [0, null], clicks: [], metric: [], table: [], caption: []};
  document.addEventListener('click', () => m.clicks.push(performance.now()), true);
  let lastMetric = null, lastCaption = null, lastCell = null;
  const look = () => {
    const now = performance.now();
    const cells = [...document.querySelectorAll('[data-testid="stTable"] td')].filter(td => percent.test(td.innerText));
    if (cells.length && m.first_p === null) m.first_p = now;
    if (cells.length > m.cells[0]) m.cells = [cells.length, now];
    const el = document.querySelector('[class*="p_now_fine_chemicals_2025"] [data-testid="stMetricValue"]');
    const v = el ? el.innerText : null;
    if (v !== null && v !== lastMetric) { m.metric.push([now, v]); lastMetric = v; }
    let cell = null;  // 精细化工's row of the targets table, column 当前概率 (%)
    for (const t of document.querySelectorAll('[data-testid="stTable"] table')) {
      const head = [...(t.querySelector('thead tr') || {cells: []}).cells].map(c => c.innerText.trim());
      const k = head.indexOf('当前概率 (%)');
      const row = k < 0 ? null : [...t.querySelectorAll('tbody tr')].find(r => r.cells[0].innerText.trim() === '精细化工');
      if (row) cell = row.cells[k].innerText.trim();
    }
    if (cell !== null && cell !== lastCell) { m.table.push([now, cell]); lastCell = cell; }
    const cap = [...document.querySelectorAll('[data-testid="stCaptionContainer"]')].map(c => c.innerText)
      .find(t => t.includes('次重复模拟 · 随机种子'));
    if (cap && cap !== lastCaption) { m.caption.push([now, cap]); lastCaption = cap; }
  };
  new MutationObserver(look).observe(document, {subtree: true, childList: true, characterData: true});
})();
"""
"""Installed in every page before the app loads: when the page first shows a probability,
when the overview's table last gained one, each click, and each new value of 精细化工's
probability (its card's metric; its row of the targets table) and of the run caption, in
``performance.now()`` milliseconds."""


def marks(page) -> dict:
    return page.evaluate("window.__marks")


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


def _after(events: list, t0: float, test) -> float:
    """Seconds from ``t0`` (ms) to the first event after it whose value passes ``test``."""
    return next(((t - t0) / 1000 for t, value in events if t >= t0 and test(value)), float("nan"))


def slider_step(page, presses: int, needle: str) -> tuple[float, float, float, float]:
    """Move the slider, click 应用, wait for the full result (its caption holding ``needle``).
    Returns, in the page's time: the first new probability of 精细化工 shown (table or card,
    a preview's or the full result's), and the full result (its caption and 精细化工's
    probability in the targets table both in); then the same two as the driver saw them
    (the card's metric, the caption)."""
    before = metric(page)
    t0 = move_slider(page, presses)
    wait_changed(page, before)
    first_driver = time.perf_counter() - t0
    wait_full(page, needle)
    full_driver = time.perf_counter() - t0
    time.sleep(0.3)  # let the page settle, then read its marks
    m = marks(page)
    click = m["clicks"][-1]
    new = lambda v: v != before  # noqa: E731
    first = min(_after(m["metric"], click, new), _after(m["table"], click, new))
    caption_at = _after(m["caption"], click, lambda text: "快速预览" not in text and needle in text)
    final = next((v for _, v in reversed(m["table"])), before)
    full = max(caption_at, _after(m["table"], click, lambda v: v == final and v != before))
    return first, full, first_driver, full_driver


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
                    page.add_init_script(MARKS)
                    t0 = time.perf_counter()
                    page.goto(url, wait_until="commit")
                    first_p(page)
                    out["cold_first_p_driver"] = time.perf_counter() - t0
                    # pending cells (计算中…, before 2026-12-07) or the progress line (正在计算第…) gone
                    page.get_by_text("计算中…").first.wait_for(state="detached", timeout=300_000)
                    page.get_by_text("正在计算第").first.wait_for(state="detached", timeout=300_000)
                    m = marks(page)
                    out["cold_first_p"] = m["first_p"] / 1000
                    out["cold_overview_done"] = m["cells"][1] / 1000
                    page2 = browser.new_page(viewport={"width": 1366, "height": 900})
                    page2.add_init_script(MARKS)
                    t0 = time.perf_counter()
                    page2.goto(url, wait_until="commit")
                    first_p(page2)
                    out["warm_first_p_driver"] = time.perf_counter() - t0
                    out["warm_first_p"] = marks(page2)["first_p"] / 1000
                    page2.close()
                    open_page(page, "达成概率")
                    page.locator('.st-key-p_now_fine_chemicals_2025 [data-testid="stMetricValue"]').wait_for(
                        timeout=120_000)
                    wait_full(page)
                    (out["slider_preview"], out["slider_full"], out["slider_preview_driver"],
                     out["slider_full_driver"]) = slider_step(page, 6, "本次计算")  # 1.0 → 1.3, not seen before
                    out["slider_seen"], _, out["slider_seen_driver"], _ = slider_step(page, -6, "")  # back: cached
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
    parser.add_argument("--modes", default=",".join(MODES), help="which ways of starting the app (default: all)")
    args = parser.parse_args()
    modes = [m for m in args.modes.split(",") if m]
    rounds = []
    for _ in range(args.rounds):
        figures: dict[str, float] = {}
        for mode in modes:
            prefix = "" if mode == "app" else f"{mode}_"
            figures.update({f"{prefix}{k}": v for k, v in measure(args.reps, mode).items()})
        rounds.append(figures)
    result = {
        "reps": args.reps, "rounds": args.rounds, "load_average": list(os.getloadavg()),
        "cpus": os.cpu_count(), "median_s": {k: round(median(r[k] for r in rounds), 2) for k in rounds[0]},
        "min_s": {k: round(min(r[k] for r in rounds), 2) for k in rounds[0]},
        "max_s": {k: round(max(r[k] for r in rounds), 2) for k in rounds[0]},
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                                 text=True).stdout.strip(),
    }
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
