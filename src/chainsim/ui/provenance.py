"""Where every number comes from, as tables: reported (quote and source file),
calibrated (interval) or assumed (flagged ⚠).

Core objects: ``chain_provenance`` (each chain's base output, targets and output
intensity), ``lever_provenance`` (the policy as loaded) and ``parameter_provenance``
(every catalogue parameter: the scenario's setting or the catalogue default).
"""

from __future__ import annotations

import pandas as pd

from ..catalogue import LEVERS, PARAMETERS
from ..figures import load_figures
from ..scenario import ParameterSetting, Scenario
from .i18n import chain_name, lever_label, provenance_label, t


def _cite(figure: str | None) -> tuple[str, str]:
    """(quote, source file) of a reported figure, or empty strings."""
    if not figure:
        return "", ""
    fig = load_figures().get(figure)
    return (fig.quote, fig.source) if fig else ("", "")


def _row(lang: str, item: str, value: str, unit: str, provenance: str, figure: str | None, note: str = "",
         origin: str | None = None, interval: tuple[float, float] | None = None) -> dict[str, str]:
    quote, source = _cite(figure)
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
    }
    if origin is not None:
        row[t("col_origin", lang)] = origin
    return row


def chain_provenance(scenario: Scenario, lang: str) -> pd.DataFrame:
    """Each chain's base output and targets (亿元/year), and its output intensity where
    the scenario sets one, with provenance."""
    rows = []
    for c in scenario.chains:
        name = chain_name(c, lang)
        b = c.base_output
        rows.append(_row(lang, t("item_base", lang, name=name), f"{b.value_yi:g}", "亿元/年", b.provenance,
                         b.figure, b.note, interval=b.interval))
        for target in c.targets:
            rows.append(_row(lang, t("item_target", lang, name=name, year=target.year), f"{target.value_yi:g}",
                             "亿元/年", target.provenance, target.figure))
        if c.output_intensity is not None:
            oi = c.output_intensity
            rows.append(_row(lang, t("item_intensity", lang, name=name), f"{oi.value:g}", "亿元/年 per 亿元",
                             oi.provenance, oi.figure, oi.note, interval=oi.interval))
    return pd.DataFrame(rows)


def lever_provenance(scenario: Scenario, lang: str) -> pd.DataFrame:
    """The policy as loaded: each lever's base value (and schedule or per-chain values,
    if any), who set it, and the catalogue's provenance and figure."""
    rows = []
    for name, spec in LEVERS.items():
        setting = scenario.policy.levers.get(name)
        value = f"{spec.default:g}" if setting is None else f"{setting.value:g}"
        if setting is not None and setting.schedule:
            value += "; " + ", ".join(f"{s.from_}→{s.value:g}" for s in setting.schedule)
        if setting is not None and setting.by_chain:
            value += "; " + ", ".join(f"{c}={v:g}" for c, v in setting.by_chain.items())
        origin = t("origin_catalogue" if setting is None else "origin_scenario", lang)
        note = setting.note if setting is not None and setting.note else spec.description
        rows.append(_row(lang, lever_label(spec, lang), value, spec.unit, spec.provenance, spec.figure, note,
                         origin=origin))
    return pd.DataFrame(rows)


def describe_setting(setting: ParameterSetting) -> str:
    """A parameter setting as text: the value, or the distribution and its bounds."""
    if setting.dist == "fixed":
        return f"{setting.value:g}"
    if setting.dist in ("uniform", "loguniform"):
        return f"{setting.dist}({setting.low:g}, {setting.high:g})"
    if setting.dist == "triangular":
        return f"triangular({setting.low:g}, {setting.mode:g}, {setting.high:g})"
    return f"{setting.dist}({setting.value:g}, sd {setting.sd:g})"


def parameter_provenance(scenario: Scenario, lang: str) -> pd.DataFrame:
    """Every model parameter: the scenario's setting if it has one, else the catalogue
    default, with unit, provenance (assumed flagged ⚠) and, for reported ones, the quote."""
    rows = []
    for name, spec in PARAMETERS.items():
        setting = scenario.parameters.get(name)
        if setting is None:
            rows.append(_row(lang, name, f"{spec.default:g}", spec.unit, spec.provenance, spec.figure,
                             spec.description, origin=t("origin_catalogue", lang)))
        else:
            rows.append(_row(lang, name, describe_setting(setting), spec.unit, setting.provenance,
                             setting.figure or spec.figure, setting.note or spec.description,
                             origin=t("origin_scenario", lang), interval=setting.interval))
    return pd.DataFrame(rows)
