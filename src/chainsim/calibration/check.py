"""Proof of the method: simulation-based calibration on synthetic data sets.

Core objects: ``check_calibration(scenario, n, ...) -> CheckResult``.

How: ``n`` parameter vectors are drawn from the prior and each simulated once, as the county
would have reported it (observation noise included): ``n`` synthetic data sets whose true
parameters are known. Each is calibrated exactly as the real figures are, against one
shared reference table (``chainsim.calibration.abc``). If the method is right, a parameter's
50% and 90% posterior intervals hold its true value in 50% and 90% of the data sets, and
the true value's rank among the posterior draws is uniform (a chi-square test over ten
bins: ``rank_p``). The same holds for what a planner reads: each chain's probability of
reaching its target given the true parameters (estimated from ``reps`` replicates) should lie
inside the 90% spread that ``chainsim run`` reports from the posterior (``p_reach_spread``)
in 90% of the data sets; since that true probability is itself estimated from ``reps``
replicates, it counts as inside when its 95% Monte Carlo interval meets the spread.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..ensemble import run_ensembles, wilson_interval
from ..schema import Scenario
from .abc import abc_posterior, reference_table, resample, simulate_rows, observation_noise
from .moments import moment_specs

RANK_DRAWS = 99
"""Posterior draws against which the true value is ranked (ranks 0..99, ten bins of ten)."""

RANK_BINS = 10


@dataclass(frozen=True)
class CheckResult:
    """Coverage of the posterior on ``datasets`` synthetic data sets.

    ``parameters``: per parameter, ``coverage_50``/``coverage_90`` (share of data sets whose
    central 50%/90% posterior interval holds the true value), ``rank_p`` (chi-square p-value
    of the ranks' uniformity) and ``within_error`` (both coverages within two Monte Carlo
    standard errors of nominal). ``p_reach``: per chain target, ``coverage_90`` (share of data
    sets whose posterior 90% spread of P(target) holds the true P(target)) and
    ``informative`` (data sets in which that spread or the truth is not simply 0 or 1);
    ``p_reach_by_dataset`` each data set's spread, true P(target) and posterior P(target).
    """

    scenario_id: str
    datasets: int
    rows: int
    accept: int
    seed: int
    reps: int
    parameters: pd.DataFrame
    p_reach: pd.DataFrame
    p_reach_by_dataset: pd.DataFrame

    def coverage_se(self, nominal: float) -> float:
        """Monte Carlo standard error of a coverage of ``nominal`` over the data sets."""
        return math.sqrt(nominal * (1.0 - nominal) / self.datasets)

    def to_contract(self) -> dict[str, Any]:
        """CONTRACT.md's ``check`` object (with a few extra fields)."""
        return {
            "datasets": self.datasets, "reference_rows": self.rows, "accepted": self.accept, "seed": self.seed,
            "p_reach_reps": self.reps,
            "coverage_se": {"50": self.coverage_se(0.5), "90": self.coverage_se(0.9)},
            "parameters": [{"name": r.name, "coverage_50": float(r.coverage_50), "coverage_90": float(r.coverage_90),
                            "rank_p": float(r.rank_p), "within_error": bool(r.within_error)}
                           for r in self.parameters.itertuples(index=False)],
            "p_reach": [{"chain": r.chain, "target_year": int(r.target_year), "coverage_90": float(r.coverage_90),
                         "informative": int(r.informative)} for r in self.p_reach.itertuples(index=False)],
        }


def _derived_seed(seed: int, key: int) -> int:
    return int(np.random.SeedSequence(seed, spawn_key=(key,)).generate_state(1, np.uint32)[0])


def check_calibration(scenario: Scenario, n: int, rows: int = 20_000, seed: int | None = None, reps: int = 200,
                      accept: int | None = None, executor: Any = None,
                      progress: Callable[[int, int], None] | None = None) -> CheckResult:
    """Calibrate ``n`` synthetic data sets from the prior predictive and measure coverage."""
    from scipy.stats import chisquare

    from ..calibrate import ACCEPT_SHARE, method_text, posterior_scenario

    seed = scenario.ensemble.seed if seed is None else seed
    specs = moment_specs(scenario)
    steps = n + 2
    tick = (lambda k: progress(k, steps)) if progress is not None else (lambda k: None)
    table = reference_table(scenario, specs, rows, seed, executor)
    tick(1)
    accept = max(200, int(ACCEPT_SHARE * rows)) if accept is None else accept
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x736263,)))
    truths = table.prior.sample(rng, n)
    observed = observation_noise(specs, simulate_rows(scenario, specs, table.prior.names, truths,
                                                      _derived_seed(seed, 1), executor), rng)
    names, p = table.prior.names, len(table.prior.names)
    inside50 = np.zeros((n, p), dtype=bool)
    inside90 = np.zeros((n, p), dtype=bool)
    ranks = np.zeros((n, p), dtype=np.int64)
    posterior_runs, truth_runs = [], []
    method = method_text(rows, accept)
    fitted = [s.figure for s in specs if not s.holdout]
    held = [s.figure for s in specs if s.holdout]
    for i in range(n):
        sample = abc_posterior(table, observed[i], accept)
        q = sample.quantiles((0.05, 0.25, 0.75, 0.95))
        inside50[i] = (q[1] <= truths[i]) & (truths[i] <= q[2])
        inside90[i] = (q[0] <= truths[i]) & (truths[i] <= q[3])
        draws = resample(sample, RANK_DRAWS, rng)
        ties = rng.random(p)
        ranks[i] = (draws < truths[i]).sum(axis=0) + np.floor(ties * ((draws == truths[i]).sum(axis=0) + 1))
        kept = resample(sample, 500, rng)
        posterior_runs.append((posterior_scenario(scenario, names, kept, method, fitted, held), reps, seed, "fast"))
        truth_runs.append((posterior_scenario(scenario, names, truths[i:i + 1], "the true parameters of a synthetic "
                                              "data set", fitted, held), reps, _derived_seed(seed, 2), "fast"))
        tick(1 + i)
    runs = posterior_runs + truth_runs
    summaries = list(run_ensembles(runs, executor))
    tick(steps)
    post, true = summaries[:n], summaries[n:]
    cover, detail = [], []
    targets = post[0].targets
    for t in range(len(targets)):
        lo = np.array([s.targets["p_reach_spread_lo"].iat[t] for s in post])
        hi = np.array([s.targets["p_reach_spread_hi"].iat[t] for s in post])
        truth = np.array([s.targets["p_reach"].iat[t] for s in true])
        # the true P(target) is itself estimated from ``reps`` replicates: it counts as inside
        # when its own 95% interval meets the spread (a truth of 0 from 400 replicates is
        # "below 1%", not below a spread starting at 0.0001)
        t_lo, t_hi = wilson_interval(np.round(truth * reps), reps)
        covered = (t_lo <= hi + 1e-12) & (lo - 1e-12 <= t_hi)
        degenerate = (hi - lo < 1e-9) & ((truth == 0) | (truth == 1))
        detail.append(pd.DataFrame({"dataset": np.arange(n), "chain": targets["chain"].iat[t],
                                    "spread_lo": lo, "spread_hi": hi, "p_true": truth,
                                    "p_posterior": [s.targets["p_reach"].iat[t] for s in post]}))
        cover.append({"chain": targets["chain"].iat[t], "target_year": int(targets["target_year"].iat[t]),
                      "coverage_90": float(covered.mean()), "informative": int((~degenerate).sum())})
    expected = np.full(RANK_BINS, n / RANK_BINS)
    binned = np.minimum(ranks * RANK_BINS // (RANK_DRAWS + 1), RANK_BINS - 1)
    rows_out = []
    se50, se90 = math.sqrt(0.25 / n), math.sqrt(0.09 / n)
    for k, name in enumerate(names):
        counts = np.bincount(binned[:, k], minlength=RANK_BINS)
        c50, c90 = float(inside50[:, k].mean()), float(inside90[:, k].mean())
        rows_out.append({"name": name, "coverage_50": c50, "coverage_90": c90,
                         "rank_p": float(chisquare(counts, expected).pvalue),
                         "within_error": bool(abs(c50 - 0.5) <= 2 * se50 and abs(c90 - 0.9) <= 2 * se90)})
    return CheckResult(scenario.id, n, table.theta.shape[0], accept, seed, reps,
                       pd.DataFrame(rows_out), pd.DataFrame(cover), pd.concat(detail, ignore_index=True))
