"""Why a chain falls short of its target, and what new projects would close the gap.

Core objects: ``decompose(scenario, summary) -> list[Shortfall]`` (per chain target: where
its output in the target year comes from, the gap, and the projects needed),
``project_yield`` (the expected target-year output of one project signed in a given month,
from the model's own formulas) and ``top_drivers`` (the first factors of a sensitivity
analysis, with their provenance).

Where the output comes from. Both engines record output by origin (``records.COHORTS``):
firms present at the start (incumbents; the founders, whose output the warm-up holds at the
base), projects signed before the scenario's policy start (the pipeline: signed, being built
or ramping up when the policy starts) and projects signed from it on (new). The summary
keeps each origin's target-year output over the middle fifth of replicates (between the
P40 and P60 of the chain's output: a typical outcome, ``ensemble.MID_BAND``), so the parts
add up to the typical output:

    target = base output + incumbents' growth + pipeline + new (current policy) + gap,

incumbents' growth = their target-year output − the base output (negative when exits
outweigh growth); gap = target − typical output (0 when a typical replicate reaches it).

What closes the gap. ``project_yield`` follows one project signed in month m through the
stages with the monthly probabilities of ``chainsim.mechanisms`` and the lever paths of the
scenario (the current setting): ready to start (``start_probability``) or dropped
(``dropout_probability``), built in ``build_months`` (approvals at its start, a standard
factory for a small project when the county supplies them) or stalled, commissioned
(``commissioning_probability``), then producing its capacity (``capacity_yi``: size × the
chain's output per 亿元) × ramp-up (``ramp_fraction``) × organic growth (with the stated
shocks; the random year effects average out) for as long as it survives the exit hazard
(``exit_probability``). It averages over the scenario's parameter draws and returns the
expected annual output in the target year (亿元/year). It assumes land or factory space is
ready when the project is (the land it needs is reported beside it) and that the extra
projects do not crowd out others. The number needed is gap ÷ that yield, for a project of
each tier's median size (ordinary 亿元支撑, major 十亿带动, flagship 百亿领航). A project signed
later yields less; ``sign_by`` is the latest month whose project still yields half of one
signed at the policy start, and the gap "cannot be closed in time" when a project signed at
the policy start would reach less than ``MIN_USEFUL_SHARE`` of its capacity by the target
year.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import mechanisms as mech
from ..catalogue import LEVERS, PARAMETERS
from ..ensemble import EnsembleSummary
from ..prepare import Plan, chain_intensity, draw_parameters, make_plan
from ..records import COHORTS, pipeline_cutoff
from ..scenario import Scenario, month_label

TIERS = ("ordinary", "major", "flagship")
"""Project tiers of the size mixture (``mechanisms.draw_project_sizes``)."""

TIER_SIZE_PARAMETER = {"ordinary": "size_ordinary_median_yi", "major": "size_major_median_yi",
                       "flagship": "size_flagship_median_yi"}
"""The parameter whose value is a tier's typical (median) project size, 亿元."""

HEADLINE_TIER = "major"
"""The tier a page or report names first (十亿带动: the county's major projects)."""

MIN_USEFUL_SHARE = 0.05
"""A project signed at the policy start that reaches less than this share of its capacity
(as target-year output) comes too late: the gap cannot be closed in time."""

SIGN_BY_SHARE = 0.5
"""``sign_by``: the latest month whose project yields at least this share of one signed at the policy start."""

SCHEDULE_STEP_MONTHS = 6
"""Months between the sign-by dates of ``ProjectOption.schedule``."""

PARAMETER_DRAWS = 200
"""Parameter draws ``project_yield`` averages over (the scenario's distributions)."""


# --------------------------------------------------------------------------- one project's yield


YIELD_PARAMETERS = (
    "start_lag_months", "prework_need_yi", "prework_lag_cut", "signed_dropout_per_year", "finance_dropout_cut",
    "started_dropout_per_year", "build_months_1yi", "build_size_elasticity", "build_months_max",
    "factory_build_factor", "small_project_max_yi", "commissioning_months", "ramp_months", "exit_per_year",
    "enterprise_output_yi", "exit_size_elasticity", "output_intensity", "growth_per_year",
    "investment_intensity_yi_per_mu")
"""The parameters a project's path after signing depends on (``project_yield``)."""


def _parameter_draws(scenario: Scenario, n: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """``n`` draws of every parameter, from a stream of the scenario's own seed (fixed),
    reduced to the distinct draws of ``YIELD_PARAMETERS`` and the share of draws each
    stands for (one draw when none of them is uncertain)."""
    p = draw_parameters(scenario, np.random.default_rng([scenario.ensemble.seed, 15]), n)
    table = np.stack([p[name] for name in YIELD_PARAMETERS], axis=1)
    _, first, counts = np.unique(table, axis=0, return_index=True, return_counts=True)
    return {k: v[first] for k, v in p.items()}, counts / counts.sum()


def tier_size_yi(scenario: Scenario, tier: str) -> float:
    """A tier's typical project size (亿元): the scenario's value of its median parameter
    (the central value when it is uncertain), else the catalogue default."""
    name = TIER_SIZE_PARAMETER[tier]
    setting = scenario.parameters.get(name)
    return float(setting.central) if setting is not None else float(PARAMETERS[name].default)


def project_yield(scenario: Scenario, chain_id: str, size_yi: np.ndarray | float, signed: np.ndarray,
                  target_year: int, plan: Plan | None = None, draws: int = PARAMETER_DRAWS) -> np.ndarray:
    """Expected annual output (亿元/year) in ``target_year`` of one project of ``size_yi``
    亿元 in chain ``chain_id`` signed in run month ``signed`` (arrays broadcast: the result
    is (sizes, months)), under the scenario's lever paths, averaged over ``draws``
    parameter draws. See the module docstring for the path it follows."""
    plan = plan or make_plan(scenario)
    c = plan.chain_ids.index(chain_id)
    p, weight = _parameter_draws(scenario, draws)
    sizes = np.atleast_1d(np.asarray(size_yi, dtype=float))[:, None, None]  # (S, 1, 1)
    signed = np.atleast_1d(np.asarray(signed, dtype=np.int64))
    months = (plan.first_month + np.arange(plan.total_months))
    in_year = np.flatnonzero(months // 12 == target_year)
    if not in_year.size:
        raise ValueError(f"{target_year} is outside the scenario's calendar")
    end = int(in_year[-1])
    col = {k: v[None, :, None] for k, v in p.items()}  # (1, R, 1)
    lev = {name: plan.levers[name][:, c] for name in ("approval_speedup", "prework_fund_yi", "finance_matching")}
    county = int(plan.chain_county[c])  # the chain's own county's factories (a province has several)
    factory = (float(np.asarray(plan.factory0_wm2).reshape(-1)[county])
               + float(np.sum(np.asarray(plan.factory_supply_wm2).reshape(plan.total_months, -1)[:, county]))) > 0
    in_factory = factory & (sizes <= col["small_project_max_yi"])  # (S, R, 1)
    bf = plan.build_factor[c]
    capacity = mech.capacity_yi(sizes, chain_intensity(plan, p)[:, c][None, :, None])  # (S, R, 1)
    keep = 1.0 - mech.exit_probability(col["exit_per_year"], capacity, col["enterprise_output_yi"],
                                       col["exit_size_elasticity"])
    p_commission = mech.commissioning_probability(col["commissioning_months"])
    approvals, regime = np.unique(lev["approval_speedup"], return_inverse=True)
    p_done = np.stack([mech.completion_probability(mech.build_months(
        sizes, col["build_months_1yi"] * bf, col["build_size_elasticity"], a, in_factory,
        col["factory_build_factor"], col["build_months_max"] * bf)) for a in approvals])  # (G, S, R, 1)
    shape = (sizes.shape[0], p["lead_rate"].size, signed.size)
    state_signed, completed = np.zeros(shape), np.zeros(shape)
    started = np.zeros((len(approvals), *shape))
    first = int(signed.min()) if signed.size else end
    produced = np.zeros((max(end - first + 1, 0), *shape))  # mass going into production in each month
    for k in range(first, end + 1):
        p_start = mech.start_probability(col["start_lag_months"], lev["approval_speedup"][k], lev["prework_fund_yi"][k],
                                         col["prework_need_yi"], col["prework_lag_cut"])
        p_drop = mech.dropout_probability(col["signed_dropout_per_year"], lev["finance_matching"][k],
                                          col["finance_dropout_cut"])
        p_stall = mech.dropout_probability(col["started_dropout_per_year"], lev["finance_matching"][k],
                                           col["finance_dropout_cut"])
        # one transition at most a month, from the state at the start of the month
        produced[k - first] = completed * p_commission
        completed = completed * (1.0 - p_commission) + np.sum(started * p_done, axis=0)
        started *= (1.0 - p_done) * (1.0 - p_stall)
        started[regime[k]] += state_signed * p_start  # ready, and land or factory space at once
        state_signed = state_signed * (1.0 - p_start) * (1.0 - p_drop)
        state_signed[:, :, signed == k] = 1.0  # signed this month
    # output at the end of each month of the target year of what went into production in month P
    growth = (col["growth_per_year"][..., 0][:, :, None] + plan.shock_growth[plan.month_year, c][None, None, :]) / 12.0
    log_level = np.concatenate([np.zeros((1, p["lead_rate"].size, 1)), np.cumsum(growth, axis=2)], axis=2)[0]  # (R, T+1)
    total = np.zeros(shape)
    for tau in in_year:
        if tau < first:
            continue
        P = np.arange(first, tau + 1)
        age = (tau - P)[:, None, None, None]  # (P, 1, 1, 1)
        level = np.exp(log_level[:, tau + 1][None, :] - log_level[:, P + 1].T)[:, None, :, None]  # (P, 1, R, 1)
        ramp = mech.ramp_fraction(age, col["ramp_months"][None])
        total += np.sum(produced[P - first] * ramp * keep[None] ** age * level, axis=0)
    return np.einsum("srm,r->sm", capacity * total / in_year.size, weight)  # (S, M)


# --------------------------------------------------------------------------- the decomposition


@dataclass(frozen=True)
class ProjectOption:
    """New projects of one tier that would close a gap.

    ``size_yi``: the tier's typical investment per project (亿元); ``capacity_yi``: its
    annual output at full capacity (亿元/year); ``yield_now_yi``: expected target-year output
    (亿元/year) of one signed at the policy start; ``count_now``: projects needed if all
    are signed then (None when the gap cannot be closed in time); ``sign_by`` (YYYY-MM) and
    ``count_by``: the latest month whose project still yields half as much, and the count
    needed when they are signed then; ``land_mu``: industrial land those projects need (亩);
    ``last_useful``: the last month whose project still reaches ``MIN_USEFUL_SHARE`` of its
    capacity by the target year; ``schedule``: sign-by months every half year with the
    yield per project and the count needed.
    """

    tier: str
    size_yi: float
    capacity_yi: float
    yield_now_yi: float
    count_now: int | None
    sign_by: str | None
    count_by: int | None
    land_mu: float | None
    last_useful: str | None
    schedule: pd.DataFrame = field(repr=False)

    @property
    def in_time(self) -> bool:
        return self.count_now is not None

    def to_contract(self) -> dict[str, Any]:
        return {"tier": self.tier, "size_yi": self.size_yi, "capacity_yi": self.capacity_yi,
                "yield_if_signed_now_yi": self.yield_now_yi, "count_if_signed_now": self.count_now,
                "sign_by": self.sign_by, "count_if_signed_by": self.count_by, "land_mu": self.land_mu,
                "last_useful_signing": self.last_useful}


@dataclass(frozen=True)
class Shortfall:
    """Where a chain target's output comes from, in 亿元/year in the target year.

    ``typical_yi`` is the output of a typical replicate (the mean over the middle fifth, P40–P60)
    and equals base_output_yi + incumbent_growth_yi + pipeline_yi + new_yi; ``gap_yi`` =
    max(target − typical, 0). ``mean`` holds the origins' means over all replicates
    (incumbent, pipeline, new; they add up to the mean output). ``options``: the new
    projects that would close the gap, per tier (empty without a gap). ``policy_start``:
    the month from which signings count as new (YYYY-MM). ``signed_value_yi_per_year``: what
    the chain signs a year under the current setting from the policy start to the target
    year (mean, 亿元/year), to set the needed investment against.
    """

    chain: str
    target_year: int
    target_yi: float
    base_output_yi: float
    base_provenance: str
    incumbent_growth_yi: float
    pipeline_yi: float
    new_yi: float
    typical_yi: float
    median_yi: float
    gap_yi: float
    mean: dict[str, float]
    policy_start: str
    signed_value_yi_per_year: float
    options: tuple[ProjectOption, ...] = ()

    @property
    def headline(self) -> ProjectOption | None:
        """The option a page names first: the major tier's if it can close the gap in time,
        else the tier that can with the fewest projects, else the major tier's (too late)."""
        major = next((o for o in self.options if o.tier == HEADLINE_TIER), self.options[0] if self.options else None)
        if major is None or major.in_time:
            return major
        timely = [o for o in self.options if o.in_time]
        return min(timely, key=lambda o: o.count_now or 0) if timely else major

    @property
    def in_time(self) -> bool:
        """Whether new projects signed from the policy start can close the gap by the target year."""
        return self.gap_yi <= 0 or any(o.in_time for o in self.options)

    def to_contract(self) -> dict[str, Any]:
        """Fields for a chain row of ``chainsim run --json`` (money in 亿元/year, land in 亩)."""
        return {
            "base_output_yi": self.base_output_yi, "base_output_provenance": self.base_provenance,
            "output_yi_typical": self.typical_yi, "incumbent_growth_yi": self.incumbent_growth_yi,
            "pipeline_output_yi": self.pipeline_yi, "new_output_yi": self.new_yi, "gap_yi": self.gap_yi,
            "gap_closable_in_time": self.in_time, "policy_start": self.policy_start,
            "projects_needed": [o.to_contract() for o in self.options],
        }


def _ceil(x: float) -> int:
    return int(math.ceil(x - 1e-9))


def project_options(scenario: Scenario, chain_id: str, target_year: int, gap_yi: float,
                    plan: Plan | None = None, draws: int = PARAMETER_DRAWS) -> tuple[ProjectOption, ...]:
    """The new projects of each tier that would close ``gap_yi`` (亿元/year) by ``target_year``."""
    plan = plan or make_plan(scenario)
    if gap_yi <= 0:
        return ()
    cutoff = pipeline_cutoff(scenario, plan.first_month)
    months = plan.first_month + np.arange(plan.total_months)
    last = int(np.flatnonzero(months // 12 == target_year)[-1])
    signed = np.arange(cutoff, last + 1)
    sizes = np.array([tier_size_yi(scenario, tier) for tier in TIERS])
    if signed.size:
        yields = project_yield(scenario, chain_id, sizes, signed, target_year, plan, draws)  # (tiers, months)
    else:  # the policy starts after the target year: no new project can count
        yields = np.zeros((sizes.size, 1))
    p, weight = _parameter_draws(scenario, draws)
    c = plan.chain_ids.index(chain_id)
    intensity = float(np.sum(weight * chain_intensity(plan, p)[:, c]))
    land_per_yi = float(np.sum(weight * plan.land_factor[c] / p["investment_intensity_yi_per_mu"]))
    out = []
    for i, tier in enumerate(TIERS):
        y, capacity = yields[i], float(sizes[i] * intensity)
        useful = np.flatnonzero(y >= MIN_USEFUL_SHARE * capacity)
        last_useful = month_label(plan.first_month + signed[useful[-1]]) if useful.size else None
        in_time = y[0] >= MIN_USEFUL_SHARE * capacity
        rows = []
        for k in range(0, signed.size, SCHEDULE_STEP_MONTHS):
            if y[k] < MIN_USEFUL_SHARE * capacity:
                break
            rows.append({"tier": tier, "sign_by": month_label(plan.first_month + signed[k]),
                         "yield_yi": float(y[k]), "count": _ceil(gap_yi / y[k])})
        schedule = pd.DataFrame(rows, columns=["tier", "sign_by", "yield_yi", "count"])
        if not in_time:
            out.append(ProjectOption(tier, float(sizes[i]), capacity, float(y[0]), None, None, None, None,
                                     last_useful, schedule))
            continue
        by = int(np.flatnonzero(y >= SIGN_BY_SHARE * y[0])[-1])
        count_by = _ceil(gap_yi / y[by])
        out.append(ProjectOption(tier, float(sizes[i]), capacity, float(y[0]), _ceil(gap_yi / y[0]),
                                 month_label(plan.first_month + signed[by]), count_by,
                                 float(count_by * sizes[i] * land_per_yi), last_useful, schedule))
    return tuple(out)


def decompose(scenario: Scenario, summary: EnsembleSummary, draws: int = PARAMETER_DRAWS) -> list[Shortfall]:
    """Per chain target of ``summary`` (an ensemble of ``scenario``, with its cohorts): the
    split of its typical target-year output, the gap and the projects that would close it.
    Raises ``ValueError`` for a summary without the split (stored before it existed)."""
    if summary.cohorts.empty:
        raise ValueError("this summary has no output by origin (stored before chainsim recorded it); run it again")
    plan = make_plan(scenario)
    chains = {c.id: c for c in scenario.chains}
    start = scenario.policy_start
    start_year = int(start[:4])
    out = []
    for row in summary.targets.itertuples(index=False):
        mine = summary.cohorts[(summary.cohorts["chain"] == row.chain)
                               & (summary.cohorts["target_year"] == row.target_year)].set_index("cohort")
        mid, mean = mine["output_yi_mid"], mine["output_yi_mean"]
        typical = float(mid[list(COHORTS)].sum())
        chain = chains[row.chain]
        # the base output the typical replicates started from (the scenario's, unless it is drawn per replicate)
        base = float(mid["start"]) if "start" in mid.index else float(chain.base_output.value_yi)
        gap = max(float(row.target_yi) - typical, 0.0)
        annual = summary.annual[(summary.annual["chain"] == row.chain) & (summary.annual["year"] >= start_year)
                                & (summary.annual["year"] <= int(row.target_year))]
        out.append(Shortfall(
            chain=row.chain, target_year=int(row.target_year), target_yi=float(row.target_yi), base_output_yi=base,
            base_provenance=scenario.base_output_provenance(chain.id), incumbent_growth_yi=float(mid["incumbent"]) - base,
            pipeline_yi=float(mid["pipeline"]), new_yi=float(mid["new"]), typical_yi=typical,
            median_yi=float(row.output_yi_p50), gap_yi=gap,
            mean={k: float(v) for k, v in mean.items() if k in COHORTS},
            policy_start=start,
            signed_value_yi_per_year=float(annual["signed_value_yi"].mean()) if len(annual) else 0.0,
            options=project_options(scenario, row.chain, int(row.target_year), gap, plan, draws)))
    return out


CONTRACT_FIELDS = ("base_output_yi", "base_output_provenance", "output_yi_typical", "incumbent_growth_yi",
                   "pipeline_output_yi", "new_output_yi", "gap_yi", "gap_closable_in_time", "policy_start",
                   "projects_needed")
"""The fields ``contract_fields`` adds to a chain row of ``chainsim run --json`` (derived from
the scenario and the summary, like the warnings; not kept in the results store)."""


def contract_fields(scenario: Scenario, summary: EnsembleSummary) -> list[dict[str, Any]]:
    """``Shortfall.to_contract()`` of every target of ``summary``, in its order (for the chain
    rows of ``chainsim run --json``); empty dicts for a summary stored without the split."""
    if summary.cohorts.empty:
        return [{} for _ in range(len(summary.targets))]
    return [s.to_contract() for s in decompose(scenario, summary)]


# --------------------------------------------------------------------------- what drives it


def factor_provenance(scenario: Scenario, name: str, kind: str) -> str:
    """reported | calibrated | assumed: for a lever, its status-quo value's (catalogue); for a
    parameter, the scenario's setting's, else the catalogue default's."""
    if kind == "lever" and name in LEVERS:
        return LEVERS[name].provenance
    if scenario.posterior is not None and name in scenario.posterior.parameters:
        return "calibrated"
    setting = scenario.parameters.get(name)
    if setting is not None:
        return setting.provenance
    if name in PARAMETERS:
        return PARAMETERS[name].provenance
    return "assumed"


def top_drivers(sensitivity: Any, scenario: Scenario, n: int = 3) -> pd.DataFrame:
    """The ``n`` most influential factors of each chain target in a ``Sensitivity`` table
    (by its rank), with their effect on p_reach and provenance.

    Columns: chain, target_year, rank, factor, kind (lever | parameter | …), effect (Morris
    mu_star or Sobol' ST: change in p_reach over the factor's range, or share of variance),
    effect_conf (its 95% half-width; NaN when the table has none), significant (effect >
    effect_conf), direction (+1 raises p_reach, −1 lowers it, 0 mixed or unknown; Morris
    only), low, high, unit, provenance."""
    table = sensitivity.table
    metric = "mu_star" if "mu_star" in table.columns else "ST"
    rows = []
    for (chain, year), block in table.groupby(["chain", "target_year"], sort=False):
        block = block.sort_values(["rank", metric], ascending=[True, False]).head(n)
        for r in block.to_dict("records"):
            signed = r.get("mu", float("nan"))
            conf = float(r.get(f"{metric}_conf", float("nan")))
            rows.append({"chain": chain, "target_year": int(year), "rank": int(r["rank"]), "factor": r["factor"],
                         "kind": r["kind"], "effect": float(r[metric]), "effect_conf": conf,
                         "significant": bool(float(r[metric]) > (conf if np.isfinite(conf) else 0.0)),
                         "direction": 0 if not np.isfinite(signed) or signed == 0 else int(np.sign(signed)),
                         "low": float(r["low"]), "high": float(r["high"]), "unit": r["unit"],
                         "provenance": factor_provenance(scenario, r["factor"], r["kind"])})
    return pd.DataFrame(rows, columns=["chain", "target_year", "rank", "factor", "kind", "effect", "effect_conf",
                                       "significant", "direction", "low", "high", "unit", "provenance"])
