"""Approximate Bayesian computation on a reference table.

Core objects: ``Prior`` (what is uncertain before the figures: ``calibration.free`` ranges
and the scenario's own distributions), ``ReferenceTable`` (prior draws, one simulated
replicate each, and their statistics), ``abc_posterior`` (the draws that reproduce a set of
reported figures: rejection on a scaled distance, then a local-linear regression adjustment)
and ``resample`` (equally weighted draws for a scenario file).

Why a reference table. The fast engine simulates a block of replicates with different
parameters in one vectorised pass, so tens of thousands of prior draws cost seconds. One
table then serves every data set: the figures a county reports, and the synthetic data
sets of the coverage check (``chainsim calibrate --check``), which would otherwise need a
calibration each. Sequential samplers (pyabc's ABC-SMC, ELFI's SMC) spend fewer simulations
on one data set but cannot share them across data sets.

The method (Beaumont, Zhang & Balding 2002): each row's statistics are transformed (square
root for counts and 亿元 flows, log for output rates) and scaled by their median absolute
deviation over the table; the ``accept`` rows nearest the reported figures are kept, with
Epanechnikov weights; each parameter, on a logit scale within its prior range, is regressed
on the statistics' departures from the reported ones and moved along the fitted slope to
the reported point. A figure that measures its statistic loosely (``error_rel``) is
compared with the simulated statistic times exp(N(0, error_rel²)) (noisy ABC: the
likelihood of a model with that measurement error).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from ..catalogue import PARAMETERS
from ..ensemble import map_blocks
from ..mechanisms import draw_parameter
from ..schema import BASE_OUTPUT_PREFIX, MAX_OUTPUT_YI, MIN_OUTPUT_YI, Scenario
from .moments import MomentSpec, horizon_for, moments_of

_EDGE = 1e-6
"""Unit-range positions are kept in [_EDGE, 1 − _EDGE] before the logit."""


def parameter_unit(name: str) -> str:
    """Unit of a parameter (catalogue) or of a chain's base output (亿元/year)."""
    return "亿元/year" if name.startswith(BASE_OUTPUT_PREFIX) else PARAMETERS[name].unit


def parameter_bounds(name: str) -> tuple[float, float]:
    """Admissible bounds of a parameter or of a chain's base output."""
    if name.startswith(BASE_OUTPUT_PREFIX):
        return MIN_OUTPUT_YI, MAX_OUTPUT_YI
    spec = PARAMETERS[name]
    return spec.low, spec.high


@dataclass(frozen=True)
class Prior:
    """The uncertain parameters before the figures: ``free`` ones uniform (or log-uniform) on
    their calibration range, ``drawn`` ones from the scenario's own distributions.

    ``low``/``high``: the support of each (a drawn parameter's catalogue bounds), used for
    the logit scale of the regression adjustment.
    """

    names: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray
    log: np.ndarray
    free: np.ndarray  # bool: from calibration.free (else: the scenario's distribution)
    scenario: Scenario

    @classmethod
    def of(cls, scenario: Scenario) -> "Prior":
        free = scenario.calibration.free
        names = list(free)
        low = [free[n].low for n in names]
        high = [free[n].high for n in names]
        log = [free[n].log for n in names]
        for name in PARAMETERS:
            setting = scenario.parameters.get(name)
            if setting is None or setting.dist == "fixed" or name in free:
                continue
            lo, hi = parameter_bounds(name)
            if setting.low is not None and setting.high is not None:
                lo, hi = setting.low, setting.high
            names.append(name)
            low.append(lo)
            high.append(hi)
            log.append(setting.dist in ("loguniform", "lognormal") and lo > 0)
        is_free = np.array([n in free for n in names], dtype=bool)
        return cls(tuple(names), np.array(low, dtype=float), np.array(high, dtype=float),
                   np.array(log, dtype=bool), is_free, scenario)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """(n, parameters) draws, in ``names`` order."""
        out = np.empty((n, len(self.names)))
        for k, name in enumerate(self.names):
            if self.free[k]:
                lo, hi = self.low[k], self.high[k]
                u = rng.random(n)
                out[:, k] = np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo))) if self.log[k] else lo + u * (hi - lo)
            else:
                s = self.scenario.parameters[name]
                spec = PARAMETERS[name]
                out[:, k] = draw_parameter(rng, n, s.dist, s.value, s.low, s.high, s.mode, s.sd, (spec.low, spec.high))
        return out

    def to_unit(self, theta: np.ndarray) -> np.ndarray:
        """Positions in [0, 1] of the support (on a log scale where ``log``)."""
        g = np.where(self.log, np.log(np.maximum(theta, 1e-300)), theta)
        glo = np.where(self.log, np.log(np.maximum(self.low, 1e-300)), self.low)
        ghi = np.where(self.log, np.log(np.maximum(self.high, 1e-300)), self.high)
        return (g - glo) / (ghi - glo)

    def from_unit(self, y: np.ndarray) -> np.ndarray:
        glo = np.where(self.log, np.log(np.maximum(self.low, 1e-300)), self.low)
        ghi = np.where(self.log, np.log(np.maximum(self.high, 1e-300)), self.high)
        g = glo + np.clip(y, 0.0, 1.0) * (ghi - glo)
        return np.where(self.log, np.exp(g), g)


def _stat_transform(specs: list[MomentSpec], values: np.ndarray) -> np.ndarray:
    """Variance-stabilised statistics: √ for counts and 亿元 flows, log for output rates."""
    out = np.empty_like(values, dtype=float)
    for k, s in enumerate(specs):
        x = values[..., k]
        if s.statistic == "output_yi":
            out[..., k] = np.log(np.maximum(x, 1e-6))
        elif s.statistic == "output_growth":
            out[..., k] = x
        else:
            out[..., k] = np.sqrt(np.maximum(x, 0.0))
    return out


def observation_noise(specs: list[MomentSpec], values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Simulated statistics as a loose figure would report them: × exp(N(0, error_rel²))
    for each figure with an ``error_rel`` (a growth rate: + N(0, error_rel²))."""
    out = np.array(values, dtype=float, copy=True)
    for k, s in enumerate(specs):
        if s.error_rel > 0:
            z = rng.normal(0.0, s.error_rel, out.shape[0])
            out[:, k] = out[:, k] + z if s.statistic == "output_growth" else out[:, k] * np.exp(z)
    return out


@dataclass(frozen=True)
class ReferenceTable:
    """``theta`` (rows, parameters) drawn from ``prior`` and ``stats`` (rows, moments): one
    simulated replicate per row through the last reported month, with observation noise."""

    prior: Prior
    specs: tuple[MomentSpec, ...]
    theta: np.ndarray
    stats: np.ndarray
    seed: int

    @property
    def targets(self) -> np.ndarray:
        """Mask of the moments the fit uses (holdout ones are predicted, never fitted)."""
        return np.array([not s.holdout for s in self.specs])

    def scales(self) -> np.ndarray:
        """Per fitted statistic: its median absolute deviation over the table (transformed),
        floored so that a statistic constant over the table does not divide by zero."""
        z = _stat_transform(list(self.specs), self.stats)[:, self.targets]
        mad = np.median(np.abs(z - np.median(z, axis=0)), axis=0) * 1.4826
        sd = z.std(axis=0)
        return np.maximum(np.where(mad > 0, mad, sd), 1e-9)


def prior_scenario(scenario: Scenario) -> Scenario:
    """The scenario as the prior sees it: no posterior from an earlier calibration."""
    return scenario.model_copy(update={"posterior": None})


def simulate_rows(scenario: Scenario, specs: list[MomentSpec], names: tuple[str, ...], theta: np.ndarray,
                  seed: int, executor: Any = None, progress: Any = None) -> np.ndarray:
    """Statistics (rows, moments) of one simulated replicate per row of ``theta``, each with
    its own parameter values, through the last moment month."""
    short = horizon_for(prior_scenario(scenario), specs)
    parameters = {name: theta[:, k] for k, name in enumerate(names)}
    parts = map_blocks(short, theta.shape[0], seed, "fast", partial(moments_of, specs=tuple(specs)), executor,
                       progress, parameters=parameters)
    return np.concatenate(parts, axis=0)


def reference_table(scenario: Scenario, specs: list[MomentSpec], rows: int, seed: int, executor: Any = None,
                    progress: Any = None) -> ReferenceTable:
    """Draw ``rows`` parameter vectors from the prior and simulate each once (seeded: the same
    scenario, specs, rows and seed give the same table on any executor)."""
    prior = Prior.of(prior_scenario(scenario))
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x616263,)))
    theta = prior.sample(rng, rows)
    stats = simulate_rows(scenario, specs, prior.names, theta, seed, executor, progress)
    stats = observation_noise(specs, stats, rng)
    return ReferenceTable(prior, tuple(specs), theta, stats, seed)


@dataclass(frozen=True)
class PosteriorSample:
    """Weighted posterior draws: ``theta`` (draws, parameters) in ``names`` order, ``weights``
    summing to 1; ``distance`` of each kept row; ``accept`` rows kept of ``rows``."""

    names: tuple[str, ...]
    theta: np.ndarray
    weights: np.ndarray
    distance: np.ndarray
    accept: int
    rows: int

    def quantiles(self, qs: tuple[float, ...]) -> np.ndarray:
        """(len(qs), parameters) weighted quantiles."""
        out = np.empty((len(qs), self.theta.shape[1]))
        for k in range(self.theta.shape[1]):
            order = np.argsort(self.theta[:, k])
            cum = np.cumsum(self.weights[order])
            cum = cum / cum[-1]
            out[:, k] = np.interp(qs, cum - 0.5 * self.weights[order] / cum[-1], self.theta[order, k])
        return out


def abc_posterior(table: ReferenceTable, observed: np.ndarray, accept: int, adjust: bool = True,
                  exclude: int | None = None) -> PosteriorSample:
    """The table's draws nearest the ``observed`` statistics (all moments, in the specs'
    order; only the fitted ones are used), Epanechnikov-weighted and, with ``adjust``,
    moved by a local-linear regression to the observed point. ``exclude`` leaves one row
    of the table out (when the observed data are that row's)."""
    mask = table.targets
    specs = list(table.specs)
    z = _stat_transform(specs, table.stats)[:, mask] / table.scales()
    z_obs = _stat_transform(specs, observed[None, :])[0, mask] / table.scales()
    d = np.sqrt(((z - z_obs) ** 2).sum(axis=1))
    if exclude is not None:
        d[exclude] = np.inf
    accept = int(min(accept, table.theta.shape[0] - 1))
    keep = np.argpartition(d, accept)[: accept + 1]
    keep = keep[np.argsort(d[keep])]
    h = d[keep[-1]]
    keep = keep[:accept]
    dist = d[keep]
    w = np.maximum(1.0 - (dist / h) ** 2, 0.0) if h > 0 else np.ones(accept)
    if w.sum() <= 0:
        w = np.ones(accept)
    theta = table.theta[keep]
    if adjust:
        theta = _regression_adjust(table.prior, theta, z[keep] - z_obs, w)
    return PosteriorSample(table.prior.names, theta, w / w.sum(), dist, accept, table.theta.shape[0])


def _regression_adjust(prior: Prior, theta: np.ndarray, dz: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Local-linear adjustment on the logit of each parameter's position in its support."""
    y = np.clip(prior.to_unit(theta), _EDGE, 1.0 - _EDGE)
    phi = np.log(y) - np.log1p(-y)
    X = np.column_stack([np.ones(dz.shape[0]), dz])
    sw = np.sqrt(w)[:, None]
    beta, *_ = np.linalg.lstsq(X * sw, phi * sw, rcond=None)
    phi_adj = phi - dz @ beta[1:]
    return prior.from_unit(1.0 / (1.0 + np.exp(-phi_adj)))


def resample(sample: PosteriorSample, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` equally weighted draws (rows of ``sample.theta``) by systematic resampling."""
    cum = np.cumsum(sample.weights)
    cum[-1] = 1.0
    positions = (rng.random() + np.arange(n)) / n
    return sample.theta[np.searchsorted(cum, positions)]
