"""The fit: simulated method of moments on common random numbers.

Core objects: ``FreeSpace`` (the free parameters and the unit box they are searched on),
``MomentEvaluator`` (simulated moments at a point of the box, cached, always from the same
seed), ``moment_scales`` (the weight of each moment), ``fit_moments`` (multi-start
least squares) and ``local_uncertainty`` (sandwich covariance, intervals, and the
directions the figures do not pin down).

Scales. Each free parameter ``θ`` is searched on ``y ∈ [0, 1]``: ``y = (g(θ) − g(low)) /
(g(high) − g(low))`` with ``g = log`` for ``log: true`` parameters, else the identity. A
step of 0.05 in ``y`` is 5% of the parameter's free range on its own scale.

Loss. ``L(y) = Σ_k z_k²`` over the calibration targets, ``z_k = (m̄_k(y) − r_k) / s_k``,
where ``m̄_k`` is the mean of the simulated statistic over the replicates, ``r_k`` the
reported value (× scale) and ``s_k² = v_k + p_k``: ``v_k`` the simulated variance across
replicates and ``p_k`` the reported figure's own sampling variance — Poisson (``r_k``) for
counts, compound Poisson (``r_k × v_k / m̄_k``, the reported total times the simulated
dispersion) for investment totals — floored at (5% of ``r_k``)², the assumed error of a
reported, rounded figure. The scales are set at a pilot point and set again at the first
estimate (two-step), so they do not move while the optimiser searches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import least_squares, linprog

from ..catalogue import PARAMETERS
from ..scenario import Scenario
from .moments import MomentSpec, simulate_moments

REPORTING_ERROR = 0.05
"""Relative error assumed for a reported figure (rounding, definitions): floors each moment's
scale and adds (5% × reported)² to its variance."""

Z90 = 1.6448536269514722
"""Standard normal quantile for two-sided 90% intervals."""

FLAT_SD = 0.3
"""A direction of the unit box whose standard error exceeds this (a 90% interval wider than
about the whole free range) is not identified by the figures."""

JACOBIAN_STEP = 0.05
"""Finite-difference step on the unit box for the moment Jacobian (5% of each free range):
wide enough that the simulation's jaggedness does not dominate."""


@dataclass(frozen=True)
class FreeSpace:
    """The free parameters (in ``calibration.free`` order) and their search box."""

    names: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray
    log: np.ndarray

    @staticmethod
    def of(scenario: Scenario) -> "FreeSpace":
        free = scenario.calibration.free
        names = tuple(free)
        return FreeSpace(names, np.array([free[n].low for n in names], float),
                         np.array([free[n].high for n in names], float), np.array([free[n].log for n in names], bool))

    def _g(self, theta: np.ndarray) -> np.ndarray:
        return np.where(self.log, np.log(np.where(self.log, theta, 1.0)), theta)

    def to_unit(self, theta: np.ndarray) -> np.ndarray:
        """Parameter values → positions in the unit box (clipped to it)."""
        theta = np.clip(np.asarray(theta, float), self.low, self.high)
        return np.clip((self._g(theta) - self._g(self.low)) / (self._g(self.high) - self._g(self.low)), 0.0, 1.0)

    def from_unit(self, y: np.ndarray) -> np.ndarray:
        """Positions in the unit box → parameter values (in their catalogue units)."""
        gl, gh = self._g(self.low), self._g(self.high)
        g = gl + np.clip(np.asarray(y, float), 0.0, 1.0) * (gh - gl)
        return np.clip(np.where(self.log, np.exp(g), g), self.low, self.high)

    def values(self, y: np.ndarray) -> dict[str, float]:
        return dict(zip(self.names, (float(v) for v in self.from_unit(y))))

    def current(self, scenario: Scenario) -> np.ndarray:
        """The scenario's own values (a parameter's central value, else its catalogue default)
        on the unit box, kept a little inside so a local search can move both ways."""
        theta = []
        for name in self.names:
            setting = scenario.parameters.get(name)
            theta.append(setting.central if setting is not None else PARAMETERS[name].default)
        return np.clip(self.to_unit(np.array(theta)), 0.05, 0.95)


class MomentEvaluator:
    """Simulated moments (replicates × moments) at points of the unit box.

    Every call simulates ``reps`` replicates from the same ``seed`` (common random
    numbers): the moments are a deterministic function of the point. Results are cached;
    ``nfev`` counts the simulations run; ``progress(nfev, budget)`` is told after each.
    """

    def __init__(self, scenario: Scenario, specs: list[MomentSpec], space: FreeSpace, reps: int, seed: int,
                 executor: Any = None, progress: Callable[[int, int], None] | None = None, budget: int = 0):
        self.scenario, self.specs, self.space = scenario, specs, space
        self.reps, self.seed, self.executor = reps, seed, executor
        self.progress, self.budget = progress, budget
        self.nfev = 0
        self._cache: dict[bytes, np.ndarray] = {}

    def __call__(self, y: np.ndarray) -> np.ndarray:
        y = np.clip(np.asarray(y, float), 0.0, 1.0)
        key = np.round(y, 12).tobytes()
        hit = self._cache.get(key)
        if hit is None:
            hit = simulate_moments(self.scenario, self.specs, self.reps, self.seed, self.space.values(y),
                                   self.executor)
            self._cache[key] = hit
            self.nfev += 1
            if self.progress is not None:
                self.progress(min(self.nfev, self.budget - 1) if self.budget else self.nfev, self.budget)
        return hit


def reported_vector(specs: list[MomentSpec]) -> np.ndarray:
    return np.array([s.reported for s in specs], float)


def moment_scales(sims: np.ndarray, specs: list[MomentSpec]) -> np.ndarray:
    """Scale ``s_k`` of each moment (its unit): sqrt(simulated variance + the reported
    figure's own variance), floored at 5% of the reported value (see the module doc)."""
    r = reported_vector(specs)
    var = sims.var(axis=0, ddof=1) if sims.shape[0] > 1 else np.zeros(len(specs))
    mean = sims.mean(axis=0)
    own = np.zeros(len(specs))
    for k, s in enumerate(specs):
        if s.is_count:
            own[k] = max(r[k], 1.0)
        elif s.statistic != "output_yi":
            own[k] = abs(r[k]) * var[k] / mean[k] if mean[k] > 0 else 0.0
    floor = (REPORTING_ERROR * np.abs(r)) ** 2 + 1e-12
    return np.sqrt(np.maximum(var + own, floor))


@dataclass(frozen=True)
class LocalFit:
    """One optimiser run: its start, end point (unit box), loss and scipy's verdict."""

    start: np.ndarray
    y: np.ndarray
    loss: float
    success: bool
    message: str


@dataclass(frozen=True)
class FitOutcome:
    """The best point found and how it was found.

    ``y`` is on the unit box; ``loss`` = Σ z² at ``y`` with the final ``scales``.
    """

    y: np.ndarray
    loss: float
    scales: np.ndarray
    success: bool
    message: str
    runs: tuple[LocalFit, ...] = field(repr=False)


def _latin_hypercube(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    """``n`` points in the unit cube, one per row-stratum in every dimension."""
    u = (rng.permuted(np.tile(np.arange(n), (d, 1)), axis=1).T + rng.random((n, d))) / n
    return u


def fit_moments(ev: MomentEvaluator, targets: np.ndarray, starts_from: np.ndarray, seed: int,
                n_explore: int, n_starts: int, max_nfev: int) -> FitOutcome:
    """Minimise Σ z² over the unit box.

    1. Pilot: simulate at ``starts_from`` (the scenario's own values) and set the scales.
    2. Explore: the loss at ``n_explore`` Latin-hypercube points (from ``seed``).
    3. Local: bounded least squares (scipy's trust-region-reflective ``least_squares``,
       finite differences with steps of 0.05) from the pilot and the best explored points,
       ``n_starts`` runs of at most ``max_nfev`` iterations each.
    4. Re-weight at the best point and polish from it (two-step weights).
    ``targets`` selects the moments that enter the loss (boolean mask over ``ev.specs``).
    """
    specs = [s for s, t in zip(ev.specs, targets) if t]
    r = reported_vector(specs)

    def resid(y: np.ndarray, scales: np.ndarray) -> np.ndarray:
        return (ev(y)[:, targets].mean(axis=0) - r) / scales

    scales = moment_scales(ev(starts_from)[:, targets], specs)
    d = starts_from.size
    rng = np.random.default_rng(np.random.SeedSequence([seed, 5]))
    explore = _latin_hypercube(rng, n_explore, d) if n_explore else np.empty((0, d))
    losses = [float(np.sum(resid(y, scales) ** 2)) for y in explore]
    order = np.argsort(losses, kind="stable")
    starts = [starts_from] + [explore[i] for i in order[: max(n_starts - 1, 0)]]

    def local(start: np.ndarray, scales: np.ndarray) -> LocalFit:
        x0 = np.clip(start, 0.01, 0.99)
        res = least_squares(resid, x0, args=(scales,), bounds=(np.zeros(d), np.ones(d)), method="trf",
                            diff_step=JACOBIAN_STEP, x_scale=np.ones(d), xtol=1e-3, ftol=1e-4, gtol=1e-6,
                            max_nfev=max_nfev)
        y = np.clip(res.x, 0.0, 1.0)
        return LocalFit(start, y, float(np.sum(resid(y, scales) ** 2)), bool(res.success), str(res.message))

    runs = [local(s, scales) for s in starts]
    best = min(runs, key=lambda f: f.loss)
    scales = moment_scales(ev(best.y)[:, targets], specs)
    polished = local(best.y, scales)
    again = LocalFit(best.y, best.y, float(np.sum(resid(best.y, scales) ** 2)), best.success, best.message)
    final = polished if polished.loss <= again.loss else again
    return FitOutcome(final.y, final.loss, scales, final.success, final.message, (*runs, polished))


@dataclass(frozen=True)
class Uncertainty:
    """Local uncertainty of the estimate on the unit box.

    ``directions`` (columns) are the eigen-directions of the weighted information G'WG and
    ``direction_sd`` the standard error along each (inf where the figures carry no
    information at all); a direction is flat when that exceeds ``FLAT_SD``. ``free_move``:
    for each parameter, how much of its range it can cover within the flat directions
    while every parameter stays inside its bounds (``flat_reach``). ``sd``: each
    parameter's standard error on the unit box — sandwich covariance along the pinned
    directions, plus a uniform spread over its ``free_move``. ``jacobian``:
    d mean moment / d y (moment units per unit of the box).
    """

    sd: np.ndarray
    free_move: np.ndarray
    directions: np.ndarray
    direction_sd: np.ndarray
    jacobian: np.ndarray

    @property
    def flat(self) -> np.ndarray:
        """Which eigen-directions the figures do not pin down."""
        return self.direction_sd > FLAT_SD

    @property
    def identified(self) -> np.ndarray:
        """A parameter is identified when its standard error on the unit box is at most
        FLAT_SD and no flat direction lets it move over half its range for free."""
        return (self.sd <= FLAT_SD) & (self.free_move < 0.5)


def moment_jacobian(ev: MomentEvaluator, y: np.ndarray, targets: np.ndarray, step: float = JACOBIAN_STEP) -> np.ndarray:
    """d m̄ / d y by central differences (one-sided at the box's edges), (moments, params)."""
    G = np.empty((int(targets.sum()), y.size))
    for j in range(y.size):
        up, dn = y.copy(), y.copy()
        up[j], dn[j] = min(y[j] + step, 1.0), max(y[j] - step, 0.0)
        G[:, j] = (ev(up)[:, targets].mean(axis=0) - ev(dn)[:, targets].mean(axis=0)) / (up[j] - dn[j])
    return G


def local_uncertainty(ev: MomentEvaluator, y: np.ndarray, targets: np.ndarray, scales: np.ndarray) -> Uncertainty:
    """Sandwich covariance of the SMM estimate, B⁻¹ G'WΩWG B⁻¹ with B = G'WG, W = diag(1/s²)
    and Ω = (1 + 1/reps) × the moments' covariance across replicates at ``y`` plus (5% of
    each reported value)², taken along the eigen-directions of B that the figures pin
    down; within the flat directions a parameter is only bounded by the box (uniform spread)."""
    G = moment_jacobian(ev, y, targets)
    sims = ev(y)[:, targets]
    specs = [s for s, t in zip(ev.specs, targets) if t]
    r = reported_vector(specs)
    sigma = np.atleast_2d(np.cov(sims, rowvar=False)) if sims.shape[0] > 1 else np.zeros((len(r), len(r)))
    omega = sigma * (1.0 + 1.0 / sims.shape[0]) + np.diag((REPORTING_ERROR * r) ** 2)
    W = np.diag(1.0 / scales**2)
    B = G.T @ W @ G
    M = G.T @ W @ omega @ W @ G
    lam, V = np.linalg.eigh((B + B.T) / 2)
    tiny = max(float(lam.max(initial=0.0)), 0.0) * 1e-10
    seen = lam > tiny if tiny > 0 else np.zeros_like(lam, bool)
    inv = np.where(seen, 1.0 / np.where(seen, lam, 1.0), 0.0)
    cov_v = inv[:, None] * (V.T @ M @ V) * inv[None, :]
    direction_sd = np.where(seen, np.sqrt(np.maximum(np.diag(cov_v), 0.0)), np.inf)
    flat = direction_sd > FLAT_SD
    pinned = ~flat
    cov = V[:, pinned] @ cov_v[np.ix_(pinned, pinned)] @ V[:, pinned].T
    free_move = flat_reach(y, V[:, flat])
    sd = np.sqrt(np.maximum(np.diag(cov), 0.0) + free_move**2 / 12.0)
    return Uncertainty(sd, free_move, V, direction_sd, G)


def flat_reach(y: np.ndarray, flat: np.ndarray) -> np.ndarray:
    """How far each parameter can move (share of its range) within the flat subspace
    spanned by the columns of ``flat`` while every parameter stays inside the unit box:
    the width of {y_j + v_j : v in span(flat), 0 <= y + v <= 1}, two small linear programs
    per parameter. It does not depend on which basis of the flat subspace is given."""
    p, f = flat.shape
    if f == 0:
        return np.zeros(p)
    A = np.vstack([flat, -flat])
    b = np.concatenate([1.0 - y, y])
    reach = np.empty(p)
    for j in range(p):
        width = 0.0
        for sign in (1.0, -1.0):  # the largest move up, then down
            res = linprog(-sign * flat[j], A_ub=A, b_ub=b, bounds=[(None, None)] * f, method="highs")
            width += max(-res.fun, 0.0) if res.status == 0 else 0.0
        reach[j] = min(width, 1.0)
    return reach


def flat_directions(unc: Uncertainty, names: tuple[str, ...], min_loading: float = 0.2) -> list[dict[str, float]]:
    """Directions of the unit box the figures do not pin down (standard error > FLAT_SD),
    as {parameter: loading} with loadings of at least ``min_loading`` (signs say which way
    the parameters trade off: a + and a − can move together without changing the fit)."""
    out = []
    for i in np.flatnonzero(unc.flat):
        v = unc.directions[:, i]
        v = v * np.sign(v[np.argmax(np.abs(v))])
        out.append({n: round(float(w), 3) for n, w in zip(names, v) if abs(w) >= min_loading})
    return out


def identified(unc: Uncertainty) -> np.ndarray:
    """Whether each parameter is pinned down by the figures (see ``Uncertainty.identified``)."""
    return unc.identified


def intervals(space: FreeSpace, y: np.ndarray, unc: Uncertainty) -> tuple[np.ndarray, np.ndarray]:
    """90% intervals in parameter units: y ± 1.645 sd on the unit box, clipped to the free
    range; a parameter that is not identified gets the whole free range."""
    ok = identified(unc)
    half = np.where(ok, Z90 * unc.sd, 1.0)
    return space.from_unit(np.clip(y - half, 0, 1)), space.from_unit(np.clip(y + half, 0, 1))
