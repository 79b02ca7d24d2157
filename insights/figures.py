"""Plotly figures of the Insights page, as plain dicts (as ``analysis.figures`` builds them)."""

from __future__ import annotations

from typing import Any

import numpy as np

from analysis.figures import palette
from analysis.figures._common import (
    axis,
    band,
    base_layout,
    empty_figure,
    figure,
    grid_domains,
    json_floats,
    safe_text,
)

from .reports import LEVEL_WORDS


def _label(name: str, unit: str) -> str:
    return safe_text(f"{name} ({unit})" if unit else name)


def variance_figure(report: dict[str, Any]) -> dict:
    components = report["components"]
    if not components:
        return empty_figure("not fitted: too few devices", "share of variance (%)", "")
    names = [safe_text(LEVEL_WORDS[c["level"]]) for c in components][::-1]
    shares = [100 * c["share"] for c in components][::-1]
    low = [100 * (c["share"] - c["ci_low"]) for c in components][::-1]
    high = [100 * (c["ci_high"] - c["share"]) for c in components][::-1]
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": json_floats(shares),
        "y": names,
        "marker": {"color": palette.CONTROL},
        "error_x": {
            "type": "data",
            "array": json_floats(high),
            "arrayminus": json_floats(low),
            "color": "#444",
        },
        "hovertemplate": "%{y}: %{x:.1f} %<extra></extra>",
        "name": "share",
    }
    layout = base_layout(
        xaxis=axis("share of variance (%, 95 % interval)", rangemode="tozero"),
        yaxis=axis("", automargin=True),
        height=320,
        showlegend=False,
    )
    return figure([trace], layout)


def importance_figure(report: dict[str, Any]) -> dict:
    parameters = report["parameters"][:15]
    if not parameters:
        return empty_figure(report["summary"][:80], "importance", "")
    rows = parameters[::-1]
    colours = [palette.CONTROL if p["stands_out"] else palette.EXCLUDED for p in rows]
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": json_floats([p["importance"] for p in rows]),
        "y": [_label(p["name"], p["unit"]) for p in rows],
        "marker": {"color": colours},
        "error_x": {
            "type": "data",
            "array": json_floats([p["ci_high"] - p["importance"] for p in rows]),
            "arrayminus": json_floats([p["importance"] - p["ci_low"] for p in rows]),
            "color": "#444",
        },
        "hovertemplate": "%{y}: %{x:.3f}<extra></extra>",
        "name": "importance",
    }
    layout = base_layout(
        xaxis=axis("rise of held-out error / variance (interval: Bonferroni 95 %)"),
        yaxis=axis(""),
        height=max(300, 28 * len(rows) + 120),
        showlegend=False,
    )
    return figure([trace], layout)


def partial_dependence_figure(report: dict[str, Any]) -> dict:
    curves = report["curves"]
    metric = report["metric_label"]
    if not curves:
        return empty_figure(report["summary"][:80], "parameter", metric)
    columns = 2 if len(curves) > 1 else 1
    rows = (len(curves) + columns - 1) // columns
    x_domains = grid_domains(columns, 0.12)
    y_domains = grid_domains(rows, 0.18)[::-1]
    data, layout = [], base_layout(height=320 * rows, showlegend=False)
    for i, curve in enumerate(curves):
        k = i + 1
        suffix = "" if k == 1 else str(k)
        colour = (palette.CONTROL, *palette.OTHERS)[i % (1 + len(palette.OTHERS))]
        title = _label(curve["parameter"], curve["unit"])
        if curve["categorical"]:
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": [safe_text(v) for v in curve["x"]],
                    "y": json_floats(curve["mean"]),
                    "error_y": {
                        "type": "data",
                        "array": json_floats(np.subtract(curve["high"], curve["mean"])),
                        "arrayminus": json_floats(np.subtract(curve["mean"], curve["low"])),
                    },
                    "marker": {"size": 10, "color": colour},
                    "xaxis": f"x{suffix}",
                    "yaxis": f"y{suffix}",
                    "name": title,
                }
            )
        else:
            ids = (f"x{suffix}", f"y{suffix}")
            data.append(
                band(title, title, curve["x"], curve["high"], curve["low"], colour, 0.18, ids)
            )
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": json_floats(curve["x"]),
                    "y": json_floats(curve["mean"]),
                    "line": {"color": colour, "width": 2.5},
                    "xaxis": f"x{suffix}",
                    "yaxis": f"y{suffix}",
                    "name": title,
                }
            )
        row, col = divmod(i, columns)
        layout[f"xaxis{suffix}"] = axis(title, domain=list(x_domains[col]), anchor=f"y{suffix}")
        layout[f"yaxis{suffix}"] = axis(
            f"predicted {metric}", domain=list(y_domains[row]), anchor=f"x{suffix}"
        )
    return figure(data, layout)


def planned_figure(rows: list[dict[str, Any]], label: str) -> dict:
    measured = [r for r in rows if r["measured"] is not None]
    if not measured:
        return empty_figure("no planned variant measured yet", f"predicted {label}", "measured")
    predicted = [r["predicted_mean"] for r in measured]
    values = [r["measured"] for r in measured]
    low, high = min(predicted + values), max(predicted + values)
    pad = 0.05 * (high - low or 1.0)
    identity = {
        "type": "scatter",
        "mode": "lines",
        "x": json_floats([low - pad, high + pad]),
        "y": json_floats([low - pad, high + pad]),
        "line": {"color": palette.EXCLUDED, "dash": "dash"},
        "name": "measured = predicted",
        "hoverinfo": "skip",
    }
    points = {
        "type": "scatter",
        "mode": "markers",
        "x": json_floats(predicted),
        "y": json_floats(values),
        "error_x": {"type": "data", "array": json_floats([r["predicted_sd"] for r in measured])},
        "text": [safe_text(f"{r['round']} #{r['index']} ({r['variant']})") for r in measured],
        "hovertemplate": "%{text}<br>predicted %{x:.3g}, measured %{y:.3g}<extra></extra>",
        "marker": {"size": 10, "color": palette.CONTROL},
        "name": "planned variants (± 1 sd predicted)",
    }
    layout = base_layout(
        xaxis=axis(f"predicted {label}"), yaxis=axis(f"measured {label}"), height=420
    )
    return figure([identity, points], layout)
