"""The fast engine: the Mesa model's stochastic process on numpy arrays.

Core object: ``run_block(scenario, seed, replicates)`` runs a block of replicates at once
and returns ``Trajectories`` in the same layout as the Mesa engine. Projects and
enterprises of every replicate in the block live in flat arrays (one element per agent,
tagged with its replicate and chain); each month applies the same formulas from
``chainsim.mechanisms`` in the same order as ``chainsim.model.CountyModel.step``:

1. lead intensity from the state at the start of the month;
2. enterprises exit or grow (after the warm-up);
3. one stage transition at most per open project; commissioned projects become
   enterprises and fill their segment (after the warm-up);
4. new leads (Poisson) with sizes and segments;
5. record.

Randomness: one ``Generator`` per block, from the block's ``SeedSequence``; the block is
the unit of reproducibility (see ``chainsim.ensemble``).
"""

from __future__ import annotations

import numpy as np

from . import mechanisms as mech
from .prepare import Plan, chain_intensity, draw_parameters, make_plan, size_bin
from .records import FLOW_KINDS, INDEX, N_BINS, Trajectories, flow_index, new_record
from .scenario import Scenario

_TIER_ROWS = [INDEX["ent_leader"], INDEX["ent_backbone"], INDEX["ent_growth"], INDEX["ent_supplier"]]
_STOCK_ROWS = [INDEX["stock_lead"], INDEX["stock_signed"], INDEX["stock_started"], INDEX["stock_completed"]]
_FLOW_ROWS = {kind: ([flow_index(kind, "count", b) for b in range(N_BINS)],
                     [flow_index(kind, "value_yi", b) for b in range(N_BINS)]) for kind in FLOW_KINDS}


class _Projects:
    """Open projects of every replicate in the block, as parallel arrays."""

    def __init__(self) -> None:
        self.rep = np.empty(0, np.int64)
        self.chain = np.empty(0, np.int64)
        self.seg = np.empty(0, np.int64)
        self.size = np.empty(0)
        self.stage = np.empty(0, np.int64)
        self.build = np.empty(0)

    def keep(self, mask: np.ndarray) -> None:
        for name in ("rep", "chain", "seg", "size", "stage", "build"):
            setattr(self, name, getattr(self, name)[mask])

    def append(self, rep: np.ndarray, chain: np.ndarray, seg: np.ndarray, size: np.ndarray) -> None:
        self.rep = np.concatenate([self.rep, rep])
        self.chain = np.concatenate([self.chain, chain])
        self.seg = np.concatenate([self.seg, seg])
        self.size = np.concatenate([self.size, size])
        self.stage = np.concatenate([self.stage, np.full(rep.size, mech.LEAD)])
        self.build = np.concatenate([self.build, np.full(rep.size, np.nan)])


class _Enterprises:
    """Enterprises of every replicate in the block, as parallel arrays."""

    def __init__(self, rep: np.ndarray, chain: np.ndarray, tier: np.ndarray, capacity: np.ndarray):
        self.rep, self.chain, self.tier, self.capacity = rep, chain, tier, capacity
        self.level = np.ones(rep.size)
        self.age = np.full(rep.size, np.inf)

    def keep(self, mask: np.ndarray) -> None:
        for name in ("rep", "chain", "tier", "capacity", "level", "age"):
            setattr(self, name, getattr(self, name)[mask])

    def append(self, rep: np.ndarray, chain: np.ndarray, tier: np.ndarray, capacity: np.ndarray) -> None:
        self.rep = np.concatenate([self.rep, rep])
        self.chain = np.concatenate([self.chain, chain])
        self.tier = np.concatenate([self.tier, tier])
        self.capacity = np.concatenate([self.capacity, capacity])
        self.level = np.concatenate([self.level, np.ones(rep.size)])
        self.age = np.concatenate([self.age, np.zeros(rep.size)])

    def output(self, ramp_months: np.ndarray) -> np.ndarray:
        ramp = np.where(np.isinf(self.age), 1.0, mech.ramp_fraction(np.where(np.isinf(self.age), 0.0, self.age),
                                                                     ramp_months[self.rep]))
        return self.capacity * self.level * ramp


def _by_rep_chain(rep: np.ndarray, chain: np.ndarray, n_reps: int, n_chains: int,
                  weights: np.ndarray | None = None) -> np.ndarray:
    """Sum (or count) per replicate and chain, (n_reps, n_chains)."""
    return np.bincount(rep * n_chains + chain, weights=weights, minlength=n_reps * n_chains).reshape(n_reps, n_chains)


def run_block(scenario: Scenario, seed: np.random.SeedSequence, replicates: np.ndarray,
              plan: Plan | None = None, parameters: dict[str, np.ndarray] | None = None) -> Trajectories:
    """Run the replicates numbered ``replicates`` together from one seed sequence.

    ``parameters`` (arrays of one value per replicate) overrides the scenario's draws,
    for calibration on common random numbers.
    """
    plan = plan or make_plan(scenario)
    rng = np.random.default_rng(seed)
    R, C, S = len(replicates), plan.n_chains, plan.max_segments
    p = draw_parameters(scenario, rng, R)
    if parameters:
        p.update({k: np.broadcast_to(np.asarray(v, dtype=float), (R,)).copy() for k, v in parameters.items()})
    intensity = chain_intensity(plan, p)  # (R, C)
    col = {k: v[:, None] for k, v in p.items()}  # (R, 1) for broadcasting against chains
    record = new_record(plan.total_months, R, C)
    filled = np.repeat(plan.filled0[None, :, :], R, axis=0)  # (R, C, S)
    complete0 = plan.filled0.sum(1) / plan.n_segments

    # initial enterprises, replicate by replicate and chain by chain (same draws as Mesa's)
    reps, chains, tiers, caps = [], [], [], []
    for r in range(R):
        for c in range(C):
            out, tier = mech.initial_enterprises(rng, float(plan.base_output_yi[c]), int(plan.n_enterprises[c]),
                                                 int(plan.n_leaders0[c]), float(p["leader_output_share"][r]))
            reps.append(np.full(out.size, r))
            chains.append(np.full(out.size, c))
            tiers.append(tier)
            caps.append(out)
    ent = _Enterprises(np.concatenate(reps), np.concatenate(chains), np.concatenate(tiers), np.concatenate(caps))
    proj = _Projects()

    p_exit_ent = mech.exit_probability(p["exit_per_year"])
    p_lead = mech.lead_exit_probability(p["lead_months"])
    p_comm = mech.commissioning_probability(p["commissioning_months"])

    for m in range(plan.total_months):
        warm = m < plan.warmup
        lev = {name: path[m] for name, path in plan.levers.items()}  # (C,)
        # 1. lead intensity from the state at the start of the month
        if warm:
            ratio, leaders, complete = np.ones((R, C)), plan.n_leaders0[None, :], complete0[None, :]
        else:
            ratio = _by_rep_chain(ent.rep, ent.chain, R, C, ent.output(p["ramp_months"])) / plan.base_output_yi
            leaders = _by_rep_chain(ent.rep[ent.tier == mech.LEADER], ent.chain[ent.tier == mech.LEADER], R, C)
            complete = filled.sum(axis=2) / plan.n_segments
        effort = mech.chain_effort(lev["attraction_effort"], plan.priority, lev["chain_chief_priority"],
                                   col["chain_chief_gain"])
        lam = mech.lead_intensity(col["lead_rate"], plan.weight, effort, ratio, col["size_elasticity"], complete,
                                  complete0, col["completeness_gain"], leaders, plan.n_leaders0,
                                  col["leader_pull"], lev["leader_drive"])

        # 2. enterprises exit or grow
        if not warm and ent.rep.size:
            alive = rng.random(ent.rep.size) >= p_exit_ent[ent.rep]
            ent.keep(alive)
            z = rng.standard_normal(ent.rep.size)
            ent.level *= mech.growth_factor(z, p["growth_per_year"][ent.rep], p["growth_sd_per_year"][ent.rep])
            ent.age += 1.0

        # 3. project transitions
        if proj.rep.size:
            u = rng.random(proj.rep.size)
            stage, r_, c_ = proj.stage, proj.rep, proj.chain
            new_stage = stage.copy()
            is_lead, is_signed, is_started, is_done = (stage == mech.LEAD), (stage == mech.SIGNED), \
                (stage == mech.STARTED), (stage == mech.COMPLETED)

            out = mech.lead_outcome(u[is_lead], p_lead[r_[is_lead]], p["sign_prob"][r_[is_lead]])
            new_stage[is_lead] = np.where(out == mech.ADVANCE, mech.SIGNED,
                                          np.where(out == mech.DROP, mech.DROPPED, mech.LEAD))

            rs, cs = r_[is_signed], c_[is_signed]
            p_start = mech.start_probability(p["start_lag_months"][rs], lev["approval_speedup"][cs],
                                             lev["prework_fund_yi"][cs], p["prework_gain"][rs])
            p_drop = mech.dropout_probability(p["signed_dropout_per_year"][rs], lev["finance_matching"][cs],
                                              p["finance_dropout_cut"][rs])
            out = mech.competing_outcome(u[is_signed], p_start, p_drop)
            new_stage[is_signed] = np.where(out == mech.ADVANCE, mech.STARTED,
                                            np.where(out == mech.DROP, mech.DROPPED, mech.SIGNED))

            rt, ct = r_[is_started], c_[is_started]
            p_done = mech.completion_probability(proj.build[is_started])
            p_stall = mech.dropout_probability(p["started_dropout_per_year"][rt], lev["finance_matching"][ct],
                                               p["finance_dropout_cut"][rt])
            out = mech.competing_outcome(u[is_started], p_done, p_stall)
            new_stage[is_started] = np.where(out == mech.ADVANCE, mech.COMPLETED,
                                             np.where(out == mech.DROP, mech.DROPPED, mech.STARTED))

            comm = u[is_done] < p_comm[r_[is_done]]
            new_stage[is_done] = np.where(comm, mech.PRODUCING, mech.COMPLETED)

            # new starts: standard factory and build time, fixed at the start
            starts = np.flatnonzero(is_signed & (new_stage == mech.STARTED))
            if starts.size:
                rs, cs, size = r_[starts], c_[starts], proj.size[starts]
                factory = mech.factory_probability(size, lev["standard_factory_wm2"][cs], p["factory_half_wm2"][rs],
                                                   p["small_project_max_yi"][rs])
                in_factory = rng.random(starts.size) < factory
                proj.build[starts] = mech.build_months(size, p["build_months_1yi"][rs], p["build_size_elasticity"][rs],
                                                       lev["approval_speedup"][cs], in_factory,
                                                       p["factory_build_factor"][rs])

            # flows by size class
            bins = size_bin(proj.size)
            for kind, before, after in (("signed", mech.LEAD, mech.SIGNED), ("started", mech.SIGNED, mech.STARTED),
                                        ("completed", mech.STARTED, mech.COMPLETED)):
                moved = (stage == before) & (new_stage == after)
                if not moved.any():
                    continue
                key = (r_[moved] * C + c_[moved]) * N_BINS + bins[moved]
                counts = np.bincount(key, minlength=R * C * N_BINS).reshape(R, C, N_BINS)
                values = np.bincount(key, weights=proj.size[moved], minlength=R * C * N_BINS).reshape(R, C, N_BINS)
                rows_count, rows_value = _FLOW_ROWS[kind]
                record[rows_count, m] = counts.transpose(2, 0, 1)
                record[rows_value, m] = values.transpose(2, 0, 1)

            # commissioned projects become enterprises
            producing = new_stage == mech.PRODUCING
            if producing.any():
                rp, cp = r_[producing], c_[producing]
                record[INDEX["producing_new"], m] = _by_rep_chain(rp, cp, R, C)
                if not warm:
                    size, seg = proj.size[producing], proj.seg[producing]
                    tier = mech.tier_of_project(size, rng.random(size.size))
                    ent.append(rp, cp, tier, mech.capacity_yi(size, intensity[rp, cp]))
                    filled[rp, cp, seg] = True
            proj.stage = new_stage
            proj.keep(new_stage < mech.PRODUCING)

        # 4. new leads
        counts = rng.poisson(lam)
        record[INDEX["leads_new"], m] = counts
        n_new = int(counts.sum())
        if n_new:
            flat = np.repeat(np.arange(R * C), counts.reshape(-1))
            rn, cn = flat // C, flat % C
            sizes = mech.draw_project_sizes(rng, n_new, p["major_share"][rn], p["size_ordinary_median_yi"][rn],
                                            p["size_ordinary_sigma"][rn], p["size_major_median_yi"][rn],
                                            p["size_major_sigma"][rn])
            segs = mech.choose_segments(rng.random(n_new), rng.random(n_new), filled[rn, cn], plan.n_segments[cn],
                                        lev["precision_targeting"][cn])
            proj.append(rn, cn, segs, sizes)

        # 5. record
        if proj.rep.size:
            key = (proj.rep * C + proj.chain) * 4 + proj.stage
            stocks = np.bincount(key, minlength=R * C * 4).reshape(R, C, 4)
            record[_STOCK_ROWS, m] = stocks.transpose(2, 0, 1)
        key = (ent.rep * C + ent.chain) * 4 + ent.tier
        record[_TIER_ROWS, m] = np.bincount(key, minlength=R * C * 4).reshape(R, C, 4).transpose(2, 0, 1)
        record[INDEX["output_yi"], m] = _by_rep_chain(ent.rep, ent.chain, R, C, ent.output(p["ramp_months"]))
        record[INDEX["completeness"], m] = filled.sum(axis=2) / plan.n_segments

    return Trajectories(record, plan.chain_ids, plan.first_month, plan.warmup, np.asarray(replicates), p)
