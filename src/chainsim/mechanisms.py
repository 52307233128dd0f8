"""The model's formulas, once: pure functions used by both engines.

Every function takes plain numbers or numpy arrays (and broadcasts), returns the quantity
its docstring names with its unit, and draws randomness only from a ``Generator`` passed
in. The Mesa reference (``chainsim.model``) calls them for one agent at a time; the fast
engine (``chainsim.kernel``) calls them on arrays of agents across replicates. Time is
in months; money in 亿元; output is an annual rate in 亿元/year.

The stage machine of a project (招商项目) is

    lead --(sign)--> signed --(start)--> started --(complete)--> completed --(commission)--> producing
      \\--(lost)          \\--(drop)            \\--(stall)

with one transition at most per month, each drawn from the monthly probability that the
functions below give. A producing project becomes an enterprise whose output ramps up to
``capacity_yi``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .catalogue import BACKBONE_PROJECT_YI, LEADER_PROJECT_YI, PREWORK_FUND_REF_YI

FloatArray = NDArray[np.float64]

# Stage codes shared by both engines.
LEAD, SIGNED, STARTED, COMPLETED, PRODUCING, DROPPED = 0, 1, 2, 3, 4, 5
STAGES = ("lead", "signed", "started", "completed", "producing", "dropped")

# Enterprise tiers (链主 leader / 骨干 backbone / 高成长 growth / 配套 supplier).
LEADER, BACKBONE, GROWTH, SUPPLIER = 0, 1, 2, 3
TIERS = ("leader", "backbone", "growth", "supplier")
TIERS_ZH = ("链主", "骨干", "高成长", "配套")


def monthly_probability(rate_per_month: ArrayLike) -> FloatArray:
    """Probability of at least one event in a month for a Poisson rate (events/month)."""
    return -np.expm1(-np.asarray(rate_per_month, dtype=float))


def per_year_to_monthly_probability(rate_per_year: ArrayLike) -> FloatArray:
    """Monthly probability of an event with an annual hazard rate (1/year)."""
    return monthly_probability(np.asarray(rate_per_year, dtype=float) / 12.0)


# ------------------------------------------------------------------ attraction (leads)


def effort_response(attraction_effort: ArrayLike, effort_half: ArrayLike) -> FloatArray:
    """Leads brought by attraction effort ``e`` (× status quo), with diminishing returns.

    e (1 + h) / (e + h) with h = ``effort_half``: 1 at the status quo (e = 1), 0 with no
    effort, and never more than 1 + h however hard the county tries: the pool of investors
    who would move to a county is finite, so each extra team finds fewer new ones.
    """
    e = np.asarray(attraction_effort, dtype=float)
    h = np.asarray(effort_half, dtype=float)
    return e * (1.0 + h) / (e + h)


def chain_effort(attraction_effort: ArrayLike, priority: ArrayLike, weight: ArrayLike,
                 chain_chief_priority: ArrayLike, chain_chief_gain: ArrayLike, effort_half: ArrayLike,
                 counties: NDArray[np.float64] | None = None) -> FloatArray:
    """Attraction effort on each chain (× status quo), chains on the last axis.

    ``effort_response(attraction_effort)`` × the chain's attention share under the
    chain-chief system (链长制): a priority chain's weight is raised by (1 + chain_chief_gain ×
    chain_chief_priority) and every chain's is divided by Σ weight × raise, so the county's
    attention is moved, not created: what the priority chains gain, the others lose.
    ``weight`` is each chain's share of the county's leads (summing to 1). In a province,
    ``counties`` is the (chains, counties) 0/1 matrix of which county each chain is in,
    the weights sum to 1 within each county, and the sum runs over the chain's own county.
    """
    boost = 1.0 + (np.asarray(chain_chief_gain, dtype=float) * np.asarray(chain_chief_priority, dtype=float)
                   * np.asarray(priority, dtype=float))
    weighted = np.asarray(weight, dtype=float) * boost
    if counties is None:
        share = boost / np.sum(weighted, axis=-1, keepdims=True)
    else:
        share = boost / ((weighted @ counties) @ counties.T)
    return effort_response(attraction_effort, effort_half) * share


def lead_intensity(lead_rate: ArrayLike, weight: ArrayLike, effort: ArrayLike, output_ratio: ArrayLike,
                   size_elasticity: ArrayLike, size_feedback_cap: ArrayLike, completeness: ArrayLike,
                   completeness_0: ArrayLike, completeness_gain: ArrayLike) -> FloatArray:
    """Expected new leads a chain's attraction brings this month (leads/month).

    lead_rate × weight × effort
      × min(output_ratio, size_feedback_cap)^size_elasticity   (bigger chains attract more, up to a cap)
      × (1 + completeness_gain × completeness) / (1 + completeness_gain × completeness_0)   (补链)

    ``weight`` is the chain's share of the county's leads, ``effort`` its effort from
    ``chain_effort``, ``output_ratio`` its output relative to the start and
    ``completeness`` the share of its segments filled (``completeness_0`` at the start).
    Every factor is 1 at the start under status-quo levers, so ``lead_rate`` is the
    county's attraction-driven lead rate at the start; the leads its leaders pull in come on
    top (``leader_leads``). The size factor stops at ``size_feedback_cap``.
    """
    ratio = np.clip(np.asarray(output_ratio, dtype=float), 1e-9, np.asarray(size_feedback_cap, dtype=float))
    gain = np.asarray(completeness_gain)
    return (np.asarray(lead_rate) * np.asarray(weight) * np.asarray(effort)
            * ratio ** np.asarray(size_elasticity)
            * (1.0 + gain * np.asarray(completeness)) / (1.0 + gain * np.asarray(completeness_0)))


def leader_leads(leader_output_yi: ArrayLike, leader_leads_per_10yi: ArrayLike, leader_drive: ArrayLike) -> FloatArray:
    """Leads a chain's leaders (链主) bring in this month (leads/month), 以商招商:
    leader_leads_per_10yi × leader_drive × (their output, 亿元/year) / 10. A chain without
    leaders gets none; a leader that grows or expands brings more."""
    return (np.asarray(leader_leads_per_10yi) * np.asarray(leader_drive)
            * np.asarray(leader_output_yi, dtype=float) / 10.0)


def linkage_factor(output_ratio: ArrayLike, links: ArrayLike, size_feedback_cap: ArrayLike) -> FloatArray:
    """Multiplier on each chain's lead arrivals from the growth of the chains linked to it
    (一业兴带动百业旺), chains on the last axis.

    1 + Σ_j links[j, c] × (min(ratio_j, cap) − 1), never below 0: a link from chain j with
    coefficient k raises chain c's leads by k per unit rise of j's output ratio (output /
    base output), capped as the size feedback is. 1 when no chain is linked (or at the start).
    """
    ratio = np.clip(np.asarray(output_ratio, dtype=float), 0.0, np.asarray(size_feedback_cap, dtype=float))
    return np.maximum(1.0 + (ratio - 1.0) @ np.asarray(links, dtype=float), 0.0)


def flagship_intensity(flagship_leads_per_year: ArrayLike, weight: ArrayLike, completeness: ArrayLike,
                       completeness_0: ArrayLike, completeness_gain: ArrayLike) -> FloatArray:
    """Expected new flagship leads for a chain this month (leads/month).

    flagship_leads_per_year / 12 × weight × (1 + gain × completeness)/(1 + gain × completeness_0):
    the rare 百亿领航 tier has its own arrival rate, raised only by how complete the chain is
    (a strategic investor comes for the chain's base), not by attraction effort or size.
    """
    gain = np.asarray(completeness_gain)
    return (np.asarray(flagship_leads_per_year) / 12.0 * np.asarray(weight)
            * (1.0 + gain * np.asarray(completeness)) / (1.0 + gain * np.asarray(completeness_0)))


# ------------------------------------------------------------------ a province: counties competing for leads


def approval_attraction(approval_speedup: ArrayLike, approval_pull: ArrayLike) -> FloatArray:
    """Multiplier on a chain's pull on its industry's contested leads from faster approvals:
    1 + approval_pull × approval_speedup (an investor choosing between counties prefers the
    one that gets it building sooner; 蕉城 sells its 17-month builds, jc_build_time_after)."""
    return 1.0 + np.asarray(approval_pull, dtype=float) * np.asarray(approval_speedup, dtype=float)


def shared_pool(own: ArrayLike, reference: ArrayLike, attraction: ArrayLike, pools: NDArray[np.float64],
                contested_share: ArrayLike) -> FloatArray:
    """Expected new leads of each chain (leads/month, chains on the last axis) when a share
    of them comes from a pool shared by the chains of one industry across counties.

    ``own`` is each chain's lead intensity as one county alone would see it (effort, size,
    completeness, leaders, levers in force); ``reference`` the same at status-quo effort and
    leader drive; ``attraction`` the chain's pull on the pool (``own`` × approval attraction);
    ``pools`` the (chains, pools) 0/1 matrix of which industry pool each chain is in (every
    chain in exactly one; a chain alone in its industry is a pool of one).

    leads_c = (1 − s) × own_c + s × Λ_P × attraction_c / Σ_{j ∈ P} attraction_j,
    Λ_P = Σ_{j ∈ P} reference_j,

    with s = ``contested_share``. The pool's size Λ_P grows with its chains' size,
    completeness and leaders but not with anyone's effort or approvals: the investors of an
    industry looking for a site in the province are a given number, and a county that tries
    harder takes a bigger share of them, which the other counties of that industry lose. With
    every lever at the status quo, attraction = reference and each chain gets exactly ``own``;
    a pool with no attraction at all sends its leads elsewhere (out of the province).
    """
    own = np.asarray(own, dtype=float)
    reference = np.asarray(reference, dtype=float)
    attraction = np.asarray(attraction, dtype=float)
    pool_size = reference @ pools
    pool_pull = attraction @ pools
    per_pull = np.divide(pool_size, pool_pull, out=np.zeros(np.broadcast(pool_size, pool_pull).shape),
                         where=pool_pull > 0)
    contested = (per_pull @ pools.T) * attraction
    s = np.asarray(contested_share, dtype=float)
    return (1.0 - s) * own + s * contested


def partner_placement(leads: ArrayLike, transfer: NDArray[np.float64]) -> FloatArray:
    """Lead intensities after 山海协作 placements (chains on the last axis): ``transfer[c, d]`` is
    the share of chain c's leads placed with chain d (a coastal county's projects in its mountain
    partner's park, 共建产业园区); each row sums to 1, so leads are moved, not created."""
    return np.asarray(leads, dtype=float) @ transfer


def lead_exit_probability(lead_months: ArrayLike) -> FloatArray:
    """Monthly probability that an open lead is decided (signed or lost)."""
    return monthly_probability(1.0 / np.asarray(lead_months, dtype=float))


# ------------------------------------------------------------------ project sizes


def draw_project_sizes(rng: np.random.Generator, n: int, major_share: ArrayLike, ordinary_median_yi: ArrayLike,
                       ordinary_sigma: ArrayLike, major_median_yi: ArrayLike, major_sigma: ArrayLike,
                       flagship_share: ArrayLike = 0.0, flagship_median_yi: ArrayLike = 60.0,
                       flagship_sigma: ArrayLike = 0.3) -> FloatArray:
    """Draw ``n`` project investments (亿元) from the three-tier size mixture.

    With probability ``flagship_share`` a project is a flagship (百亿领航: 50亿级基地型 and
    100亿级旗舰型), lognormal with median ``flagship_median_yi`` and log-sd
    ``flagship_sigma``; the engines pass 1 for flagship leads (their own arrival process,
    ``flagship_intensity``) and 0 for the others. Otherwise with probability ``major_share``
    a project is major (十亿带动), lognormal(
    ``major_median_yi``, ``major_sigma``); otherwise ordinary (亿元支撑), lognormal(
    ``ordinary_median_yi``, ``ordinary_sigma``). Parameters broadcast to ``n``. Liancheng
    2021 (54 signed for 96.92亿, two ≥10亿, six 5–10亿, none ≥50亿) is not fitted by a single
    lognormal; the mixture is, and its flagship tier is rare but not, as in a lognormal
    around 7亿, a one-in-a-million event. Uses two draws per project in a fixed order: a
    uniform for the tier, then a standard normal.
    """
    tier = rng.random(n)
    z = rng.standard_normal(n)
    flag = np.asarray(flagship_share)
    flagship = tier < flag
    major = ~flagship & (tier < flag + np.asarray(major_share))
    median = np.where(flagship, flagship_median_yi, np.where(major, major_median_yi, ordinary_median_yi))
    sigma = np.where(flagship, flagship_sigma, np.where(major, major_sigma, ordinary_sigma))
    return np.asarray(median * np.exp(sigma * z), dtype=float)


# ------------------------------------------------------------------ stage transitions


def prework_coverage(prework_fund_yi: ArrayLike, prework_need_yi: ArrayLike) -> FloatArray:
    """Share of projects whose pre-work the fund pays for: min(1, fund / need)."""
    return np.minimum(np.asarray(prework_fund_yi, dtype=float) / np.asarray(prework_need_yi, dtype=float), 1.0)


def prework_factor(prework_fund_yi: ArrayLike, prework_need_yi: ArrayLike, prework_lag_cut: ArrayLike) -> FloatArray:
    """Multiplier on the mean signed→started lag from the pre-work fund (dimensionless).

    (1 − cut × coverage(fund)) / (1 − cut × coverage(fund_ref)), fund_ref = 0.05亿元/year
    (连城's 500万元, the status quo the start lag is calibrated at): 1 at the reference fund,
    above 1 with less, below with more, and no further gain once every project is covered.
    """
    cut = np.asarray(prework_lag_cut, dtype=float)
    ref = 1.0 - cut * prework_coverage(PREWORK_FUND_REF_YI, prework_need_yi)
    return (1.0 - cut * prework_coverage(prework_fund_yi, prework_need_yi)) / ref


def start_probability(start_lag_months: ArrayLike, approval_speedup: ArrayLike, prework_fund_yi: ArrayLike,
                      prework_need_yi: ArrayLike, prework_lag_cut: ArrayLike) -> FloatArray:
    """Monthly probability that a signed project is ready to start construction.

    Mean lag = start_lag_months × (1 − approval_speedup) × prework_factor (months). A ready
    project starts when it gets land or factory space (``served_in_order``).
    """
    lag = (np.asarray(start_lag_months) * (1.0 - np.asarray(approval_speedup))
           * prework_factor(prework_fund_yi, prework_need_yi, prework_lag_cut))
    return monthly_probability(1.0 / np.maximum(lag, 1e-6))


def dropout_probability(dropout_per_year: ArrayLike, finance_matching: ArrayLike,
                        finance_dropout_cut: ArrayLike) -> FloatArray:
    """Monthly probability that a signed or started project is abandoned.

    Annual hazard × (1 − finance_dropout_cut × finance_matching): bank–enterprise matching
    (产融对接) keeps projects alive.
    """
    hazard = np.asarray(dropout_per_year) * (1.0 - np.asarray(finance_dropout_cut) * np.asarray(finance_matching))
    return per_year_to_monthly_probability(hazard)


def factory_need_wm2(size_yi: ArrayLike, factory_wm2_per_yi: ArrayLike, small_project_max_yi: ArrayLike) -> FloatArray:
    """Standard-factory floor space (万平方米) a starting project would use: size ×
    ``factory_wm2_per_yi`` for a small project (≤ ``small_project_max_yi`` 亿元), 0 (it
    cannot use one) otherwise."""
    size = np.asarray(size_yi, dtype=float)
    return np.where(size <= np.asarray(small_project_max_yi), size * np.asarray(factory_wm2_per_yi), 0.0)


def land_need_mu(size_yi: ArrayLike, investment_intensity_yi_per_mu: ArrayLike) -> FloatArray:
    """Industrial land (亩) a project of ``size_yi`` 亿元 needs: size / investment intensity (投资强度)."""
    return np.asarray(size_yi, dtype=float) / np.asarray(investment_intensity_yi_per_mu, dtype=float)


def served_in_order(need: ArrayLike, available: ArrayLike, group: ArrayLike | None = None) -> NDArray[np.bool_]:
    """Which requests are served, in order, from a stock: request ``i`` is served when the
    requests up to and including it (in its ``group``, e.g. its replicate) need no more than
    ``available[group]``. Requests of need 0 are not requests (never served).

    Requests are in serving order (waiting ones first, oldest first, then new ones in random
    order) and groups contiguous. No overtaking: once the stock is short, later requests wait
    too, even smaller ones, as in a queue for land (供地) or factory space.
    """
    need = np.asarray(need, dtype=float)
    cum = np.cumsum(need)
    if group is None:
        limit = np.asarray(available, dtype=float)
    else:
        group = np.asarray(group)
        if group.size:  # each group's running sum: minus the sum before its first request
            bounds = np.concatenate(([0], np.flatnonzero(group[1:] != group[:-1]) + 1, [group.size]))
            starts = bounds[:-1]
            cum = cum - np.repeat(cum[starts] - need[starts], bounds[1:] - starts)
        limit = np.asarray(available, dtype=float)[group]
    return (need > 0) & (cum <= limit * (1.0 + 1e-12))


def wait_months(land_wait_months: ArrayLike) -> NDArray[np.int64]:
    """Whole months a ready project waits for land or factory space before it goes elsewhere."""
    return np.rint(np.asarray(land_wait_months, dtype=float)).astype(np.int64)


def build_months(size_yi: ArrayLike, build_months_1yi: ArrayLike, build_size_elasticity: ArrayLike,
                 approval_speedup: ArrayLike, in_factory: ArrayLike, factory_build_factor: ArrayLike,
                 build_months_max: ArrayLike = np.inf) -> FloatArray:
    """Mean build time (months) of a started project.

    min(build_months_1yi × size^elasticity, build_months_max) × (1 − approval_speedup),
    × factory_build_factor for a project in a standard factory. The cap (``build_months_max``,
    grounded in 蕉城's "3年建设周期" for its big projects, jc_build_time_before) stands for a
    flagship building in phases and producing from the first. Big projects take longer (Liancheng 2021: completions
    averaged 1.4亿 against 1.7亿 for starts); 蕉城 cut 3-year builds to under 17 months.
    """
    size = np.maximum(np.asarray(size_yi, dtype=float), 1e-3)
    months = (np.minimum(np.asarray(build_months_1yi) * size ** np.asarray(build_size_elasticity),
                         np.asarray(build_months_max)) * (1.0 - np.asarray(approval_speedup)))
    factor = np.where(np.asarray(in_factory, dtype=bool), factory_build_factor, 1.0)
    return np.maximum(months * factor, 0.25)


def investment_per_month(size_yi: ArrayLike, mean_build_months: ArrayLike) -> FloatArray:
    """Fixed-asset investment a project under construction spends each month, 亿元/month: its
    size spread evenly over its mean build time (確山 reports its zone's 固定資產投資 for a half
    year, qs_2014h1_fai: the sum of this over the projects building in those months)."""
    return np.asarray(size_yi, dtype=float) / np.asarray(mean_build_months, dtype=float)


def completion_probability(mean_build_months: ArrayLike) -> FloatArray:
    """Monthly probability that a project under construction is completed."""
    return monthly_probability(1.0 / np.asarray(mean_build_months, dtype=float))


def commissioning_probability(commissioning_months: ArrayLike) -> FloatArray:
    """Monthly probability that a completed project goes into production."""
    return monthly_probability(1.0 / np.asarray(commissioning_months, dtype=float))


# ------------------------------------------------------------------ enterprises


def capacity_yi(size_yi: ArrayLike, output_intensity: ArrayLike) -> FloatArray:
    """Annual output at full capacity (亿元/year) of a project of ``size_yi`` 亿元."""
    return np.asarray(size_yi, dtype=float) * np.asarray(output_intensity)


def ramp_fraction(age_months: ArrayLike, ramp_months: ArrayLike) -> FloatArray:
    """Share of capacity reached ``age_months`` after production starts: 1 − exp(−age/ramp)."""
    return -np.expm1(-np.asarray(age_months, dtype=float) / np.asarray(ramp_months))


def growth_factor(z: ArrayLike, growth_per_year: ArrayLike, growth_sd_per_year: ArrayLike) -> FloatArray:
    """One month's multiplicative change of an enterprise's output, from a standard normal ``z``.

    exp((g − σ²/2)/12 + σ √(1/12) z): mean growth ``growth_per_year`` a year.
    """
    g = np.asarray(growth_per_year)
    s = np.asarray(growth_sd_per_year)
    return np.exp((g - 0.5 * s**2) / 12.0 + s * np.sqrt(1.0 / 12.0) * np.asarray(z))


def year_effects(rng: np.random.Generator, shape: tuple[int, ...], macro_sd_per_year: ArrayLike) -> FloatArray:
    """The county's random year effects on growth (1/year): N(0, macro_sd_per_year), one per
    replicate and calendar year, shared by every chain (``shape`` = (replicates, years), the
    sd broadcast against the replicates)."""
    z = rng.standard_normal(shape)
    sd = np.asarray(macro_sd_per_year, dtype=float)
    return z * (sd[:, None] if sd.ndim else sd)


def macro_lead_factor(year_effect: ArrayLike, macro_lead_elasticity: ArrayLike, shock_leads: ArrayLike) -> FloatArray:
    """Multiplier on lead arrivals in a year: exp(elasticity × year effect) × (1 + stated shock),
    never below 0."""
    return (np.exp(np.asarray(macro_lead_elasticity) * np.asarray(year_effect))
            * np.maximum(1.0 + np.asarray(shock_leads), 0.0))


def exit_probability(exit_per_year: ArrayLike, output_yi: ArrayLike = 1.0, reference_yi: ArrayLike = 1.0,
                     exit_size_elasticity: ArrayLike = 0.0) -> FloatArray:
    """Monthly probability that an enterprise of annual output ``output_yi`` (亿元/year, at
    full capacity when it starts) exits: the hazard ``exit_per_year`` × (output /
    reference)^(−exit_size_elasticity), at most 10 times the hazard. Small firms close
    more often than big ones; the hazard of a firm of the reference size (the scenario's
    mean firm output) is ``exit_per_year``."""
    ratio = np.maximum(np.asarray(output_yi, dtype=float) / np.asarray(reference_yi, dtype=float), 1e-6)
    hazard = np.asarray(exit_per_year) * np.minimum(ratio ** (-np.asarray(exit_size_elasticity)), 10.0)
    return per_year_to_monthly_probability(hazard)


def tier_of_project(size_yi: ArrayLike, u: ArrayLike) -> NDArray[np.int64]:
    """Tier of the enterprise a project becomes: ≥10亿 leader (链主), ≥3亿 backbone (骨干),
    otherwise growth (高成长) or supplier (配套) with equal odds, decided by uniform ``u``."""
    size = np.asarray(size_yi)
    small = np.where(np.asarray(u) < 0.5, GROWTH, SUPPLIER)
    return np.where(size >= LEADER_PROJECT_YI, LEADER, np.where(size >= BACKBONE_PROJECT_YI, BACKBONE, small)).astype(np.int64)


def initial_enterprises(rng: np.random.Generator, base_output_yi: float, n_enterprises: int, n_leaders: int,
                        leader_output_share: float, leader_outputs_yi: tuple[float, ...] | None = None
                        ) -> tuple[FloatArray, NDArray[np.int64]]:
    """Outputs (亿元/year) and tiers of a chain's enterprises at the start.

    Leaders (链主) produce ``leader_outputs_yi`` when the scenario states them (every leader's),
    else they share ``leader_output_share`` of ``base_output_yi``; the rest is split
    by Dirichlet(1) weights among the other firms, the top fifth of which are backbone
    (骨干), the next two fifths growth (高成长) and the rest suppliers (配套). With no leader
    the whole output is split among the others. Outputs sum to ``base_output_yi``.
    """
    n_leaders = min(n_leaders, n_enterprises)
    others = n_enterprises - n_leaders
    outputs = np.empty(n_enterprises)
    tiers = np.empty(n_enterprises, dtype=np.int64)
    leader_total = base_output_yi * (leader_output_share if others > 0 else 1.0) if n_leaders else 0.0
    if n_leaders and leader_outputs_yi is not None:
        outputs[:n_leaders] = leader_outputs_yi[:n_leaders]
        leader_total = float(np.sum(outputs[:n_leaders]))
        tiers[:n_leaders] = LEADER
    elif n_leaders:
        outputs[:n_leaders] = leader_total * rng.dirichlet(np.ones(n_leaders))
        tiers[:n_leaders] = LEADER
    if others:
        shares = np.sort(rng.dirichlet(np.ones(others)))[::-1]
        outputs[n_leaders:] = max(base_output_yi - leader_total, 0.0) * shares
        rank = np.arange(others) / others
        tiers[n_leaders:] = np.where(rank < 0.2, BACKBONE, np.where(rank < 0.6, GROWTH, SUPPLIER))
    return outputs, tiers


def default_enterprise_count(base_output_yi: float, enterprise_output_yi: float, n_leaders: int) -> int:
    """Initial enterprise count of a chain: base output / mean firm output, at least leaders + 3."""
    return int(max(n_leaders + 3, round(base_output_yi / enterprise_output_yi)))


def choose_segments(u_target: ArrayLike, u_segment: ArrayLike, filled: NDArray[np.bool_],
                    n_segments: ArrayLike, precision_targeting: ArrayLike) -> NDArray[np.int64]:
    """Segment index of each new lead.

    ``filled`` is an (n, S) mask of the filled segments of each lead's chain (columns past
    the chain's ``n_segments`` are ignored). With probability ``precision_targeting`` a
    lead is aimed at a missing segment (补链/延链), uniformly among the missing ones if there
    are any; otherwise it lands on a uniformly random segment. ``u_target`` and
    ``u_segment`` are uniforms on [0, 1), one per lead.
    """
    filled = np.atleast_2d(np.asarray(filled, dtype=bool))
    u_target = np.atleast_1d(np.asarray(u_target, dtype=float))
    u_segment = np.atleast_1d(np.asarray(u_segment, dtype=float))
    n_seg = np.broadcast_to(np.asarray(n_segments, dtype=np.int64), u_segment.shape)
    columns = np.arange(filled.shape[1])
    missing = (~filled) & (columns[None, :] < n_seg[:, None])
    n_missing = missing.sum(axis=1)
    any_seg = np.minimum((u_segment * n_seg).astype(np.int64), n_seg - 1)
    aim = np.flatnonzero((u_target < np.asarray(precision_targeting)) & (n_missing > 0))
    if aim.size:  # the k-th missing segment, k uniform among the missing
        m = n_missing[aim]
        k = np.minimum((u_segment[aim] * m).astype(np.int64), m - 1)
        any_seg[aim] = np.argmax(np.cumsum(missing[aim], axis=1) > k[:, None], axis=1)
    return any_seg


def draw_parameter(rng: np.random.Generator, n: int, dist: str, value: float | None, low: float | None,
                   high: float | None, mode: float | None, sd: float | None, bounds: tuple[float, float]) -> FloatArray:
    """Draw ``n`` values of an uncertain parameter, clipped to its catalogue ``bounds``."""
    if dist == "fixed":
        out = np.full(n, float(value))  # type: ignore[arg-type]
    elif dist == "uniform":
        out = rng.uniform(low, high, n)
    elif dist == "loguniform":
        out = np.exp(rng.uniform(np.log(low), np.log(high), n))  # type: ignore[arg-type]
    elif dist == "triangular":
        out = rng.triangular(low, mode, high, n)
    elif dist == "normal":
        out = rng.normal(value, sd, n)
    elif dist == "lognormal":
        out = float(value) * np.exp(rng.normal(0.0, sd, n))  # type: ignore[arg-type]
    else:  # pragma: no cover - the schema forbids it
        raise ValueError(f"unknown distribution {dist!r}")
    return np.clip(out, bounds[0], bounds[1])


# ------------------------------------------------------------------ outcomes from uniforms

NONE, ADVANCE, DROP = 0, 1, 2


def competing_outcome(u: ArrayLike, p_advance: ArrayLike, p_drop: ArrayLike) -> NDArray[np.int64]:
    """Outcome of a month for a project facing an advance and a drop-out risk.

    ADVANCE when u < p_advance; otherwise DROP with probability p_drop (u below
    p_advance + (1 − p_advance) × p_drop); otherwise NONE. ``u`` is uniform on [0, 1).
    """
    u = np.asarray(u)
    pa = np.asarray(p_advance)
    cut = pa + (1.0 - pa) * np.asarray(p_drop)
    return np.where(u < pa, ADVANCE, np.where(u < cut, DROP, NONE)).astype(np.int64)


def lead_outcome(u: ArrayLike, p_decided: ArrayLike, sign_prob: ArrayLike) -> NDArray[np.int64]:
    """Outcome of a month for an open lead: decided with probability ``p_decided``, and
    then signed (ADVANCE) with probability ``sign_prob`` or lost (DROP)."""
    u = np.asarray(u)
    pd_ = np.asarray(p_decided)
    return np.where(u < pd_ * np.asarray(sign_prob), ADVANCE, np.where(u < pd_, DROP, NONE)).astype(np.int64)
