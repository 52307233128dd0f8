"""Calibrate a scenario's uncertain parameters to the reported figures it names.

Core functions: ``calibrate(scenario, ...) -> CalibrationResult`` (the posterior, by ABC on a
reference table) and ``fit_table(scenario, reps, seed) -> DataFrame`` (reported vs simulated
as the scenario stands: from its posterior when it has one, for the app). The pieces live in
``chainsim.calibration``: ``moments`` (the simulated statistic of each figure), ``abc``
(prior, reference table, rejection and regression adjustment), ``check`` (the coverage
check) and ``report`` (the result, its JSON and its YAML). See docs/calibration.md for the
method and its choices.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from . import __version__
from .calibration.abc import (
    PosteriorSample,
    Prior,
    ReferenceTable,
    abc_posterior,
    observation_noise,
    parameter_bounds,
    parameter_unit,
    reference_table,
    resample,
)
from .calibration.moments import calibration_problems, moment_specs, simulate_moments
from .calibration.report import IDENTIFIED_NARROWING, PARAMETER_COLUMNS, CalibrationResult, fit_frame
from .schema import Posterior, Scenario

__all__ = ["CALIBRATION_REPS", "REFERENCE_ROWS", "CalibrationResult", "calibrate", "calibration_problems",
           "fit_table", "posterior_scenario"]

REFERENCE_ROWS = 20_000
"""Default size of the reference table: prior draws, one simulated replicate each."""

ACCEPT_SHARE = 0.02
"""Share of the reference table kept as the nearest to the reported figures (at least 200)."""

POSTERIOR_DRAWS = 500
"""Equally weighted posterior draws written to the calibrated file."""

CALIBRATION_REPS = 1000
"""Replicates of the posterior predictive behind the fit table (reported vs simulated)."""


def method_text(rows: int, accept: int) -> str:
    return (f"ABC on a reference table of {rows} prior draws: the {accept} nearest to the reported figures "
            "(scaled √/log statistics, Epanechnikov weights), local-linear regression adjustment")


def fit_table(scenario: Scenario, reps: int = 500, seed: int | None = None,
              reported: Mapping[str, float] | None = None, executor: Any = None) -> pd.DataFrame:
    """Reported vs simulated as the scenario stands (its posterior or distributions drawn per
    group of replicates, each figure's measurement error added), one row per calibration
    target and holdout figure; see ``fit_frame`` for the columns (holdout rows flagged).
    Raises ``ValueError`` if the scenario names no usable figures."""
    specs = moment_specs(scenario, reported)
    seed = scenario.ensemble.seed if seed is None else seed
    sims = simulate_moments(scenario, specs, reps, seed, None, executor)
    noise = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x6E6F6973,)))
    return fit_frame(specs, observation_noise(specs, sims, noise))


def posterior_scenario(scenario: Scenario, names: tuple[str, ...], draws: np.ndarray, method: str,
                       figures: list[str], holdout: list[str]) -> Scenario:
    """The scenario with ``posterior:`` set to these draws (what ``extends:`` of the written file gives)."""
    post = Posterior(method=method, figures=figures, holdout=holdout, parameters=list(names),
                     draws=[[float(v) for v in row] for row in draws])
    return scenario.model_copy(update={"posterior": post})


def calibrate(scenario: Scenario, rows: int = REFERENCE_ROWS, seed: int | None = None, executor: Any = None,
              progress: Callable[[int, int], None] | None = None, reported: Mapping[str, float] | None = None,
              accept: int | None = None, draws: int = POSTERIOR_DRAWS, reps: int = CALIBRATION_REPS,
              table: ReferenceTable | None = None) -> CalibrationResult:
    """The posterior of the scenario's uncertain parameters given its calibration targets.

    A reference table of ``rows`` prior draws (``calibration.free`` ranges and the scenario's
    distributions) is simulated once each through the last reported month; the ``accept``
    rows (default 2%, at least 200) nearest the reported figures, regression-adjusted, are the
    posterior (``chainsim.calibration.abc``); ``draws`` of them are kept. The fit table is the
    posterior predictive of ``reps`` replicates, holdout figures included. ``reported``
    replaces figure values by id (synthetic data). ``table`` reuses a table already built.
    Raises ``ValueError`` when the scenario has no targets or no free parameters.
    """
    problems = calibration_problems(scenario)
    if problems:
        raise ValueError("; ".join(f"{'.'.join(map(str, p))}: {msg}" for p, msg in problems))
    specs = moment_specs(scenario, reported)
    seed = scenario.ensemble.seed if seed is None else seed
    steps = 3
    if table is None:
        table = reference_table(scenario, specs, rows, seed, executor,
                                None if progress is None else lambda d, t: progress(d, t + steps))
    rows = table.theta.shape[0]
    accept = max(200, int(ACCEPT_SHARE * rows)) if accept is None else accept
    observed = np.array([s.reported for s in specs])
    sample = abc_posterior(table, observed, accept)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x706F7374,)))
    kept = resample(sample, draws, rng)
    method = method_text(rows, sample.accept)
    fitted = posterior_scenario(scenario, table.prior.names, kept, method,
                                [s.figure for s in specs if not s.holdout], [s.figure for s in specs if s.holdout])
    fit = fit_table(fitted, reps, seed, reported, executor)
    if progress is not None:
        progress(1, 1)
    return CalibrationResult(
        scenario_id=scenario.id, scenario_hash=scenario.content_hash(), rows=rows, accept=sample.accept, reps=reps,
        seed=seed, version=__version__, date=_dt.date.today().isoformat(), method=method,
        parameters=parameter_frame(table.prior, sample, table.theta), fit=fit, names=table.prior.names, draws=kept)


def parameter_frame(prior: Prior, sample: PosteriorSample, prior_theta: np.ndarray) -> pd.DataFrame:
    """One row per uncertain parameter (see ``CalibrationResult.parameters``)."""
    post = sample.quantiles((0.05, 0.5, 0.95))
    pri = np.quantile(prior_theta, [0.05, 0.95], axis=0)
    width = np.where(prior.log, np.log(pri[1] / np.maximum(pri[0], 1e-300)), pri[1] - pri[0])
    post_width = np.where(prior.log, np.log(post[2] / np.maximum(post[0], 1e-300)), post[2] - post[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        narrowing = np.where(width > 0, 1.0 - post_width / width, 0.0)
    rows = []
    for k, name in enumerate(prior.names):
        low, high = parameter_bounds(name)
        rows.append({
            "name": name, "estimate": float(post[1, k]), "lo": float(post[0, k]), "hi": float(post[2, k]),
            "prior_lo": float(pri[0, k]), "prior_hi": float(pri[1, k]), "narrowing": float(narrowing[k]),
            "identified": bool(narrowing[k] >= IDENTIFIED_NARROWING), "unit": parameter_unit(name),
            "low": float(prior.low[k] if prior.free[k] else low), "high": float(prior.high[k] if prior.free[k] else high),
            "free": bool(prior.free[k]),
        })
    return pd.DataFrame(rows, columns=PARAMETER_COLUMNS)
