"""Sensitivity: which levers and uncertain numbers move each chain's p_reach.

Core objects: ``sensitivity(scenario, method) -> Sensitivity`` and ``factors(scenario)``.

The factors are everything a verdict could rest on, each with its provenance:

* the policy levers, over their catalogue bounds (provenance ``lever``);
* the calibrated parameters, base outputs per chain included, over their posterior's
  central 90% (``calibrated``; the posterior's correlations are not kept: each factor moves
  alone, as Morris and Sobol' designs do);
* the parameters the scenario gives a distribution, over low..high (value ± 2 sd for a
  normal, median × exp(±2 sd) for a lognormal), and every other parameter that is a
  modeller's assumption, over its plausible range (``catalogue.ParameterSpec.plausible_range``:
  half to twice the default unless stated) — ``assumed``; reported parameters are not varied.

SALib draws the design (Morris trajectories or Saltelli/Sobol' points) on those ranges; at
each point the levers are held constant from the policy start at the point's values, every
uncertain number fixed at the point's value, and a small ensemble runs on the same master
seed at every point (common random numbers), so the differences between points come from
the factors, not from fresh noise. The output analysed is p_reach of every chain target.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..calibration.abc import parameter_unit
from ..catalogue import LEVERS, PARAMETERS
from ..ensemble import run_ensemble
from ..errors import InputError
from ..executors import SerialExecutor
from ..prepare import make_plan
from ..scenario import Scenario
from .common import did_you_mean, lever_spec, run_settings, up_to_targets

Method = Literal["morris", "sobol"]
METHODS: tuple[str, ...] = ("morris", "sobol")

MORRIS_LEVELS = 4
"""Grid levels of the Morris design; an elementary effect is a step of 2/3 of a factor's range."""


@dataclass(frozen=True)
class Factor:
    """A factor of the analysis: a lever or an uncertain number, its range (in ``unit``) and
    its provenance (``lever``, ``calibrated`` or ``assumed``)."""

    name: str
    kind: Literal["lever", "parameter"]
    unit: str
    low: float
    high: float
    provenance: str = "lever"


Include = Literal["all", "levers", "uncertain"]
INCLUDES: tuple[str, ...] = ("all", "levers", "uncertain")


def _distribution_range(name: str, setting: Any) -> tuple[float, float]:
    spec = PARAMETERS[name]
    if setting.low is not None and setting.high is not None:
        low, high = setting.low, setting.high
    else:
        assert setting.value is not None and setting.sd is not None
        if setting.dist == "lognormal":
            low, high = setting.value * math.exp(-2 * setting.sd), setting.value * math.exp(2 * setting.sd)
        else:
            low, high = setting.value - 2 * setting.sd, setting.value + 2 * setting.sd
    return max(low, spec.low), min(high, spec.high)


def _used_parameters(scenario: Scenario) -> list[str]:
    """Catalogue parameters that can act in this scenario (a chain type's output factor only
    where the scenario has a chain of that type; the competition between counties only in a
    scenario of several counties)."""
    types = {c.type for c in scenario.chains}
    province_only = () if scenario.counties else ("contested_share", "approval_pull")
    return [n for n in PARAMETERS if n not in province_only
            and (not n.startswith("output_factor_") or n[len("output_factor_"):] in types)]


def factors(scenario: Scenario, levers: Sequence[str] | None = None, include: str = "all") -> list[Factor]:
    """The levers (all of them, or ``levers``) and every uncertain number of the scenario
    (see the module docstring); ``include`` keeps only the levers or only the uncertain ones."""
    out = []
    if include in ("all", "levers"):
        for name in (LEVERS if levers is None else levers):
            spec = lever_spec(name)
            out.append(Factor(name, "lever", spec.unit, float(spec.low), float(spec.high)))
    if include == "levers":
        return out
    seen: set[str] = set()
    post = scenario.posterior
    if post is not None:
        for name in post.parameters:
            values = np.asarray(post.column(name))
            low, high = (float(v) for v in np.quantile(values, [0.05, 0.95]))
            seen.add(name)
            if low < high:
                out.append(Factor(name, "parameter", parameter_unit(name), low, high, "calibrated"))
    for name in _used_parameters(scenario):
        if name in seen:
            continue
        spec, setting = PARAMETERS[name], scenario.parameters.get(name)
        if setting is not None and setting.dist != "fixed":
            low, high = _distribution_range(name, setting)
        elif setting is not None and setting.provenance != "assumed":
            continue  # reported, or calibrated to a point: not a modeller's guess
        elif spec.provenance == "reported":
            continue
        else:
            centre = setting.value if setting is not None and setting.value is not None else spec.default
            low, high = _plausible_around(spec, float(centre))
        if low < high:
            out.append(Factor(name, "parameter", spec.unit, float(low), float(high), "assumed"))
    return out


def _plausible_around(spec: Any, centre: float) -> tuple[float, float]:
    """The plausible range of an assumed parameter, moved to the scenario's own value."""
    low, high = spec.plausible_range
    if not low <= centre <= high:
        low, high = sorted((centre * 0.5, centre * 2.0))
        low, high = max(low, spec.low), min(high, spec.high)
    return low, high


@dataclass(frozen=True)
class Sensitivity:
    """Sensitivity of every chain target's p_reach to the levers and uncertain parameters.

    ``table``: one row per chain target × factor, sorted by target then rank, with the
    factor's kind (lever | parameter), unit and range (low, high, in that unit), and:

    * Morris — ``mu_star``: mean absolute elementary effect, in p_reach per whole range of
      the factor: the change in p_reach over a step of 2/3 of the range, divided by 2/3
      (SALib's convention with 4 levels). For a linear effect it is the change from the low
      to the high end; it can exceed 1 when p_reach swings fully within the step.
      ``mu_star_conf``: half-width of its 95% bootstrap interval; ``mu``: the signed mean
      (negative: the factor lowers p_reach); ``sigma``: spread of the elementary effects
      (non-linearity or interactions), same unit.
    * Sobol' — ``S1`` (first-order) and ``ST`` (total) shares of p_reach's variance over
      the factor ranges, with 95% half-widths ``S1_conf`` and ``ST_conf``.

    ``rank``: 1 = most influential on that target (by mu_star, or by ST). ``samples``: the
    design (one column per factor) and p_reach of every target at each point (columns
    ``p_reach:CHAIN:YEAR``). ``evaluations``: ensembles run (design points).
    """

    scenario_id: str
    method: str
    reps: int
    seed: int
    engine: str
    n: int
    evaluations: int
    factors: tuple[Factor, ...]
    table: pd.DataFrame
    samples: pd.DataFrame = field(repr=False)

    def to_contract(self) -> dict[str, Any]:
        """JSON-ready: the factors and, per chain target, each factor's indices and rank."""
        metrics = ["mu_star", "mu_star_conf", "mu", "sigma"] if self.method == "morris" else \
            ["S1", "S1_conf", "ST", "ST_conf"]
        chains = []
        for (chain, year), rows in self.table.groupby(["chain", "target_year"], sort=False):
            chains.append({
                "chain": chain, "target_year": int(year), "target_yi": float(rows["target_yi"].iloc[0]),
                "factors": [{"factor": r["factor"], "kind": r["kind"], "provenance": r["provenance"],
                             "unit": r["unit"],
                             **{m: _num(r[m]) for m in metrics}, "rank": int(r["rank"])}
                            for r in rows.to_dict("records")],
            })
        return {
            "scenario": self.scenario_id, "method": self.method, "reps": self.reps, "seed": self.seed,
            "engine": self.engine, ("n_trajectories" if self.method == "morris" else "n_base"): self.n,
            "evaluations": self.evaluations,
            "factors": [{"factor": f.name, "kind": f.kind, "provenance": f.provenance, "unit": f.unit,
                         "low": f.low, "high": f.high} for f in self.factors],
            "chains": chains,
        }


def _num(x: Any) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x


@dataclass(frozen=True)
class _Point:
    scenario: Scenario
    reps: int
    seed: int
    engine: str


def _p_reach(point: _Point) -> np.ndarray:
    """p_reach of every target at one design point (runs inside a worker)."""
    summary = run_ensemble(point.scenario, point.reps, point.seed, point.engine)
    return summary.targets["p_reach"].to_numpy(dtype=float)


def sensitivity(scenario: Scenario, method: Method = "morris", reps: int = 200, seed: int | None = None,
                n_trajectories: int = 10, n_base: int = 64, engine: str = "fast", executor: Any = None,
                progress: Callable[[int, int], None] | None = None,
                levers: Sequence[str] | None = None, include: str = "all") -> Sensitivity:
    """Morris screening or Sobol' indices of p_reach over levers and uncertain parameters.

    ``reps``: replicates per design point (kept small; every point uses the same master
    ``seed``, default the scenario's). Morris runs ``n_trajectories`` × (factors + 1)
    ensembles; Sobol' runs ``n_base`` × (factors + 2) (first-order and total indices only;
    ``n_base`` should be a power of 2). ``levers`` restricts the levers analysed (default
    all); ``include`` keeps only the levers or only the uncertain numbers. The executor spreads design points over workers; ``progress(done, total)``
    counts points. The same scenario, method, sizes and seed give the same table.
    """
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}{did_you_mean(method, METHODS)}; choose morris or sobol")
    reps, seed = run_settings(scenario, reps, seed, engine)
    n = n_trajectories if method == "morris" else n_base
    if n < 2:
        raise InputError(f"{'n_trajectories' if method == 'morris' else 'n_base'} must be at least 2, got {n}")
    if include not in INCLUDES:
        raise InputError(f"unknown factor set {include!r}{did_you_mean(include, INCLUDES)}; choose all, levers or "
                         "uncertain")
    fs = factors(scenario, levers, include)
    if not fs:
        raise InputError("nothing to analyse: no levers and no uncertain parameters")
    problem = {"num_vars": len(fs), "names": [f.name for f in fs], "bounds": [[f.low, f.high] for f in fs]}
    design = _sample(method, problem, n, seed)
    short = up_to_targets(scenario)
    points = [_Point(_at(short, fs, row), reps, seed, engine) for row in design]
    executor = executor or SerialExecutor()
    outputs = []
    for i, p in enumerate(executor.map(_p_reach, points)):
        outputs.append(p)
        if progress is not None:
            progress(i + 1, len(points))
    y = np.vstack(outputs)  # (points, targets)
    targets = _targets(scenario)
    rows = []
    key = "mu_star" if method == "morris" else "ST"
    for t, (chain, year, target_yi) in enumerate(targets):
        indices = _analyse(method, problem, design, y[:, t], seed)
        rank = pd.Series(indices[key]).fillna(0.0).rank(ascending=False, method="min").astype(int)
        block = [{"chain": chain, "target_year": year, "target_yi": target_yi, "factor": f.name, "kind": f.kind,
                  "provenance": f.provenance, "unit": f.unit, "low": f.low, "high": f.high, **{k: float(v[j]) for k, v in indices.items()},
                  "rank": int(rank[j])} for j, f in enumerate(fs)]
        rows.extend(sorted(block, key=lambda r: (r["rank"], r["factor"])))
    table = pd.DataFrame(rows)
    samples = pd.DataFrame(design, columns=[f.name for f in fs])
    for t, (chain, year, _) in enumerate(targets):
        samples[f"p_reach:{chain}:{year}"] = y[:, t]
    return Sensitivity(scenario.id, method, reps, seed, engine, n, len(points), tuple(fs), table, samples)


def _targets(scenario: Scenario) -> list[tuple[str, int, float]]:
    """(chain, target year, target 亿元/year) in the order of the ensemble's target columns."""
    plan = make_plan(scenario)
    return [(plan.chain_ids[c], int(y), float(v))
            for c, y, v in zip(plan.target_chain, plan.target_year, plan.target_yi)]


def _at(scenario: Scenario, fs: list[Factor], row: np.ndarray) -> Scenario:
    """The scenario with levers and every uncertain number set to one design point: the
    posterior becomes that single draw (columns not in the design keep their median), the
    other parameters are fixed."""
    lev = {f.name: float(v) for f, v in zip(fs, row) if f.kind == "lever"}
    par = {f.name: float(v) for f, v in zip(fs, row) if f.kind == "parameter"}
    out = scenario.with_levers(**lev) if lev else scenario
    post = out.posterior
    if post is not None:
        point = [par.pop(n, float(np.median(post.column(n)))) for n in post.parameters]
        out = out.model_copy(update={"posterior": post.model_copy(update={"draws": [point]})})
    return out.with_parameters(**par) if par else out


def _sample(method: str, problem: dict[str, Any], n: int, seed: int) -> np.ndarray:
    if method == "morris":
        from SALib.sample import morris as morris_sample

        return morris_sample.sample(problem, n, num_levels=MORRIS_LEVELS, seed=seed)
    from SALib.sample import sobol as sobol_sample

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # SALib warns when n_base is not a power of 2
        return sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)


def _analyse(method: str, problem: dict[str, Any], design: np.ndarray, y: np.ndarray,
             seed: int) -> dict[str, np.ndarray]:
    d = problem["num_vars"]
    if method == "morris":
        from SALib.analyze import morris as morris_analyze

        res = morris_analyze.analyze(problem, design, y, num_resamples=100, conf_level=0.95,
                                     num_levels=MORRIS_LEVELS, seed=seed)
        return {k: np.asarray(res[k], dtype=float) for k in ("mu_star", "mu_star_conf", "mu", "sigma")}
    if np.ptp(y) == 0.0:  # p_reach does not move at all: no variance to share out
        zero = np.zeros(d)
        return {"S1": zero, "S1_conf": zero, "ST": zero, "ST_conf": zero}
    from SALib.analyze import sobol as sobol_analyze

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        res = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=100, conf_level=0.95,
                                    seed=seed)
    return {k: np.asarray(res[k], dtype=float) for k in ("S1", "S1_conf", "ST", "ST_conf")}
