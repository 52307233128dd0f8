"""Plotly charts of ensemble results; every axis names its unit (output in 亿元/year).

Core objects: ``fan_chart`` (one chain's monthly output bands P5–P95 and P25–P75, the
median, the status-quo median and the target), ``overlay_chart`` (several saved settings'
bands on one chart) and ``years_reached_chart`` (distribution of the year a target is
first reached). Inputs are ``EnsembleSummary.bands`` / ``.years_reached`` rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from .i18n import t

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
"""Line colours of the current setting / saved settings, in order."""

_TARGET_COLOUR = "#444444"

PLOTLY_CONFIG = {"displaylogo": False, "locale": "zh-CN"}
"""Chart options: no plotly logo; dates never spelled as English month names (the axes
use numeric formats, see ``_layout``)."""


def _month_dates(months: pd.Series) -> pd.Series:
    """YYYY-MM labels as the middle of each month (plotly's date axis)."""
    return pd.to_datetime(months + "-15")


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _band(fig: go.Figure, x: pd.Series, lo: pd.Series, hi: pd.Series, colour: str, alpha: float, name: str,
          group: str) -> None:
    """A filled band; its hover shows both edges (lower – upper, 亿元/年)."""
    fig.add_trace(go.Scatter(x=x, y=hi, mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip",
                             legendgroup=group))
    fig.add_trace(go.Scatter(x=x, y=lo, customdata=hi.to_numpy(), mode="lines", line={"width": 0}, fill="tonexty",
                             fillcolor=_rgba(colour, alpha), name=name, legendgroup=group,
                             hovertemplate="%{y:.1f} – %{customdata:.1f} 亿元/年<extra>" + name + "</extra>"))


def _target(fig: go.Figure, target_yi: float, target_year: int, lang: str) -> None:
    fig.add_hline(y=target_yi, line={"color": _TARGET_COLOUR, "dash": "dash", "width": 1},
                  annotation_text=t("target_line", lang, target=target_yi), annotation_position="top left")
    fig.add_trace(go.Scatter(x=[pd.Timestamp(f"{target_year}-07-01")], y=[target_yi], mode="markers",
                             marker={"symbol": "star", "size": 14, "color": _TARGET_COLOUR},
                             name=t("target_point", lang, year=target_year),
                             hovertemplate="%{y:.1f} 亿元/年<extra></extra>"))


def y_range(bands: pd.DataFrame, target_yi: float, target_year: int) -> list[float]:
    """The y axis around the target: up to 1.6 × the target, or the P95 up to the end of
    the target year if that is higher (not the P95 of the horizon's last month, which
    squashes the target line)."""
    upto = bands[bands["month"] <= f"{target_year}-12"]
    top = float(upto["output_yi_p95"].max()) if len(upto) else 0.0
    return [0.0, 1.05 * max(1.6 * target_yi, top)]


def _layout(fig: go.Figure, lang: str, height: int, yrange: list[float] | None = None) -> go.Figure:
    fig.update_layout(
        height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis_title=t("axis_month", lang), yaxis_title=t("axis_output", lang),
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
        hovermode="x unified", yaxis={"rangemode": "tozero"},
        # numeric dates only: no English month names in Chinese mode
        xaxis={"tickformat": "%Y" if lang != "en" else None, "hoverformat": "%Y-%m" if lang != "en" else "%b %Y"},
    )
    if yrange is not None:
        fig.update_yaxes(range=yrange)
    return fig


def fan_chart(bands: pd.DataFrame, target_yi: float, target_year: int, lang: str,
              status_quo: pd.DataFrame | None = None, height: int = 360) -> go.Figure:
    """One chain's fan chart: P5–P95 and P25–P75 bands and the median of the current
    setting, the status-quo median (dotted), and the target (亿元/year, dashed line and
    a star at the target year). ``bands``: that chain's rows of ``EnsembleSummary.bands``."""
    x = _month_dates(bands["month"])
    colour = PALETTE[0]
    fig = go.Figure()
    _band(fig, x, bands["output_yi_p5"], bands["output_yi_p95"], colour, 0.15, t("band_90", lang), "p90")
    _band(fig, x, bands["output_yi_p25"], bands["output_yi_p75"], colour, 0.30, t("band_50", lang), "p50")
    fig.add_trace(go.Scatter(x=x, y=bands["output_yi_p50"], mode="lines", line={"color": colour, "width": 2},
                             name=t("median", lang), hovertemplate="%{y:.1f} 亿元/年"))
    if status_quo is not None:
        fig.add_trace(go.Scatter(x=_month_dates(status_quo["month"]), y=status_quo["output_yi_p50"], mode="lines",
                                 line={"color": "#7f7f7f", "width": 2, "dash": "dot"}, name=t("median_sq", lang),
                                 hovertemplate="%{y:.1f} 亿元/年"))
    _target(fig, target_yi, target_year, lang)
    return _layout(fig, lang, height, y_range(bands, target_yi, target_year))


def overlay_chart(series: Sequence[tuple[str, pd.DataFrame]], target_yi: float, target_year: int, lang: str,
                  height: int = 420) -> go.Figure:
    """Several settings' P25–P75 bands and medians for one chain on one chart
    (亿元/year). ``series``: (name, that chain's rows of ``EnsembleSummary.bands``)."""
    fig = go.Figure()
    for k, (name, bands) in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        x = _month_dates(bands["month"])
        _band(fig, x, bands["output_yi_p25"], bands["output_yi_p75"], colour, 0.18,
              t("overlay_band", lang, name=name), f"s{k}")
        fig.add_trace(go.Scatter(x=x, y=bands["output_yi_p50"], mode="lines", line={"color": colour, "width": 2},
                                 name=t("overlay_median", lang, name=name), legendgroup=f"s{k}",
                                 hovertemplate="%{y:.1f} 亿元/年"))
    _target(fig, target_yi, target_year, lang)
    yr = [0.0, max(y_range(b, target_yi, target_year)[1] for _, b in series)] if series else None
    return _layout(fig, lang, height, yr)


def years_reached_chart(rows: pd.DataFrame, lang: str, height: int = 220) -> go.Figure:
    """Bar chart of the share of replicates first reaching a target in each year (%);
    year 0 in ``EnsembleSummary.years_reached`` is shown as "not by the horizon"."""
    labels = [t("never", lang) if y == 0 else str(y) for y in rows["year"]]
    fig = go.Figure(go.Bar(x=labels, y=rows["probability"] * 100, marker_color=PALETTE[0],
                           hovertemplate="%{x}: %{y:.1f}%<extra></extra>"))
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      xaxis_title=t("axis_year", lang), yaxis_title=t("axis_share", lang),
                      xaxis={"type": "category"}, yaxis={"range": [0, 100]})
    return fig


def search_chart(history: pd.DataFrame, prob: float, value: float | None, lever_label: str, lang: str,
                 height: int = 300) -> go.Figure:
    """The what-it-takes search: P(reach) (%) at every lever value evaluated, the required
    probability (dashed) and the answer (vertical line). ``history``: columns value,
    p_reach (``WhatItTakes.history``); the x axis is the lever in its unit."""
    h = history.sort_values("value")
    fig = go.Figure(go.Scatter(x=h["value"], y=100 * h["p_reach"], mode="lines+markers",
                               line={"color": PALETTE[0]}, name=t("axis_p", lang),
                               hovertemplate="%{x:.3g}: %{y:.1f}%<extra></extra>"))
    fig.add_hline(y=100 * prob, line={"color": _TARGET_COLOUR, "dash": "dash", "width": 1},
                  annotation_text=f"{100 * prob:.0f}%", annotation_position="top left")
    if value is not None:
        fig.add_vline(x=value, line={"color": PALETTE[1], "width": 2})
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 20, "b": 10}, xaxis_title=lever_label,
                      yaxis_title=t("axis_p", lang), yaxis={"range": [0, 100]}, showlegend=False)
    return fig
