"""Robustness: which policy holds up best across what we do not know?

Core objects: ``robustness(policies) -> Robustness`` and ``SPREADS``.

Every policy (a scenario file: a baseline and its variants) runs the same replicates on the
same master seed, so replicate ``i`` sees the same parameter draws and starts from the same
random streams under every policy (common random numbers). Two spreads of the uncertain
parameters are used:

* ``scenario``: each replicate draws its parameters as the scenario says: the uncertain
  ones from their distributions (assumed ranges) and, once the calibration gives one, the
  calibrated ones from their posterior (``run_ensemble`` does this);
* ``wide``: on top of that, each calibrated parameter is drawn uniformly across its whole
  calibrated interval (the 90% interval, or the calibration range when the figures do not
  identify it), one value per replicate, the same under every policy: a stress test of
  what the calibration left open.

In each replicate, a policy meets some number of targets; its **regret** there is the most
any policy met in that replicate minus what it met. Per policy: the expected number of
targets met (with a 95% interval), its 10th percentile, the mean of its worst decile of
replicates (the tenth of the replicates where it meets fewest targets), mean, 90th
percentile and largest regret, and the share of replicates in which it is (one of) the
best. The most robust policy is the one whose worst decile is best (ties: the higher
expected number, then the lower cost).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..costs import policy_cost_yi_per_year
from ..errors import InputError
from ..scenario import Scenario
from .common import chain_target, run_settings
from .outcomes import Outcomes, Run, mean_interval, run_outcomes

SPREADS: dict[str, str] = {
    "scenario": "parameters drawn as the scenario says (distributions, posterior once calibrated)",
    "wide": "and every calibrated parameter uniform across its calibrated interval",
}

WORST_SHARE = 0.1
"""The worst decile: this share of the replicates where a policy meets fewest targets."""


@dataclass(frozen=True)
class Robustness:
    """Policies across the uncertain parameters, for each spread.

    ``table``: one row per spread × policy: expected_targets_met (lo, hi: 95% interval),
    targets_met_p10, worst_decile_targets_met, regret_mean, regret_p90, regret_max (regret
    in targets), p_best (share of replicates where the policy meets the most targets),
    cost_yi_per_year (mean yearly cost of its levers over the policy period, 亿元/year),
    rank (1 = most robust in that spread) and one ``p:CHAIN:YEAR`` column per target.
    ``most_robust``: spread → policy id. ``varied``: spread → the parameters drawn wide.
    ``met``: spread → (policies × replicates) targets met, for charts.
    """

    policies: tuple[str, ...]
    files: tuple[str, ...]
    chains: tuple[str, ...]
    reps: int
    seed: int
    engine: str
    table: pd.DataFrame
    most_robust: dict[str, str]
    varied: dict[str, tuple[str, ...]]
    met: dict[str, np.ndarray] = field(repr=False)

    def to_contract(self) -> dict[str, Any]:
        """The robustness JSON (documented in docs/analysis.md)."""
        spreads = []
        for spread, rows in self.table.groupby("spread", sort=False):
            spreads.append({
                "spread": spread, "description": SPREADS[spread], "parameters_wide": list(self.varied[spread]),
                "most_robust": self.most_robust[spread],
                "policies": [{
                    "policy": r["policy"], "file": r["file"], "cost_yi_per_year": float(r["cost_yi_per_year"]),
                    "expected_targets_met": float(r["expected_targets_met"]),
                    "expected_targets_met_ci": [float(r["lo"]), float(r["hi"])],
                    "targets_met_p10": float(r["targets_met_p10"]),
                    "worst_decile_targets_met": float(r["worst_decile_targets_met"]),
                    "regret_mean": float(r["regret_mean"]), "regret_p90": float(r["regret_p90"]),
                    "regret_max": float(r["regret_max"]), "p_best": float(r["p_best"]), "rank": int(r["rank"]),
                    "p_reach": [{"chain": c.split(":")[1], "target_year": int(c.split(":")[2]), "p_reach": float(r[c])}
                                for c in rows.columns if c.startswith("p:")],
                } for r in rows.to_dict("records")],
            })
        return {"policies": list(self.policies), "files": list(self.files), "chains": list(self.chains),
                "reps": self.reps, "seed": self.seed, "engine": self.engine, "worst_share": WORST_SHARE,
                "spreads": spreads}


def _targets(s: Scenario) -> list[tuple[str, int]]:
    return [(c.id, t.year) for c in s.chains for t in c.targets]


def wide_draws(scenario: Scenario, reps: int, seed: int) -> dict[str, np.ndarray]:
    """One value per replicate of each calibrated parameter, uniform across its interval
    (reproducible from ``seed``; the same for every policy)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x57D]))
    out = {}
    for name in sorted(scenario.parameters):
        setting = scenario.parameters[name]
        if setting.provenance == "calibrated" and setting.interval is not None and setting.interval[0] < setting.interval[1]:
            out[name] = rng.uniform(setting.interval[0], setting.interval[1], reps)
    return out


def robustness(policies: Sequence[Scenario], reps: int | None = None, seed: int | None = None,
               spreads: Sequence[str] = ("scenario", "wide"), chains: Sequence[str] | None = None,
               engine: str = "fast", executor: Any = None, progress: Callable[[int, int], None] | None = None,
               files: Sequence[str] | None = None) -> Robustness:
    """Regret of each policy across the uncertain parameters (see the module docstring).

    ``reps`` and ``seed`` default to the first policy's; ``chains`` restricts the targets
    counted (default all). ``progress(done, total)`` counts ensembles.
    """
    if len(policies) < 2:
        raise InputError(f"robustness needs at least two policy files, got {len(policies)}")
    unknown = [s for s in spreads if s not in SPREADS]
    if unknown or not spreads:
        raise InputError(f"unknown spread {unknown[0] if unknown else ''!r}; choose from {', '.join(SPREADS)}")
    first = policies[0]
    files = tuple(files or [s.id for s in policies])
    keys = _targets(first)
    for s, f in zip(policies[1:], files[1:]):
        if sorted(_targets(s)) != sorted(keys):
            raise InputError(f"{f}: its chain targets differ from {files[0]}'s: policies compared for robustness "
                             f"must share the same chains and target years")
    counted = list(dict.fromkeys(chains)) if chains else first.chain_ids
    for c in counted:
        chain_target(first, c)
    reps, seed = run_settings(first, reps, seed, engine)
    runs: list[Run] = []
    varied: dict[str, tuple[str, ...]] = {}
    for spread in spreads:
        draws = wide_draws(first, reps, seed) if spread == "wide" else None
        varied[spread] = tuple(draws) if draws else ()
        runs.extend(Run(s, reps, seed, engine, draws or None) for s in policies)
    outcomes = run_outcomes(runs, executor, progress)
    costs = [policy_cost_yi_per_year(s) for s in policies]
    rows: list[dict[str, Any]] = []
    most: dict[str, str] = {}
    met_by: dict[str, np.ndarray] = {}
    n_p = len(policies)
    for k, spread in enumerate(spreads):
        outs: list[Outcomes] = outcomes[k * n_p:(k + 1) * n_p]
        cols = []
        for o in outs:
            index = {(o.chain_ids[c], int(y)): i for i, (c, y) in enumerate(zip(o.target_chain, o.target_year))}
            cols.append([index[key] for key in keys if key[0] in counted])
        met = np.stack([o.targets_met(c) for o, c in zip(outs, cols)])  # (policies, reps)
        regret = met.max(axis=0)[None, :] - met
        met_by[spread] = met
        block = []
        for p, (s, o) in enumerate(zip(policies, outs)):
            m, lo, hi = mean_interval(met[p])
            worst = np.sort(met[p])[:max(1, math.ceil(WORST_SHARE * reps))]
            row = {"spread": spread, "policy": s.id, "file": files[p], "cost_yi_per_year": costs[p],
                   "expected_targets_met": m, "lo": lo, "hi": hi,
                   "targets_met_p10": float(np.quantile(met[p], 0.1)),
                   "worst_decile_targets_met": float(worst.mean()), "regret_mean": float(regret[p].mean()),
                   "regret_p90": float(np.quantile(regret[p], 0.9)), "regret_max": float(regret[p].max()),
                   "p_best": float(np.mean(regret[p] == 0))}
            index = {(o.chain_ids[c], int(y)): i for i, (c, y) in enumerate(zip(o.target_chain, o.target_year))}
            for key in keys:
                row[f"p:{key[0]}:{key[1]}"] = float(o.reached[:, index[key]].mean())
            block.append(row)
        order = sorted(range(n_p), key=lambda p: (-block[p]["worst_decile_targets_met"],
                                                  -block[p]["expected_targets_met"], block[p]["cost_yi_per_year"], p))
        for rank, p in enumerate(order, 1):
            block[p]["rank"] = rank
        most[spread] = block[order[0]]["policy"]
        rows.extend(block)
    return Robustness(tuple(s.id for s in policies), files, tuple(counted), reps, seed, engine, pd.DataFrame(rows),
                      most, varied, met_by)
