"""Calibrate a scenario's free parameters to the reported figures it names.

Core functions: ``calibrate(scenario, reps, seed, ...) -> CalibrationResult`` and
``fit_table(scenario, reps, seed) -> DataFrame`` (reported vs simulated at the scenario's
current parameters, for the app). The pieces live in ``chainsim.calibration``:
``moments`` (the simulated statistic of each figure), ``fit`` (simulated method of
moments on common random numbers, intervals, identifiability) and ``report`` (the
result, its JSON and its YAML). See docs/calibration.md for the method and its choices.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from . import __version__
from .calibration.fit import (
    FreeSpace,
    MomentEvaluator,
    fit_moments,
    flat_directions,
    identified,
    intervals,
    local_uncertainty,
)
from .calibration.moments import calibration_problems, moment_specs, simulate_moments
from .calibration.report import CalibrationResult, fit_frame, parameter_frame
from .scenario import Scenario

__all__ = ["CALIBRATION_REPS", "CalibrationResult", "calibrate", "calibration_problems", "fit_table"]

CALIBRATION_REPS = 400
"""Default replicates per evaluation of the loss: the simulated mean of a count near 50
is then within about ±0.7 of its expectation, far inside the figures' own spread (±7)."""


def fit_table(scenario: Scenario, reps: int = 500, seed: int | None = None,
              reported: Mapping[str, float] | None = None, executor: Any = None) -> pd.DataFrame:
    """Reported vs simulated at the scenario's current parameters (drawn as the scenario
    says), one row per calibration target and holdout figure; see ``fit_frame`` for the
    columns (holdout rows flagged). Raises ``ValueError`` if the scenario names no
    usable figures."""
    specs = moment_specs(scenario, reported)
    seed = scenario.ensemble.seed if seed is None else seed
    return fit_frame(specs, simulate_moments(scenario, specs, reps, seed, None, executor))


def calibrate(scenario: Scenario, reps: int = CALIBRATION_REPS, seed: int | None = None, executor: Any = None,
              progress: Callable[[int, int], None] | None = None, reported: Mapping[str, float] | None = None,
              n_explore: int | None = None, n_starts: int = 3, max_nfev: int = 15) -> CalibrationResult:
    """Fit ``calibration.free`` to ``calibration.targets`` by the simulated method of moments.

    Every evaluation simulates ``reps`` replicates from the same ``seed`` (default: the
    scenario's), with the free parameters fixed at the candidate values and every other
    uncertain parameter drawn as the scenario says; the run stops at the last moment month.
    ``reported`` replaces figure values by id (counts, or 亿元, before ``scale``) — synthetic
    data. ``executor`` runs the blocks (see ``chainsim.executors``); ``progress(done, total)``
    is told after each simulation (total is an upper bound until the end).
    ``n_explore`` (default 8 per free parameter) Latin-hypercube points seed ``n_starts``
    local least-squares runs of at most ``max_nfev`` iterations.
    Raises ``ValueError`` when the scenario has no targets or no free parameters.
    """
    problems = calibration_problems(scenario)
    if problems:
        raise ValueError("; ".join(f"{'.'.join(map(str, p))}: {msg}" for p, msg in problems))
    specs = moment_specs(scenario, reported)
    seed = scenario.ensemble.seed if seed is None else seed
    space = FreeSpace.of(scenario)
    p = len(space.names)
    n_explore = 8 * p if n_explore is None else n_explore
    targets = np.array([not s.holdout for s in specs])
    budget = 2 + n_explore + (n_starts + 1) * max_nfev * (p + 1) + 2 * p
    ev = MomentEvaluator(scenario, specs, space, reps, seed, executor, progress, budget)
    outcome = fit_moments(ev, targets, space.current(scenario), seed, n_explore, n_starts, max_nfev)
    unc = local_uncertainty(ev, outcome.y, targets, outcome.scales)
    lo, hi = intervals(space, outcome.y, unc)
    estimate = space.from_unit(outcome.y)
    ok = identified(unc)
    fit = fit_frame(specs, ev(outcome.y))
    if progress is not None:
        progress(budget, budget)
    return CalibrationResult(
        scenario_id=scenario.id, scenario_hash=scenario.content_hash(), reps=reps, seed=seed, version=__version__,
        date=_dt.date.today().isoformat(),
        parameters=parameter_frame(space.names, estimate, lo, hi, ok, space.low, space.high, space.log),
        fit=fit, flat_directions=tuple(flat_directions(unc, space.names)), x=estimate, fun=outcome.loss,
        success=outcome.success, message=outcome.message, nfev=ev.nfev,
        uninformative=tuple(s.figure for s, row in zip([s for s in specs if not s.holdout], unc.jacobian)
                            if not np.any(row)),
    )
