"""A synthetic province-sized scenario for the agent-scaling benchmark.

Not a real province: 40 industrial chains whose base outputs add up to 40,000亿元/year,
about 60 counties at Fujian's average county industrial revenue of 680亿元 ("全省县域规上
工业营收均值为680亿元", /work/shared/seeds/003_7af3d84c8a369bd9.txt), with 50,000
enterprises at the start (``enterprises:`` set per chain) and 400 investment leads a month.
Chain sizes fall off geometrically (the largest about ten times the smallest), as a
province's do. Every number here is ``assumed``: the scenario exists to time the engine
with about a thousand times Liancheng's agents, not to say anything about a province.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainsim.scenario import Scenario, scenario_from_data

N_CHAINS = 40
TOTAL_OUTPUT_YI = 40_000.0
TOTAL_ENTERPRISES = 50_000
LEAD_RATE = 400.0  # leads/month across the province


def province_data(n_chains: int = N_CHAINS, total_output_yi: float = TOTAL_OUTPUT_YI,
                  total_enterprises: int = TOTAL_ENTERPRISES, lead_rate: float = LEAD_RATE) -> dict[str, Any]:
    """The scenario as plain data (what a YAML file would hold)."""
    weights = 0.94 ** np.arange(n_chains)
    weights /= weights.sum()
    outputs = np.round(total_output_yi * weights, 1)
    firms = np.maximum(np.round(total_enterprises * weights).astype(int), 10)
    chains = []
    for i, (output, n) in enumerate(zip(outputs, firms)):
        chains.append({
            "id": f"chain_{i:02d}",
            "name_zh": f"产业链{i + 1}",
            "name_en": f"Chain {i + 1}",
            "base_output": {"value": f"{output}亿元", "provenance": "assumed"},
            "targets": [{"value": f"{round(1.5 * output, 1)}亿元", "year": 2025, "provenance": "assumed"}],
            "segments": [f"segment_{k}" for k in range(8)],
            "segments_filled": 3 + i % 4,
            "leaders": [f"leader_{i}_{k}" for k in range(1 + i % 3)],
            "enterprises": int(n),
            "priority": i < 10,
        })
    return {
        "id": "synthetic_province",
        "title": "Synthetic province: 40 chains, 50,000 enterprises (benchmark only)",
        "county": {"name_zh": "合成省", "name_en": "Synthetic province"},
        "calendar": {"start": "2022-01", "horizon": "2030-12", "warmup_months": 36},
        "chains": chains,
        "parameters": {
            "lead_rate": {"dist": "uniform", "low": 0.8 * lead_rate, "high": 1.2 * lead_rate},
            "sign_prob": {"dist": "uniform", "low": 0.3, "high": 0.6},
            "major_share": {"dist": "uniform", "low": 0.08, "high": 0.25},
        },
        "ensemble": {"reps": 20, "seed": 1},
    }


def province_scenario(**kwargs: Any) -> Scenario:
    """The synthetic province as a validated ``Scenario``."""
    return scenario_from_data(province_data(**kwargs), "benchmarks/province.py")
