"""Start-up: ``chainsim --version``, ``validate`` and a fast-engine ``run`` import none of
the heavy packages they do not use (scipy.optimize, SALib, mesa, dask, distributed,
streamlit, plotly).

Each command runs in a fresh interpreter through a tiny driver that calls
``chainsim.cli.main`` and then prints, as JSON, which of those packages are in
``sys.modules``. Behaviour only: no timing is asserted (benchmarks/startup.py measures it).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "scenarios" / "tiny.yaml"
HEAVY = ("scipy.optimize", "SALib", "mesa", "dask", "distributed", "streamlit", "plotly")

DRIVER = """
import json, sys
import chainsim.cli
try:
    code = chainsim.cli.main(sys.argv[2:])
except SystemExit as exc:  # --version and --help exit through argparse
    code = exc.code
heavy = json.loads(sys.argv[1])
loaded = sorted(m for m in heavy if m in sys.modules or any(k.startswith(m + ".") for k in sys.modules))
print(json.dumps({"code": code, "loaded": loaded}), file=sys.stderr)
"""


def imported_by(*args: object, cwd: Path) -> list[str]:
    """The heavy packages that ``chainsim ARGS`` imports (it must exit 0)."""
    proc = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(HEAVY), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, None), proc.stderr
    return report["loaded"]


@pytest.mark.parametrize("args", [
    ["--version"],
    ["validate", *sorted(map(str, (ROOT / "scenarios").glob("*.yaml")))],
    ["run", str(TINY), "--reps", "50", "--seed", "1", "--no-store", "--json"],
    ["run", str(TINY), str(ROOT / "scenarios" / "queshan.yaml"), "--reps", "250", "--seed", "1", "--store",
     "r.duckdb", "--workers", "2", "--json"],
], ids=["version", "validate", "run-fast", "run-fast-stored-2-workers"])
def test_light_commands_import_no_heavy_package(args, tmp_path):
    assert imported_by(*args, cwd=tmp_path) == []


def test_the_check_sees_a_heavy_import_when_a_command_needs_it(tmp_path):
    """The Mesa engine needs mesa: the driver reports it, so an empty report above means something."""
    assert "mesa" in imported_by("run", TINY, "--engine", "mesa", "--reps", "1", "--no-store", "--json", cwd=tmp_path)


def test_the_calibrate_parser_states_the_library_default_reps():
    from chainsim.calibrate import CALIBRATION_REPS
    from chainsim.commands.calibrate import DEFAULT_REPS

    assert DEFAULT_REPS == CALIBRATION_REPS
