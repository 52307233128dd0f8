"""The named benchmark cases: which scenario, which engine, how many replicates.

Every case is one ``run_ensemble`` call (serial executor: one core), the way ``chainsim
run`` runs a scenario, so a case's time includes the per-block reduction to summaries.
``SIZES`` holds the full sizes; ``SMOKE`` tiny ones that only check the code runs.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from chainsim.ensemble import EnsembleSummary, run_ensemble
from chainsim.scenario import Scenario, load_scenario

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from province import province_scenario  # noqa: E402


@dataclass(frozen=True)
class Case:
    """One timed run: ``reps`` replicates of ``scenario`` on ``engine``, ``rounds`` times."""

    name: str
    scenario: str  # a key of SCENARIOS
    engine: str
    reps: int
    rounds: int
    description: str


SCENARIOS = {
    "liancheng": "Liancheng 2022–2030 (9 chains, 128 enterprises at the start, 36 warm-up months)",
    "province_5k": "synthetic province at a tenth of the scale (40 chains, 5,000 enterprises, 40 leads/month)",
    "province_50k": "synthetic province (40 chains, 50,000 enterprises, 400 leads/month)",
}


@cache
def scenario(name: str) -> Scenario:
    if name == "liancheng":
        return load_scenario(REPO / "scenarios" / "liancheng.yaml")
    if name == "province_5k":
        return province_scenario(total_output_yi=4_000.0, total_enterprises=5_000, lead_rate=40.0)
    if name == "province_50k":
        return province_scenario()
    raise KeyError(name)


def _cases(mesa_reps: int, fast_reps: tuple[int, ...], province_reps: tuple[int, int], rounds: tuple[int, ...]
           ) -> dict[str, Case]:
    r_mesa, r_small, r_mid, r_big, r_province = rounds
    cases = [Case("liancheng_mesa", "liancheng", "mesa", mesa_reps, r_mesa,
                  "Mesa reference engine, per-replicate cost")]
    for size, reps, r in zip(("small", "medium", "large"), fast_reps, (r_small, r_mid, r_big)):
        cases.append(Case(f"liancheng_fast_{size}", "liancheng", "fast", reps, r, f"fast engine, {reps:,} replicates"))
    cases.append(Case("province_5k_fast", "province_5k", "fast", province_reps[0], r_province,
                      "fast engine, 5,000 enterprises"))
    cases.append(Case("province_50k_fast", "province_50k", "fast", province_reps[1], r_province,
                      "fast engine, 50,000 enterprises"))
    return {c.name: c for c in cases}


SIZES = _cases(mesa_reps=4, fast_reps=(100, 1_000, 10_000), province_reps=(100, 20), rounds=(3, 10, 5, 2, 2))
SMOKE = _cases(mesa_reps=1, fast_reps=(5, 10, 20), province_reps=(2, 1), rounds=(1, 1, 1, 1, 1))
MEMORY_CASES = ("liancheng_mesa", "liancheng_fast_medium", "liancheng_fast_large", "province_50k_fast")
"""Cases whose peak memory is measured, each in a fresh process."""

SEED = 20240601


def run_case(case: Case) -> EnsembleSummary:
    """Run a case once (what the benchmark times)."""
    return run_ensemble(scenario(case.scenario), reps=case.reps, seed=SEED, engine=case.engine)
