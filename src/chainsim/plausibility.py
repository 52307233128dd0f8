"""Plausibility warnings: what a planner should distrust in a run.

Core object: ``run_warnings(scenario, summary)``, a list of ``{"chain", "kind", "message"}``
(CONTRACT.md's ``warnings``), derived from the scenario and the summary's per-replicate
outcomes (so a stored run gives the same warnings as a fresh one):

* ``growth``: the chain's output, compounded from its base output to its target year, grows
  faster than the fastest growth the seeds report (``PLAUSIBLE_GROWTH_PER_YEAR``, 確山's
  +22.5%) in more than ``GROWTH_WARNING_SHARE`` of the replicates;
* ``uncalibrated``: no parameter of the scenario is calibrated (catalogue defaults only);
* ``unbounded``: the scenario states no land or factory space, so nothing but leads
  bounds its growth.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .catalogue import GROWTH_WARNING_SHARE, PLAUSIBLE_GROWTH_PER_YEAR
from .prepare import make_plan
from .schema import Scenario, base_output_name
from .uncertainty import replicate_parameters


def growth_per_year(output_yi: np.ndarray, base_yi: float | np.ndarray, years: int) -> np.ndarray:
    """Compound annual growth (1/year) from ``base_yi`` (the year before the start; one per
    replicate when the base output is uncertain) to ``output_yi`` (the annual output ``years``
    years later)."""
    ratio = np.maximum(np.asarray(output_yi, dtype=float), 0.0) / base_yi
    return ratio ** (1.0 / max(years, 1)) - 1.0


def run_warnings(scenario: Scenario, summary: Any) -> list[dict[str, Any]]:
    """Warnings for a run of ``scenario`` summarised in ``summary`` (an ``EnsembleSummary``)."""
    out: list[dict[str, Any]] = []
    plan = make_plan(scenario)
    seen: set[int] = set()
    start_year = scenario.calendar.start_year
    drawn = replicate_parameters(scenario, summary.seed, np.arange(summary.reps)) or {}
    for t in range(len(plan.target_yi)):
        c = int(plan.target_chain[t])
        if c in seen:
            continue
        seen.add(c)
        years = int(plan.target_year[t]) - start_year + 1
        base = drawn.get(base_output_name(plan.chain_ids[c]), float(plan.base_output_yi[c]))
        g = growth_per_year(summary.target_output_yi[:, t], base, years)
        share = float(np.mean(g > PLAUSIBLE_GROWTH_PER_YEAR))
        if share > GROWTH_WARNING_SHARE:
            out.append({"chain": plan.chain_ids[c], "kind": "growth", "share": share, "from_year": start_year - 1,
                        "to_year": int(plan.target_year[t]), "message": (
                f"{plan.chain_ids[c]}: output grows faster than {PLAUSIBLE_GROWTH_PER_YEAR:.1%} a year (the fastest "
                f"growth the seeds report, qs_2014h1_park_output_growth) from {start_year - 1} to "
                f"{int(plan.target_year[t])} in {share:.0%} of replicates: faster than any growth the seeds report, so check what drives it (flagship projects, base output, output per 亿元)")})
    if not any(p.provenance == "calibrated" for p in scenario.parameters.values()):
        out.append({"chain": None, "kind": "uncalibrated", "message": (
            f"{scenario.id}: no parameter is calibrated; every unreported number is a catalogue default "
            "(run `chainsim calibrate` against the county's reported figures)")})
    if scenario.counties:  # a province: each county states its own resources
        bare = [c.id for c in scenario.counties if c.resources is None]
        if bare:
            out.append({"chain": None, "kind": "unbounded", "message": (
                f"{scenario.id}: {len(bare)} of {len(scenario.counties)} counties state no land or factory space "
                f"(counties[].resources: {', '.join(bare[:5])}{', …' if len(bare) > 5 else ''}), so only leads "
                "bound their growth")})
    elif scenario.resources is None:
        out.append({"chain": None, "kind": "unbounded", "message": (
            f"{scenario.id}: no land or factory space is stated (resources:), so only leads bound its growth")})
    return out
