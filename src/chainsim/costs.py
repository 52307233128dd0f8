"""What a policy costs: each lever's yearly cost in 亿元, from the catalogue's ``LeverCost``.

Core objects: ``lever_cost_yi`` (one lever at one value), ``policy_costs`` (a scenario's
levers: the value in force and the mean yearly cost over the policy period, a tidy frame)
and ``policy_cost_yi_per_year`` (their sum). No lever is free: the pre-work fund costs its
own value (reported), land costs what 龙岩 paid per 亩 opened (reported, derived), the
others are assumed and flagged.

The policy period runs from the scenario's policy start through the end of its last
target year; a lever's cost is averaged over its months (schedules included), so a step
in 2024 counts from 2024 on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .catalogue import LEVERS
from .prepare import make_plan
from .schema import Scenario, month_index


def lever_cost_yi(name: str, value: float | np.ndarray, land_plan_mu: float = 0.0) -> float | np.ndarray:
    """Yearly cost (亿元/year) of lever ``name`` at ``value`` (in the lever's unit).

    ``per_unit_yi × value``; for ``land_supply`` (× the county's land plan) the unit is the
    plan's 亩 a year, so ``land_plan_mu`` (亩/year) must be given.
    """
    cost = LEVERS[name].cost
    if cost is None:
        raise ValueError(f"lever {name!r} has no cost in the catalogue")
    scale = land_plan_mu if name == "land_supply" else 1.0
    return cost.per_unit_yi * np.asarray(value, dtype=float) * scale


def _policy_months(scenario: Scenario) -> tuple[int, int]:
    """Run-month range [first, stop) of the policy period (policy start → end of the last target year)."""
    first_run_month = month_index(scenario.calendar.start) - scenario.calendar.warmup_months
    first = month_index(scenario.policy_start) - first_run_month
    stop = (scenario.last_target_year + 1) * 12 - first_run_month
    return first, max(stop, first + 1)


def policy_costs(scenario: Scenario) -> pd.DataFrame:
    """Each lever's value and mean yearly cost over the policy period.

    Columns: lever, label_zh, label_en, unit, value (mean over the period and chains, in
    the lever's unit), cost_yi_per_year, provenance (of the cost), basis (what the money
    buys, and the source). A lever set per chain costs its mean over the chains.
    """
    plan = make_plan(scenario)
    first, stop = _policy_months(scenario)
    land_plan = scenario.resources.land_supply_mu_per_year.value if scenario.resources else 0.0
    rows = []
    for name, spec in LEVERS.items():
        path = plan.levers[name][first:stop]
        value = float(path.mean())
        if scenario.counties:  # a province: every county pays for its own levers
            cost = float(np.sum([np.mean(lever_cost_yi(name, path[:, plan.chain_county == k].mean(axis=1),
                                                       c.resources.land_supply_mu_per_year.value if c.resources
                                                       else 0.0))
                                 for k, c in enumerate(scenario.counties) if np.any(plan.chain_county == k)]))
            rows.append({"lever": name, "label_zh": spec.label_zh, "label_en": spec.label_en, "unit": spec.unit,
                         "value": value, "cost_yi_per_year": cost, "provenance": spec.cost.provenance,
                         "basis": spec.cost.basis})
            continue
        cost = float(np.mean(lever_cost_yi(name, path.mean(axis=1), land_plan)))
        rows.append({"lever": name, "label_zh": spec.label_zh, "label_en": spec.label_en, "unit": spec.unit,
                     "value": value, "cost_yi_per_year": cost, "provenance": spec.cost.provenance,
                     "basis": spec.cost.basis})
    return pd.DataFrame(rows)


def policy_cost_yi_per_year(scenario: Scenario) -> float:
    """The scenario's levers' total mean yearly cost over the policy period, 亿元/year."""
    return float(policy_costs(scenario)["cost_yi_per_year"].sum())
