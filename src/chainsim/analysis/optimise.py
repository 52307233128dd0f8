"""Budgeted portfolios: the lever settings that get the most chains to their targets for a
yearly budget, and the cost–targets-met front.

Core objects: ``optimise(scenario, budget_yi) -> Optimised`` and ``Candidate``.

The question: with ``budget_yi`` 亿元 a year on top of what the status quo already costs
(``chainsim.costs``: the mean yearly cost of the levers over the policy period), which
setting of the levers, from the policy start on (one value per period when ``periods`` >
1), maximises the expected number of targets met, Σ p_reach, or, with ``objective=
"min-prob"``, the lowest p_reach among chosen chains? Levers are only ever raised above
their status-quo values, and a setting is always within the budget by construction:

* the search proposes a share of the budget to spend, ``spend`` ∈ [0, 1], and a weight
  ``w`` ∈ [0, 1] per lever and period; lever ``i`` in period ``k`` gets the yearly money
  ``spend × budget × (months of the policy period / months of period k) × v_ik / Σv``
  with ``v = max(0, w − 0.7) / 0.3`` (``ACTIVE_SHARE``: a lever is moved in about 30% of
  random proposals)
  (so the mean yearly extra cost over the policy period is ``spend × budget``), turned
  into lever units by the lever's yearly cost per unit and capped at the lever's upper
  bound (money a capped lever cannot use is not spent);
* each proposal is an ensemble of ``reps`` replicates on the same master seed (common
  random numbers: every proposal faces the same draws, so differences between proposals
  are the levers', not the dice's).

The optimiser is Optuna's TPE sampler, seeded, asked for proposals in batches of
``BATCH`` that run in one pool of tasks; the batch size does not depend on the number of
workers, so the same call gives the same answer on any executor. The first proposals are
fixed: the whole budget spread evenly over the levers (and a quarter, half and three
quarters of it), and the whole budget on each lever alone. The search is the same with or
without ``pareto``. With
``pareto=True`` the settings of the search that no other setting beats on both cost and
targets met (the cost–targets-met front, from buying nothing to the answer) are re-run on
the check seed and returned too.

Winner's curse: the best of many noisy proposals looks better than it is. The ``TOP``
best proposals and the status quo are therefore run again on a fresh seed (``seed + 1``)
with ``check_reps`` replicates, the best of them there is the answer, and every reported
p_reach and interval comes from that check run (paired with the status quo on the same
seed).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..catalogue import LEVERS
from ..costs import policy_cost_yi_per_year
from ..ensemble import EnsembleSummary, run_ensembles, wilson_interval
from ..errors import InputError
from ..scenario import Scenario
from .common import chain_target, lever_spec, run_settings
from .comparison import paired_difference_interval
from .portfolio import (Period, policy_periods, schedule_json, status_quo_path, unit_cost_yi, with_schedules)

Objective = Literal["targets-met", "min-prob"]
OBJECTIVES: tuple[str, ...] = ("targets-met", "min-prob")

BATCH = 8
"""Proposals evaluated together in one pool of tasks (fixed: results never depend on workers)."""

TOP = 3
"""Best proposals re-run on the check seed before one is chosen."""

ACTIVE_SHARE = 0.3
"""A weight ``w`` counts as ``v = max(0, w − (1 − ACTIVE_SHARE)) / ACTIVE_SHARE``: a random
proposal moves each lever (in each period) with probability ACTIVE_SHARE, so proposals put
the money on a few levers, as portfolios do, instead of a little on every one."""

PARETO_CHECK_MAX = 12
"""At most this many front points are re-run on the check seed."""


@dataclass(frozen=True)
class Candidate:
    """One lever setting: ``values`` lever → one value per period (lever units), its extra
    yearly cost over the status quo (亿元/year) and its objective in the search run."""

    values: dict[str, tuple[float, ...]]
    cost_yi_per_year: float
    objective: float
    targets_met: float
    trial: int


@dataclass(frozen=True)
class Optimised:
    """The answer of ``optimise``.

    ``best``: the chosen setting; ``levers`` maps each searched lever to its value (or a
    schedule of {"from", "value"}) and ``levers_status_quo`` to the status quo's.
    ``table``: one row per chain target from the check run — p_reach and its 95% Wilson
    interval under the setting and the status quo, the paired difference with Newcombe's
    interval. ``expected_targets_met`` (± 95% interval over replicates) and
    ``status_quo_targets_met`` are Σ p_reach over the counted targets in the check run.
    ``cost_yi_per_year``: the setting's extra yearly cost over the status quo (亿元/year;
    ≤ ``budget_yi_per_year``); ``total_cost_yi_per_year`` and ``status_quo_cost_yi_per_year``
    the full costs. ``trials``: every proposal of the search (its parameters, cost and
    objective). ``front``: with ``pareto``, the cost–targets-met front re-run on the check seed
    (columns cost_yi_per_year, expected_targets_met, lo, hi, min_p, levers), else None.
    """

    scenario_id: str
    objective: str
    chains: tuple[str, ...]
    budget_yi_per_year: float
    periods: tuple[Period, ...]
    levers: dict[str, Any]
    levers_status_quo: dict[str, Any]
    cost_yi_per_year: float
    total_cost_yi_per_year: float
    status_quo_cost_yi_per_year: float
    expected_targets_met: float
    expected_targets_met_ci: tuple[float, float]
    status_quo_targets_met: float
    objective_value: float
    status_quo_objective_value: float
    table: pd.DataFrame
    reps: int
    check_reps: int
    seed: int
    check_seed: int
    engine: str
    n_trials: int
    spend: dict[str, float] = field(default_factory=dict)
    best: Candidate | None = field(default=None, repr=False)
    trials: pd.DataFrame | None = field(default=None, repr=False)
    front: pd.DataFrame | None = field(default=None, repr=False)

    def to_contract(self) -> dict[str, Any]:
        """CONTRACT.md's optimise JSON, with extras (intervals, differences, the front, …)."""
        rows = [{
            "chain": r.chain, "target_year": int(r.target_year), "target_yi": float(r.target_yi),
            "p_reach": float(r.p_reach), "p_reach_ci": [float(r.p_reach_lo), float(r.p_reach_hi)],
            "p_reach_status_quo": float(r.p_reach_status_quo),
            "p_reach_status_quo_ci": [float(r.p_reach_status_quo_lo), float(r.p_reach_status_quo_hi)],
            "diff": float(r.diff), "diff_ci": [float(r.diff_lo), float(r.diff_hi)], "counted": bool(r.counted),
        } for r in self.table.itertuples(index=False)]
        doc: dict[str, Any] = {
            "scenario": self.scenario_id, "objective": self.objective, "objective_chains": list(self.chains),
            "budget_yi_per_year": self.budget_yi_per_year, "cost_yi_per_year": self.cost_yi_per_year,
            "total_cost_yi_per_year": self.total_cost_yi_per_year,
            "status_quo_cost_yi_per_year": self.status_quo_cost_yi_per_year,
            "levers": self.levers, "levers_status_quo": self.levers_status_quo,
            "periods": [{"from": p.start, "months": p.months} for p in self.periods],
            "expected_targets_met": self.expected_targets_met,
            "expected_targets_met_ci": list(self.expected_targets_met_ci),
            "status_quo_targets_met": self.status_quo_targets_met,
            "objective_value": self.objective_value, "status_quo_objective_value": self.status_quo_objective_value,
            "spend_yi_per_year": self.spend, "chains": rows, "reps": self.reps, "check_reps": self.check_reps, "seed": self.seed,
            "check_seed": self.check_seed, "engine": self.engine, "trials": self.n_trials,
            "optimiser": "optuna TPE",
        }
        if self.front is not None:
            doc["pareto"] = [{"cost_yi_per_year": float(r.cost_yi_per_year),
                              "expected_targets_met": float(r.expected_targets_met),
                              "expected_targets_met_ci": [float(r.lo), float(r.hi)], "min_p_reach": float(r.min_p),
                              "levers": r.levers, "spend_yi_per_year": r.spend}
                             for r in self.front.itertuples(index=False)]
        return doc


def chosen_scenario(base: Scenario, result: "Optimised") -> Scenario:
    """``base`` with the levers of ``result`` (an ``optimise`` of ``base``) in force from the policy start."""
    assert result.best is not None
    values = result.best.values
    space = _space(base, result.budget_yi_per_year, list(values), len(result.periods))
    return space.scenario(values)


# --------------------------------------------------------------------------- the search space


@dataclass(frozen=True)
class _Space:
    base: Scenario
    levers: tuple[str, ...]
    periods: tuple[Period, ...]
    status_quo: dict[str, tuple[float, ...]]
    unit_cost: dict[str, float]
    budget: float

    @property
    def total_months(self) -> int:
        return sum(p.months for p in self.periods)

    def decode(self, spend: float, weights: dict[tuple[str, int], float]) -> dict[str, tuple[float, ...]]:
        """Lever values per period for a share of the budget and the weights (see the module doc)."""
        weights = {k: max(0.0, w - (1.0 - ACTIVE_SHARE)) / ACTIVE_SHARE for k, w in weights.items()}
        total_w = sum(weights.values())
        out: dict[str, tuple[float, ...]] = {}
        for name in self.levers:
            spec = LEVERS[name]
            vals = []
            for k, period in enumerate(self.periods):
                sq = self.status_quo[name][k]
                money = 0.0 if total_w <= 0 else \
                    spend * self.budget * (self.total_months / period.months) * weights[(name, k)] / total_w
                v = sq + money / self.unit_cost[name] if self.unit_cost[name] > 0 else sq
                v = min(max(v, sq), spec.high)
                vals.append(max(sq, math.floor(v * 1e4) / 1e4))  # 4 decimals, never above the money
            out[name] = tuple(vals)
        return out

    def spend(self, values: dict[str, tuple[float, ...]]) -> dict[str, float]:
        """Each moved lever's mean yearly extra cost over the policy period, 亿元/year, largest first."""
        out = {}
        for name, vals in values.items():
            extra = sum((v - sq) * p.months for v, sq, p in zip(vals, self.status_quo[name], self.periods))
            if extra > 1e-12:
                out[name] = extra / self.total_months * self.unit_cost[name]
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    def scenario(self, values: dict[str, tuple[float, ...]]) -> Scenario:
        moved = {k: v for k, v in values.items() if any(abs(a - b) > 1e-12 for a, b in zip(v, self.status_quo[k]))}
        return with_schedules(self.base, moved, self.periods) if moved else self.base


def _space(scenario: Scenario, budget: float, levers: Sequence[str] | None, periods: int) -> _Space:
    names = tuple(LEVERS if levers is None else levers)
    for n in names:
        lever_spec(n)
    ps = tuple(policy_periods(scenario, periods))
    sq = {n: tuple(status_quo_path(scenario, n, ps)) for n in names}
    costs = {n: unit_cost_yi(scenario, n) for n in names}
    usable = tuple(n for n in names if costs[n] > 0 and any(v < LEVERS[n].high for v in sq[n]))
    if not usable:
        raise InputError("no lever can be raised: every chosen lever is at its upper bound or costs nothing")
    return _Space(scenario, usable, ps, {n: sq[n] for n in usable}, {n: costs[n] for n in usable}, budget)


# --------------------------------------------------------------------------- objectives


def _target_columns(summary: EnsembleSummary, chains: Sequence[str]) -> list[int]:
    t = summary.targets
    return [i for i, c in enumerate(t["chain"]) if c in chains]


def _score(summary: EnsembleSummary, objective: str, cols: list[int]) -> tuple[float, float]:
    """(objective value, expected targets met over the counted targets) of a summary."""
    p = summary.reached[:, cols].mean(axis=0)
    met = float(p.sum())
    return (met if objective == "targets-met" else float(p.min())), met


# --------------------------------------------------------------------------- optimise


def optimise(scenario: Scenario, budget_yi: float, objective: Objective = "targets-met",
             chains: Sequence[str] | None = None, reps: int | None = 200, seed: int | None = None,
             trials: int = 96, check_reps: int = 1000, periods: int = 1, levers: Sequence[str] | None = None,
             pareto: bool = False, engine: str = "fast", executor: Any = None,
             progress: Callable[[int, int], None] | None = None) -> Optimised:
    """Lever settings within ``budget_yi`` 亿元/year (beyond the status quo's cost) that
    maximise the objective; see the module docstring for the method.

    ``chains``: the chains whose targets count (default all; required non-empty for
    ``min-prob``). ``trials``: proposals evaluated in the search (``reps`` replicates each,
    seed ``seed``); the best ``TOP`` and the status quo are re-run with ``check_reps`` on
    seed ``seed + 1``. ``periods``: values per lever (1: one value from the policy start;
    k: one per period of whole calendar years). ``levers``: the levers to move (default all).
    ``progress(done, total)`` counts ensembles.
    """
    problems = []
    if objective not in OBJECTIVES:
        problems.append(f"unknown objective {objective!r}; choose targets-met or min-prob")
    if not (isinstance(budget_yi, (int, float)) and math.isfinite(budget_yi) and budget_yi >= 0):
        problems.append(f"the budget must be a non-negative amount of 亿元 a year, got {budget_yi!r}")
    if trials < BATCH:
        problems.append(f"trials must be at least {BATCH}, got {trials}")
    if check_reps < 1:
        problems.append(f"check_reps must be at least 1, got {check_reps}")
    chosen = list(dict.fromkeys(chains)) if chains else []
    for c in chosen:
        try:
            chain_target(scenario, c)
        except InputError as exc:
            problems.append(str(exc))
    if objective == "min-prob" and not chosen:
        problems.append("the min-prob objective needs --chains (the chains whose lowest p_reach is raised)")
    if problems:
        raise InputError(problems[0] if len(problems) == 1 else f"{len(problems)} problems:\n  " + "\n  ".join(problems))
    reps, seed = run_settings(scenario, reps, seed, engine)
    counted = tuple(chosen or scenario.chain_ids)
    space = _space(scenario, float(budget_yi), levers, periods)
    check_seed = seed + 1
    n_batches = math.ceil(trials / BATCH)
    total = 1 + n_batches * BATCH + TOP + 1 + (PARETO_CHECK_MAX if pareto else 0)
    done = [0]

    def tick(n: int = 1) -> None:
        done[0] += n
        if progress is not None:
            progress(done[0], max(total, done[0]))

    def evaluate(values_list: list[dict[str, tuple[float, ...]]], n: int, s: int) -> list[EnsembleSummary]:
        runs = [(space.scenario(v), n, s, engine) for v in values_list]
        out = []
        for summary in run_ensembles(runs, executor):
            out.append(summary)
            tick()
        return out

    status_quo_values = {k: space.status_quo[k] for k in space.levers}
    (sq_search,) = evaluate([status_quo_values], reps, seed)
    cols = _target_columns(sq_search, counted)
    records = _search(space, objective, cols, reps, seed, n_batches, evaluate)
    sq_obj_search, sq_met_search = _score(sq_search, objective, cols)
    records.insert(0, Candidate(status_quo_values, 0.0, sq_obj_search, sq_met_search, -1))  # buying nothing
    trials_frame = pd.DataFrame([{"trial": c.trial, "cost_yi_per_year": c.cost_yi_per_year,
                                  "objective": c.objective, "targets_met": c.targets_met,
                                  **{f"{k}@{p.start}": v for k, vals in c.values.items()
                                     for p, v in zip(space.periods, vals)}} for c in records])
    # the check: top proposals and the status quo on a fresh seed
    ranked = sorted(records, key=lambda c: (-c.objective, c.cost_yi_per_year, c.trial))
    top: list[Candidate] = []
    for c in ranked:
        if all(c.values != t.values for t in top):
            top.append(c)
        if len(top) == TOP:
            break
    checked = evaluate([status_quo_values, *[c.values for c in top]], check_reps, check_seed)
    sq_check, top_checks = checked[0], checked[1:]
    scores = [_score(s, objective, cols) for s in top_checks]
    best_i = min(range(len(top)), key=lambda i: (-scores[i][0], top[i].cost_yi_per_year, i))
    best, best_summary = top[best_i], top_checks[best_i]
    sq_obj, sq_met = _score(sq_check, objective, cols)
    met_per_rep = best_summary.reached[:, cols].sum(axis=1).astype(float)
    half = 1.959963984540054 * float(met_per_rep.std(ddof=1)) / math.sqrt(check_reps) if check_reps > 1 else 0.0
    front = _front(space, records, objective, cols, check_reps, check_seed, evaluate) if pareto else None
    if front is not None:
        tick(PARETO_CHECK_MAX - min(PARETO_CHECK_MAX, len(front)))
    base_cost = policy_cost_yi_per_year(scenario)
    best_scn = space.scenario(best.values)
    return Optimised(
        scenario_id=scenario.id, objective=objective, chains=counted, budget_yi_per_year=float(budget_yi),
        periods=space.periods,
        levers={k: schedule_json(v, space.periods) for k, v in best.values.items()},
        levers_status_quo={k: schedule_json(v, space.periods) for k, v in space.status_quo.items()},
        cost_yi_per_year=best.cost_yi_per_year, total_cost_yi_per_year=policy_cost_yi_per_year(best_scn),
        status_quo_cost_yi_per_year=base_cost, expected_targets_met=float(met_per_rep.mean()),
        expected_targets_met_ci=(float(met_per_rep.mean()) - half, float(met_per_rep.mean()) + half),
        status_quo_targets_met=sq_met, objective_value=scores[best_i][0], status_quo_objective_value=sq_obj,
        table=_table(best_summary, sq_check, counted), reps=reps, check_reps=check_reps, seed=seed,
        check_seed=check_seed, engine=engine, n_trials=len(records) - 1, spend=space.spend(best.values), best=best, trials=trials_frame, front=front,
    )


def _search(space: _Space, objective: str, cols: list[int], reps: int, seed: int, n_batches: int,
            evaluate: Callable[[list[dict[str, tuple[float, ...]]], int, int], list[EnsembleSummary]]
            ) -> list[Candidate]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # multivariate TPE is flagged experimental
        sampler = optuna.samplers.TPESampler(seed=seed % 2**32, multivariate=True, n_startup_trials=2 * BATCH)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    keys = [(n, k) for n in space.levers for k in range(len(space.periods))]
    names = {key: f"w:{key[0]}:{key[1]}" for key in keys}
    for spend in (1.0, 0.25, 0.5, 0.75):
        study.enqueue_trial({"spend": spend, **{names[key]: 1.0 for key in keys}})
    for lever in space.levers:
        study.enqueue_trial({"spend": 1.0, **{names[key]: float(key[0] == lever) for key in keys}})
    records: list[Candidate] = []
    for _ in range(n_batches):
        asked, values = [], []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(BATCH):
                trial = study.ask()
                spend = trial.suggest_float("spend", 0.0, 1.0)
                weights = {key: trial.suggest_float(names[key], 0.0, 1.0) for key in keys}
                asked.append(trial)
                values.append(space.decode(spend, weights))
        summaries = evaluate(values, reps, seed)
        for trial, vals, summary in zip(asked, values, summaries):
            cost = policy_cost_yi_per_year(space.scenario(vals)) - policy_cost_yi_per_year(space.base)
            obj, met = _score(summary, objective, cols)
            study.tell(trial, obj)
            records.append(Candidate(vals, float(cost), obj, met, trial.number))
    return records


def _front(space: _Space, records: list[Candidate], objective: str, cols: list[int], check_reps: int,
           check_seed: int, evaluate: Callable[..., list[EnsembleSummary]]) -> pd.DataFrame:
    """Non-dominated (cost, targets met) proposals of the search, re-run on the check seed."""
    pts = sorted(records, key=lambda c: (c.cost_yi_per_year, -c.targets_met, c.trial))
    front: list[Candidate] = []
    best = -np.inf
    for c in pts:
        if c.targets_met > best + 1e-12:
            front.append(c)
            best = c.targets_met
    if len(front) > PARETO_CHECK_MAX:  # keep the cheapest, the best and points evenly between
        idx = np.unique(np.round(np.linspace(0, len(front) - 1, PARETO_CHECK_MAX)).astype(int))
        front = [front[i] for i in idx]
    summaries = evaluate([c.values for c in front], check_reps, check_seed)
    rows = []
    for c, s in zip(front, summaries):
        per = s.reached[:, cols].sum(axis=1).astype(float)
        half = 1.959963984540054 * float(per.std(ddof=1)) / math.sqrt(len(per)) if len(per) > 1 else 0.0
        rows.append({"cost_yi_per_year": c.cost_yi_per_year, "expected_targets_met": float(per.mean()),
                     "lo": float(per.mean()) - half, "hi": float(per.mean()) + half,
                     "min_p": float(s.reached[:, cols].mean(axis=0).min()),
                     "search_targets_met": c.targets_met, "spend": space.spend(c.values),
                     "levers": {k: schedule_json(v, space.periods) for k, v in c.values.items()}})
    return pd.DataFrame(rows)


def _table(best: EnsembleSummary, sq: EnsembleSummary, counted: Sequence[str]) -> pd.DataFrame:
    n = best.reached.shape[0]
    rows = []
    for i, r in enumerate(best.targets.itertuples(index=False)):
        kb, ka = int(best.reached[:, i].sum()), int(sq.reached[:, i].sum())
        (lo,), (hi,) = wilson_interval(np.array([kb]), n)
        (slo,), (shi,) = wilson_interval(np.array([ka]), n)
        diff, dlo, dhi = paired_difference_interval(sq.reached[:, i], best.reached[:, i])
        rows.append({"chain": r.chain, "target_year": int(r.target_year), "target_yi": float(r.target_yi),
                     "p_reach": kb / n, "p_reach_lo": float(lo), "p_reach_hi": float(hi),
                     "p_reach_status_quo": ka / n, "p_reach_status_quo_lo": float(slo),
                     "p_reach_status_quo_hi": float(shi), "diff": diff, "diff_lo": dlo, "diff_hi": dhi,
                     "counted": r.chain in counted})
    return pd.DataFrame(rows)
