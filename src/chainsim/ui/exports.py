"""What the download buttons hand out.

Core objects: ``scenario_yaml`` (the current slider setting as a self-contained scenario
file that ``chainsim run`` accepts), ``targets_csv`` and ``bands_csv`` (results with
units in the column names: money in 亿元, output in 亿元/year, probabilities in [0, 1]).
"""

from __future__ import annotations

import pandas as pd

from ..ensemble import EnsembleSummary
from ..scenario import scenario_to_yaml
from .state import AppState


def scenario_yaml(state: AppState) -> str:
    """The scenario with the sliders' values in force, as YAML (``chainsim.scenario.scenario_to_yaml``)."""
    header = (f"# {state.scenario.id}: saved from the chainsim app (policy levers as set by the sliders).\n"
              "# Money in 亿元 (1亿元 = 1e8 CNY). Run it with: chainsim run THIS_FILE.yaml\n")
    return header + scenario_to_yaml(state.current)


def _stamp(frame: pd.DataFrame, summary: EnsembleSummary) -> pd.DataFrame:
    out = frame.copy()
    out.insert(0, "scenario", summary.scenario_id)
    out["reps"] = summary.reps
    out["seed"] = summary.seed
    out["engine"] = summary.engine
    out["scenario_hash"] = summary.scenario_hash
    return out


def targets_csv(summary: EnsembleSummary) -> str:
    """``EnsembleSummary.targets`` as CSV (one row per chain target), stamped with the
    scenario id, reps, seed, engine and content hash."""
    return _stamp(summary.targets, summary).to_csv(index=False)


def bands_csv(summary: EnsembleSummary) -> str:
    """``EnsembleSummary.bands`` as CSV: monthly output quantiles per chain, 亿元/year."""
    return _stamp(summary.bands, summary).to_csv(index=False)
