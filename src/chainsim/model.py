"""The Mesa reference engine: one agent per project and enterprise.

Core objects: ``CountyModel`` (a ``mesa.Model``: the county, its chains and its policy
state), ``Project`` and ``Enterprise`` (``mesa.Agent`` subclasses), and
``run_replicate`` which runs one seeded replicate and returns ``Trajectories``.

This is the readable specification of the stochastic process; the fast engine
(``chainsim.kernel``) runs the same process on arrays and is held to this one by a
statistical test. Both call the formulas in ``chainsim.mechanisms``. One month per step:

1. each chain's lead intensity is read from the state at the start of the month;
2. enterprises exit or grow (not during the warm-up, whose output is the base output);
3. every open project makes at most one stage transition; a commissioned project becomes
   an enterprise and fills its segment (during the warm-up it is only counted); signed
   projects ready to start get land or factory space, or wait (``start_ready``);
4. new leads arrive (Poisson) with sizes from the two-tier mixture and a segment;
5. the month is recorded.
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from . import mechanisms as mech
from .prepare import Plan, base_outputs, chain_intensity, draw_parameters, make_plan, size_bin
from .province import contested_leads
from .records import COHORT_METRICS, COHORTS, INDEX, Trajectories, flow_index, new_record, pipeline_cutoff
from .scenario import Scenario

_STOCK = {mech.LEAD: "stock_lead", mech.SIGNED: "stock_signed", mech.STARTED: "stock_started",
          mech.COMPLETED: "stock_completed"}
_TIER_METRIC = ("ent_leader", "ent_backbone", "ent_growth", "ent_supplier")


class Project(mesa.Agent):
    """An investment project (招商项目) of ``size_yi`` 亿元 in one chain and segment."""

    def __init__(self, model: "CountyModel", chain: int, segment: int, size_yi: float):
        super().__init__(model)
        self.chain = chain
        self.segment = segment
        self.size_yi = size_yi
        self.stage = mech.LEAD
        self.in_factory = False
        self.build_months = math.nan
        self.signed_month = -1
        self.ready_month = -1
        """Month this signed project became ready to start (-1: not yet); it then waits for land."""
        self.order_key = math.nan

    def step(self) -> None:
        """At most one stage transition this month (none while waiting for land)."""
        m, p, c = self.model, self.model.p, self.chain
        if self.ready_month >= 0:
            return
        lever = m.lever
        u = m.rng.random()
        if self.stage == mech.LEAD:
            outcome = mech.lead_outcome(u, mech.lead_exit_probability(p["lead_months"]), p["sign_prob"])
            if outcome == mech.ADVANCE:
                self.signed_month = m.month
                self._advance(mech.SIGNED, "signed")
            elif outcome == mech.DROP:
                self._drop()
        elif self.stage == mech.SIGNED:
            p_start = mech.start_probability(p["start_lag_months"], lever("approval_speedup", c),
                                             lever("prework_fund_yi", c), p["prework_need_yi"], p["prework_lag_cut"])
            p_drop = mech.dropout_probability(p["signed_dropout_per_year"], lever("finance_matching", c),
                                              p["finance_dropout_cut"])
            outcome = mech.competing_outcome(u, p_start, p_drop)
            if outcome == mech.ADVANCE:
                self.ready_month = m.month
                self.order_key = m.rng.random()
            elif outcome == mech.DROP:
                self._drop()
        elif self.stage == mech.STARTED:
            p_done = mech.completion_probability(self.build_months)
            p_stall = mech.dropout_probability(p["started_dropout_per_year"], lever("finance_matching", c),
                                               p["finance_dropout_cut"])
            outcome = mech.competing_outcome(u, p_done, p_stall)
            if outcome == mech.ADVANCE:
                self._advance(mech.COMPLETED, "completed")
            elif outcome == mech.DROP:
                self._drop()
        elif self.stage == mech.COMPLETED:
            if u < mech.commissioning_probability(p["commissioning_months"]):
                self.model.commission(self)

    def start(self, in_factory: bool) -> None:
        """Construction starts this month, in a standard factory or on land."""
        m, p = self.model, self.model.p
        self.in_factory = in_factory
        factor = float(m.plan.build_factor[self.chain])
        self.build_months = float(mech.build_months(
            self.size_yi, p["build_months_1yi"] * factor, p["build_size_elasticity"],
            m.lever("approval_speedup", self.chain), in_factory, p["factory_build_factor"],
            p["build_months_max"] * factor))
        self.ready_month = -1
        self._advance(mech.STARTED, "started")

    def _advance(self, stage: int, flow: str) -> None:
        self.stage = stage
        self.model.count_flow(flow, self)

    def _drop(self) -> None:
        self.stage = mech.DROPPED
        self.remove()


class Enterprise(mesa.Agent):
    """An enterprise (企业) of one chain: output = capacity × growth level × ramp-up.

    ``cohort`` is its origin (an index into ``records.COHORTS``): 0 a firm present at the
    start, 1 from a project signed before the policy start, 2 from one signed from it on."""

    def __init__(self, model: "CountyModel", chain: int, segment: int, tier: int, capacity_yi: float,
                 age_months: float, cohort: int = 0):
        super().__init__(model)
        self.cohort = cohort
        self.chain = chain
        self.segment = segment
        self.tier = tier
        self.capacity_yi = capacity_yi
        self.level = 1.0
        self.age_months = age_months

    @property
    def output_yi(self) -> float:
        """Annual output now, 亿元/year."""
        ramp = 1.0 if math.isinf(self.age_months) else float(mech.ramp_fraction(self.age_months, self.model.p["ramp_months"]))
        return self.capacity_yi * self.level * ramp

    def step(self) -> None:
        """Exit, or grow for a month."""
        p = self.model.p
        if self.model.rng.random() < mech.exit_probability(p["exit_per_year"], self.capacity_yi,
                                                           p["enterprise_output_yi"], p["exit_size_elasticity"]):
            self.remove()
            return
        z = self.model.rng.standard_normal()
        m = self.model
        y = m.plan.month_year[m.month]
        shock = float(m.year_effect[y] + m.plan.shock_growth[y, self.chain])
        self.level *= float(mech.growth_factor(z, p["growth_per_year"] + shock, p["growth_sd_per_year"]))
        self.age_months += 1.0


class CountyModel(mesa.Model):
    """A county's industrial chains under one policy, one replicate.

    ``CountyModel(scenario, rng=...)``; ``rng`` is anything ``np.random.default_rng``
    accepts (a seed, a ``SeedSequence``, a ``Generator``). Parameter values are drawn from
    the scenario's distributions with the model's own ``rng`` unless ``parameters`` fixes
    them (a dict of scalars). ``run()`` steps through the warm-up and the horizon and
    fills ``record`` (metric, month, 1, chain).
    """

    def __init__(self, scenario: Scenario, rng: int | np.random.Generator | np.random.SeedSequence | None = None,
                 parameters: dict[str, float] | None = None, plan: Plan | None = None):
        super().__init__(rng=rng)
        self.scenario = scenario
        self.plan = plan or make_plan(scenario)
        drawn = draw_parameters(scenario, self.rng, 1)
        self.p = {k: float(v[0]) for k, v in drawn.items()}
        if parameters:
            self.p.update({k: float(v) for k, v in parameters.items()})
        params_arr = {k: np.array([v]) for k, v in self.p.items()}
        self.year_effect = mech.year_effects(self.rng, (1, int(self.plan.month_year[-1]) + 1),
                                             self.p["macro_sd_per_year"])[0]
        """The county's random year effect on growth in each simulated year (1/year)."""
        self.intensity = chain_intensity(self.plan, params_arr)[0]
        self.base_output_yi = base_outputs(self.plan, params_arr, 1)[0]
        """Each chain's output at the start in this replicate, 亿元/year."""
        self.month = 0
        self.cutoff = pipeline_cutoff(scenario, self.plan.first_month)
        """Run month of the policy start: projects signed from it on are the new cohort."""
        self.production_lags: list[int] = []
        """Months from signing to production of every project commissioned so far."""
        plan = self.plan
        self.filled = plan.filled0.copy()
        self.land_mu = plan.land_bank0_mu.copy()
        """Ready industrial land of each county, 亩."""
        self.factory_wm2 = plan.factory0_wm2.copy()
        """Empty standard-factory space of each county, 万平方米."""
        self.record = new_record(plan.total_months, 1, plan.n_chains)
        for c in range(plan.n_chains):
            outputs, tiers = mech.initial_enterprises(
                self.rng, float(self.base_output_yi[c]), int(plan.n_enterprises[c]), int(plan.n_leaders0[c]),
                self.p["leader_output_share"], plan.leader_outputs_yi[c])
            for out, tier in zip(outputs, tiers):
                Enterprise(self, c, -1, int(tier), float(out), math.inf)

    # -- policy state -------------------------------------------------------------

    def lever(self, name: str, chain: int) -> float:
        """Value of a policy lever for a chain in the current month."""
        return float(self.plan.levers[name][self.month, chain])

    @property
    def in_warmup(self) -> bool:
        return self.month < self.plan.warmup

    # -- bookkeeping --------------------------------------------------------------

    def count_flow(self, kind: str, project: Project) -> None:
        b = int(size_bin(np.array([project.size_yi]))[0])
        self.record[flow_index(kind, "count", b), self.month, 0, project.chain] += 1
        self.record[flow_index(kind, "value_yi", b), self.month, 0, project.chain] += project.size_yi

    def commission(self, project: Project) -> None:
        """A completed project goes into production: a new enterprise (after the warm-up)."""
        c = project.chain
        self.record[INDEX["producing_new"], self.month, 0, c] += 1
        if project.signed_month >= 0:
            self.production_lags.append(self.month - project.signed_month)
        if not self.in_warmup:
            tier = int(mech.tier_of_project(project.size_yi, self.rng.random()))
            capacity = float(mech.capacity_yi(project.size_yi, self.intensity[c]))
            Enterprise(self, c, project.segment, tier, capacity, 0.0,
                       COHORTS.index("new" if project.signed_month >= self.cutoff else "pipeline"))
            self.filled[c, project.segment] = True
        project.stage = mech.PRODUCING
        project.remove()

    def start_ready(self) -> None:
        """Serve the projects ready to start from the county's land and factory space.

        The month's land and factory supply is added first. Waiting projects come first,
        oldest first, then the month's new ones in random order (``order_key``); small projects
        take factory space, the others land (``mech.served_in_order``: a queue, no
        overtaking). A project still unserved ``land_wait_months`` after it became ready goes
        elsewhere.
        """
        plan, p, m = self.plan, self.p, self.month
        self.land_mu += plan.land_supply_mu[m]
        self.factory_wm2 += plan.factory_supply_wm2[m]
        county = plan.chain_county
        # in a province each county serves its own queue from its own land (ordered county by county)
        queue = sorted((q for q in self.agents_by_type.get(Project, []) if q.ready_month >= 0),
                       key=lambda q: (county[q.chain], q.ready_month, q.order_key))
        if not queue:
            return
        size = np.array([q.size_yi for q in queue])
        f_need = mech.factory_need_wm2(size, p["factory_wm2_per_yi"], p["small_project_max_yi"])
        group = county[[q.chain for q in queue]] if plan.n_counties > 1 else None
        in_factory = mech.served_in_order(f_need, self.factory_wm2 if group is not None else self.factory_wm2[0], group)
        land = mech.land_need_mu(size, p["investment_intensity_yi_per_mu"]) * plan.land_factor[[q.chain for q in queue]]
        l_need = np.where(in_factory, 0.0, land)
        on_land = mech.served_in_order(l_need, self.land_mu if group is not None else self.land_mu[0], group)
        if group is None:
            self.factory_wm2 -= float(f_need[in_factory].sum())
            self.land_mu -= float(l_need[on_land].sum())
        else:
            self.factory_wm2 -= np.bincount(group[in_factory], weights=f_need[in_factory], minlength=plan.n_counties)
            self.land_mu -= np.bincount(group[on_land], weights=l_need[on_land], minlength=plan.n_counties)
        wait = int(mech.wait_months(p["land_wait_months"]))
        rec = self.record
        for q, f, land, fn, ln in zip(queue, in_factory, on_land, f_need, l_need):
            if f or land:
                rec[INDEX["factory_used_wm2" if f else "land_used_mu"], m, 0, q.chain] += fn if f else ln
                q.start(bool(f))
            elif m - q.ready_month >= wait:
                rec[INDEX["land_lost_new"], m, 0, q.chain] += 1
                q._drop()

    def chain_outputs(self) -> np.ndarray:
        return self.cohort_outputs().sum(axis=0)

    def cohort_outputs(self) -> np.ndarray:
        """Annual output (亿元/year) by origin (``records.COHORTS``) and chain, (3, chains)."""
        out = np.zeros((len(COHORTS), self.plan.n_chains))
        for e in self.agents_by_type.get(Enterprise, []):
            out[e.cohort, e.chain] += e.output_yi
        return out

    def leader_outputs(self) -> np.ndarray:
        """Annual output (亿元/year) of each chain's leader firms (链主)."""
        out = np.zeros(self.plan.n_chains)
        for e in self.agents_by_type.get(Enterprise, []):
            if e.tier == mech.LEADER:
                out[e.chain] += e.output_yi
        return out

    def completeness(self) -> np.ndarray:
        return self.filled.sum(axis=1) / self.plan.n_segments

    # -- the month ----------------------------------------------------------------

    def step(self) -> None:
        plan, p, m = self.plan, self.p, self.month
        if self.in_warmup:
            ratio, complete = np.ones(plan.n_chains), plan.filled0.sum(1) / plan.n_segments
        else:
            ratio, complete = self.chain_outputs() / self.base_output_yi, self.completeness()
        leaders = self.leader_outputs()  # constant in the warm-up (no growth, no new enterprises)
        effort = mech.chain_effort(plan.levers["attraction_effort"][m], plan.priority, plan.weight,
                                   plan.levers["chain_chief_priority"][m], p["chain_chief_gain"], p["effort_half"],
                                   plan.county_matrix)
        y = plan.month_year[m]
        macro = mech.macro_lead_factor(self.year_effect[y], p["macro_lead_elasticity"], plan.shock_leads[y])
        complete0 = plan.filled0.sum(1) / plan.n_segments
        lam = macro * (mech.lead_intensity(p["lead_rate"], plan.leads_weight, effort, ratio, p["size_elasticity"],
                                           p["size_feedback_cap"], complete, complete0,
                                           p["completeness_gain"])
                       + mech.leader_leads(leaders, p["leader_leads_per_10yi"], plan.levers["leader_drive"][m]))
        linked = not self.in_warmup and bool(plan.links.any())
        if linked:
            lam = lam * mech.linkage_factor(ratio, plan.links, p["size_feedback_cap"])
        if plan.competition is not None:  # a province: counties compete for their industries' leads
            lam = contested_leads(plan, m, lam, macro, p, ratio, complete, complete0, leaders, linked)
        if not self.in_warmup:
            for e in list(self.agents_by_type.get(Enterprise, [])):
                e.step()
        for project in list(self.agents_by_type.get(Project, [])):
            project.step()
        self.start_ready()
        lam_flag = macro * mech.flagship_intensity(p["flagship_leads_per_year"], plan.leads_weight, complete,
                                           plan.filled0.sum(1) / plan.n_segments, p["completeness_gain"])
        for c in range(plan.n_chains):
            for flagship, rate in ((0.0, lam[c]), (1.0, lam_flag[c])):
                n_new = int(self.rng.poisson(rate))
                if n_new == 0:
                    continue
                sizes = mech.draw_project_sizes(self.rng, n_new, p["major_share"], p["size_ordinary_median_yi"],
                                                p["size_ordinary_sigma"], p["size_major_median_yi"],
                                                p["size_major_sigma"], flagship, p["size_flagship_median_yi"],
                                                p["size_flagship_sigma"])
                segs = mech.choose_segments(self.rng.random(n_new), self.rng.random(n_new),
                                            np.repeat(self.filled[c][None, :], n_new, axis=0), plan.n_segments[c],
                                            plan.levers["precision_targeting"][m, c])
                for size, seg in zip(sizes, segs):
                    Project(self, c, int(seg), float(size))
                self.record[INDEX["leads_new"], m, 0, c] += n_new
        self._record()
        self.month += 1

    def _record(self) -> None:
        m, rec = self.month, self.record
        for project in self.agents_by_type.get(Project, []):
            rec[INDEX[_STOCK[project.stage]], m, 0, project.chain] += 1
            if project.stage == mech.STARTED:
                rec[INDEX["investment_yi"], m, 0, project.chain] += mech.investment_per_month(
                    project.size_yi, project.build_months)
            if project.ready_month >= 0:
                rec[INDEX["stock_waiting"], m, 0, project.chain] += 1
        for e in self.agents_by_type.get(Enterprise, []):
            rec[INDEX[_TIER_METRIC[e.tier]], m, 0, e.chain] += 1
        by_cohort = self.cohort_outputs()
        rec[INDEX["output_yi"], m, 0, :] = by_cohort.sum(axis=0)
        for k, name in enumerate(COHORT_METRICS):
            rec[INDEX[name], m, 0, :] = by_cohort[k]
        rec[INDEX["completeness"], m, 0, :] = self.completeness()

    def run(self) -> "CountyModel":
        """Step through the warm-up and every month to the horizon."""
        while self.month < self.plan.total_months:
            self.step()
        return self


def run_replicate(scenario: Scenario, seed: np.random.SeedSequence, replicate: int = 0,
                  plan: Plan | None = None, parameters: dict[str, float] | None = None) -> Trajectories:
    """Run one replicate of the Mesa model from its own seed sequence."""
    model = CountyModel(scenario, rng=np.random.default_rng(seed), parameters=parameters, plan=plan).run()
    return Trajectories(model.record, model.plan.chain_ids, model.plan.first_month, model.plan.warmup,
                        np.array([replicate]), {k: np.array([v]) for k, v in model.p.items()})
