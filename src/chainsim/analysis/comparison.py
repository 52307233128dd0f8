"""Compare two scenarios (two policies) on common random numbers.

Core objects: ``compare(a, b) -> Comparison`` and ``paired_difference_interval``.

Both scenarios run with the same replicate count and master seed, so replicate ``i`` of
``a`` and replicate ``i`` of ``b`` draw from the same block streams (see
``chainsim.ensemble``): the same parameter draws and, until the policies make the two
runs diverge, the same chance events. The outcomes of a replicate are then positively
correlated across the two scenarios and the paired difference is far less noisy than the
difference of two independent ensembles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..costs import policy_cost_yi_per_year
from ..ensemble import Z95, EnsembleSummary, run_ensembles, wilson_interval
from ..scenario import Scenario
from .common import run_settings

COLUMNS = ["chain", "target_year", "target_yi", "target_yi_b", "p_reach_a", "p_reach_b", "diff", "diff_lo",
           "diff_hi", "n_a_only", "n_b_only", "missing_in"]


def paired_difference_interval(reached_a: np.ndarray, reached_b: np.ndarray,
                               z: float = Z95) -> tuple[float, float, float]:
    """Difference of two paired proportions, p_b − p_a, with Newcombe's 95% interval.

    ``reached_a`` and ``reached_b`` are the per-replicate outcomes (bool, one per
    replicate, paired by index). Returns (diff, lo, hi), all in units of probability,
    with −1 ≤ lo ≤ diff ≤ hi ≤ 1.

    The interval is Newcombe's hybrid score interval for paired proportions (method 10 of
    Newcombe, Statistics in Medicine 17:2635-2650, 1998). It combines the Wilson interval
    of each margin (the same intervals ``chainsim run`` reports for p_reach) with the
    observed correlation φ between the paired outcomes: the stronger common random
    numbers tie the two runs together, the narrower the interval. Why not a normal
    interval on the per-replicate differences: it has zero width whenever no replicate is
    discordant (both p at 0 or 1, or a lever that changes nothing), claiming certainty from
    a finite sample, and it can leave [−1, 1]. Newcombe's interval stays inside [−1, 1],
    always contains the estimate and keeps a width of order z²/n at the boundaries (both
    p = 1 with n = 200 gives about ±0.02).
    """
    ra = np.asarray(reached_a, dtype=bool)
    rb = np.asarray(reached_b, dtype=bool)
    if ra.shape != rb.shape or ra.ndim != 1 or ra.size == 0:
        raise ValueError("paired outcomes must be two non-empty vectors of the same length")
    n = ra.size
    both = int(np.sum(ra & rb))
    b_only = int(np.sum(rb & ~ra))
    a_only = int(np.sum(ra & ~rb))
    neither = n - both - b_only - a_only
    p1, p2 = (both + b_only) / n, (both + a_only) / n  # p_b, p_a
    (l1,), (u1,) = wilson_interval(np.array([both + b_only]), n, z)
    (l2,), (u2,) = wilson_interval(np.array([both + a_only]), n, z)
    denom = float(both + b_only) * (a_only + neither) * (both + a_only) * (b_only + neither)
    phi = (both * neither - b_only * a_only) / np.sqrt(denom) if denom > 0 else 0.0
    diff = (b_only - a_only) / n  # = p1 − p2, without rounding noise
    below = np.sqrt(max((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2, 0.0))
    above = np.sqrt(max((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2, 0.0))
    return float(diff), float(max(diff - below, -1.0)), float(min(diff + above, 1.0))


@dataclass(frozen=True)
class Comparison:
    """Scenario ``b`` against scenario ``a`` on common random numbers.

    ``table``: one row per chain target, matched by chain id and target year —
    target_yi (a's target, 亿元/year; ``target_yi_b`` is b's, which may differ),
    p_reach_a and p_reach_b (share of replicates reaching the target), diff = p_reach_b −
    p_reach_a (probability points as a fraction, −1..1) with its 95% interval
    [diff_lo, diff_hi] (see ``paired_difference_interval``), n_a_only / n_b_only (replicates
    reaching the target only under a / only under b). A target present in only one
    scenario has a row with ``missing_in`` = "a" or "b" and NaN in the columns that need
    both; matched rows have ``missing_in`` = "".
    """

    a_id: str
    b_id: str
    reps: int
    seed: int
    engine: str
    table: pd.DataFrame
    summary_a: EnsembleSummary = field(repr=False)
    summary_b: EnsembleSummary = field(repr=False)
    cost_a_yi_per_year: float = 0.0
    """Yearly cost of ``a``'s levers over its policy period, 亿元/year (``chainsim.costs``)."""
    cost_b_yi_per_year: float = 0.0

    @property
    def matched(self) -> pd.DataFrame:
        """Rows of targets present in both scenarios."""
        return self.table[self.table["missing_in"] == ""].reset_index(drop=True)

    @property
    def missing(self) -> pd.DataFrame:
        """Rows of targets present in only one scenario."""
        return self.table[self.table["missing_in"] != ""].reset_index(drop=True)

    def to_contract(self) -> dict[str, Any]:
        """CONTRACT.md's compare JSON; unmatched targets are listed under ``missing``."""
        chains = [{
            "chain": r.chain, "target_year": int(r.target_year), "target_yi": float(r.target_yi),
            "target_yi_b": float(r.target_yi_b), "p_reach_a": float(r.p_reach_a), "p_reach_b": float(r.p_reach_b),
            "diff": float(r.diff), "diff_ci": [float(r.diff_lo), float(r.diff_hi)],
            "n_a_only": int(r.n_a_only), "n_b_only": int(r.n_b_only),
        } for r in self.matched.itertuples(index=False)]
        missing = [{
            "chain": r.chain, "target_year": int(r.target_year),
            "target_yi": float(r.target_yi if r.missing_in == "b" else r.target_yi_b), "missing_in": r.missing_in,
        } for r in self.missing.itertuples(index=False)]
        return {"a": self.a_id, "b": self.b_id, "reps": self.reps, "seed": self.seed, "engine": self.engine,
                "scenario_hash_a": self.summary_a.scenario_hash, "scenario_hash_b": self.summary_b.scenario_hash,
                "cost_yi_per_year_a": self.cost_a_yi_per_year, "cost_yi_per_year_b": self.cost_b_yi_per_year,
                "cost_diff_yi_per_year": self.cost_b_yi_per_year - self.cost_a_yi_per_year,
                "chains": chains, "missing": missing}


def compare(a: Scenario, b: Scenario, reps: int | None = None, seed: int | None = None, engine: str = "fast",
            executor: Any = None, progress: Callable[[int, int], None] | None = None) -> Comparison:
    """Run ``a`` and ``b`` on common random numbers and compare p_reach per chain target.

    ``reps`` and ``seed`` default to ``a``'s ensemble settings and are used for both
    scenarios (common random numbers need one seed). ``progress(done, total)`` counts
    simulated blocks over both runs. Targets are matched by (chain id, target year); a
    target present in only one scenario is kept in the table with ``missing_in`` set.
    """
    reps, seed = run_settings(a, reps, seed, engine)
    sa, sb = run_ensembles([(a, reps, seed, engine), (b, reps, seed, engine)], executor, progress)  # one pool
    return Comparison(a.id, b.id, reps, seed, engine, _pair(sa, sb), sa, sb,
                      policy_cost_yi_per_year(a), policy_cost_yi_per_year(b))


def _pair(sa: EnsembleSummary, sb: EnsembleSummary) -> pd.DataFrame:
    index_a = {(r.chain, int(r.target_year)): i for i, r in enumerate(sa.targets.itertuples(index=False))}
    index_b = {(r.chain, int(r.target_year)): i for i, r in enumerate(sb.targets.itertuples(index=False))}
    keys = list(index_a) + [k for k in index_b if k not in index_a]
    rows = []
    for key in keys:
        ia, ib = index_a.get(key), index_b.get(key)
        row: dict[str, Any] = {"chain": key[0], "target_year": key[1]}
        row["target_yi"] = float(sa.targets["target_yi"].iloc[ia]) if ia is not None else np.nan
        row["target_yi_b"] = float(sb.targets["target_yi"].iloc[ib]) if ib is not None else np.nan
        row["p_reach_a"] = float(sa.targets["p_reach"].iloc[ia]) if ia is not None else np.nan
        row["p_reach_b"] = float(sb.targets["p_reach"].iloc[ib]) if ib is not None else np.nan
        if ia is not None and ib is not None:
            ra, rb = sa.reached[:, ia], sb.reached[:, ib]
            diff, lo, hi = paired_difference_interval(ra, rb)
            row.update(diff=diff, diff_lo=lo, diff_hi=hi, n_a_only=int(np.sum(ra & ~rb)),
                       n_b_only=int(np.sum(rb & ~ra)), missing_in="")
        else:
            row.update(diff=np.nan, diff_lo=np.nan, diff_hi=np.nan, n_a_only=pd.NA, n_b_only=pd.NA,
                       missing_in="b" if ib is None else "a")
        rows.append(row)
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["n_a_only"] = table["n_a_only"].astype("Int64")
    table["n_b_only"] = table["n_b_only"].astype("Int64")
    return table
