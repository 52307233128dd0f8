"""Lever settings over time from the policy start: periods, schedules, status quo, costs.

Core objects: ``policy_periods(scenario, n)`` (the policy period cut into ``n`` periods at
year boundaries), ``status_quo_path(scenario, lever, periods)`` (the lever's value in force
at each period's start as the scenario sets it), ``with_schedules(scenario, schedules)``
(a copy with levers set per period from the policy start; the months before it are left
exactly as the scenario has them, as ``Scenario.with_levers`` does) and
``extra_cost_yi_per_year`` (what a setting costs a year beyond the status quo).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..catalogue import LEVERS
from ..costs import lever_cost_yi, policy_cost_yi_per_year
from ..errors import InputError
from ..prepare import make_plan
from ..scenario import Scenario
from ..schema import LeverSetting, Step, month_index, month_label


@dataclass(frozen=True)
class Period:
    """Months [start, start + months) of the policy period; ``start`` is YYYY-MM."""

    start: str
    months: int


def policy_periods(scenario: Scenario, n: int = 1) -> list[Period]:
    """The policy period (policy start through December of the last target year) cut
    into ``n`` periods at calendar-year boundaries, as even in years as possible.

    ``n`` larger than the number of calendar years the period touches is bad input.
    """
    first = month_index(scenario.policy_start)
    stop = (scenario.last_target_year + 1) * 12
    if stop <= first:
        raise InputError(f"scenario {scenario.id!r}: the policy start {scenario.policy_start} is after the last "
                         f"target year {scenario.last_target_year}: nothing to decide")
    years = list(range(first // 12, scenario.last_target_year + 1))
    if not 1 <= n <= len(years):
        raise InputError(f"--periods must be from 1 to {len(years)} (the calendar years from the policy start "
                         f"{scenario.policy_start} to {scenario.last_target_year}), got {n}")
    groups = np.array_split(np.array(years), n)
    out = []
    for g in groups:
        start = max(first, int(g[0]) * 12)
        end = (int(g[-1]) + 1) * 12
        out.append(Period(month_label(start), end - start))
    return out


def status_quo_path(scenario: Scenario, lever: str, periods: Sequence[Period]) -> list[float]:
    """The lever's value (mean over chains) in force at each period's first month, as the
    scenario itself sets it (value, schedule, per-chain values)."""
    plan = make_plan(scenario)
    path = plan.levers[lever]
    return [float(path[month_index(p.start) - plan.first_month].mean()) for p in periods]


def unit_cost_yi(scenario: Scenario, lever: str) -> float:
    """Yearly cost (亿元/year) of one unit of the lever."""
    land_plan = scenario.resources.land_supply_mu_per_year.value if scenario.resources else 0.0
    return float(lever_cost_yi(lever, 1.0, land_plan))


def with_schedules(scenario: Scenario, schedules: Mapping[str, Sequence[float]],
                   periods: Sequence[Period]) -> Scenario:
    """A copy with each named lever at ``schedules[lever][k]`` from ``periods[k].start`` on
    (for every chain). Before the policy start each lever keeps the scenario's own path."""
    if len(periods) == 1:
        return scenario.with_levers(**{k: float(v[0]) for k, v in schedules.items()})
    levers = dict(scenario.policy.levers)
    start = month_index(scenario.policy_start)
    for name, values in schedules.items():
        spec = LEVERS[name]
        if len(values) != len(periods):
            raise ValueError(f"{name}: {len(values)} values for {len(periods)} periods")
        for v in values:
            if not spec.low <= float(v) <= spec.high:
                raise ValueError(f"{name} = {v} is outside the lever's bounds [{spec.low}, {spec.high}] {spec.unit}")
        old = scenario.policy.lever(name)
        earlier = [s for s in old.schedule if month_index(s.from_) < start]
        steps = [Step(**{"from": p.start, "value": float(v)}) for p, v in zip(periods, values)]
        levers[name] = LeverSetting(value=old.value, by_chain=old.by_chain, note=old.note, schedule=[*earlier, *steps])
    return scenario.model_copy(update={"policy": scenario.policy.model_copy(update={"levers": levers})})


def extra_cost_yi_per_year(scenario: Scenario, base: Scenario) -> float:
    """Mean yearly cost of ``scenario``'s levers over the policy period minus ``base``'s, 亿元/year."""
    return policy_cost_yi_per_year(scenario) - policy_cost_yi_per_year(base)


def schedule_json(values: Sequence[float], periods: Sequence[Period]) -> float | list[dict[str, object]]:
    """A lever's setting for JSON: one number when it is constant, else [{"from", "value"}]."""
    if len(periods) == 1 or all(abs(v - values[0]) < 1e-12 for v in values):
        return float(values[0])
    return [{"from": p.start, "value": float(v)} for p, v in zip(periods, values)]
