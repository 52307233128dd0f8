"""From a validated ``Scenario`` to the arrays both engines run on.

Core objects: ``Plan`` (the scenario's chains, calendar and lever paths as numpy arrays)
and ``draw_parameters`` (one value of every model parameter per replicate). Both engines
start from these, so they read the scenario the same way.

Time: the simulation covers ``warmup`` months before the scenario's start (to fill the
project pipeline, since the reported flows are not one cohort) and then ``months``
months from the start through the horizon. Month ``m`` of the run is calendar month
``first_month + m`` (see ``chainsim.scenario.month_index``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .catalogue import CHAIN_TYPES, LEVERS, PARAMETERS
from .mechanisms import default_enterprise_count, draw_parameter
from .scenario import SIZE_CLASS_EDGES_YI, LeverSetting, Scenario, month_index
from .schema import base_output_name

if TYPE_CHECKING:
    from .province import Competition

SIZE_BIN_EDGES_YI = (0.0, *SIZE_CLASS_EDGES_YI)
"""Lower edges (亿元) of the project size classes in which flows are recorded:
<1亿, 1–5亿, 5–10亿, ≥10亿 — the classes the seeds report (亿元以上, 5~10亿元, 10亿元以上)."""


@dataclass(frozen=True)
class Plan:
    """A scenario as arrays. Chain arrays have length ``n_chains``; lever arrays are
    (``total_months``, ``n_chains``)."""

    scenario_id: str
    chain_ids: tuple[str, ...]
    base_output_yi: np.ndarray
    weight: np.ndarray
    priority: np.ndarray
    in_park: np.ndarray
    intensity: np.ndarray  # NaN where the chain uses the output_intensity parameter
    n_segments: np.ndarray
    filled0: np.ndarray  # (n_chains, max_segments) bool
    n_leaders0: np.ndarray
    leader_outputs_yi: tuple[tuple[float, ...] | None, ...]  # per chain: every leader's stated output, or None
    n_enterprises: np.ndarray
    warmup: int
    months: int
    first_month: int
    levers: dict[str, np.ndarray]
    target_chain: np.ndarray  # per target
    target_year: np.ndarray
    target_yi: np.ndarray
    chain_types: tuple[str, ...]  # per chain: its type (catalogue.CHAIN_TYPES)
    build_factor: np.ndarray  # per chain: chain type's multiplier on build time
    land_factor: np.ndarray  # per chain: chain type's multiplier on land per 亿元 invested
    links: np.ndarray  # (n_chains, n_chains): links[j, c], coefficient of chain j's growth on chain c's leads
    month_year: np.ndarray  # (total_months,) index of each run month's calendar year (0 = first simulated year)
    shock_growth: np.ndarray  # (years, n_chains) stated shocks to growth, 1/year
    shock_leads: np.ndarray  # (years, n_chains) stated shocks to lead arrivals, fraction
    land_bank0_mu: np.ndarray  # (n_counties,) ready land at run month 0, 亩 (inf: the county states no resources)
    land_supply_mu: np.ndarray  # (total_months, n_counties) land made ready in each month, 亩
    factory0_wm2: np.ndarray  # (n_counties,) empty standard-factory space at run month 0, 万平方米
    factory_supply_wm2: np.ndarray  # (total_months, n_counties) factory space added in each month, 万平方米
    # several counties (chainsim.province); one county: a single county 0, no competition
    county_ids: tuple[str, ...] = ("",)
    county_of_chain: np.ndarray | None = None  # (n_chains,) index of each chain's county; None: all in county 0
    county_matrix: np.ndarray | None = None  # (n_chains, n_counties) 0/1, chain in county; None for one county
    lead_weight: np.ndarray | None = None  # weight × the county's lead_rate_scale; None: ``weight``
    competition: "Competition | None" = None  # industry pools and 山海协作 placements; None for one county

    @property
    def n_chains(self) -> int:
        return len(self.chain_ids)

    @property
    def total_months(self) -> int:
        return self.warmup + self.months

    @property
    def max_segments(self) -> int:
        return int(self.filled0.shape[1])

    @property
    def n_counties(self) -> int:
        return len(self.county_ids)

    @property
    def chain_county(self) -> np.ndarray:
        """Index of each chain's county (all 0 in a scenario of one county)."""
        return np.zeros(self.n_chains, np.int64) if self.county_of_chain is None else self.county_of_chain

    @property
    def leads_weight(self) -> np.ndarray:
        """Each chain's weight in its county's lead rate (× its county's lead_rate_scale)."""
        return self.weight if self.lead_weight is None else self.lead_weight


def lever_path(scenario: Scenario, name: str, first_month: int, total_months: int) -> np.ndarray:
    """Value of lever ``name`` in every run month and chain, (total_months, n_chains).

    Warm-up months use the value in force at the start; ``schedule`` steps apply from
    their month on; ``by_chain`` overrides the base value for a chain, ``by_county`` for
    every chain of a county (schedules then apply to every chain). In a scenario of several
    counties a county's own ``levers`` replace the policy's for its chains (``make_plan``).
    """
    return setting_path(scenario.policy.lever(name), scenario.chains, first_month, total_months)


def setting_path(setting: LeverSetting, chains: list, first_month: int, total_months: int) -> np.ndarray:
    """``lever_path`` of one lever setting for the given chains (``schema.Chain``s)."""
    path = np.empty((total_months, len(chains)))
    base = np.array([setting.by_chain.get(c.id, setting.by_county.get(c.county, setting.value)) if c.county
                     else setting.by_chain.get(c.id, setting.value) for c in chains])
    path[:] = base
    months = first_month + np.arange(total_months)
    for step in sorted(setting.schedule, key=lambda s: month_index(s.from_)):
        path[months >= month_index(step.from_)] = step.value
    return path


def make_plan(scenario: Scenario) -> Plan:
    """Build the ``Plan`` of a validated scenario."""
    cal = scenario.calendar
    first_month = month_index(cal.start) - cal.warmup_months
    total = cal.warmup_months + cal.months
    chains = scenario.chains
    base = np.array([c.base_output.value_yi for c in chains])
    explicit = [c.attraction_weight for c in chains]
    if all(w is None for w in explicit):
        weight = base / base.sum()
    else:
        raw = np.array([w if w is not None else b / base.sum() for w, b in zip(explicit, base)])
        weight = raw / raw.sum()
    max_seg = max(len(c.segments) for c in chains)
    filled0 = np.zeros((len(chains), max_seg), dtype=bool)
    for i, c in enumerate(chains):
        filled0[i, : c.segments_filled] = True
    enterprise_output = scenario.parameters.get("enterprise_output_yi")
    firm_size = enterprise_output.central if enterprise_output else PARAMETERS["enterprise_output_yi"].default
    types = [CHAIN_TYPES[c.type] for c in chains]
    n_ent = np.array([
        c.enterprises if c.enterprises is not None
        else default_enterprise_count(b, firm_size * t.firm_factor, len(c.leaders))
        for c, b, t in zip(chains, base, types)
    ])
    targets = [(i, t.year, t.value_yi) for i, c in enumerate(chains) for t in c.targets]
    levers = {name: lever_path(scenario, name, first_month, total) for name in LEVERS}
    res = scenario.resources
    if res is None:
        land0, land, factory0 = np.inf, np.full(total, np.inf), np.inf
    else:
        land0 = res.land_bank_mu.value
        land = res.land_supply_mu_per_year.value * levers["land_supply"][:, 0] / 12.0
        factory0 = res.factory_space_wm2.value
    land0, land, factory0 = np.array([float(land0)]), land[:, None], np.array([float(factory0)])
    factory = levers["standard_factory_wm2"][:, :1] / 12.0
    counties: dict = {}
    if scenario.counties:
        from .province import county_plan

        counties = county_plan(scenario, base, levers, first_month, total)  # county levers, weights, resources, pools
        weight, land0, land, factory0, factory = (counties.pop(k) for k in (
            "weight", "land_bank0_mu", "land_supply_mu", "factory0_wm2", "factory_supply_wm2"))
    years = (first_month + np.arange(total)) // 12
    month_year = years - years[0]
    ids = [c.id for c in chains]
    links = np.zeros((len(chains), len(chains)))
    for link in scenario.links:
        if link.from_ in ids and link.to in ids:
            links[ids.index(link.from_), ids.index(link.to)] += link.coefficient
    shock_growth = np.zeros((int(month_year[-1]) + 1, len(chains)))
    shock_leads = np.zeros_like(shock_growth)
    for shock in scenario.shocks:
        y = shock.year - int(years[0])
        if 0 <= y < shock_growth.shape[0]:
            cols = list(range(len(chains))) if shock.chains == "all" else [ids.index(c) for c in shock.chains if c in ids]
            shock_growth[y, cols] += shock.growth
            shock_leads[y, cols] += shock.leads
    return Plan(
        scenario_id=scenario.id,
        chain_ids=tuple(scenario.chain_ids),
        base_output_yi=base,
        weight=weight,
        priority=np.array([c.priority for c in chains], dtype=float),
        in_park=np.array([c.in_park for c in chains], dtype=bool),
        intensity=np.array([c.output_intensity.value if c.output_intensity else np.nan for c in chains]),
        n_segments=np.array([len(c.segments) for c in chains], dtype=np.int64),
        filled0=filled0,
        n_leaders0=np.array([len(c.leaders) for c in chains], dtype=np.int64),
        leader_outputs_yi=tuple(
            tuple(float(lead.output_yi) for lead in c.leaders)
            if c.leaders and all(lead.output_yi is not None for lead in c.leaders) else None for c in chains),
        n_enterprises=n_ent.astype(np.int64),
        warmup=cal.warmup_months,
        months=cal.months,
        first_month=first_month,
        levers=levers,
        target_chain=np.array([t[0] for t in targets], dtype=np.int64),
        target_year=np.array([t[1] for t in targets], dtype=np.int64),
        target_yi=np.array([t[2] for t in targets]),
        chain_types=tuple(c.type for c in chains),
        build_factor=np.array([t.build_factor for t in types]),
        land_factor=np.array([t.land_factor for t in types]),
        links=links,
        month_year=month_year,
        shock_growth=shock_growth,
        shock_leads=shock_leads,
        land_bank0_mu=land0,
        land_supply_mu=land,
        factory0_wm2=factory0,
        factory_supply_wm2=factory,
        **counties,
    )


def draw_parameters(scenario: Scenario, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """One value of every catalogue parameter for each of ``n`` replicates.

    Parameters the scenario does not mention take their catalogue default; uncertain ones
    are drawn from their distribution (clipped to the catalogue bounds), in the
    catalogue's order so that draws are reproducible.
    """
    out: dict[str, np.ndarray] = {}
    for name, spec in PARAMETERS.items():
        setting = scenario.parameters.get(name)
        if setting is None:
            out[name] = np.full(n, spec.default)
        else:
            out[name] = draw_parameter(rng, n, setting.dist, setting.value, setting.low, setting.high,
                                       setting.mode, setting.sd, (spec.low, spec.high))
    return out


def chain_intensity(plan: Plan, params: dict[str, np.ndarray]) -> np.ndarray:
    """Output intensity per replicate and chain, (n_reps, n_chains): the chain's own value
    where the scenario gives one, else the ``output_intensity`` parameter × the chain
    type's output factor (the ``output_factor_<type>`` parameter; 1 for manufacturing)."""
    ones = np.ones_like(params["output_intensity"])
    factor = np.stack([params.get(f"output_factor_{t}", ones) for t in plan.chain_types], axis=1)
    default = params["output_intensity"][:, None] * factor
    return np.where(np.isnan(plan.intensity)[None, :], default, plan.intensity[None, :])


def base_outputs(plan: Plan, params: dict[str, np.ndarray], n: int) -> np.ndarray:
    """Base output per replicate and chain, (n, n_chains), 亿元/year: the scenario's value,
    or the replicate's own where ``params`` has ``base_output.<chain id>``."""
    out = np.tile(plan.base_output_yi, (n, 1))
    for c, chain_id in enumerate(plan.chain_ids):
        value = params.get(base_output_name(chain_id))
        if value is not None:
            out[:, c] = np.asarray(value, dtype=float)
    return out


def size_bin(size_yi: np.ndarray) -> np.ndarray:
    """Size class index (0: <1亿, 1: 1–5亿, 2: 5–10亿, 3: ≥10亿) of each project."""
    return np.searchsorted(np.asarray(SIZE_BIN_EDGES_YI), size_yi, side="right") - 1
