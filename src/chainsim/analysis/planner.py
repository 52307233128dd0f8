"""What it takes, in a planner's units and in two levers.

Core objects: ``planner_units(scenario, chain, levers) -> PlannerUnits`` (a lever setting
stated as what it means on the ground: 亿元 a year of budget, projects signed a year, projects
of 10亿元 or more signed, 亩 of land taken a year, against the status quo) and
``cheapest_pair(scenario, chain, lever_a, lever_b, prob) -> PairSearch`` (the cheapest
setting of two levers at which the chain reaches its target with probability ``prob``).

Both run on common random numbers (one master seed for every ensemble), with the levers
acting from the policy start only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..catalogue import LEVERS
from ..errors import InputError
from ..scenario import Scenario
from ..schema import month_index
from .common import chain_target, lever_spec, run_settings
from .lever_search import what_it_takes
from .outcomes import Run, run_outcomes
from .portfolio import extra_cost_yi_per_year


@dataclass(frozen=True)
class PlannerUnits:
    """A lever setting in planner units, each number beside the status quo's.

    Over the years ``from_year``–``to_year`` (the policy start's year through the year
    before the target year), means over replicates: ``signed_per_year`` (projects the chain
    signs a year), ``major_signed`` (projects of 10亿元 or more it signs in those years, in
    all), ``land_mu_per_year`` (亩 of land its starting projects take a year) and
    ``county_land_mu_per_year`` (the whole county's). ``extra_cost_yi_per_year``: the
    setting's yearly cost beyond the status quo (亿元/year, over the policy period).
    ``land_supply_mu_per_year``: the land the county makes ready a year under the setting
    (亩/year; None when the scenario states no land plan). ``p_reach``: the chain's target.
    """

    chain: str
    levers: dict[str, float]
    from_year: int
    to_year: int
    reps: int
    seed: int
    extra_cost_yi_per_year: float
    p_reach: float
    p_reach_status_quo: float
    signed_per_year: float
    signed_per_year_status_quo: float
    major_signed: float
    major_signed_status_quo: float
    land_mu_per_year: float
    land_mu_per_year_status_quo: float
    county_land_mu_per_year: float
    county_land_mu_per_year_status_quo: float
    land_supply_mu_per_year: float | None
    land_supply_mu_per_year_status_quo: float | None

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def planner_units(scenario: Scenario, chain: str, levers: Mapping[str, float], reps: int | None = None,
                  seed: int | None = None, engine: str = "fast", executor: Any = None,
                  target_year: int | None = None) -> PlannerUnits:
    """The setting ``levers`` (constant from the policy start) in planner units, against the
    status quo, on common random numbers."""
    chain_obj, target = chain_target(scenario, chain, target_year)
    for name in levers:
        lever_spec(name)
    reps, seed = run_settings(scenario, reps, seed, engine)
    setting = scenario.with_levers(**{k: float(v) for k, v in levers.items()})
    sq, new = run_outcomes([Run(scenario, reps, seed, engine), Run(setting, reps, seed, engine)], executor)
    first = month_index(scenario.policy_start) // 12
    last = max(first, target.year - 1)
    t = next(i for i, (c, y) in enumerate(zip(sq.target_chain, sq.target_year))
             if sq.chain_ids[c] == chain_obj.id and int(y) == target.year)
    plan_mu = scenario.resources.land_supply_mu_per_year.value if scenario.resources else None

    def supply(s: Scenario) -> float | None:
        if plan_mu is None:
            return None
        return float(plan_mu * s.lever_from_policy_start("land_supply"))

    def mean(o: Any, what: str, c: str | None, total: bool = False) -> float:
        f = o.total if total else o.per_year
        return float(np.mean(f(what, c, first, last)))

    return PlannerUnits(
        chain=chain_obj.id, levers={k: float(v) for k, v in levers.items()}, from_year=first, to_year=last,
        reps=reps, seed=seed, extra_cost_yi_per_year=extra_cost_yi_per_year(setting, scenario),
        p_reach=float(new.reached[:, t].mean()), p_reach_status_quo=float(sq.reached[:, t].mean()),
        signed_per_year=mean(new, "signed", chain_obj.id), signed_per_year_status_quo=mean(sq, "signed", chain_obj.id),
        major_signed=mean(new, "signed_major", chain_obj.id, True),
        major_signed_status_quo=mean(sq, "signed_major", chain_obj.id, True),
        land_mu_per_year=mean(new, "land_mu", chain_obj.id), land_mu_per_year_status_quo=mean(sq, "land_mu", chain_obj.id),
        county_land_mu_per_year=mean(new, "land_mu", None), county_land_mu_per_year_status_quo=mean(sq, "land_mu", None),
        land_supply_mu_per_year=supply(setting), land_supply_mu_per_year_status_quo=supply(scenario),
    )


@dataclass(frozen=True)
class PairSearch:
    """The cheapest setting of two levers reaching the target with probability ``prob``.

    ``table``: one row per value of ``lever_a`` tried (its catalogue range in ``grid``
    steps, plus its status-quo value): value_a, value_b (the smallest value of ``lever_b``
    reaching ``prob`` with lever_a there, NaN when out of reach), p_reach there, and
    cost_yi_per_year (the pair's yearly cost beyond the status quo, 亿元/year).
    ``cheapest``: the row of lowest cost among the reachable ones (None when none is).
    ``planner``: that setting in planner units.
    """

    scenario_id: str
    chain: str
    target_yi: float
    target_year: int
    lever_a: str
    lever_b: str
    prob: float
    reps: int
    seed: int
    engine: str
    table: pd.DataFrame
    cheapest: dict[str, Any] | None
    planner: PlannerUnits | None = field(default=None, repr=False)

    def to_contract(self) -> dict[str, Any]:
        rows = [{"value_a": float(r.value_a), "value_b": None if pd.isna(r.value_b) else float(r.value_b),
                 "p_reach": None if pd.isna(r.p_reach) else float(r.p_reach),
                 "cost_yi_per_year": None if pd.isna(r.cost_yi_per_year) else float(r.cost_yi_per_year)}
                for r in self.table.itertuples(index=False)]
        return {"chain": self.chain, "levers": [self.lever_a, self.lever_b], "prob": self.prob,
                "reachable": self.cheapest is not None, "cheapest": self.cheapest, "pairs": rows,
                "scenario": self.scenario_id, "target_yi": self.target_yi, "target_year": self.target_year,
                "units": [LEVERS[self.lever_a].unit, LEVERS[self.lever_b].unit], "reps": self.reps,
                "seed": self.seed, "engine": self.engine,
                "planner": None if self.planner is None else self.planner.to_json()}


def cheapest_pair(scenario: Scenario, chain: str, lever_a: str, lever_b: str, prob: float = 0.8,
                  reps: int | None = None, seed: int | None = None, engine: str = "fast", executor: Any = None,
                  grid: int = 4, progress: Callable[[int, int], None] | None = None,
                  target_year: int | None = None, tol: float | None = None) -> PairSearch:
    """For each value of ``lever_a`` on a grid over its range (and its status-quo value),
    the smallest value of ``lever_b`` reaching ``prob`` (``what_it_takes``); the cheapest
    pair by yearly cost beyond the status quo, and that pair in planner units."""
    if lever_a == lever_b:
        raise InputError(f"two different levers are needed, got {lever_a!r} twice")
    spec_a = lever_spec(lever_a)
    lever_spec(lever_b)
    chain_obj, target = chain_target(scenario, chain, target_year)
    if not (isinstance(prob, (int, float)) and 0.0 < prob <= 1.0):
        raise InputError(f"prob must be a probability in (0, 1], got {prob!r}")
    if grid < 1:
        raise InputError(f"grid must be at least 1, got {grid}")
    reps, seed = run_settings(scenario, reps, seed, engine)
    sq_a = float(scenario.lever_from_policy_start(lever_a))
    values = sorted({round(float(v), 6) for v in np.linspace(spec_a.low, spec_a.high, grid + 1)} | {sq_a})
    rows = []
    for k, va in enumerate(values):
        base = scenario.with_levers(**{lever_a: va})
        w = what_it_takes(base, chain_obj.id, lever_b, prob, reps, seed, engine, executor, tol,
                          target_year=target.year)
        if w.reachable and w.value is not None:
            cost = extra_cost_yi_per_year(base.with_levers(**{lever_b: w.value}), scenario)
            rows.append({"value_a": va, "value_b": w.value, "p_reach": w.p_at_value, "cost_yi_per_year": cost})
        else:
            rows.append({"value_a": va, "value_b": np.nan, "p_reach": np.nan, "cost_yi_per_year": np.nan})
        if progress is not None:
            progress(k + 1, len(values) + 1)
    table = pd.DataFrame(rows, columns=["value_a", "value_b", "p_reach", "cost_yi_per_year"])
    ok = table.dropna(subset=["value_b"])
    cheapest = None
    planner = None
    if len(ok):
        best = ok.sort_values(["cost_yi_per_year", "value_a"]).iloc[0]
        cheapest = {lever_a: float(best.value_a), lever_b: float(best.value_b), "p_reach": float(best.p_reach),
                    "cost_yi_per_year": float(best.cost_yi_per_year)}
        planner = planner_units(scenario, chain_obj.id, {lever_a: float(best.value_a), lever_b: float(best.value_b)},
                                reps, seed, engine, executor, target.year)
    if progress is not None:
        progress(len(values) + 1, len(values) + 1)
    return PairSearch(scenario.id, chain_obj.id, float(target.value_yi), int(target.year), lever_a, lever_b,
                      float(prob), reps, seed, engine, table, cheapest, planner)
