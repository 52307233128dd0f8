"""Where every number comes from, as tables: reported (quote and source file),
calibrated (interval) or assumed (flagged ⚠).

Core objects: ``chain_provenance`` (each chain's base output, targets and output
intensity), ``lever_provenance`` (the policy as loaded) and ``parameter_provenance``
(every catalogue parameter: the scenario's setting or the catalogue default).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..catalogue import LEVERS, PARAMETERS
from ..figures import load_figures
from ..scenario import ParameterSetting, Scenario
from ..schema import base_output_name
from ..report import applied_lever_value, lever_schedule_text
from ..sources import cite
from .i18n import (chain_name, lever_description, lever_label, parameter_description, parameter_name,
                   provenance_label, t, unit_label)


def _cite(figure: str | None, scenario: Scenario | None = None) -> tuple[str, str]:
    """(quote, source: outlet《title》date) of a reported figure, or empty strings; another
    county's figure is not quoted in this county's scenario."""
    if not figure:
        return "", ""
    fig = load_figures().get(figure)
    if fig is None:
        return "", ""
    if scenario is not None:
        from .widgets import shown_figure

        if shown_figure(figure, scenario) is None:
            return "", ""
    return fig.quote, cite(fig.source)


def _row(lang: str, scenario: Scenario, item: str, value: str, unit: str, provenance: str, figure: str | None, note: str = "",
         origin: str | None = None, interval: tuple[float, float] | None = None,
         scenario_note: str = "") -> dict[str, str]:
    quote, source = _cite(figure, scenario)
    if not quote:
        figure = None  # not quoted here: another county's figure
    if interval is not None:
        value = f"{value} [{interval[0]:g}, {interval[1]:g}]"
    row = {
        t("col_item", lang): item,
        t("col_value", lang): value,
        t("col_unit", lang): unit,
        t("col_provenance", lang): provenance_label(provenance, lang),
        t("col_figure", lang): figure or "",
        t("col_quote", lang): quote,
        t("col_source", lang): source,
        t("col_note", lang): note,
        t("col_scenario_note", lang): scenario_note,
    }
    if origin is not None:
        row[t("col_origin", lang)] = origin
    return row


def chain_provenance(scenario: Scenario, lang: str) -> pd.DataFrame:
    """Each chain's base output and targets (亿元/year), and its output intensity where
    the scenario sets one, with provenance."""
    rows = []
    post = scenario.posterior
    for c in scenario.chains:
        name = chain_name(c, lang)
        b = c.base_output
        column = base_output_name(c.id)
        if post is not None and column in post.parameters:
            # drawn from the calibration posterior in every run: its median and 90% interval
            lo, mid, hi = np.quantile(post.column(column), [0.05, 0.5, 0.95])
            rows.append(_row(lang, scenario, t("item_base", lang, name=name), f"{mid:.3g}", "亿元/年", "calibrated",
                             b.figure, t("base_prior_note", lang, prior=f"{b.value_yi:g}"),
                             interval=(float(f"{lo:.3g}"), float(f"{hi:.3g}")), scenario_note=b.note))
            continue
        rows.append(_row(lang, scenario, t("item_base", lang, name=name), f"{b.value_yi:g}", "亿元/年", b.provenance,
                         b.figure, interval=b.interval, scenario_note=b.note))
        for target in c.targets:
            rows.append(_row(lang, scenario, t("item_target", lang, name=name, year=target.year), f"{target.value_yi:g}",
                             "亿元/年", target.provenance, target.figure))
        if c.output_intensity is not None:
            oi = c.output_intensity
            rows.append(_row(lang, scenario, t("item_intensity", lang, name=name), f"{oi.value:g}",
                             unit_label("亿元/年 per 亿元", lang),
                             oi.provenance, oi.figure, interval=oi.interval, scenario_note=oi.note))
    return pd.DataFrame(rows)


def lever_provenance(scenario: Scenario, lang: str) -> pd.DataFrame:
    """The policy as loaded: each lever's base value (and schedule or per-chain values,
    if any), who set it, and the catalogue's provenance and figure."""
    rows = []
    for name, spec in LEVERS.items():
        setting = scenario.policy.levers.get(name)
        value = f"{applied_lever_value(scenario, name):g}"
        schedule = lever_schedule_text(scenario, name, lang)
        if schedule:
            value += f" ({schedule})"
        origin = t("origin_catalogue" if setting is None else "origin_scenario", lang)
        rows.append(_row(lang, scenario, lever_label(spec, lang), value, unit_label(spec.unit, lang), spec.provenance,
                         spec.figure, lever_description(spec, lang), origin=origin,
                         scenario_note=setting.note if setting is not None else ""))
    return pd.DataFrame(rows)


DIST_ZH = {"uniform": "均匀分布", "loguniform": "对数均匀分布", "triangular": "三角分布", "normal": "正态分布",
           "lognormal": "对数正态分布"}


def describe_setting(setting: ParameterSetting, lang: str = "en") -> str:
    """A parameter setting as text: the value, or the distribution and its bounds."""
    dist = setting.dist if lang == "en" else DIST_ZH.get(setting.dist, setting.dist)
    if setting.dist == "fixed":
        return f"{setting.value:g}"
    if setting.dist in ("uniform", "loguniform"):
        return f"{dist}({setting.low:g}, {setting.high:g})"
    if setting.dist == "triangular":
        return f"{dist}({setting.low:g}, {setting.mode:g}, {setting.high:g})"
    sd = "sd" if lang == "en" else "标准差"
    return f"{dist}({setting.value:g}, {sd} {setting.sd:g})"


def parameter_provenance(scenario: Scenario, lang: str) -> pd.DataFrame:
    """Every model parameter: the scenario's setting if it has one, else the catalogue
    default, with unit, provenance (assumed flagged ⚠) and, for reported ones, the quote."""
    rows = []
    for name, spec in PARAMETERS.items():
        setting = scenario.parameters.get(name)
        label = parameter_name(name, lang)
        unit = unit_label(spec.unit, lang)
        description = parameter_description(name, spec.description, lang)
        if setting is None:
            row = _row(lang, scenario, label, f"{spec.default:g}", unit, spec.provenance, spec.figure,
                       description, origin=t("origin_catalogue", lang))
        else:
            row = _row(lang, scenario, label, describe_setting(setting, lang), unit, setting.provenance,
                       setting.figure or spec.figure, description,
                       origin=t("origin_scenario", lang), interval=setting.interval, scenario_note=setting.note)
        rows.append({t("col_id", lang): name, **row})
    return pd.DataFrame(rows)
