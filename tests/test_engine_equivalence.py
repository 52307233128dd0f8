"""The fast engine (``chainsim.kernel``) simulates the same process as the Mesa reference.

What is compared. For each scenario below, both engines run an ensemble with fixed seeds
(``ensemble.map_blocks``, the machinery ``ensemble.simulate`` uses, here reducing each block
to the outcomes at once so that the large fast ensembles stay small in memory). Per chain:

* its annual output (亿元/year) in its target year: two-sample Kolmogorov–Smirnov test;
* its signed count, signed value (亿元), started value (亿元: what land and factory space let
  start) and projects lost for want of land, in each calendar year from the scenario's start
  through the target year: Kolmogorov–Smirnov (conservative for counts, which have ties);
* p_reach, the share of replicates whose target-year output reaches the target: Fisher's
  exact test on the 2×2 table (a two-proportion test that stays valid near 0 and 1).

Significance. A scenario's test makes m comparisons (m = chains × (2 + 4 × years): 162 for
Liancheng, 120 for Queshan, 42 for the two-county province) and rejects when any p-value is below α = 0.01 / m (Bonferroni),
so it fails by chance with probability at most 1% when the engines agree, and the module's
five scenario tests at most 5%. Seeds are fixed, so the outcome is deterministic: a failure
after a change to either engine is a real discrepancy unless a new seed makes it vanish.

Power. The fast samples are ten or more times the Mesa ones, so the Mesa sample size n sets
the power: a KS test at α rejects when the two empirical CDFs differ by more than
c(α)·sqrt(1/n + 1/n_fast), c(α) = sqrt(−ln(α/2)/2). With Mesa n = 400 on the three-chain test
scenario (α = 4e-4: c = 2.1) that is 0.11, so a shift of a third of a standard deviation in
any outcome is found more often than not, and half a standard deviation almost surely. On
Liancheng (n = 160, α = 1.1e-4) it is 0.18 and on Queshan (n = 120, α = 1.6e-4) 0.20: shifts
of about half a standard deviation are found half the time, 0.7 almost surely (a Mesa
replicate costs 0.2–0.6 s there). Fisher's test on 400 vs 4,000 replicates detects a
p_reach difference of about 0.1. ``test_comparison_rejects_...``
shows the test can fail: a fast engine with lead_rate × 1.5 is rejected.

Where the fast engine draws or computes differently from the Mesa model (same law, another
order or form), it is also checked directly: the waiting-time sampler against month-by-month
draws, the founders against ``mechanisms.initial_enterprises``, the growth factor's
log-affine form against ``mechanisms.growth_factor``, its Box–Muller normals against N(0, 1),
and its output sums over enterprises.

Runtime on this machine (2 shared cores, AMD EPYC): about 95 s when the machine is quiet and
up to 3 minutes when other work shares the cores; almost all of it is the Mesa runs
(``-m "not slow"`` leaves only the quick checks of the fast engine's own draws).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from chainsim import kernel
from chainsim import mechanisms as mech
from chainsim.ensemble import map_blocks
from chainsim.prepare import make_plan
from chainsim.records import Trajectories
from chainsim.scenario import Scenario, load_scenario
from chainsim.uncertainty import REPS_PER_DRAW, replicate_parameters

ROOT = Path(__file__).resolve().parents[1]
FAMILY_ALPHA = 0.01
"""Chance that one scenario's test fails although the engines agree (Bonferroni bound)."""


@dataclass(frozen=True)
class Case:
    """A scenario and the sample sizes it is compared on."""

    path: str
    mesa_reps: int
    fast_reps: int
    seed: int


CASES = {
    "equiv_three_chains": Case("tests/scenarios/equiv_three_chains.yaml", mesa_reps=400, fast_reps=4000, seed=101),
    "tiny": Case("tests/scenarios/tiny.yaml", mesa_reps=400, fast_reps=4000, seed=202),
    "liancheng": Case("scenarios/liancheng.yaml", mesa_reps=160, fast_reps=2000, seed=303),
    "queshan": Case("scenarios/queshan.yaml", mesa_reps=120, fast_reps=2000, seed=404),
    # two counties competing for one industry's leads, with county levers, per-county land and a
    # 山海协作 pair (chainsim.province): the competition as both engines run it
    "two_counties": Case("tests/scenarios/two_counties.yaml", mesa_reps=300, fast_reps=3000, seed=505),
}


def up_to_target_year(scenario: Scenario) -> Scenario:
    """The scenario with its horizon cut at the end of its last target year (Mesa is slow)."""
    last = max(t.year for c in scenario.chains for t in c.targets)
    return scenario.model_copy(update={"calendar": scenario.calendar.model_copy(update={"horizon": f"{last}-12"})})


@cache
def scenario_of(name: str) -> Scenario:
    return up_to_target_year(load_scenario(ROOT / CASES[name].path))


def outcomes(traj: Trajectories, scenario: Scenario) -> dict[str, np.ndarray]:
    """Per-replicate outcomes by name: '<chain>: output_yi in <year>' (亿元/year, the target
    year's mean monthly annual rate), '<chain>: reached <target>亿 in <year>' (bool) and
    '<chain>: signed_count|signed_value_yi in <year>' (projects, 亿元) for each calendar year
    from the start year through the chain's target year."""
    plan = make_plan(scenario)
    years = (plan.first_month + np.arange(plan.total_months)) // 12
    output = traj.metric("output_yi").astype(np.float64)
    flows = {"signed_count": traj.flow("signed", "count"), "signed_value_yi": traj.flow("signed", "value_yi"),
             "started_value_yi": traj.flow("started", "value_yi"), "land_lost": traj.metric("land_lost_new")}
    out: dict[str, np.ndarray] = {}
    for t, c in enumerate(plan.target_chain):
        chain, year, target = plan.chain_ids[c], int(plan.target_year[t]), float(plan.target_yi[t])
        annual = output[years == year, :, c].mean(axis=0)
        out[f"{chain}: output_yi in {year}"] = annual
        out[f"{chain}: reached {target:g}亿 in {year}"] = annual >= target
        for y in range(scenario.calendar.start_year, year + 1):
            for name, flow in flows.items():
                out[f"{chain}: {name} in {y}"] = flow[years == y, :, c].sum(axis=0).astype(np.float64)
    return out


def independent_draws(scenario: Scenario, reps: int, seed: int) -> dict[str, np.ndarray] | None:
    """A draw of the uncertain parameters (posterior rows, distributions) for each replicate
    on its own. A run gives a group of replicates one draw; the two-sample tests assume
    independent replicates, so here replicate i takes group i's draw. Both engines get the
    same values (the engines never draw them themselves)."""
    return replicate_parameters(scenario, seed, np.arange(reps) * REPS_PER_DRAW)


def ensemble_outcomes(scenario: Scenario, reps: int, seed: int, engine: str) -> dict[str, np.ndarray]:
    """``outcomes`` of an ensemble, reduced block by block, each replicate its own parameter draw."""
    parts = map_blocks(scenario, reps, seed, engine, partial(outcomes, scenario=scenario),
                       parameters=independent_draws(scenario, reps, seed))
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


@cache
def mesa_outcomes(name: str) -> dict[str, np.ndarray]:
    case = CASES[name]
    return ensemble_outcomes(scenario_of(name), case.mesa_reps, case.seed, "mesa")


def p_values(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, float]:
    """Two-sample p-value of every outcome: Fisher's exact test for booleans, KS otherwise."""
    out = {}
    for name, x in a.items():
        y = b[name]
        if x.dtype == bool:
            table = [[x.sum(), x.size - x.sum()], [y.sum(), y.size - y.sum()]]
            out[name] = float(stats.fisher_exact(table).pvalue)
        else:
            out[name] = float(stats.ks_2samp(x, y).pvalue)
    return out


def rejected(p: dict[str, float]) -> dict[str, float]:
    alpha = FAMILY_ALPHA / len(p)
    return {name: value for name, value in p.items() if value < alpha}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_fast_engine_matches_mesa_distributions(name: str) -> None:
    case = CASES[name]
    fast = ensemble_outcomes(scenario_of(name), case.fast_reps, case.seed + 1, "fast")
    p = p_values(mesa_outcomes(name), fast)
    assert len(p) >= 10
    bad = rejected(p)
    assert not bad, f"{len(bad)} of {len(p)} outcomes differ (α = {FAMILY_ALPHA / len(p):.1e} each): {bad}"


def scaled(scenario: Scenario, parameter: str, factor: float) -> Scenario:
    """The scenario with every value of a parameter's distribution (and posterior column)
    multiplied by ``factor``."""
    setting = scenario.parameters[parameter]
    update = {k: getattr(setting, k) * factor for k in ("value", "low", "high", "mode", "sd")
              if getattr(setting, k) is not None}
    params = {**scenario.parameters, parameter: setting.model_copy(update=update)}
    post = scenario.posterior
    if post is not None and parameter in post.parameters:
        k = post.parameters.index(parameter)
        post = post.model_copy(update={"draws": [[v * factor if j == k else v for j, v in enumerate(row)]
                                                 for row in post.draws]})
    return scenario.model_copy(update={"parameters": params, "posterior": post})


@pytest.mark.slow
@pytest.mark.parametrize("name", ["equiv_three_chains", "liancheng"])
def test_comparison_rejects_a_fast_engine_with_lead_rate_one_and_a_half_times(name: str) -> None:
    case = CASES[name]
    wrong = scaled(scenario_of(name), "lead_rate", 1.5)
    p = p_values(mesa_outcomes(name), ensemble_outcomes(wrong, case.fast_reps, case.seed + 1, "fast"))
    bad = rejected(p)
    chains = {label.split(":")[0] for label in p}
    assert {label.split(":")[0] for label in bad} == chains, "every chain's outcomes should be rejected"


# ------------------------------------------------------------------ the fast engine's own draws


def monthly_first_event(rng: np.random.Generator, q: np.ndarray, start: int, n: int) -> np.ndarray:
    """First month after ``start`` in which a Bernoulli(q[month]) draw succeeds, month by
    month as the Mesa model draws it; len(q) when none does."""
    month = np.full(n, len(q))
    open_ = np.ones(n, bool)
    for m in range(start + 1, len(q)):
        hit = open_ & (rng.random(n) < q[m])
        month[hit] = m
        open_ &= ~hit
    return month


@pytest.mark.parametrize("varying", [False, True])
def test_waiting_times_follow_the_monthly_draws(varying: bool) -> None:
    rng = np.random.default_rng(5)
    T, start, n = 40, 3, 50_000
    q = np.where(np.arange(T) < 15, 0.08, 0.25) if varying else np.full(T, 0.12)
    own = 0.03  # a project's own constant monthly probability (its completion, say)
    q_total = 1 - (1 - q) * (1 - own)
    direct = monthly_first_event(rng, q_total, start, n)
    log_keep = np.log1p(-q)[:, None]
    regime = (np.arange(T) >= 15).astype(np.int64)
    cum = kernel._Varying(log_keep, regime) if varying else None
    keep = np.log1p(-own) + (0.0 if varying else log_keep[0, 0])
    sampled = kernel._first_event(np.full(n, start), np.log1p(-rng.random(n)), np.full(n, keep), T, cum,
                                  np.zeros(n, np.int64))
    assert sampled.min() > start and sampled.max() <= T
    counts = np.array([np.bincount(x, minlength=T + 1)[start + 1:] for x in (direct, sampled)])
    big = counts.min(axis=0) >= 5
    table = counts[:, big]
    if counts[:, ~big].sum():
        table = np.c_[table, counts[:, ~big].sum(axis=1)]
    assert stats.chi2_contingency(table).pvalue > 1e-3


def test_founders_have_the_mechanisms_law() -> None:
    scenario = load_scenario(ROOT / "tests/scenarios/equiv_three_chains.yaml")
    plan = make_plan(scenario)
    c, n_reps = 0, 3000
    share = np.full(n_reps, 0.4)
    rows, tiers, outputs = kernel._founders(np.random.default_rng(8), plan, share,
                                            np.tile(plan.base_output_yi, (n_reps, 1)))
    n = int(plan.n_enterprises[c])
    fast = outputs[rows % plan.n_chains == c].reshape(n_reps, n)
    fast_tiers = tiers[rows % plan.n_chains == c].reshape(n_reps, n)
    rng = np.random.default_rng(9)
    draws = [mech.initial_enterprises(rng, float(plan.base_output_yi[c]), n, int(plan.n_leaders0[c]), 0.4)
             for _ in range(n_reps)]
    mesa = np.array([d[0] for d in draws])
    assert np.array_equal(fast_tiers, np.array([d[1] for d in draws]))
    assert np.allclose(fast.sum(axis=1), plan.base_output_yi[c])
    # rounded: a lone leader's output is its whole share, which numpy's Dirichlet returns to within an ulp
    p = [stats.ks_2samp(np.round(fast[:, k], 9), np.round(mesa[:, k], 9)).pvalue for k in range(n)]
    assert min(p) > 0.01 / n


def test_growth_exponent_reproduces_the_mechanisms_growth_factor() -> None:
    rng = np.random.default_rng(3)
    g, sd = rng.uniform(-0.3, 0.5, 50), rng.uniform(0.0, 1.0, 50)
    a, b = kernel._growth_exponent(g, sd)
    z = rng.standard_normal((1000, 50))
    assert np.allclose(np.exp(a + b * z), mech.growth_factor(z, g, sd), rtol=1e-5)


def test_box_muller_draws_are_standard_normal() -> None:
    z = kernel._standard_normal(np.random.default_rng(4), 200_001)
    assert z.size == 200_001 and z.dtype == np.float32
    assert stats.kstest(z, "norm").pvalue > 1e-3
    assert abs(z.mean()) < 0.01 and abs(z.var() - 1) < 0.01


def test_enterprise_output_sums_by_row_with_empty_rows_exits_and_compaction() -> None:
    n_reps, n_chains, months = 3, 3, 10
    rows = n_reps * n_chains
    key = np.array([0, 0, 2, 3, 3, 3, 5, 6])  # rows 1, 4, 7 and 8 start without founders
    value = np.arange(1.0, key.size + 1)
    leaves = np.array([4, 99, 99, 2, 99, 99, 3, 2])
    ramp = mech.ramp_fraction(np.arange(months)[:, None], np.array([3.0, 6.0, 12.0]))
    ent = kernel._Enterprises(key, np.zeros(key.size, np.int64), value, leaves, n_chains, ramp)
    ent.add(np.array([8, 1]), np.zeros(2, np.int64), np.array([10.0, 20.0]), 1, np.array([99, 3]))
    alive = {i: (int(k), v, born, leave) for i, (k, v, born, leave) in enumerate(
        [*zip(key, value, [-1] * key.size, leaves), (8, 10.0, 1, 99), (1, 20.0, 1, 3)])}
    for month in range(2, 6):
        ent.exit(month)  # compacts once a quarter of the slots are dead
        expected = np.zeros(rows)
        for k, v, born, leave in alive.values():
            if leave > month:
                expected[k] += v * (1.0 if born < 0 else ramp[month - born, k // n_chains])
        assert np.allclose(ent.chain_output(month, rows), expected), month
    assert ent.n < key.size + 2  # the dead were dropped


def test_sketch_bins_equal_the_binary_search_they_replace() -> None:
    from chainsim.ensemble import _SKETCH_EDGES, sketch_bin

    rng = np.random.default_rng(11)
    edges = _SKETCH_EDGES
    x = np.concatenate([np.exp(rng.uniform(-9.0, 9.0, 100_000)), edges, np.nextafter(edges, 0.0),
                        np.nextafter(edges, np.inf), [0.0, -1.0, np.inf, np.nan, 1e-300, 1e300]])
    assert np.array_equal(sketch_bin(x), np.searchsorted(edges, x, side="right"))


def test_building_started_projects_two_months_at_a_time_changes_no_bit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The paths of started projects are drawn in batches (``_Paths.build_due``); drawn in
    each start month instead, every recorded number is bitwise the same."""
    scenario = load_scenario(ROOT / "scenarios" / "liancheng_approvals.yaml")
    plan = make_plan(scenario)
    batched = kernel.run_block(scenario, np.random.SeedSequence(5), np.arange(40), plan).data
    start = kernel._Paths.start

    def start_and_build(self, m, rng, log, births):  # type: ignore[no-untyped-def]
        start(self, m, rng, log, births)
        self.build_due(m, log, births, final=True)

    monkeypatch.setattr(kernel._Paths, "start", start_and_build)
    monthly = kernel.run_block(scenario, np.random.SeedSequence(5), np.arange(40), plan).data
    assert monthly.tobytes() == batched.tobytes()
    assert batched[kernel.INDEX["investment_yi"]].sum() > 0 and batched[kernel.INDEX["output_new_yi"]].sum() > 0
