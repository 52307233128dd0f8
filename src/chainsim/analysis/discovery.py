"""Scenario discovery: under which conditions does a chain reach its target?

Core objects: ``discover(scenario, chain) -> Discovery``, ``Box`` and ``Limit``.

Method. A Latin hypercube (``scipy.stats.qmc``) samples the levers over their catalogue
bounds (from the policy start on) and the uncertain parameters over their ranges: those
the scenario draws from a distribution (low..high, or ± 2 sd as in the sensitivity
analysis), the calibrated ones over their calibrated interval, and any ``parameters``
named by the caller over the same kind of range (or ±50% of the value, clipped to the
catalogue, when the scenario gives none: assumed). Each sample point runs ``reps``
replicates on its own seed (derived from the master seed and the point's number, so the
chance events differ between points and the whole design is reproducible). Every
replicate is one row: the point's lever values, the replicate's parameter values (any
parameter that varies between rows, whether the design set it or the ensemble drew it,
e.g. from a posterior), and what happened in it, from the run's records: projects the
chain signed a year, projects of 10亿元 or more it signed, and land its starting projects
took, from the policy start's year through ``by_year`` (default the year before the target
year). The outcome is whether the chain reached its target.

PRIM (the Patient Rule Induction Method, Friedman & Fisher 1999), in the EMA Workbench's
implementation (imported lazily), peels the rows to boxes where the target is met more
often. Of each box's peeling trajectory we keep the box of largest coverage, restricting
at least one dimension, whose density is at least ``threshold`` (default
``DEFAULT_THRESHOLD``, or halfway between the base rate and 1 if that is higher; if none is, the densest box holding at least ``MIN_MASS`` of
the rows) and then look for the next box among the rows outside it. ``coverage``: share of
all the rows that meet the target which lie in the box; ``density``: share of the box's
rows that meet the target; ``mass``: share of all rows in the box.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..catalogue import LEVERS, PARAMETERS
from ..errors import InputError
from ..scenario import Scenario
from ..schema import base_output_chain, month_index
from .common import chain_target, lever_spec, run_settings, did_you_mean
from .outcomes import Run, run_outcomes
from ..calibration.abc import parameter_unit
from .sensitivity_analysis import factors as sensitivity_factors

DEFAULT_THRESHOLD = 0.8
"""Density a box should reach; raised to halfway between the base rate and 1 when the base
rate is already above it (a box must say more than "most runs meet it anyway")."""

MIN_MASS = 0.05

QP_MAX = 0.05
"""A box keeps a restriction only if removing it lowers the density significantly: the
one-sided binomial quasi-p-value of the EMA Workbench (Bryant & Lempert 2010) at most this."""
"""Smallest share of the rows a box may hold."""

FEATURES: dict[str, tuple[str, str]] = {
    "signed_per_year": ("projects/year", "projects the chain signs a year"),
    "major_signed": ("projects", "projects of 10亿元 or more the chain signs"),
    "land_mu_per_year": ("亩/year", "亩 of land the chain's starting projects take a year"),
}
"""Record features of each replicate: (unit, what it counts) over the policy years through ``by_year``."""


@dataclass(frozen=True)
class Limit:
    """One restricted dimension of a box: ``low`` ≤ value ≤ ``high`` (in ``unit``); ``side``
    says which end is restricted (low: "at least low", high: "at most high", both)."""

    name: str
    kind: str  # lever | parameter | record
    low: float
    high: float
    unit: str
    side: str

    def text(self) -> str:
        if self.name == "major_signed":  # a count: whole projects
            lo, hi = f"{math.ceil(self.low - 1e-9)}", f"{math.floor(self.high + 1e-9)}"
        else:
            lo, hi = f"{self.low:.4g}", f"{self.high:.4g}"
        v = {"low": f"{self.name} ≥ {lo}", "high": f"{self.name} ≤ {hi}", "both": f"{lo} ≤ {self.name} ≤ {hi}"}[self.side]
        return f"{v} {self.unit}".strip()


@dataclass(frozen=True)
class Box:
    """A PRIM box: its limits, ``coverage``, ``density`` and ``mass`` (shares, see the module doc)."""

    coverage: float
    density: float
    mass: float
    n: int
    limits: tuple[Limit, ...]
    meets_threshold: bool


@dataclass(frozen=True)
class Discovery:
    """The conditions under which ``chain`` reaches its target.

    ``base_rate``: share of all rows (sampled points × replicates) that meet the target;
    ``boxes``: PRIM boxes in the order found, over every column (levers, parameters and
    what happened in the run); ``input_boxes``: the same over the levers and parameters
    only (conditions a planner sets or must hope for); ``data``: the rows (one column per lever,
    parameter and record feature, plus ``reached``); ``factors``: the sampled ranges
    (name, kind, unit, low, high); ``by_year``: last year counted in the record features.
    """

    scenario_id: str
    chain: str
    target_yi: float
    target_year: int
    by_year: int
    from_year: int
    samples: int
    reps: int
    seed: int
    engine: str
    threshold: float
    base_rate: float
    boxes: tuple[Box, ...]
    factors: pd.DataFrame
    data: pd.DataFrame = field(repr=False)
    input_boxes: tuple[Box, ...] = ()

    def statement(self, box: Box) -> str:
        """The box in a planner's words (English; the app has the Chinese)."""
        conds = " and ".join(_phrase(lim, self) for lim in box.limits) or "whatever the conditions"
        return (f"the {self.target_yi:g}亿 target is met in {box.density:.0%} of runs with {conds} "
                f"({box.coverage:.0%} of all runs that meet it, {box.mass:.0%} of all runs)")

    def to_contract(self) -> dict[str, Any]:
        """CONTRACT.md's discover JSON, with extras (statements, mass, the sampled ranges)."""
        return {
            "chain": self.chain, "scenario": self.scenario_id, "target_yi": self.target_yi,
            "target_year": self.target_year, "records_from_year": self.from_year, "records_by_year": self.by_year,
            "samples": self.samples, "reps_per_sample": self.reps, "rows": int(len(self.data)), "seed": self.seed,
            "engine": self.engine, "threshold": self.threshold, "base_rate": self.base_rate,
            "boxes": [self._box_json(b) for b in self.boxes],
            "input_boxes": [self._box_json(b) for b in self.input_boxes],
            "factors": [{"name": r.name, "kind": r.kind, "unit": r.unit, "low": float(r.low), "high": float(r.high)}
                        for r in self.factors.itertuples(index=False)],
        }


    def _box_json(self, b: Box) -> dict[str, Any]:
        return {"coverage": b.coverage, "density": b.density, "mass": b.mass, "n": b.n,
                "meets_threshold": b.meets_threshold, "statement": self.statement(b),
                "limits": [{"name": lim.name, "kind": lim.kind, "low": lim.low, "high": lim.high, "unit": lim.unit,
                            "side": lim.side} for lim in b.limits]}


def _phrase(lim: Limit, d: Discovery) -> str:
    if lim.kind == "record":
        what = FEATURES[lim.name][1] + f" ({d.from_year}–{d.by_year})"
        if lim.name == "major_signed":
            n_low, n_high = math.ceil(lim.low - 1e-9), math.floor(lim.high + 1e-9)
            one = what.replace("projects", "project", 1)
            return {"low": f"at least {n_low} {one if n_low == 1 else what}",
                    "high": f"at most {n_high} {one if n_high == 1 else what}",
                    "both": f"{n_low} to {n_high} {what}"}[lim.side]
        unit = FEATURES[lim.name][0]
    else:
        what, unit = lim.name, lim.unit
    return {"low": f"{what} at least {lim.low:.3g} {unit}", "high": f"{what} at most {lim.high:.3g} {unit}",
            "both": f"{what} between {lim.low:.3g} and {lim.high:.3g} {unit}"}[lim.side]


def _range(scenario: Scenario, name: str) -> tuple[float, float]:
    """A parameter's range: as the sensitivity analysis varies it (the posterior's central 90%,
    the scenario's distribution, or an assumed parameter's plausible range)."""
    hits = [f for f in sensitivity_factors(scenario, include="uncertain") if f.name == name]
    if hits:
        return hits[0].low, hits[0].high
    spec = PARAMETERS[name]
    setting = scenario.parameters.get(name)
    v = setting.central if setting is not None else spec.default
    return max(0.5 * v, spec.low), min(1.5 * v, spec.high)


def design_factors(scenario: Scenario, levers: Sequence[str] | None = None,
                   parameters: Sequence[str] | None = None) -> pd.DataFrame:
    """The sampled factors: name, kind (lever | parameter), unit, low, high. The parameters are
    the calibration posterior's columns (base outputs per chain included), those the scenario
    gives a distribution, and any ``parameters`` named."""
    rows = []
    for name in (LEVERS if levers is None else levers):
        spec = lever_spec(name)
        rows.append({"name": name, "kind": "lever", "unit": spec.unit, "low": float(spec.low),
                     "high": float(spec.high)})
    names = list(scenario.posterior.parameters) if scenario.posterior is not None else []
    names += [n for n, s in scenario.parameters.items()
              if n not in names and (s.dist != "fixed" or (s.interval is not None and s.interval[0] < s.interval[1]))]
    for n in parameters or []:
        if n not in PARAMETERS:
            raise InputError(f"unknown parameter {n!r}{did_you_mean(n, PARAMETERS)}")
        if n not in names:
            names.append(n)
    for name in names:
        lo, hi = _range(scenario, name)
        if lo < hi:
            rows.append({"name": name, "kind": "parameter", "unit": parameter_unit(name), "low": lo, "high": hi})
    return pd.DataFrame(rows, columns=["name", "kind", "unit", "low", "high"])


def _seed(seed: int, i: int) -> int:
    return int(np.random.SeedSequence([seed, i]).generate_state(1, dtype=np.uint64)[0] >> 1)


def discover(scenario: Scenario, chain: str, samples: int = 200, reps: int = 10, seed: int | None = None,
             levers: Sequence[str] | None = None, parameters: Sequence[str] | None = None,
             by_year: int | None = None, threshold: float | None = None, max_boxes: int = 2, engine: str = "fast",
             executor: Any = None, progress: Callable[[int, int], None] | None = None,
             target_year: int | None = None) -> Discovery:
    """Latin hypercube over levers and uncertain parameters, then PRIM boxes where
    ``chain`` reaches its target (see the module docstring). ``samples`` points × ``reps``
    replicates; ``progress(done, total)`` counts points."""
    chain_obj, target = chain_target(scenario, chain, target_year)
    if samples < 10:
        raise InputError(f"samples must be at least 10, got {samples}")
    if threshold is not None and not 0.0 < threshold < 1.0:
        raise InputError(f"threshold must be strictly between 0 and 1, got {threshold}")
    reps, seed = run_settings(scenario, reps, seed, engine)
    from_year = month_index(scenario.policy_start) // 12
    by = target.year - 1 if by_year is None else int(by_year)
    by = max(by, from_year)
    if by > scenario.last_target_year + 20 or by > int(scenario.calendar.horizon[:4]):
        raise InputError(f"--by-year {by_year} is after the scenario's horizon {scenario.calendar.horizon}")
    fs = design_factors(scenario, levers, parameters)
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(fs), rng=np.random.default_rng(seed)).random(samples)
    design = qmc.scale(unit, fs["low"].to_numpy(), fs["high"].to_numpy()) if len(fs) else unit
    runs = []
    for i, row in enumerate(design):
        lev = {n: float(v) for n, k, v in zip(fs["name"], fs["kind"], row) if k == "lever"}
        par = {n: float(v) for n, k, v in zip(fs["name"], fs["kind"], row) if k == "parameter"}
        s = scenario.with_levers(**lev) if lev else scenario
        s = s.with_parameters(**par) if par else s
        runs.append(Run(s, reps, _seed(seed, i), engine))
    outcomes = run_outcomes(runs, executor, progress)
    t_index = next(i for i, (c, y) in enumerate(zip(outcomes[0].target_chain, outcomes[0].target_year))
                   if outcomes[0].chain_ids[c] == chain_obj.id and int(y) == target.year)
    frames = []
    for i, o in enumerate(outcomes):
        # the design point (levers, and parameters such as a chain's base output that the
        # engines do not carry as parameters), then every parameter the replicates drew
        f = pd.DataFrame({n: np.full(o.reps, float(v)) for n, v in zip(fs["name"], design[i])})
        for name, values in o.parameters.items():
            if name not in f:
                f[name] = values
        f["signed_per_year"] = o.per_year("signed", chain_obj.id, from_year, by)
        f["major_signed"] = o.total("signed_major", chain_obj.id, from_year, by)
        f["land_mu_per_year"] = o.per_year("land_mu", chain_obj.id, from_year, by)
        f["reached"] = o.reached[:, t_index]
        f.insert(0, "sample", i)
        frames.append(f)
    data = pd.concat(frames, ignore_index=True)
    varying = [c for c in data.columns if c not in ("sample", "reached") and data[c].nunique() > 1]
    data = data[["sample", *varying, "reached"]]
    base = float(data["reached"].mean())
    threshold = max(DEFAULT_THRESHOLD, (1.0 + base) / 2) if threshold is None else float(threshold)
    boxes = _prim(data, varying, fs, threshold, max_boxes)
    inputs = _prim(data, [c for c in varying if c not in FEATURES], fs, threshold, max_boxes)
    return Discovery(scenario.id, chain_obj.id, float(target.value_yi), int(target.year), by, from_year, samples,
                     reps, seed, engine, float(threshold), base, tuple(boxes), fs, data, tuple(inputs))


def _kind(name: str, fs: pd.DataFrame) -> tuple[str, str]:
    if name in FEATURES:
        return "record", FEATURES[name][0]
    if name in LEVERS:
        return "lever", LEVERS[name].unit
    return "parameter", parameter_unit(name) if name in PARAMETERS or base_output_chain(name) else ""


def _prim(data: pd.DataFrame, columns: list[str], fs: pd.DataFrame, threshold: float, max_boxes: int) -> list[Box]:
    y = data["reached"].to_numpy(dtype=bool)
    n_hit = int(y.sum())
    base = n_hit / len(y) if len(y) else 0.0
    if n_hit == 0 or n_hit == len(y) or not columns:
        return []
    import logging

    from scipy.stats import binomtest

    logging.getLogger("EMA").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        x = data[columns].astype(float).reset_index(drop=True)
        # threshold: y ≥ it marks a run that meets the target, and a box is kept (not replaced by a "dump
        # box") when its density reaches it: just above 0, so every peeled box is kept and we choose
        p = prim.Prim(x, y.astype(float), threshold=1e-6, peel_alpha=0.05, paste_alpha=0.05, mass_min=MIN_MASS)
        init = x.agg(["min", "max"])
        out = []
        for _ in range(max_boxes):
            box = p.find_box()
            if box is None:
                break
            traj = box.peeling_trajectory
            traj = traj[traj["res_dim"] >= 1]
            if not len(traj):
                break  # nothing restricts: the rest of the rows hold no better box
            ok = traj[(traj["density"] >= threshold) & (traj["mass"] >= MIN_MASS)]
            if len(ok):
                i = int(ok.sort_values(["coverage", "density"], ascending=False).index[0])
            else:
                cand = traj[traj["mass"] >= MIN_MASS]
                if not len(cand):
                    break
                i = int(cand.sort_values(["density", "coverage"], ascending=False).index[0])
            box.select(i)
            lims = box.box_lims[i].copy()
            for name, qps in box.qp[i].items():  # drop restrictions that do not matter (quasi-p > QP_MAX)
                for side, qp in enumerate(qps):
                    if qp is not None and qp > QP_MAX:
                        lims.at[side, name] = init.at["min" if side == 0 else "max", name]
            inside = np.ones(len(y), dtype=bool)
            limits = []
            for name in columns:
                lo, hi = float(lims.at[0, name]), float(lims.at[1, name])
                lo_free, hi_free = lo <= float(init.at["min", name]), hi >= float(init.at["max", name])
                if lo_free and hi_free:
                    continue
                inside &= (x[name].to_numpy() >= lo) & (x[name].to_numpy() <= hi)
                kind, unit = _kind(name, fs)
                side = "high" if lo_free else "low" if hi_free else "both"
                limits.append(Limit(name, kind, lo, hi, unit, side))
            if not limits:
                break
            n_in = int(inside.sum())
            density = float(y[inside].mean()) if n_in else 0.0
            coverage = float(y[inside].sum() / n_hit)
            if not n_in or binomtest(int(y[inside].sum()), n_in, base, alternative="greater").pvalue > QP_MAX:
                break  # no denser than all the runs together: not a condition
            out.append(Box(coverage, density, n_in / len(y), n_in, tuple(limits), density >= threshold))
    return out
