"""What a calibration says: estimates with intervals, and reported vs simulated figures.

Core objects: ``CalibrationResult`` (frozen: ``parameters`` and ``fit`` DataFrames plus
scipy's ``x``, ``fun``, ``success``, ``message``, ``nfev``; ``to_contract()`` for the
JSON of CONTRACT.md, ``to_yaml()`` for a file a scenario can ``extends:``) and
``fit_frame`` (reported vs simulated, one row per moment).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ..catalogue import PARAMETERS
from .moments import MomentSpec

FIT_COLUMNS = ["figure", "statistic", "unit", "period", "reported", "simulated_mean", "simulated_lo",
               "simulated_hi", "within", "holdout"]
PARAMETER_COLUMNS = ["name", "estimate", "lo", "hi", "identified", "unit", "low", "high", "log"]

PREDICTIVE_QUANTILES = (0.05, 0.95)
"""The simulated interval of a moment: its 5% and 95% quantiles over replicates (90%)."""


def fit_frame(specs: list[MomentSpec], sims: np.ndarray) -> pd.DataFrame:
    """Reported vs simulated, one row per moment (targets, then holdout).

    ``reported`` is the figure × scale in ``unit`` (projects, 亿元, or 亿元/year for output);
    ``simulated_mean`` the mean over replicates; ``simulated_lo``/``simulated_hi`` the
    90% interval over replicates (where one year's figure from this model would fall);
    ``within``: the reported value lies inside that interval.
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
    """A calibration of a scenario's free parameters to its reported figures.

    ``parameters``: one row per free parameter — ``estimate`` and its 90% interval
    ``lo``..``hi`` in the parameter's ``unit``; ``identified`` False when the figures do not
    pin it down (its interval is then the whole free range ``low``..``high``).
    ``fit``: reported vs simulated at the estimate (see ``fit_frame``); holdout rows were
    not fitted. ``flat_directions``: combinations of parameters the figures do not pin
    down, as {name: loading} on the unit-box scale. ``x`` (estimates in ``parameters``
    order), ``fun`` (Σ z² over the targets), ``success``, ``message`` and ``nfev``
    (simulations of ``reps`` replicates) follow scipy's ``OptimizeResult``.
    ``uninformative``: fitted figures that no free parameter moves (they check the
    scenario's fixed inputs; they do not inform the fit).
    """

    scenario_id: str
    scenario_hash: str
    reps: int
    seed: int
    version: str
    date: str
    parameters: pd.DataFrame
    fit: pd.DataFrame
    flat_directions: tuple[dict[str, float], ...]
    x: np.ndarray = field(repr=False)
    fun: float
    success: bool
    message: str
    nfev: int
    uninformative: tuple[str, ...] = ()

    @property
    def not_identified(self) -> list[str]:
        """Free parameters the figures do not pin down."""
        return [str(n) for n, ok in zip(self.parameters["name"], self.parameters["identified"]) if not ok]

    @property
    def figures(self) -> list[str]:
        """Figure ids fitted (holdout excluded)."""
        return [str(f) for f, h in zip(self.fit["figure"], self.fit["holdout"]) if not h]

    def to_contract(self) -> dict[str, Any]:
        """CONTRACT.md's calibrate JSON, with extra fields (unit, identified, holdout, …)."""
        params = [{
            "name": r.name, "estimate": float(r.estimate), "interval": [float(r.lo), float(r.hi)],
            "identified": bool(r.identified), "unit": r.unit, "free_range": [float(r.low), float(r.high)],
        } for r in self.parameters.itertuples(index=False)]
        fit = [{
            "figure": r.figure, "reported": float(r.reported), "simulated_mean": float(r.simulated_mean),
            "simulated_interval": [float(r.simulated_lo), float(r.simulated_hi)], "within": bool(r.within),
            "holdout": bool(r.holdout), "statistic": r.statistic, "unit": r.unit, "period": r.period,
        } for r in self.fit.itertuples(index=False)]
        return {
            "scenario": self.scenario_id, "scenario_hash": self.scenario_hash, "reps": self.reps, "seed": self.seed,
            "version": self.version, "method": "simulated method of moments, common random numbers",
            "interval_level": 0.9, "parameters": params, "fit": fit,
            "not_identified": self.not_identified, "flat_directions": [dict(d) for d in self.flat_directions],
            "uninformative_figures": list(self.uninformative),
            "loss": float(self.fun), "success": bool(self.success), "message": self.message, "nfev": int(self.nfev),
        }

    def to_yaml(self, source: str | None = None) -> str:
        """A YAML document whose ``parameters:`` a scenario can take with ``extends:``.

        Each free parameter becomes ``{value: estimate, provenance: calibrated, interval:
        [lo, hi], note}``. A parameter the figures do not pin down keeps the value the fit
        left it at (its search starts from the scenario's own value), which is consistent
        with the other estimates, but its interval is its whole calibration range and its
        note says "not identified".
        """
        figures = ", ".join(self.figures)
        where = f" ({source})" if source else ""
        params: dict[str, Any] = {}
        for r in self.parameters.itertuples(index=False):
            how = f"by chainsim calibrate on {self.date}, {self.reps} reps, seed {self.seed}"
            note = (f"calibrated to {figures} {how}; 90% interval, {r.unit}" if r.identified else
                    f"NOT identified by {figures} ({how}): other values fit as well when the other parameters "
                    f"move with it; the interval is its whole calibration range, {r.unit}")
            params[r.name] = {"value": _round(r.estimate), "provenance": "calibrated",
                              "interval": [_round(r.lo), _round(r.hi)], "note": note}
        header = [
            f"# Calibrated parameters of scenario {self.scenario_id!r}{where}.",
            f"# Written by `chainsim calibrate` on {self.date} ({self.reps} replicates, seed {self.seed}, "
            f"chainsim {self.version}).",
            "# A scenario takes them with `extends: <this file>` and must not set these parameters itself.",
            f"# Fit: loss {self.fun:.2f} over {len(self.figures)} figures; "
            + ("all parameters identified." if not self.not_identified
               else f"not identified by these figures: {', '.join(self.not_identified)}."),
        ]
        for r in self.fit.itertuples(index=False):
            tag = "holdout" if r.holdout else "target"
            header.append(f"#   {tag:<7} {r.figure:<28} reported {r.reported:9.2f}  simulated {r.simulated_mean:9.2f} "
                          f"[{r.simulated_lo:.2f}, {r.simulated_hi:.2f}] {r.unit}  "
                          f"{'inside' if r.within else 'OUTSIDE'}")
        body = yaml.safe_dump({"parameters": params}, allow_unicode=True, sort_keys=False, width=100,
                              default_flow_style=None)
        return "\n".join(header) + "\n" + body


def _round(value: float) -> float:
    """Four significant figures: the intervals are far wider than that."""
    return float(f"{float(value):.4g}")


def parameter_frame(names: tuple[str, ...], estimate: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                    ok: np.ndarray, low: np.ndarray, high: np.ndarray, log: np.ndarray) -> pd.DataFrame:
    """One row per free parameter (see ``CalibrationResult.parameters``)."""
    return pd.DataFrame({
        "name": list(names), "estimate": estimate.astype(float), "lo": lo.astype(float), "hi": hi.astype(float),
        "identified": ok.astype(bool), "unit": [PARAMETERS[n].unit for n in names],
        "low": low.astype(float), "high": high.astype(float), "log": log.astype(bool),
    }, columns=PARAMETER_COLUMNS)
