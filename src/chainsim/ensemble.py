"""Ensembles: replicates, seeds, and the summaries planners read.

Core objects: ``run_ensemble`` (scenario → ``EnsembleSummary``), ``simulate`` (scenario →
full ``Trajectories``, for small runs), ``run_ensembles`` (several at once, one pool of
tasks), ``iter_pooled`` / ``iter_blocks`` / ``map_blocks`` (the one place work is cut into
tasks) and ``EnsembleSummary`` (p_reach with its interval, output quantiles in the target
year, the year the target is reached, shortfall, monthly quantile bands for fan charts).

Reproducibility: replicates are cut into blocks (``block_size``: up to ``BLOCK_REPS``,
fewer for very big scenarios); block ``b`` of the fast engine draws from
``SeedSequence(seed).spawn(n_blocks)[b]``, and replicate ``i`` of the Mesa engine from
``SeedSequence(seed).spawn(reps)[i]``. Tasks are whole blocks and
results are reduced in block order with integer or order-fixed sums, so the same
scenario, seed, reps and engine give the same numbers with any number of workers or any
executor.

Memory: with summaries only, each block is reduced to a partial summary in its worker
and folded into running sums as it arrives: per-replicate scalars (a few per target) and
fixed-size histograms for the monthly bands, so memory does not grow with the number of
replicates beyond a few bytes per replicate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

import numpy as np
import pandas as pd

from . import __version__
from .memory import block_reps, check_memory
from .prepare import Plan, make_plan
from .records import COHORT_METRICS, COHORTS, Trajectories
from .scenario import Scenario, month_label
from .uncertainty import conditional_spread, effective_reps, group_design, replicate_parameters, uncertain_names

Engine = Literal["fast", "mesa"]
ENGINES: tuple[str, ...] = ("fast", "mesa")

BLOCK_REPS = 200
"""Replicates per block, at most: the unit of work and of random streams (fast engine)."""

BLOCK_ENTERPRISES = 200_000
"""Initial enterprises per fast-engine block, at most: big scenarios get smaller blocks so a
block's memory stays bounded (a province of 50,000 firms runs 8 replicates a block)."""

MESA_BLOCK_REPS = 10
"""Replicates per task for the Mesa engine (each replicate has its own stream)."""

BAND_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
"""Quantiles of the monthly fan-chart bands (P5, P25, P50, P75, P95)."""

_SKETCH_BINS = 1200
_SKETCH_LO, _SKETCH_HI = 1e-3, 1e3  # output relative to the chain's base output
_SKETCH_EDGES = np.geomspace(_SKETCH_LO, _SKETCH_HI, _SKETCH_BINS + 1)
_SKETCH_LOG_STEP = np.log(_SKETCH_HI / _SKETCH_LO) / _SKETCH_BINS


def sketch_bin(rel: np.ndarray) -> np.ndarray:
    """``np.searchsorted(_SKETCH_EDGES, rel, side="right")`` (0: below the lowest edge, bins + 1:
    at or above the highest), found from the logarithm (the edges are geometric) and made
    exact by stepping over the edges the rounding may have missed: ten times faster than a
    binary search over 1,201 edges."""
    with np.errstate(divide="ignore", invalid="ignore"):
        guess = np.floor((np.log(rel) - np.log(_SKETCH_LO)) / _SKETCH_LOG_STEP) + 1.0
    pos = np.clip(np.nan_to_num(guess, nan=_SKETCH_BINS + 1, posinf=_SKETCH_BINS + 1, neginf=0.0), 0, _SKETCH_BINS + 1)
    pos = pos.astype(np.int64)
    top = _SKETCH_BINS + 1
    while True:  # rel must be in [edges[pos - 1], edges[pos]): move the few that are not
        down = (pos > 0) & (rel < _SKETCH_EDGES[np.maximum(pos - 1, 0)])
        up = (pos < top) & (rel >= _SKETCH_EDGES[np.minimum(pos, top - 1)])
        if not (down.any() or up.any()):
            return pos
        pos = pos - down + up

Z95 = 1.959963984540054


def wilson_interval(successes: np.ndarray | int, n: int, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (default 95%) for a binomial proportion; brackets the estimate."""
    k = np.asarray(successes, dtype=float)
    p = k / n
    denom = 1.0 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    lo = np.clip(np.minimum(centre - half, p), 0.0, 1.0)
    hi = np.clip(np.maximum(centre + half, p), 0.0, 1.0)
    return lo, hi


# --------------------------------------------------------------------------- tasks


@dataclass(frozen=True)
class Task:
    """One block of replicates: what a worker needs to simulate it."""

    scenario: Scenario
    engine: str
    seeds: tuple[np.random.SeedSequence, ...]
    replicates: tuple[int, ...]
    parameters: dict[str, np.ndarray] | None = None
    block_reps: int = BLOCK_REPS


def block_size(scenario: Scenario, engine: str) -> int:
    """Replicates per block: a function of the scenario alone, so results never depend on
    how the work is spread."""
    if engine != "fast":
        return MESA_BLOCK_REPS
    plan = make_plan(scenario)
    firms = int(plan.n_enterprises.sum())
    return int(min(np.clip(BLOCK_ENTERPRISES // max(firms, 1), 8, BLOCK_REPS), block_reps(scenario, plan)))


def make_tasks(scenario: Scenario, reps: int, seed: int, engine: str,
               parameters: dict[str, np.ndarray] | None = None, blocks_per_task: int = 1) -> list[Task]:
    """Cut an ensemble into tasks of ``blocks_per_task`` blocks each.

    A block is the unit of random streams and of reduction: ``BLOCK_REPS`` replicates
    sharing one stream (fast engine) or ``MESA_BLOCK_REPS`` replicates with a stream each
    (Mesa). How blocks are grouped into tasks changes nothing in the results.
    ``parameters`` (one value per replicate, length ``reps``) fixes parameter values
    instead of drawing them (calibration). Uncertain parameters (a posterior, or
    distributions) are drawn per group of replicates here, not in the engines, so both
    engines see the same values and a group's draw never depends on how work is cut.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if blocks_per_task < 1:
        raise ValueError("blocks_per_task must be at least 1")
    root = np.random.SeedSequence(seed)
    size = block_size(scenario, engine)
    check_memory(scenario, size, engine)
    n_blocks = -(-reps // size)
    if engine == "fast":
        block_seeds = [(child,) for child in root.spawn(n_blocks)]
    else:
        children = root.spawn(reps)
        block_seeds = [tuple(children[b * size:(b + 1) * size]) for b in range(n_blocks)]
    tasks = []
    for first in range(0, n_blocks, blocks_per_task):
        blocks = range(first, min(first + blocks_per_task, n_blocks))
        reps_t = tuple(range(first * size, min((blocks[-1] + 1) * size, reps)))
        seeds = tuple(seq for b in blocks for seq in block_seeds[b])
        tasks.append(Task(scenario, engine, seeds, reps_t, _task_parameters(scenario, seed, reps_t, parameters), size))
    return tasks


def _task_parameters(scenario: Scenario, seed: int, reps: tuple[int, ...],
                     parameters: dict[str, np.ndarray] | None) -> dict[str, np.ndarray] | None:
    """A task's per-replicate parameter values: the uncertain parameters' draws for its
    replicates (``chainsim.uncertainty``), overridden by any values the caller fixes."""
    drawn = replicate_parameters(scenario, seed, np.asarray(reps, dtype=np.int64))
    fixed = _slice(parameters, reps)
    if drawn is None:
        return fixed
    drawn.update(fixed or {})
    return drawn


def _slice(parameters: dict[str, np.ndarray] | None, reps: tuple[int, ...]) -> dict[str, np.ndarray] | None:
    """The task's share of per-replicate parameter values (a scalar applies to every replicate)."""
    if parameters is None:
        return None
    idx = np.asarray(reps)
    out = {}
    for name, values in parameters.items():
        arr = np.asarray(values, dtype=float)
        out[name] = np.full(idx.size, float(arr)) if arr.ndim == 0 else arr[idx]
    return out


def simulate_blocks(task: Task) -> list[Trajectories]:
    """Simulate a task block by block (runs inside a worker)."""
    plan = make_plan(task.scenario)
    reps = np.asarray(task.replicates)
    out = []
    if task.engine == "fast":
        from .kernel import run_block

        for k, seq in enumerate(task.seeds):
            sel = slice(k * task.block_reps, (k + 1) * task.block_reps)
            fixed = None if task.parameters is None else {n: v[sel] for n, v in task.parameters.items()}
            out.append(run_block(task.scenario, seq, reps[sel], plan=plan, parameters=fixed))
        return out
    from .model import run_replicate

    for start in range(0, len(reps), task.block_reps):
        parts = []
        for k in range(start, min(start + task.block_reps, len(reps))):
            fixed = None if task.parameters is None else {n: float(v[k]) for n, v in task.parameters.items()}
            parts.append(run_replicate(task.scenario, task.seeds[k], int(reps[k]), plan=plan, parameters=fixed))
        out.append(Trajectories.concat(parts))
    return out


def _run_and_reduce(task: Task, reducer: Callable[[Trajectories], Any]) -> list[Any]:
    return [reducer(block) for block in simulate_blocks(task)]


# --------------------------------------------------------------------------- one pool for many ensembles


@dataclass(frozen=True)
class Job:
    """One ensemble in a pool of tasks: ``reps`` replicates of ``scenario`` from master
    ``seed`` on ``engine``, each block reduced by ``reducer`` inside its worker
    (``parameters`` as in ``make_tasks``)."""

    scenario: Scenario
    reps: int
    seed: int
    engine: str
    reducer: Callable[[Trajectories], Any]
    parameters: dict[str, np.ndarray] | None = None


def _run_pooled(item: tuple[Task, Callable[[Trajectories], Any]]) -> list[Any]:
    """A pooled task with its job's reducer (runs inside a worker)."""
    task, reducer = item
    return _run_and_reduce(task, reducer)


def iter_pooled(jobs: Sequence[Job], executor: Any = None, progress: Callable[[int, int], None] | None = None,
                blocks_per_task: int = 1) -> Iterator[Iterator[Any]]:
    """Simulate the blocks of every job in one pool of tasks; yield, job by job in order,
    an iterator over that job's reduced blocks in block order.

    All tasks of all jobs go to one ``executor.map`` call, so workers stay busy across
    jobs (a 1,000-replicate scenario alone has only five blocks). Each job's tasks are
    exactly those of ``make_tasks`` for it alone and the executor yields in task order,
    so no number depends on what else is in the pool, on the executor or on the number
    of workers. ``progress(done, total)`` counts tasks over all jobs. Read each job's
    iterator before asking for the next (what is left of it is read and dropped).
    """
    from .executors import SerialExecutor

    per_job = [make_tasks(j.scenario, j.reps, j.seed, j.engine, j.parameters, blocks_per_task) for j in jobs]
    items = [(task, job.reducer) for job, tasks in zip(jobs, per_job) for task in tasks]
    results = (executor or SerialExecutor()).map(_run_pooled, items)
    done = 0

    def blocks_of(n_tasks: int) -> Iterator[Any]:
        nonlocal done
        for _ in range(n_tasks):
            yield from next(results)
            done += 1
            if progress is not None:
                progress(done, len(items))

    for tasks in per_job:
        blocks = blocks_of(len(tasks))
        yield blocks
        for _ in blocks:  # whatever the caller left unread
            pass


def iter_blocks(scenario: Scenario, reps: int, seed: int, engine: str, reducer: Callable[[Trajectories], Any],
                executor: Any = None, progress: Callable[[int, int], None] | None = None,
                parameters: dict[str, np.ndarray] | None = None, blocks_per_task: int = 1) -> Iterator[Any]:
    """Simulate every block and yield ``reducer`` of its trajectories, in block order.

    The reducer runs inside the worker. ``executor`` is anything with ``map(fn, tasks)``
    yielding results in task order (see ``chainsim.executors``); None runs serially.
    ``progress(done, total)`` is called as tasks finish. ``blocks_per_task`` groups blocks
    into bigger tasks (fewer, larger messages to workers) without changing any result.
    """
    job = Job(scenario, reps, seed, engine, reducer, parameters)
    for blocks in iter_pooled([job], executor, progress, blocks_per_task):
        yield from blocks


def map_blocks(scenario: Scenario, reps: int, seed: int, engine: str, reducer: Callable[[Trajectories], Any],
               executor: Any = None, progress: Callable[[int, int], None] | None = None,
               parameters: dict[str, np.ndarray] | None = None, blocks_per_task: int = 1) -> list[Any]:
    """``iter_blocks`` as a list: the reduced blocks in block order."""
    return list(iter_blocks(scenario, reps, seed, engine, reducer, executor, progress, parameters, blocks_per_task))


def simulate(scenario: Scenario, reps: int | None = None, seed: int | None = None, engine: str = "fast",
             executor: Any = None) -> Trajectories:
    """Every replicate's full trajectories (for small ensembles: memory grows with reps)."""
    reps = reps or scenario.ensemble.reps
    seed = scenario.ensemble.seed if seed is None else seed
    return Trajectories.concat(map_blocks(scenario, reps, seed, engine, _identity, executor))


def _identity(t: Trajectories) -> Trajectories:
    return t


# --------------------------------------------------------------------------- reduction


@dataclass
class _Partial:
    """A block reduced to what the summary needs."""

    replicates: np.ndarray
    reached: np.ndarray           # (R, targets) bool: annual output in target year ≥ target
    target_output: np.ndarray     # (R, targets) 亿元/year in the target year
    year_reached: np.ndarray      # (R, targets) first year with annual output ≥ target, 0 = never
    sketch: np.ndarray            # (months, replicates, chains) uint16 histogram bin of output / base
    output_sum: np.ndarray        # (months, chains) sum of output over replicates
    annual_sum: np.ndarray        # (years, chains, len(ANNUAL)) sums over replicates
    cohort_output: np.ndarray | None = None  # (R, targets, 4) 亿元/year: target year by origin (COHORTS), start


ANNUAL = ("output_yi", "signed_count", "signed_value_yi", "started_count", "started_value_yi",
          "completed_count", "completed_value_yi")
"""Per-year means reported by ``EnsembleSummary.annual`` (output: mean annual rate; flows: totals in the year)."""


def annual_output(traj: Trajectories, plan: Plan) -> tuple[np.ndarray, np.ndarray]:
    """Mean annual output (亿元/year) of each simulated calendar year: (years, R, C), years."""
    out = traj.metric("output_yi")[plan.warmup:].astype(np.float64)
    years = (plan.first_month + plan.warmup + np.arange(out.shape[0])) // 12
    uniq = np.unique(years)
    return np.stack([out[years == y].mean(axis=0) for y in uniq]), uniq


def reduce_block(traj: Trajectories, plan: Plan) -> _Partial:
    """Reduce a block's trajectories to a ``_Partial`` (runs inside the worker)."""
    annual, years = annual_output(traj, plan)
    tc, ty, tv = plan.target_chain, plan.target_year, plan.target_yi
    year_pos = np.searchsorted(years, ty)
    target_output = annual[year_pos][:, :, tc][np.arange(len(tc)), :, np.arange(len(tc))].T  # (R, targets)
    reached = target_output >= tv[None, :]
    hits = annual[:, :, tc] >= tv[None, None, :]  # (years, R, targets)
    first = np.where(hits.any(axis=0), years[np.argmax(hits, axis=0)], 0)
    out = traj.metric("output_yi")[plan.warmup:].astype(np.float64)  # (T, R, C)
    rel = out / plan.base_output_yi[None, None, :]
    # each replicate's bin (0 = below, bins+1 = above), counted into histograms by ``summarise``: a
    # block sends 2 bytes per month, replicate and chain, not a histogram per month and chain
    sketch = sketch_bin(rel).astype(np.uint16)
    T, R, C = out.shape
    flows = {
        "signed_count": traj.flow("signed", "count"), "signed_value_yi": traj.flow("signed", "value_yi"),
        "started_count": traj.flow("started", "count"), "started_value_yi": traj.flow("started", "value_yi"),
        "completed_count": traj.flow("completed", "count"), "completed_value_yi": traj.flow("completed", "value_yi"),
    }
    month_years = (plan.first_month + plan.warmup + np.arange(T)) // 12
    annual_sum = np.zeros((len(years), C, len(ANNUAL)))
    annual_sum[:, :, 0] = annual.sum(axis=1)
    for k, name in enumerate(ANNUAL[1:], start=1):
        f = flows[name][plan.warmup:].astype(np.float64)
        annual_sum[:, :, k] = np.stack([f[month_years == y].sum(axis=0) for y in years]).sum(axis=1)
    return _Partial(traj.replicates, reached, target_output, first, sketch, out.sum(axis=1), annual_sum,
                    target_cohort_output(traj, plan))


def target_cohort_output(traj: Trajectories, plan: Plan) -> np.ndarray:
    """Annual output (亿元/year) of each target's chain in its target year by origin
    (``records.COHORTS``: founders, pipeline, new; they sum to the target-year output), and
    its output at the start (the founders' at the end of the warm-up: the replicate's base
    output), (R, targets, 4) in the order of ``FRAME_COHORTS``."""
    month_years = (plan.first_month + np.arange(plan.total_months)) // 12
    out = np.zeros((traj.data.shape[2], len(plan.target_chain), len(FRAME_COHORTS)), dtype=np.float32)
    start = max(plan.warmup - 1, 0)
    for t, (c, y) in enumerate(zip(plan.target_chain, plan.target_year)):
        months = np.flatnonzero((month_years == y) & (np.arange(plan.total_months) >= plan.warmup))
        for k, name in enumerate(COHORT_METRICS):
            out[:, t, k] = traj.metric(name)[months, :, c].astype(np.float64).mean(axis=0)
        out[:, t, len(COHORTS)] = traj.metric(COHORT_METRICS[0])[start, :, c]
    return out


FRAME_COHORTS = (*COHORTS, "start")
"""Rows of ``EnsembleSummary.cohorts`` per target: the origins of the target year's output,
then ``start``, the chain's output at the start (end of the warm-up: its base output)."""


def _sketch_quantiles(counts: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """Quantiles (relative to base) from histogram counts (..., bins + 2), by log-linear
    interpolation inside a bin; values below the lowest edge (including 0) count as 0."""
    cum = np.cumsum(counts, axis=-1)
    total = cum[..., -1:]
    out = np.empty(counts.shape[:-1] + (len(qs),))
    for k, q in enumerate(qs):
        target = q * total
        pos = np.argmax(cum >= np.maximum(target, 1e-12), axis=-1)  # bin holding the quantile
        prev = np.take_along_axis(cum, np.maximum(pos - 1, 0)[..., None], axis=-1)[..., 0]
        prev = np.where(pos == 0, 0, prev)
        here = np.take_along_axis(counts, pos[..., None], axis=-1)[..., 0]
        frac = np.clip((target[..., 0] - prev) / np.maximum(here, 1), 0, 1)
        inner = np.clip(pos - 1, 0, _SKETCH_BINS - 1)
        lo, hi = np.log(_SKETCH_EDGES[inner]), np.log(_SKETCH_EDGES[inner + 1])
        value = np.exp(lo + frac * (hi - lo))
        out[..., k] = np.where(pos == 0, 0.0, np.where(pos == _SKETCH_BINS + 1, _SKETCH_HI, value))
    return out


@dataclass(frozen=True)
class EnsembleSummary:
    """What an ensemble says about a scenario.

    ``targets``: one row per chain target — target_yi, target_year, p_reach (share of
    replicates whose annual output in the target year is at least the target) with its
    95% Wilson interval, output quantiles in the target year (亿元/year), mean shortfall
    (亿元/year, 0 when reached), and p_reach_by_horizon (reached in any year up to the
    horizon). ``years_reached``: share of replicates first reaching each target in each
    year (year 0 = not within the horizon). ``bands``: monthly output quantiles per chain
    (亿元/year) for fan charts. ``annual``: per-year means of output and project flows.
    ``reached`` and ``target_output_yi`` keep the per-replicate outcomes (reps × targets)
    for paired comparisons. ``cohorts``: per target and origin of output (``COHORTS``:
    incumbent = firms present at the start, pipeline = projects signed before the policy
    start, new = signed from it on) the origin's annual output in the target year
    (亿元/year): its mean, P10/P50/P90 and ``output_yi_mid``, its mean over the middle fifth
    of replicates (those ranked P40 to P60 by the chain's output): the origins'
    means add up to the target year's mean output, their mids to the output of a typical
    (median) replicate; a last row per target, ``start``, is the chain's output at the start
    (its base output, per replicate), over the same replicates. Empty for a summary stored
    before it existed.
    """

    scenario_id: str
    scenario_hash: str
    reps: int
    seed: int
    engine: str
    version: str
    targets: pd.DataFrame
    years_reached: pd.DataFrame
    bands: pd.DataFrame
    annual: pd.DataFrame
    reached: np.ndarray = field(repr=False)
    target_output_yi: np.ndarray = field(repr=False)
    cohorts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(COHORT_COLUMNS)), repr=False)

    def to_contract(self) -> dict[str, Any]:
        """This run as CONTRACT.md's JSON ``results`` entry."""
        chains = []
        for row in self.targets.itertuples(index=False):
            chains.append({
                "chain": row.chain, "target_yi": float(row.target_yi), "target_year": int(row.target_year),
                "p_reach": float(row.p_reach), "p_reach_ci": [float(row.p_reach_lo), float(row.p_reach_hi)],
                "p_reach_spread": _spread(row),
                "output_yi_p10": float(row.output_yi_p10), "output_yi_p50": float(row.output_yi_p50),
                "output_yi_p90": float(row.output_yi_p90), "output_yi_mean": float(row.output_yi_mean),
                "shortfall_yi_mean": float(row.shortfall_yi_mean),
                "p_reach_by_horizon": float(row.p_reach_by_horizon),
                "year_reached_p50": None if pd.isna(row.year_reached_p50) else int(row.year_reached_p50),
                **self._cohort_fields(row.chain, int(row.target_year)),
            })
        return {"scenario": self.scenario_id, "scenario_hash": self.scenario_hash, "reps": self.reps,
                "seed": self.seed, "engine": self.engine, "version": self.version, "chains": chains}

    def _cohort_fields(self, chain: str, year: int) -> dict[str, float]:
        """``output_<origin>_yi_mean`` of a target (亿元/year in its target year; they add up to
        ``output_yi_mean``), when the summary has them."""
        rows = self.cohorts[(self.cohorts["chain"] == chain) & (self.cohorts["target_year"] == year)]
        return {f"output_{r.cohort}_yi_mean": float(r.output_yi_mean) for r in rows.itertuples(index=False)
                if r.cohort in COHORTS}


COHORT_COLUMNS = ("chain", "target_year", "cohort", "output_yi_mean", "output_yi_p10", "output_yi_p50",
                  "output_yi_p90", "output_yi_mid")
"""Columns of ``EnsembleSummary.cohorts`` (money in 亿元/year)."""

MID_BAND = (0.4, 0.6)
"""Ranks (as quantiles) of a chain's target-year output between which replicates count as
typical (``output_yi_mid``): the middle fifth, by rank, never empty."""


def cohort_frame(plan: Plan, target_output: np.ndarray, cohort_output: np.ndarray) -> pd.DataFrame:
    """``EnsembleSummary.cohorts`` from per-replicate target-year outputs (R, targets) and
    their split by origin with the output at the start (R, targets, 4: ``FRAME_COHORTS``)."""
    rows = []
    n = target_output.shape[0]
    first, last = int(np.floor(MID_BAND[0] * (n - 1))), int(np.ceil(MID_BAND[1] * (n - 1)))
    for t in range(len(plan.target_yi)):
        # the replicates ranked P40 to P60 by the chain's output (at least one, however few replicates)
        mid = np.argsort(target_output[:, t], kind="stable")[first:last + 1]
        for k, name in enumerate(FRAME_COHORTS):
            x = cohort_output[:, t, k].astype(np.float64)
            q = np.quantile(x, [0.1, 0.5, 0.9])
            rows.append({"chain": plan.chain_ids[plan.target_chain[t]], "target_year": int(plan.target_year[t]),
                         "cohort": name, "output_yi_mean": float(x.mean()), "output_yi_p10": float(q[0]),
                         "output_yi_p50": float(q[1]), "output_yi_p90": float(q[2]),
                         "output_yi_mid": float(x[mid].mean())})
    return pd.DataFrame(rows, columns=list(COHORT_COLUMNS))


def _spread(row: Any) -> list[float]:
    """A targets row's ``p_reach_spread``; a run stored before the field existed has none:
    its spread is unknown, reported as the whole [0, 1]."""
    lo, hi = getattr(row, "p_reach_spread_lo", np.nan), getattr(row, "p_reach_spread_hi", np.nan)
    if pd.isna(lo) or pd.isna(hi):
        return [0.0, 1.0]
    return [float(lo), float(hi)]


def summarise(scenario: Scenario, parts: Iterable[_Partial], reps: int, seed: int, engine: str) -> EnsembleSummary:
    """Combine block partials (in block order) into an ``EnsembleSummary``.

    ``parts`` may be a generator: each partial is folded in as it arrives, so only the
    per-replicate scalars and one set of running sums are held at a time.
    """
    plan = make_plan(scenario)
    per_rep: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    per_rep_cohort: list[np.ndarray] = []
    sketch = output_sum = annual_sum = None
    for p in parts:
        per_rep.append((p.reached, p.target_output, p.year_reached))
        if p.cohort_output is not None:
            per_rep_cohort.append(p.cohort_output)
        T, _, C = p.sketch.shape
        if sketch is None:
            sketch = np.zeros((T, C, _SKETCH_BINS + 2), dtype=np.int64)
        key = (np.arange(T)[:, None, None] * C + np.arange(C)[None, None, :]) * (_SKETCH_BINS + 2) + p.sketch
        np.add.at(sketch.reshape(-1), key.reshape(-1), 1)  # in place: no histogram-sized temporary per block
        output_sum = p.output_sum if output_sum is None else output_sum + p.output_sum
        annual_sum = p.annual_sum if annual_sum is None else annual_sum + p.annual_sum
    assert sketch is not None and output_sum is not None and annual_sum is not None, "no blocks"
    reached = np.concatenate([r[0] for r in per_rep])
    target_output = np.concatenate([r[1] for r in per_rep])
    year_reached = np.concatenate([r[2] for r in per_rep])
    n = reached.shape[0]
    k = reached.sum(axis=0)
    uncertain = bool(uncertain_names(scenario))
    n_eff = effective_reps(reached, uncertain)
    lo, hi = wilson_interval(k / n * n_eff, n_eff)  # type: ignore[arg-type]
    spread_lo, spread_hi = conditional_spread(reached, group_design(scenario, seed, n) if uncertain else None)
    q = np.quantile(target_output, [0.1, 0.5, 0.9], axis=0)
    shortfall = np.maximum(plan.target_yi[None, :] - target_output, 0.0).mean(axis=0)
    horizon_hit = year_reached > 0
    rows = []
    for t in range(len(plan.target_yi)):
        hit_years = year_reached[horizon_hit[:, t], t]
        median_year = float(np.quantile(hit_years, 0.5, method="lower")) if hit_years.size * 2 >= n else np.nan
        rows.append({
            "chain": plan.chain_ids[plan.target_chain[t]], "target_yi": float(plan.target_yi[t]),
            "target_year": int(plan.target_year[t]), "p_reach": float(k[t] / n), "p_reach_lo": float(lo[t]),
            "p_reach_hi": float(hi[t]), "p_reach_spread_lo": float(spread_lo[t]),
            "p_reach_spread_hi": float(spread_hi[t]), "output_yi_p10": float(q[0, t]), "output_yi_p50": float(q[1, t]),
            "output_yi_p90": float(q[2, t]), "output_yi_mean": float(target_output[:, t].mean()),
            "shortfall_yi_mean": float(shortfall[t]), "p_reach_by_horizon": float(horizon_hit[:, t].mean()),
            "year_reached_p50": median_year,
        })
    targets = pd.DataFrame(rows)
    yr_rows = []
    for t in range(len(plan.target_yi)):
        years, counts = np.unique(year_reached[:, t], return_counts=True)
        for y, c in zip(years, counts):
            yr_rows.append({"chain": plan.chain_ids[plan.target_chain[t]], "target_year": int(plan.target_year[t]),
                            "year": int(y), "probability": c / n})
    years_reached = pd.DataFrame(yr_rows, columns=["chain", "target_year", "year", "probability"])
    rel_q = _sketch_quantiles(sketch, BAND_QUANTILES)  # (T, C, q)
    T = sketch.shape[0]
    months = [month_label(plan.first_month + plan.warmup + m) for m in range(T)]
    band_rows = {
        "chain": np.repeat(np.array(plan.chain_ids), T),
        "month": np.tile(months, plan.n_chains),
    }
    for j, qq in enumerate(BAND_QUANTILES):
        band_rows[f"output_yi_p{int(round(qq * 100))}"] = (rel_q[:, :, j] * plan.base_output_yi[None, :]).T.reshape(-1)
    band_rows["output_yi_mean"] = (output_sum / n).T.reshape(-1)
    bands = pd.DataFrame(band_rows)
    years = np.unique((plan.first_month + plan.warmup + np.arange(T)) // 12)
    ann = {"chain": np.repeat(np.array(plan.chain_ids), len(years)), "year": np.tile(years, plan.n_chains)}
    for j, name in enumerate(ANNUAL):
        ann[name] = (annual_sum[:, :, j] / n).T.reshape(-1)
    annual = pd.DataFrame(ann)
    cohorts = (cohort_frame(plan, target_output, np.concatenate(per_rep_cohort))
               if len(per_rep_cohort) == len(per_rep) else pd.DataFrame(columns=list(COHORT_COLUMNS)))
    return EnsembleSummary(scenario.id, scenario.content_hash(), reps, seed, engine, __version__, targets,
                           years_reached, bands, annual, reached, target_output, cohorts)


def _reduce_for_summary(traj: Trajectories, scenario: Scenario) -> _Partial:
    return reduce_block(traj, make_plan(scenario))


def run_ensemble(scenario: Scenario, reps: int | None = None, seed: int | None = None, engine: str = "fast",
                 executor: Any = None, progress: Callable[[int, int], None] | None = None,
                 blocks_per_task: int = 1) -> EnsembleSummary:
    """Run ``reps`` replicates (default: the scenario's) and summarise them.

    Memory stays bounded: each block is reduced in its worker before the next is kept.
    """
    reps = reps or scenario.ensemble.reps
    seed = scenario.ensemble.seed if seed is None else seed
    return next(run_ensembles([(scenario, reps, seed, engine)], executor, progress, blocks_per_task))


def run_ensembles(runs: Sequence[tuple[Scenario, int, int, str]], executor: Any = None,
                  progress: Callable[[int, int], None] | None = None,
                  blocks_per_task: int = 1) -> Iterator[EnsembleSummary]:
    """``run_ensemble`` for several (scenario, reps, seed, engine) at once: the blocks of
    all of them in one pool of tasks (``iter_pooled``), each summary yielded, in order, as
    soon as its blocks are in. Every summary equals that of its ensemble run alone."""
    jobs = [Job(s, reps, seed, engine, partial(_reduce_for_summary, scenario=s)) for s, reps, seed, engine in runs]
    for job, parts in zip(jobs, iter_pooled(jobs, executor, progress, blocks_per_task)):
        yield summarise(job.scenario, parts, job.reps, job.seed, job.engine)


@dataclass(frozen=True)
class RunResult:
    """A run from Python: the summary and, for small runs, every replicate's trajectories."""

    summary: EnsembleSummary
    trajectories: Trajectories

    def frame(self) -> pd.DataFrame:
        """Tidy frame: one row per replicate × chain × month, units in column names."""
        return self.trajectories.to_frame()


def run_scenario(scenario: Scenario | str, reps: int | None = None, seed: int | None = None,
                 engine: str = "fast", executor: Any = None) -> RunResult:
    """Run a scenario (object or path) and return its summary and full trajectories.

    >>> result = run_scenario("scenarios/liancheng.yaml", reps=100, seed=1)   # doctest: +SKIP
    >>> result.summary.targets[["chain", "p_reach"]]                           # doctest: +SKIP
    >>> result.frame().query("chain == 'wenlv'")                               # doctest: +SKIP

    Memory grows with reps × months × chains; use ``run_ensemble`` for large ensembles.
    """
    if isinstance(scenario, str):
        from .scenario import load_scenario

        scenario = load_scenario(scenario)
    reps = reps or scenario.ensemble.reps
    seed = scenario.ensemble.seed if seed is None else seed
    blocks = map_blocks(scenario, reps, seed, engine, _identity, executor)
    plan = make_plan(scenario)
    summary = summarise(scenario, [reduce_block(b, plan) for b in blocks], reps, seed, engine)
    return RunResult(summary, Trajectories.concat(blocks))
