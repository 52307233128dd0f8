"""What a calibration says: the posterior of every uncertain parameter, and reported vs
simulated figures.

Core objects: ``CalibrationResult`` (frozen: ``parameters`` and ``fit`` DataFrames, the
posterior ``draws``; ``to_contract()`` for the JSON of CONTRACT.md, ``to_yaml()`` for a file
a scenario can ``extends:``) and ``fit_frame`` (reported vs simulated, one row per moment).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ..schema import BASE_OUTPUT_PREFIX
from .moments import MomentSpec

FIT_COLUMNS = ["figure", "statistic", "unit", "period", "reported", "simulated_mean", "simulated_lo",
               "simulated_hi", "within", "holdout"]
PARAMETER_COLUMNS = ["name", "estimate", "lo", "hi", "prior_lo", "prior_hi", "narrowing", "identified", "unit",
                     "low", "high", "free"]

PREDICTIVE_QUANTILES = (0.05, 0.95)
"""The simulated interval of a moment: its 5% and 95% quantiles over replicates (90%)."""

IDENTIFIED_NARROWING = 0.25
"""A parameter whose 90% posterior interval is at least this much narrower than its prior's
is called identified by the figures; below it the figures barely inform it and its whole
prior uncertainty is carried into P(target)."""


def fit_frame(specs: list[MomentSpec], sims: np.ndarray) -> pd.DataFrame:
    """Reported vs simulated, one row per moment (targets, then holdout).

    ``reported`` is the figure × scale in ``unit`` (projects, 亿元, 亿元/year for output, a
    fraction for growth); ``simulated_mean`` the mean over replicates; ``simulated_lo``/
    ``simulated_hi`` the 90% interval over replicates (where one year's figure from this
    model would fall); ``within``: the reported value lies inside that interval.
    """
    lo, hi = np.quantile(sims, PREDICTIVE_QUANTILES, axis=0)
    rows = []
    for k, s in enumerate(specs):
        rows.append({
            "figure": s.figure, "statistic": s.statistic, "unit": s.unit,
            "period": s.period_from if s.period_from == s.period_to else f"{s.period_from}..{s.period_to}",
            "reported": float(s.reported), "simulated_mean": float(sims[:, k].mean()),
            "simulated_lo": float(lo[k]), "simulated_hi": float(hi[k]),
            "within": bool(lo[k] <= s.reported <= hi[k]), "holdout": s.holdout,
        })
    return pd.DataFrame(rows, columns=FIT_COLUMNS)


@dataclass(frozen=True)
class CalibrationResult:
    """A calibration: the posterior of a scenario's uncertain parameters given its figures.

    ``parameters``: one row per uncertain parameter — posterior median ``estimate`` and 90%
    interval ``lo``..``hi``, the prior's 90% interval ``prior_lo``..``prior_hi``,
    ``narrowing`` (1 − posterior width / prior width), ``identified`` (narrowing of at least
    ``IDENTIFIED_NARROWING``), its ``unit``, support ``low``..``high`` and whether it was
    ``free`` (a calibration range) or drawn from the scenario's own distribution.
    ``fit``: reported vs the posterior predictive (see ``fit_frame``); holdout rows were not
    fitted. ``names``/``draws``: equally weighted posterior draws (draws × parameters), what
    ``to_yaml`` writes. ``rows``/``accept``: the reference table's size and the rows kept.
    """

    scenario_id: str
    scenario_hash: str
    rows: int
    accept: int
    reps: int
    seed: int
    version: str
    date: str
    method: str
    parameters: pd.DataFrame
    fit: pd.DataFrame
    names: tuple[str, ...]
    draws: np.ndarray = field(repr=False)

    @property
    def not_identified(self) -> list[str]:
        """Parameters the figures barely inform (their posterior is close to their prior)."""
        return [str(n) for n, ok in zip(self.parameters["name"], self.parameters["identified"]) if not ok]

    @property
    def figures(self) -> list[str]:
        """Figure ids fitted (holdout excluded)."""
        return [str(f) for f, h in zip(self.fit["figure"], self.fit["holdout"]) if not h]

    @property
    def holdout(self) -> list[str]:
        """Figure ids held out of the fit and predicted."""
        return [str(f) for f, h in zip(self.fit["figure"], self.fit["holdout"]) if h]

    def to_contract(self) -> dict[str, Any]:
        """CONTRACT.md's calibrate JSON, with extra fields (unit, prior interval, holdout, …)."""
        params = [{
            "name": r.name, "estimate": float(r.estimate), "interval": [float(r.lo), float(r.hi)],
            "prior_interval": [float(r.prior_lo), float(r.prior_hi)], "narrowing": float(r.narrowing),
            "identified": bool(r.identified), "unit": r.unit, "free": bool(r.free),
        } for r in self.parameters.itertuples(index=False)]
        fit = [{
            "figure": r.figure, "reported": float(r.reported), "simulated_mean": float(r.simulated_mean),
            "simulated_interval": [float(r.simulated_lo), float(r.simulated_hi)], "within": bool(r.within),
            "holdout": bool(r.holdout), "statistic": r.statistic, "unit": r.unit, "period": r.period,
        } for r in self.fit.itertuples(index=False)]
        return {
            "scenario": self.scenario_id, "scenario_hash": self.scenario_hash, "seed": self.seed,
            "version": self.version, "method": self.method, "reference_rows": self.rows, "accepted": self.accept,
            "posterior_draws": int(self.draws.shape[0]), "predictive_reps": self.reps, "interval_level": 0.9,
            "parameters": params, "fit": fit, "not_identified": self.not_identified,
        }

    def to_yaml(self, source: str | None = None) -> str:
        """A YAML document a scenario can take with ``extends:``: ``parameters:`` (each
        catalogue parameter's posterior median and 90% interval, provenance calibrated: what
        reports and the app show) and ``posterior:`` (the joint draws every run samples from;
        base outputs per chain included)."""
        where = f" ({source})" if source else ""
        how = f"chainsim calibrate on {self.date}: {self.method}"
        figures = ", ".join(self.figures)
        params: dict[str, Any] = {}
        for r in self.parameters.itertuples(index=False):
            if r.name.startswith(BASE_OUTPUT_PREFIX):
                continue
            note = (f"posterior median and 90% interval given {figures} ({how}), {r.unit}; prior 90% "
                    f"[{_round(r.prior_lo)}, {_round(r.prior_hi)}]"
                    + ("" if r.identified else "; barely informed by these figures: its prior uncertainty "
                       "is carried into P(target)"))
            params[r.name] = {"value": _round(r.estimate), "provenance": "calibrated",
                              "interval": [_round(r.lo), _round(r.hi)], "note": note}
        posterior = {"method": self.method, "figures": self.figures, "holdout": self.holdout,
                     "parameters": list(self.names),
                     "draws": [[_round(v) for v in row] for row in self.draws]}
        header = [
            f"# Calibrated parameters of scenario {self.scenario_id!r}{where}.",
            f"# Written by `chainsim calibrate` on {self.date} (seed {self.seed}, chainsim {self.version}).",
            f"# Method: {self.method}.",
            "# A scenario takes them with `extends: <this file>`; every run draws its parameters from `posterior:`.",
            "# Not identified by these figures (posterior close to prior): "
            + (", ".join(self.not_identified) if self.not_identified else "none") + ".",
        ]
        for r in self.fit.itertuples(index=False):
            tag = "holdout" if r.holdout else "target"
            header.append(f"#   {tag:<7} {r.figure:<32} reported {r.reported:9.3f}  simulated {r.simulated_mean:9.3f} "
                          f"[{r.simulated_lo:.3f}, {r.simulated_hi:.3f}] {r.unit}  "
                          f"{'inside' if r.within else 'OUTSIDE'}")
        body = yaml.safe_dump({"parameters": params}, allow_unicode=True, sort_keys=False, width=100,
                              default_flow_style=None)
        post = yaml.safe_dump({"posterior": {k: v for k, v in posterior.items() if k != "draws"}},
                              allow_unicode=True, sort_keys=False, width=100, default_flow_style=None)
        rows = "\n".join("  - [" + ", ".join(repr(v) for v in row) + "]" for row in posterior["draws"])
        return "\n".join(header) + "\n" + body + post + "  draws:\n" + rows + "\n"


def _round(value: float) -> float:
    """Four significant figures: the intervals are far wider than that."""
    return float(f"{float(value):.4g}")
