"""Per-replicate outcomes in planner terms, for the decision analyses (optimise, discover,
robustness, what-it-takes in planner units).

Core objects: ``run_outcomes(runs) -> list[Outcomes]`` and ``Outcomes``: for every
replicate whether each chain target is reached, and per calendar year and chain the
projects signed, the projects of 10亿元 or more signed (the seeds' "10亿元以上项目", the
class in which flagship 旗舰型 / 基地型 projects fall), and the industrial land taken by
starting projects (亩). All come from the run's records (``chainsim.records``), reduced
inside the workers, so memory grows only with replicates × years × chains.

The ensembles go through ``chainsim.ensemble.iter_pooled``: one pool of tasks for all of
them, the same blocks and streams as ``run_ensemble``, so replicate ``i`` of two runs with
the same seed sees the same draws (common random numbers), and the numbers do not depend
on the executor or the number of workers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from ..ensemble import Job, annual_output, iter_pooled
from ..prepare import make_plan
from ..records import Trajectories
from ..scenario import Scenario

MAJOR_YI = 10.0
"""Projects of at least this investment (亿元) are counted as major ("10亿元以上项目")."""


@dataclass(frozen=True)
class Outcomes:
    """What each replicate of one ensemble did.

    ``reached`` (R, targets): annual output in the target year ≥ the target;
    ``target_chain``, ``target_year``, ``target_yi``: the targets (chain index, year,
    亿元/year). ``years`` (Y,): the simulated calendar years (from the scenario's start);
    ``signed``, ``signed_major`` (Y, R, C): projects signed, and projects of ≥10亿元 signed,
    in that year by that chain; ``land_mu`` (Y, R, C): 亩 of land taken by projects starting
    that year. ``parameters``: each replicate's parameter values (name → (R,)).
    """

    scenario_id: str
    chain_ids: tuple[str, ...]
    replicates: np.ndarray
    reached: np.ndarray
    target_output_yi: np.ndarray
    target_chain: np.ndarray
    target_year: np.ndarray
    target_yi: np.ndarray
    years: np.ndarray
    signed: np.ndarray = field(repr=False)
    signed_major: np.ndarray = field(repr=False)
    land_mu: np.ndarray = field(repr=False)
    parameters: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def reps(self) -> int:
        return int(self.reached.shape[0])

    @property
    def p_reach(self) -> np.ndarray:
        """Share of replicates reaching each target, (targets,)."""
        return self.reached.mean(axis=0)

    def targets_met(self, targets: Sequence[int] | None = None) -> np.ndarray:
        """Number of targets (all, or the given target indices) each replicate meets, (R,)."""
        cols = self.reached if targets is None else self.reached[:, list(targets)]
        return cols.sum(axis=1).astype(float)

    def chain_index(self, chain: str) -> int:
        return self.chain_ids.index(chain)

    def per_year(self, what: str, chain: str | None, first_year: int, last_year: int) -> np.ndarray:
        """Mean per year over [first_year, last_year] of ``what`` (signed | signed_major |
        land_mu) for one chain (or the county: None), per replicate, (R,)."""
        arr = {"signed": self.signed, "signed_major": self.signed_major, "land_mu": self.land_mu}[what]
        sel = (self.years >= first_year) & (self.years <= last_year)
        if not sel.any():
            return np.zeros(self.reps)
        block = arr[sel]
        block = block.sum(axis=2) if chain is None else block[:, :, self.chain_index(chain)]
        return block.mean(axis=0)

    def total(self, what: str, chain: str | None, first_year: int, last_year: int) -> np.ndarray:
        """Total over [first_year, last_year] of ``what`` per replicate, (R,)."""
        n = int(np.sum((self.years >= first_year) & (self.years <= last_year)))
        return self.per_year(what, chain, first_year, last_year) * n

    @staticmethod
    def concat(parts: Sequence["Outcomes"]) -> "Outcomes":
        first = parts[0]
        params = {k: np.concatenate([p.parameters[k] for p in parts]) for k in first.parameters}
        return Outcomes(first.scenario_id, first.chain_ids, np.concatenate([p.replicates for p in parts]),
                        np.concatenate([p.reached for p in parts]),
                        np.concatenate([p.target_output_yi for p in parts]), first.target_chain,
                        first.target_year, first.target_yi, first.years,
                        np.concatenate([p.signed for p in parts], axis=1),
                        np.concatenate([p.signed_major for p in parts], axis=1),
                        np.concatenate([p.land_mu for p in parts], axis=1), params)


def reduce_outcomes(traj: Trajectories, scenario: Scenario) -> Outcomes:
    """A block's trajectories reduced to ``Outcomes`` (runs inside the worker)."""
    plan = make_plan(scenario)
    annual, years = annual_output(traj, plan)
    tc, ty, tv = plan.target_chain, plan.target_year, plan.target_yi
    pos = np.searchsorted(years, ty)
    target_output = np.stack([annual[pos[t], :, tc[t]] for t in range(len(tc))], axis=1) if len(tc) else \
        np.zeros((traj.data.shape[2], 0))
    reached = target_output >= tv[None, :]
    w = plan.warmup
    T = traj.data.shape[1] - w
    month_years = (plan.first_month + w + np.arange(T)) // 12

    def yearly(x: np.ndarray) -> np.ndarray:
        x = x[w:].astype(np.float64)
        return np.stack([x[month_years == y].sum(axis=0) for y in years]).astype(np.float32)

    return Outcomes(
        scenario.id, plan.chain_ids, np.asarray(traj.replicates), reached, target_output, tc, ty, tv, years,
        yearly(traj.flow("signed", "count")), yearly(traj.flow("signed", "count", MAJOR_YI, None)),
        yearly(traj.metric("land_used_mu")),
        {k: np.asarray(v, dtype=float) for k, v in traj.parameters.items()},
    )


@dataclass(frozen=True)
class Run:
    """One ensemble to run: ``reps`` replicates of ``scenario`` from master ``seed``;
    ``parameters`` (name → one value per replicate, or a scalar) overrides the drawn values."""

    scenario: Scenario
    reps: int
    seed: int
    engine: str = "fast"
    parameters: dict[str, np.ndarray] | None = None


def run_outcomes(runs: Sequence[Run], executor: Any = None,
                 progress: Callable[[int, int], None] | None = None) -> list[Outcomes]:
    """Every run's ``Outcomes``, all runs' blocks in one pool of tasks.

    ``progress(done, total)`` counts finished runs."""
    jobs = [Job(r.scenario, r.reps, r.seed, r.engine, partial(reduce_outcomes, scenario=r.scenario), r.parameters)
            for r in runs]
    out = []
    for blocks in iter_pooled(jobs, executor):
        out.append(Outcomes.concat(list(blocks)))
        if progress is not None:
            progress(len(out), len(jobs))
    return out


def mean_interval(x: np.ndarray, z: float = 1.959963984540054) -> tuple[float, float, float]:
    """Mean of ``x`` with its normal 95% interval (mean ± z·sd/√n)."""
    x = np.asarray(x, dtype=float)
    m = float(x.mean())
    if x.size < 2:
        return m, m, m
    half = z * float(x.std(ddof=1)) / np.sqrt(x.size)
    return m, m - half, m + half
