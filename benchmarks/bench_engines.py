"""pytest-benchmark timings of the cases in ``cases.py``, all in one pytest process.

Run by ``benchmarks/run.py`` (which also measures memory and writes the results); to run
by hand: ``python -m pytest benchmarks/bench_engines.py -o python_files='bench_*.py'``.
``CHAINSIM_BENCH_SIZES=smoke`` selects the tiny sizes.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import SIZES, SMOKE, run_case  # noqa: E402

CASES = SMOKE if os.environ.get("CHAINSIM_BENCH_SIZES") == "smoke" else SIZES


@pytest.mark.parametrize("name", list(CASES))
def test_case(benchmark, name: str) -> None:  # type: ignore[no-untyped-def]
    case = CASES[name]
    run_case(replace(case, reps=1))  # load the scenario and warm up, outside the timing
    benchmark.extra_info.update(reps=case.reps, engine=case.engine, scenario=case.scenario)
    summary = benchmark.pedantic(run_case, args=(case,), rounds=case.rounds, iterations=1, warmup_rounds=0)
    assert summary.reps == case.reps
