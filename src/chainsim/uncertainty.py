"""What the figures leave open, carried into every run: parameter draws per group of replicates.

Core objects: ``uncertain_names(scenario)`` (the parameters that differ between replicates:
the calibration posterior's, then those the scenario gives a distribution), and
``replicate_parameters(scenario, seed, replicates)`` (their values for the given replicates),
``conditional_spread`` (how P(target) spreads across those draws) and ``effective_reps``
(what the ensemble is worth for the Monte Carlo interval of P(target) when replicates share
draws).

Design: replicates come in groups of ``REPS_PER_DRAW``; a group shares one joint draw of
the uncertain parameters (a row of the posterior, or one value of each distribution). The
nesting keeps the Monte Carlo error honest (replicates of one draw are not independent
evidence about P(target)); the spread of the chain's conditional probability across the
posterior (``p_reach_spread``) comes from a model of reaching as a function of the drawn
parameters, fitted to every replicate.

Reproducibility: group ``g``'s draw comes from the generator of its chunk of
``CHUNK_GROUPS`` groups, ``SeedSequence(seed, spawn_key=(UNCERTAINTY_KEY, g // CHUNK_GROUPS))``:
a function of the seed and the group alone, whatever the blocks, tasks, workers or executor.
The blocks' own streams are ``SeedSequence(seed).spawn(n)``, whose keys have one element, so
the two never overlap.
"""

from __future__ import annotations

import math

import numpy as np

from .catalogue import PARAMETERS
from .mechanisms import draw_parameter
from .schema import Scenario

REPS_PER_DRAW = 10
"""Replicates that share one draw of the uncertain parameters."""

CHUNK_GROUPS = 1024
"""Groups whose draws come from one generator (memory per task stays bounded)."""

UNCERTAINTY_KEY = 0x756E6365  # "unce"
"""First element of the spawn key of the parameter draws' streams."""


def uncertain_names(scenario: Scenario) -> tuple[str, ...]:
    """Parameters that differ between groups of replicates: the posterior's columns, then
    the catalogue parameters the scenario gives a distribution (not already in the posterior)."""
    names = list(scenario.posterior.parameters) if scenario.posterior is not None else []
    for name in PARAMETERS:
        setting = scenario.parameters.get(name)
        if setting is not None and setting.dist != "fixed" and name not in names:
            names.append(name)
    return tuple(names)


def _chunk_draws(scenario: Scenario, names: tuple[str, ...], seed: int, chunk: int) -> dict[str, np.ndarray]:
    """The draws of every group of one chunk, ``CHUNK_GROUPS`` values per name."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(UNCERTAINTY_KEY, int(chunk))))
    out: dict[str, np.ndarray] = {}
    post = scenario.posterior
    if post is not None:
        rows = np.asarray(post.draws, dtype=float)
        pick = rng.integers(0, rows.shape[0], CHUNK_GROUPS)
        for k, name in enumerate(post.parameters):
            out[name] = rows[pick, k]
    for name in names:
        if name in out:
            continue
        spec, s = PARAMETERS[name], scenario.parameters[name]
        out[name] = draw_parameter(rng, CHUNK_GROUPS, s.dist, s.value, s.low, s.high, s.mode, s.sd,
                                   (spec.low, spec.high))
    return out


def replicate_parameters(scenario: Scenario, seed: int, replicates: np.ndarray) -> dict[str, np.ndarray] | None:
    """Values of the uncertain parameters for the given replicate numbers, one per replicate
    (name → array), or None when nothing is uncertain. Replicate ``i`` belongs to group
    ``i // REPS_PER_DRAW``; a group's replicates share its draw."""
    names = uncertain_names(scenario)
    if not names:
        return None
    groups = np.asarray(replicates, dtype=np.int64) // REPS_PER_DRAW
    out = {name: np.empty(groups.size) for name in names}
    chunks = groups // CHUNK_GROUPS
    for chunk in np.unique(chunks):
        table = _chunk_draws(scenario, names, seed, int(chunk))
        sel = chunks == chunk
        for name in names:
            out[name][sel] = table[name][groups[sel] % CHUNK_GROUPS]
    return out


def _full_groups(reached: np.ndarray) -> np.ndarray:
    """(groups, REPS_PER_DRAW, ...) view of the leading whole groups of a per-replicate array."""
    g = reached.shape[0] // REPS_PER_DRAW
    return reached[: g * REPS_PER_DRAW].reshape(g, REPS_PER_DRAW, *reached.shape[1:])


def _between_variance(reached: np.ndarray) -> np.ndarray:
    """Per target: the variance of the reach rates of whole groups of replicates."""
    groups = _full_groups(reached).mean(axis=1)  # (G, targets)
    if groups.shape[0] < 2:
        return np.zeros(reached.shape[1:])
    return groups.var(axis=0, ddof=1)


def group_design(scenario: Scenario, seed: int, reps: int) -> np.ndarray | None:
    """(groups, parameters) values of the uncertain parameters of every group of replicates
    (a partial last group included), log-transformed where positive and standardised: the
    design on which ``conditional_spread`` regresses. None when nothing is uncertain or
    nothing varies."""
    names = uncertain_names(scenario)
    if not names:
        return None
    firsts = np.arange(0, reps, REPS_PER_DRAW, dtype=np.int64)
    values = replicate_parameters(scenario, seed, firsts)
    assert values is not None
    cols = []
    for name in names:
        x = values[name]
        if np.all(x > 0):
            x = np.log(x)
        sd = x.std()
        if sd > 0:
            cols.append((x - x.mean()) / sd)
    return np.column_stack(cols) if cols else None


RIDGE = 1.0
"""L2 penalty on the standardised slopes of the reach model (keeps rare or separated
outcomes finite; a slope of one standard deviation per unit costs as much as one replicate)."""


def _ridge_logistic(X: np.ndarray, k: np.ndarray, n: np.ndarray, iterations: int = 100) -> np.ndarray:
    """Binomial logistic regression (``k`` successes of ``n`` per row, intercept added) with a
    ridge penalty on the slopes, by Newton's method with step halving (the penalised
    log-likelihood never decreases); returns the fitted probability per row."""
    A = np.column_stack([np.ones(X.shape[0]), X])
    penalty = np.full(A.shape[1], RIDGE)
    penalty[0] = 0.0

    def objective(b: np.ndarray) -> float:
        eta = A @ b
        return float(np.sum(k * eta - n * np.logaddexp(0.0, eta)) - 0.5 * np.sum(penalty * b * b))

    p0 = np.clip(k.sum() / n.sum(), 1e-9, 1 - 1e-9)
    beta = np.zeros(A.shape[1])
    beta[0] = np.log(p0 / (1 - p0))
    best = objective(beta)
    for _ in range(iterations):
        mu = 1.0 / (1.0 + np.exp(-np.clip(A @ beta, -700.0, 700.0)))
        grad = A.T @ (k - n * mu) - penalty * beta
        hess = A.T @ (A * (n * mu * (1.0 - mu))[:, None]) + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        t = 1.0
        while t > 1e-6:
            trial = beta + t * step
            value = objective(trial)
            if value >= best:
                break
            t /= 2.0
        else:
            break
        converged = value - best < 1e-10
        beta, best = trial, value
        if converged:
            break
    return 1.0 / (1.0 + np.exp(-np.clip(A @ beta, -700.0, 700.0)))


def conditional_spread(reached: np.ndarray, design: np.ndarray | None, q: tuple[float, float] = (0.05, 0.95)
                       ) -> tuple[np.ndarray, np.ndarray]:
    """The 5th and 95th percentiles of each target's conditional probability of being
    reached across the draws of the uncertain parameters, ``(lo, hi)`` arrays over targets.

    ``reached`` is (reps, targets) in replicate order; ``design`` the groups' parameter
    values (``group_design``). With nothing uncertain both ends are the reach rate itself.
    Otherwise P(reach | parameters) is modelled as a logistic function of the standardised
    (log) parameters, fitted to every replicate with a ridge penalty, and evaluated at each
    group's draw: the spread of those fitted probabilities over the draws. A target reached
    in no replicate, or in all, has a spread of [0, 0] or [1, 1].
    """
    p = reached.mean(axis=0)
    if design is None:
        return p.copy(), p.copy()
    reps = reached.shape[0]
    groups = np.arange(reps) // REPS_PER_DRAW
    n = np.bincount(groups).astype(float)
    lo, hi = p.copy(), p.copy()
    for t in range(p.size):
        if 0.0 < p[t] < 1.0:
            k = np.bincount(groups, weights=reached[:, t].astype(float), minlength=n.size)
            fitted = _ridge_logistic(design, k, n)
            lo[t], hi[t] = np.quantile(fitted, q)
    return lo, hi


def effective_reps(reached: np.ndarray, uncertain: bool) -> np.ndarray:
    """Per target, the number of independent replicates the ensemble is worth for the
    Monte Carlo error of P(target): all of them when nothing is uncertain, fewer when
    replicates share draws and the draws matter (the design effect of the groups)."""
    n = reached.shape[0]
    if not uncertain or n < 2 * REPS_PER_DRAW:
        return np.full(reached.shape[1:], float(n))
    observed = _between_variance(reached)
    p = reached.mean(axis=0)
    groups = n / REPS_PER_DRAW
    var_p = observed / groups
    with np.errstate(divide="ignore", invalid="ignore"):
        eff = np.where(var_p > 0, p * (1.0 - p) / var_p, float(n))
    return np.clip(eff, math.ceil(groups), float(n))
