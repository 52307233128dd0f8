"""What both engines record: per run month, replicate and chain.

Core object: ``Trajectories``, one float32 array (metric, month, replicate, chain) with
the metric names below. Output is an annual rate in 亿元/year; flows are counts and 亿元
during the month, split by project size class (see ``prepare.SIZE_BIN_EDGES_YI``).
Output is also recorded by origin (``COHORTS``: firms present at the start, projects signed
before the scenario's policy start, projects signed from it on), adding up to ``output_yi``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .prepare import SIZE_BIN_EDGES_YI
from .scenario import Scenario, month_index, month_label

FLOW_KINDS = ("signed", "started", "completed")
N_BINS = len(SIZE_BIN_EDGES_YI)

STATE_METRICS = (
    "output_yi",          # chain output, 亿元/year (annual rate in the month)
    "leads_new",          # new leads this month
    "stock_lead", "stock_signed", "stock_started", "stock_completed",  # projects by stage at month end
    "producing_new",      # projects that went into production this month
    "ent_leader", "ent_backbone", "ent_growth", "ent_supplier",        # enterprises by tier
    "completeness",       # share of the chain's segments filled
    "stock_waiting",      # of stock_signed: projects waiting for land or factory space at month end
    "land_lost_new",      # projects that went elsewhere this month for lack of land or factory space
    "land_used_mu",       # land taken by projects starting this month, 亩
    "factory_used_wm2",   # standard-factory space taken by projects starting this month, 万平方米
    "investment_yi",      # fixed-asset investment spent this month by projects under construction, 亿元
) + (
    # output_yi split by the enterprises' origin (they add up to output_yi), 亿元/year:
    "output_incumbent_yi",  # firms present at the start (founders; the warm-up's output is theirs)
    "output_pipeline_yi",   # firms from projects signed before the scenario's policy start
    "output_new_yi",        # firms from projects signed from the policy start on
)
COHORTS = ("incumbent", "pipeline", "new")
"""Origins of output: founders, projects signed before the policy start, projects signed from it on."""
COHORT_METRICS = tuple(f"output_{c}_yi" for c in COHORTS)
"""The metrics of output by origin, in the order of ``COHORTS``; they sum to ``output_yi``."""
FLOW_METRICS = tuple(f"{k}_{s}_b{b}" for k in FLOW_KINDS for s in ("count", "value_yi") for b in range(N_BINS))
METRICS = STATE_METRICS + FLOW_METRICS
INDEX = {name: i for i, name in enumerate(METRICS)}


def flow_index(kind: str, stat: str, size_bin: int) -> int:
    """Row of a flow metric: ``kind`` in FLOW_KINDS, ``stat`` 'count' or 'value_yi'."""
    return INDEX[f"{kind}_{stat}_b{size_bin}"]


def bins_between(size_min_yi: float | None, size_max_yi: float | None) -> list[int]:
    """Size classes wholly inside [size_min, size_max). Bounds must be class edges."""
    edges = list(SIZE_BIN_EDGES_YI) + [np.inf]
    lo = 0.0 if size_min_yi is None else size_min_yi
    hi = np.inf if size_max_yi is None else size_max_yi
    for bound in (lo, hi):
        if bound not in edges:
            raise ValueError(f"size bound {bound}亿元 is not a size class edge {SIZE_BIN_EDGES_YI[1:]}")
    return [b for b in range(N_BINS) if edges[b] >= lo and edges[b + 1] <= hi]


def pipeline_cutoff(scenario: Scenario, first_month: int) -> int:
    """Run month of the scenario's policy start: a project signed before it belongs to the
    pipeline cohort, one signed in it or later to the new cohort (``COHORTS``)."""
    return month_index(scenario.policy_start) - first_month


def new_record(total_months: int, n_reps: int, n_chains: int) -> np.ndarray:
    """A zeroed record array (metric, month, replicate, chain)."""
    return np.zeros((len(METRICS), total_months, n_reps, n_chains), dtype=np.float32)


@dataclass(frozen=True)
class Trajectories:
    """Recorded runs: ``data[metric, month, replicate, chain]`` (float32).

    ``first_month`` is the calendar month index of run month 0 (warm-up included);
    ``warmup`` the number of warm-up months; ``replicates`` the global replicate numbers.
    ``parameters`` holds each replicate's drawn parameter values.
    """

    data: np.ndarray
    chain_ids: tuple[str, ...]
    first_month: int
    warmup: int
    replicates: np.ndarray
    parameters: dict[str, np.ndarray] = field(default_factory=dict)

    def metric(self, name: str) -> np.ndarray:
        """(month, replicate, chain) array of one metric."""
        return self.data[INDEX[name]]

    def flow(self, kind: str, stat: str, size_min_yi: float | None = None, size_max_yi: float | None = None) -> np.ndarray:
        """(month, replicate, chain) flow summed over the size classes in [size_min, size_max)."""
        rows = [flow_index(kind, stat, b) for b in bins_between(size_min_yi, size_max_yi)]
        return self.data[rows].sum(axis=0)

    def month_labels(self) -> list[str]:
        return [month_label(self.first_month + m) for m in range(self.data.shape[1])]

    def to_frame(self, include_warmup: bool = False) -> pd.DataFrame:
        """Tidy wide frame: one row per replicate × chain × month, one column per metric,
        flows summed over size classes (units in the column names)."""
        start = 0 if include_warmup else self.warmup
        months = self.month_labels()[start:]
        n_m, n_r, n_c = len(months), self.data.shape[2], self.data.shape[3]
        idx = pd.MultiIndex.from_product([self.replicates, self.chain_ids, months], names=["replicate", "chain", "month"])
        cols: dict[str, np.ndarray] = {}
        for name in STATE_METRICS:
            cols[name] = self.metric(name)[start:].transpose(1, 2, 0).reshape(-1)
        for kind in FLOW_KINDS:
            cols[f"{kind}_count"] = self.flow(kind, "count")[start:].transpose(1, 2, 0).reshape(-1)
            cols[f"{kind}_value_yi"] = self.flow(kind, "value_yi")[start:].transpose(1, 2, 0).reshape(-1)
        frame = pd.DataFrame(cols, index=idx).reset_index()
        assert len(frame) == n_m * n_r * n_c
        return frame

    @staticmethod
    def concat(parts: list["Trajectories"]) -> "Trajectories":
        first = parts[0]
        params = {k: np.concatenate([p.parameters[k] for p in parts]) for k in first.parameters}
        return Trajectories(np.concatenate([p.data for p in parts], axis=2), first.chain_ids, first.first_month,
                            first.warmup, np.concatenate([p.replicates for p in parts]), params)
