"""Memory bounded by design: what a block of replicates needs, and the budget it must fit.

Core objects: ``memory_budget_bytes`` (half the machine's memory, or ``CHAINSIM_MEMORY_GB``,
and never more than half of an address-space limit such as ``ulimit -v``),
``block_bytes`` (an upper estimate of one fast-engine block's peak memory, from what the
county's leads and land can produce), ``block_reps`` (replicates per block so a block
fits ``BLOCK_BYTES``: a function of the scenario alone, so results never depend on the
machine) and ``check_memory`` (raises ``MemoryBudgetError``, an ``InputError``, naming
what drives the size, when even one replicate would not fit the budget).

The estimate bounds a replicate's enterprises by the smaller of what its leads can sign
(lead rate at its largest, with effort, size and completeness feedbacks at their caps,
over every month) and what its land and factory space can hold (at the smallest project
size the scenario's size distribution makes common), twice over for safety.
"""

from __future__ import annotations

import math
import os
import resource
from dataclasses import dataclass

import numpy as np

from .catalogue import PARAMETERS
from .errors import InputError
from .prepare import Plan, make_plan
from .records import METRICS
from .schema import Scenario

BLOCK_BYTES = 1 << 30
"""Largest estimated peak memory of one block (1 GiB): blocks of big scenarios hold fewer replicates."""

MAX_BLOCK_REPS = 200
"""Replicates per fast-engine block, at most."""

_ENTERPRISE_BYTES = (6 * 8 + 1) * 2
"""An enterprise's columns in the fast engine (``kernel._Enterprises``: 44 bytes; allowed 49,
the figure block sizes have always been computed from, so results do not move with the
columns' layout), times two: the arrays grow by half again when full."""
_LEAD_BYTES = 400  # a lead's path draws and indices while its batch is drawn
_GB = 1 << 30


class MemoryBudgetError(InputError):
    """A scenario that cannot run within the memory budget (bad input: exit 2)."""


def memory_budget_bytes() -> int:
    """Bytes one process may use for a block: ``CHAINSIM_MEMORY_GB`` if set, else half the
    machine's memory; at most half of the address-space limit (``ulimit -v``) if one is set."""
    env = os.environ.get("CHAINSIM_MEMORY_GB")
    if env:
        try:
            budget = int(float(env) * _GB)
        except ValueError:
            raise InputError(f"CHAINSIM_MEMORY_GB={env!r} is not a number of gigabytes") from None
        if budget <= 0:
            raise InputError(f"CHAINSIM_MEMORY_GB={env!r} must be above 0")
    else:
        budget = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        budget = min(budget, soft // 2)
    return int(budget)


def _high(scenario: Scenario, name: str) -> float:
    """A parameter's largest plausible value: the top of its range, or its value + 3 sd."""
    s = scenario.parameters.get(name)
    if s is None:
        return PARAMETERS[name].default
    if s.high is not None:
        return float(s.high)
    if s.dist == "lognormal":
        return float(s.value) * math.exp(3 * float(s.sd))
    if s.dist == "normal":
        return float(s.value) + 3 * float(s.sd)
    return float(s.value)


def _low(scenario: Scenario, name: str) -> float:
    s = scenario.parameters.get(name)
    if s is None:
        return PARAMETERS[name].default
    if s.low is not None:
        return float(s.low)
    return float(s.value) * (math.exp(-3 * float(s.sd)) if s.dist == "lognormal" else 1.0)


@dataclass(frozen=True)
class Footprint:
    """Upper estimates for one replicate: leads per month, enterprises over the run, bytes."""

    leads_per_month: float
    enterprises: float
    bytes_per_replicate: float
    driver: str


def footprint(scenario: Scenario, plan: Plan | None = None) -> Footprint:
    """Upper estimate of one fast-engine replicate's size (see the module docstring)."""
    plan = plan or make_plan(scenario)
    h = _high(scenario, "effort_half")
    effort = float(np.max(plan.levers["attraction_effort"]))
    # a province: every county's lead rate (its lead_rate_scale × lead_rate) adds up; competition only moves leads
    counties = float(np.sum(plan.leads_weight)) if plan.competition is not None else 1.0
    approvals = 1 + _high(scenario, "approval_pull") * float(np.max(plan.levers["approval_speedup"])) \
        if plan.competition is not None else 1.0
    leads = (_high(scenario, "lead_rate") * effort * (1 + h) / (effort + h)
             * _high(scenario, "size_feedback_cap") ** _high(scenario, "size_elasticity")
             * (1 + _high(scenario, "completeness_gain")) * counties * approvals
             + _high(scenario, "leader_leads_per_10yi") * float(np.max(plan.levers["leader_drive"]))
             * float(plan.base_output_yi.sum()) * _high(scenario, "size_feedback_cap") / 10.0
             + _high(scenario, "flagship_leads_per_year") / 12.0 * counties)
    signed = leads * plan.total_months * _high(scenario, "sign_prob")
    land = float(np.sum(plan.land_bank0_mu)) + float(np.sum(plan.land_supply_mu))
    factory = float(np.sum(plan.factory0_wm2)) + float(np.sum(plan.factory_supply_wm2))
    small = max(min(_low(scenario, "size_ordinary_median_yi"), _low(scenario, "size_major_median_yi")) * 0.25, 1e-3)
    by_land = (land * _high(scenario, "investment_intensity_yi_per_mu")
               + factory / _low(scenario, "factory_wm2_per_yi")) / small
    enterprises = float(plan.n_enterprises.sum()) + 2.0 * min(signed, by_land)
    driver = (f"up to {leads:,.0f} leads a month (lead_rate up to {_high(scenario, 'lead_rate'):g}) over "
              f"{plan.total_months} months" if signed <= by_land else
              f"{land:,.0f}亩 of land and {factory:,.0f}万平方米 of factories for projects from {small:.2g}亿元")
    per_rep = (len(METRICS) * plan.total_months * plan.n_chains * 4
               + enterprises * _ENTERPRISE_BYTES
               + 2 * leads * _LEAD_BYTES
               + plan.total_months * 8 * 2
               + 2 * plan.n_chains * plan.max_segments * plan.total_months)
    return Footprint(leads, enterprises, per_rep, driver)


def block_reps(scenario: Scenario, plan: Plan | None = None) -> int:
    """Replicates per fast-engine block: as many as fit ``BLOCK_BYTES``, 1 to ``MAX_BLOCK_REPS``."""
    per_rep = footprint(scenario, plan).bytes_per_replicate
    return int(np.clip(BLOCK_BYTES // max(per_rep, 1.0), 1, MAX_BLOCK_REPS))


def check_memory(scenario: Scenario, reps_per_block: int, engine: str = "fast") -> None:
    """Raise ``MemoryBudgetError`` when one block would exceed the memory budget."""
    fp = footprint(scenario)
    need = fp.bytes_per_replicate * (reps_per_block if engine == "fast" else 1) * (1 if engine == "fast" else 40)
    budget = memory_budget_bytes()
    if need > budget:
        raise MemoryBudgetError(
            f"scenario {scenario.id!r} would need about {need / _GB:.1f} GB for "
            f"{reps_per_block if engine == 'fast' else 1} replicate(s), over the memory budget of {budget / _GB:.1f} GB "
            f"(half the machine's memory, or CHAINSIM_MEMORY_GB): up to {fp.enterprises:,.0f} enterprises per "
            f"replicate, driven by {fp.driver}. Lower lead_rate or the county's land and factory supply.")
