"""Charts of the decision pages; every axis names its unit.

Core objects: ``p_reach_bars`` (P(reach) per chain, status quo against a setting, %),
``discovery_scatter`` (two conditions of a PRIM box, runs that meet the target and those
that do not, and the box) and ``robustness_bars`` (expected targets met and the worst
decile's mean per policy).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .charts import PALETTE
from .i18n import t


def _layout(fig: go.Figure, height: int = 380) -> go.Figure:
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0})
    return fig


def p_reach_bars(names: Sequence[str], p_sq: Sequence[float], p_new: Sequence[float],
                 lo: Sequence[float], hi: Sequence[float], lang: str) -> go.Figure:
    """Grouped bars of P(reach) (%) per chain: status quo and the setting (with its 95% interval)."""
    new = 100 * np.asarray(p_new, dtype=float)
    fig = go.Figure()
    fig.add_trace(go.Bar(x=list(names), y=100 * np.asarray(p_sq, dtype=float), name=t("legend_sq", lang),
                         marker_color="#9e9e9e", hovertemplate="%{y:.1f}%<extra></extra>"))
    fig.add_trace(go.Bar(x=list(names), y=new, name=t("legend_setting", lang), marker_color=PALETTE[0],
                         error_y={"type": "data", "symmetric": False,
                                  "array": 100 * np.asarray(hi, dtype=float) - new,
                                  "arrayminus": new - 100 * np.asarray(lo, dtype=float)},
                         hovertemplate="%{y:.1f}%<extra></extra>"))
    fig.update_layout(barmode="group", title=t("opt_chart_title", lang), yaxis_title=t("axis_p_reach", lang),
                      yaxis={"range": [0, 105]})
    return _layout(fig)


def discovery_scatter(data: pd.DataFrame, x: str, y: str, x_label: str, y_label: str,
                      box: dict[str, tuple[float, float]], lang: str, max_points: int = 3000) -> go.Figure:
    """Runs on two conditions (``x``, ``y`` columns of the discovery data), coloured by
    whether the target was met, with the box's limits as a dashed rectangle."""
    shown = data if len(data) <= max_points else data.iloc[np.linspace(0, len(data) - 1, max_points).astype(int)]
    fig = go.Figure()
    for met, colour, key in ((False, "#b0b0b0", "legend_not_met"), (True, "#2ca02c", "legend_met")):
        part = shown[shown["reached"] == met]
        fig.add_trace(go.Scattergl(x=part[x], y=part[y], mode="markers", name=t(key, lang),
                                   marker={"color": colour, "size": 5, "opacity": 0.6},
                                   hovertemplate="%{x:.3g}, %{y:.3g}<extra></extra>"))
    x0, x1 = box.get(x, (float(data[x].min()), float(data[x].max())))
    y0, y1 = box.get(y, (float(data[y].min()), float(data[y].max())))
    fig.add_shape(type="rect", x0=x0, x1=x1, y0=y0, y1=y1, line={"color": "#333333", "dash": "dash", "width": 2})
    fig.update_layout(xaxis_title=x_label, yaxis_title=y_label)
    return _layout(fig, 420)


def robustness_bars(names: Sequence[str], expected: Sequence[float], lo: Sequence[float], hi: Sequence[float],
                    worst: Sequence[float], lang: str) -> go.Figure:
    """Per policy: expected targets met (with its 95% interval) and the worst decile's mean."""
    e = np.asarray(expected, dtype=float)
    fig = go.Figure()
    fig.add_trace(go.Bar(x=list(names), y=e, name=t("legend_expected", lang), marker_color=PALETTE[0],
                         error_y={"type": "data", "symmetric": False, "array": np.asarray(hi) - e,
                                  "arrayminus": e - np.asarray(lo)},
                         hovertemplate="%{y:.2f}<extra></extra>"))
    fig.add_trace(go.Bar(x=list(names), y=list(worst), name=t("legend_worst", lang), marker_color=PALETTE[1],
                         hovertemplate="%{y:.2f}<extra></extra>"))
    fig.update_layout(barmode="group", title=t("rob_chart_title", lang), yaxis_title=t("axis_targets_met", lang))
    return _layout(fig)
