"""What it takes: the smallest lever value at which a chain reaches its target with a
given probability, or a plain statement that it is out of reach within the lever's bounds.

Core objects: ``what_it_takes(scenario, chain, lever, prob) -> WhatItTakes``.

Every evaluation runs the same ensemble (same replicates, same master seed) with only the
lever changed, so p(value) — the share of replicates whose annual output in the target
year reaches the target — is a deterministic function of the lever value and bisection on
it is well defined.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..ensemble import run_ensemble
from ..errors import InputError
from ..scenario import Scenario
from .common import chain_target, lever_spec, run_settings

GRID_INTERVALS = 4
"""The bracketing scan cuts the lever's range into this many intervals."""


@dataclass(frozen=True)
class WhatItTakes:
    """The answer to "what lever value reaches this target with probability ``prob``?".

    ``value``: smallest lever value found (in ``unit``) at which p_reach ≥ prob, or None
    when no evaluated value reached it (``reachable`` False). ``value_below``: the largest
    value evaluated below ``value`` with p_reach < prob (None when ``value`` is the lower
    bound); ``value − value_below ≤ tol``. ``p_at_value`` / ``p_below``: p_reach there.
    ``p_at_bounds``: p_reach at the lever's catalogue bounds (low, high). ``current_value``:
    the lever's base value in the scenario. ``history``: every evaluation in order
    (columns value, p_reach, step ∈ bound | bracket | bisect). p_reach values are shares of
    ``reps`` replicates, in [0, 1].
    """

    scenario_id: str
    chain: str
    target_year: int
    target_yi: float
    lever: str
    unit: str
    low: float
    high: float
    current_value: float
    prob: float
    value: float | None
    reachable: bool
    p_at_value: float | None
    value_below: float | None
    p_below: float | None
    p_at_bounds: tuple[float, float]
    tol: float
    reps: int
    seed: int
    engine: str
    history: pd.DataFrame = field(repr=False)

    def to_contract(self) -> dict[str, Any]:
        """CONTRACT.md's what-it-takes JSON, with extras (unit, bounds, evaluations, …)."""
        return {
            "chain": self.chain, "lever": self.lever, "prob": self.prob, "value": self.value,
            "reachable": self.reachable, "p_at_bounds": [self.p_at_bounds[0], self.p_at_bounds[1]],
            "scenario": self.scenario_id, "target_year": self.target_year, "target_yi": self.target_yi,
            "unit": self.unit, "bounds": [self.low, self.high], "current_value": self.current_value,
            "p_at_value": self.p_at_value, "value_below": self.value_below, "p_below": self.p_below,
            "tol": self.tol, "reps": self.reps, "seed": self.seed, "engine": self.engine,
            "evaluations": [{"value": float(r.value), "p_reach": float(r.p_reach)}
                            for r in self.history.itertuples(index=False)],
        }


def what_it_takes(scenario: Scenario, chain: str, lever: str, prob: float = 0.8, reps: int | None = None,
                  seed: int | None = None, engine: str = "fast", executor: Any = None, tol: float | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  target_year: int | None = None) -> WhatItTakes:
    """Smallest value of ``lever`` at which ``chain`` reaches its target with p ≥ ``prob``.

    The target is the chain's first (or the one for ``target_year``); the lever ranges over
    its catalogue bounds and is held at one constant value in every month and chain (any
    schedule or per-chain values in the scenario are replaced). ``tol`` (lever units,
    default 1% of the lever's range) is the width of the final bracket.

    Method: evaluate p at both bounds (reported as ``p_at_bounds``). If p(low) ≥ prob the
    answer is the lower bound. Otherwise scan the range in ``GRID_INTERVALS`` steps upward
    to the first value with p ≥ prob (bracketing), then bisect between it and the value
    below until the bracket is narrower than ``tol``. If nothing reaches prob, including
    the upper bound, ``reachable`` is False and ``value`` None.

    Non-monotone levers: under common random numbers p(value) is deterministic but need not
    be monotone. A lever that changes how many random draws a run makes reshuffles later
    chance events, so p(value) carries Monte Carlo noise between nearby values (of order
    sqrt(p(1 − p)/reps), a few hundredths at 200 replicates), and some levers may genuinely
    help only up to a point. The bisection keeps the invariant p(value_below) < prob ≤
    p(value) on values it actually evaluated, so the returned value always has p ≥ prob
    observed at it and a value at most ``tol`` below it observed short of prob; but another,
    smaller value outside the last bracket may also reach prob. The scan from the low end
    makes that less likely and catches a lever that reaches prob only mid-range. Read
    ``value`` as precise to ``tol`` in the lever and to that noise in p: more ``reps``
    sharpen it.

    Raises ``InputError`` (with a did-you-mean) for an unknown chain, lever or target year,
    or a prob outside (0, 1].
    """
    problems = []
    for check in (lambda: lever_spec(lever), lambda: chain_target(scenario, chain, target_year)):
        try:
            check()
        except InputError as exc:
            problems.append(str(exc))
    if not (isinstance(prob, (int, float)) and 0.0 < prob <= 1.0):
        problems.append(f"prob must be a probability in (0, 1], got {prob!r}")
    if problems:
        raise InputError(problems[0] if len(problems) == 1 else
                         f"{len(problems)} problems:\n  " + "\n  ".join(problems))
    spec = lever_spec(lever)
    chain_obj, target = chain_target(scenario, chain, target_year)
    reps, seed = run_settings(scenario, reps, seed, engine)
    low, high = float(spec.low), float(spec.high)
    tol = 0.01 * (high - low) if tol is None else float(tol)
    if not tol > 0:
        raise InputError(f"tol must be positive, got {tol}")
    max_evals = 2 + (GRID_INTERVALS - 1) + max(0, math.ceil(math.log2((high - low) / GRID_INTERVALS / tol)))
    history: list[dict[str, Any]] = []
    cache: dict[float, float] = {}

    def p_at(value: float, step: str) -> float:
        if value not in cache:
            summary = run_ensemble(scenario.with_levers(**{lever: value}), reps, seed, engine, executor)
            rows = summary.targets
            row = rows[(rows["chain"] == chain_obj.id) & (rows["target_year"] == target.year)]
            cache[value] = float(row["p_reach"].iloc[0])
            history.append({"value": value, "p_reach": cache[value], "step": step})
            if progress is not None:
                progress(len(history), max(max_evals, len(history)))
        return cache[value]

    p_low, p_high = p_at(low, "bound"), p_at(high, "bound")
    below: float | None = None
    above: float | None = None
    if p_low >= prob:
        above = low
    else:
        below = low
        for k in range(1, GRID_INTERVALS + 1):
            v = high if k == GRID_INTERVALS else low + k * (high - low) / GRID_INTERVALS
            if p_at(v, "bracket") >= prob:
                above = v
                break
            below = v
        if above is not None:
            assert below is not None
            while above - below > tol:
                mid = 0.5 * (below + above)
                if p_at(mid, "bisect") >= prob:
                    above = mid
                else:
                    below = mid
    if progress is not None:
        progress(len(history), len(history))
    frame = pd.DataFrame(history, columns=["value", "p_reach", "step"])
    return WhatItTakes(
        scenario_id=scenario.id, chain=chain_obj.id, target_year=target.year, target_yi=target.value_yi,
        lever=lever, unit=spec.unit, low=low, high=high, current_value=scenario.policy.lever(lever).value,
        prob=float(prob), value=above, reachable=above is not None,
        p_at_value=None if above is None else cache[above],
        value_below=below if above is not None else None,
        p_below=cache[below] if (above is not None and below is not None) else None,
        p_at_bounds=(p_low, p_high), tol=tol, reps=reps, seed=seed, engine=engine, history=frame,
    )
