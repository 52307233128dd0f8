"""Tables as planners read them: localised column names that carry their units.

Core objects: ``targets_table`` (per chain target: status quo vs current setting),
``saved_levers_table``, ``saved_p_table`` and ``paired_diff_table`` (the comparison
page) and ``fit_view`` (the calibration fit table with units and quotes). Probabilities
are shown in %, differences in percentage points, money in 亿元.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..catalogue import LEVERS
from ..ensemble import EnsembleSummary
from ..figures import load_figures
from ..report import format_p, significant
from ..sources import cite
from ..scenario import Scenario
from .i18n import chain_name, lever_label, t
from .state import Saved


def _chain_names(scenario: Scenario, lang: str) -> dict[str, str]:
    return {c.id: chain_name(c, lang) for c in scenario.chains}


def _year_text(value: float, lang: str) -> str:
    return t("never", lang) if pd.isna(value) else str(int(value))


def targets_table(scenario: Scenario, status_quo: EnsembleSummary, current: EnsembleSummary,
                  lang: str, spread: bool = True) -> pd.DataFrame:
    """One row per chain target: target (亿元/year) and year, P(reach) under the status
    quo and the current setting (%), the current 95% Monte Carlo interval and its spread across the
    posterior (how sure), the current output in the
    target year (median and P10–P90, 亿元/year) and the median year first reached.
    ``spread=False`` (a preview of part of the replicates) shows the spread as "…": it is
    computed over the whole ensemble's posterior draws."""
    names = _chain_names(scenario, lang)
    sq = status_quo.targets.set_index(["chain", "target_year"])
    rows = []
    for r in current.targets.itertuples(index=False):
        base = sq.loc[(r.chain, r.target_year)]
        rows.append({
            t("col_chain", lang): names[r.chain],
            t("col_target", lang): round(r.target_yi, 1),
            t("col_year", lang): int(r.target_year),
            t("col_p_sq", lang): format_p(base.p_reach),
            t("col_p_now", lang): format_p(r.p_reach),
            t("col_ci", lang): f"{100 * r.p_reach_lo:.1f}–{100 * r.p_reach_hi:.1f}",
            t("col_spread", lang): (f"{100 * r.p_reach_spread_lo:.0f}–{100 * r.p_reach_spread_hi:.0f}" if spread
                                    else "…"),
            t("col_p50_range", lang): f"{r.output_yi_p50:.1f} ({r.output_yi_p10:.1f}–{r.output_yi_p90:.1f})",
            t("col_year_reached", lang): _year_text(r.year_reached_p50, lang),
        })
    return pd.DataFrame(rows)


def saved_levers_table(saved: Sequence[Saved], lang: str) -> pd.DataFrame:
    """Lever values (with units) of each saved setting, one column per setting."""
    rows = []
    for name, spec in LEVERS.items():
        row = {t("col_lever", lang): lever_label(spec, lang)}
        for s in saved:
            row[s.name] = dict(s.levers)[name]
        rows.append(row)
    return pd.DataFrame(rows)


def saved_p_table(scenario: Scenario, saved: Sequence[Saved], summaries: Sequence[EnsembleSummary],
                  lang: str) -> pd.DataFrame:
    """P(reach) (%) of every chain target under each saved setting, side by side."""
    names = _chain_names(scenario, lang)
    first = summaries[0].targets
    out = pd.DataFrame({
        t("col_chain", lang): [names[c] for c in first["chain"]],
        t("col_target", lang): first["target_yi"].round(1),
        t("col_year", lang): first["target_year"].astype(int),
    })
    for s, summary in zip(saved, summaries):
        out[t("col_p_of", lang, name=s.name)] = [format_p(p) for p in summary.targets["p_reach"]]
    return out


def paired_diff_table(scenario: Scenario, first: str, others: Sequence[tuple[str, pd.DataFrame]],
                      lang: str) -> pd.DataFrame:
    """Paired differences of P(reach) against the first saved setting, in percentage
    points with their 95% intervals. ``others``: (name, ``Comparison.table``) pairs whose
    tables have columns chain, target_year, target_yi, p_reach_a, p_reach_b, diff,
    diff_lo, diff_hi (probabilities in [0, 1])."""
    names = _chain_names(scenario, lang)
    keys = [t("col_chain", lang), t("col_target", lang), t("col_year", lang)]
    out: pd.DataFrame | None = None
    order: list[tuple[str, int]] = []
    for name, table in others:
        if "missing_in" in table:
            table = table[table["missing_in"] == ""]
        order += [(c, int(y)) for c, y in zip(table["chain"], table["target_year"]) if (c, int(y)) not in order]
        part = pd.DataFrame({
            "_key": [(c, int(y)) for c, y in zip(table["chain"], table["target_year"])],
            keys[0]: [names.get(c, c) for c in table["chain"]],
            keys[1]: table["target_yi"].round(1).to_numpy(),
            keys[2]: table["target_year"].astype(int).to_numpy(),
            t("col_diff_of", lang, name=name, first=first): [
                f"{100 * d:+.1f}" if significant(lo, hi) else f"{100 * d:+.1f} {t('no_change', lang)}"
                for d, lo, hi in zip(table["diff"], table["diff_lo"], table["diff_hi"])],
            t("col_diff_ci_of", lang, name=name, first=first): [
                f"[{100 * lo:+.1f}, {100 * hi:+.1f}]" for lo, hi in zip(table["diff_lo"], table["diff_hi"])],
        })
        out = part if out is None else out.merge(part, on=["_key", *keys], how="outer", sort=False)
    if out is None:
        return pd.DataFrame()
    # rows in the order of the table above (the first setting's targets = the scenario's chain order)
    rank = {key: k for k, key in enumerate(order)}
    chain_rank = {c.id: k for k, c in enumerate(scenario.chains)}
    out = out.sort_values("_key", key=lambda col: [(chain_rank.get(c, 99), y, rank.get((c, y), 0)) for c, y in col])
    return out.drop(columns="_key").reset_index(drop=True)


def fit_view(fit: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``chainsim.calibrate.fit_table`` output as shown: unit, period, reported value,
    simulated mean and P5–P95 interval, ✓/✗ within, fitted or held out, and the quote
    with its source file."""
    figures = load_figures()
    rows = []
    for r in fit.itertuples(index=False):
        fig = figures.get(r.figure)
        rows.append({
            t("col_figure", lang): r.figure,
            t("col_statistic", lang): statistic_label(r.statistic, lang),
            t("col_unit", lang): r.unit if lang == "en" else CALIBRATION_UNITS_ZH.get(r.unit, r.unit),
            t("col_period", lang): r.period,
            t("col_reported", lang): _num(r.reported),
            t("col_sim_mean", lang): _num(r.simulated_mean),
            t("col_sim_interval", lang): f"[{_num(r.simulated_lo)}, {_num(r.simulated_hi)}]",
            t("col_within", lang): "✓" if bool(r.within) else "✗",
            t("col_role", lang): t("role_holdout" if bool(r.holdout) else "role_fit", lang),
            t("col_quote", lang): fig.quote if fig else "",
            t("col_source", lang): cite(fig.source) if fig else "",
        })
    return pd.DataFrame(rows)


STATISTICS_ZH = {
    "signed_count": "签约项目数", "signed_value_yi": "签约投资额", "started_count": "开工项目数",
    "started_value_yi": "开工投资额", "completed_count": "竣工项目数", "completed_value_yi": "竣工投资额",
    "output_yi": "产值", "signed_ge10_count": "10 亿元以上签约项目数", "signed_5to10_count": "5~10 亿元签约项目数",
}


CALIBRATION_UNITS_ZH = {"projects": "个", "亿元": "亿元", "亿元/year": "亿元/年"}


def statistic_label(statistic: str, lang: str) -> str:
    """A calibration statistic as shown: its Chinese name (and id) in Chinese."""
    if lang == "en" or statistic not in STATISTICS_ZH:
        return statistic
    return STATISTICS_ZH[statistic]


def _num(x: float) -> float:
    return float(np.round(float(x), 2))
