"""The control chart: a metric's batch medians over time with the centre line and ±3 sigma
limits, one stacked panel per metric (PCE, Voc, Jsc, FF), points outside the limits marked."""

from __future__ import annotations

from typing import Any

from . import palette
from ._common import axis, base_layout, empty_figure, figure, grid_domains, json_floats, safe_text

OUTSIDE = "#C00000"  # a flagged batch: red on every page (palette.TARGET is an orange)


def _hline(value: float, ids: tuple[str, str], n: int, dash: str, name: str) -> dict:
    """A horizontal reference line across every batch of the panel, hovered with its value."""
    return {
        "type": "scatter",
        "mode": "lines",
        "name": name,
        "x": list(range(n)),
        "y": [value] * n,
        "line": {"color": palette.REFERENCE, "width": 1.2, "dash": dash},
        "hovertemplate": f"{name}: %{{y}}<extra></extra>",
        "showlegend": False,
        "xaxis": ids[0],
        "yaxis": ids[1],
    }


def control_figure(series: dict[str, Any]) -> dict:
    """Stacked panels sharing one batch axis in time order.

    series: {"title", "batches": [code], "dates": [iso], "n": [int], "metrics": [{"key",
    "label", "unit", "values", "outside": [bool], "centre", "lower", "upper"}]}.
    """
    batches = [safe_text(b) for b in series.get("batches", [])]
    if not batches:
        return empty_figure("No batch has control devices", "Batch", "Median")
    metrics = series["metrics"]
    n = len(batches)
    x = list(range(n))
    hover_text = [
        f"{b} ({d or 'no date'}), n = {k}"
        for b, d, k in zip(batches, series["dates"], series["n"], strict=True)
    ]
    domains = grid_domains(len(metrics), 0.05)[::-1]
    layout = base_layout(showlegend=False, height=170 * len(metrics) + 120)
    layout["margin"] = {"l": 70, "r": 20, "t": 30, "b": 90}
    data: list[dict] = []
    color = palette.CONTROL
    for index, metric in enumerate(metrics):
        suffix = "" if index == 0 else str(index + 1)
        ids = (f"x{suffix}", f"y{suffix}")
        last = index == len(metrics) - 1
        layout[f"xaxis{suffix}"] = axis(
            "Batch (in time order)" if last else "",
            domain=[0, 1],
            anchor=ids[1],
            tickmode="array",
            tickvals=x,
            ticktext=batches if last else [""] * n,
            tickangle=-30 if n > 6 else 0,
            range=[-0.5, n - 0.5],
            **({"matches": "x"} if index else {}),
        )
        title = f"{metric['label']} ({metric['unit']})"
        layout[f"yaxis{suffix}"] = axis(title, domain=list(domains[index]), anchor=ids[0])
        outside = metric["outside"]
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": f"{metric['label']} batch median",
                "x": x,
                "y": json_floats(metric["values"]),
                "text": hover_text,
                "hovertemplate": f"%{{text}}<br>{metric['label']} median %{{y}} "
                f"{metric['unit']}<extra></extra>",
                "line": {"color": color, "width": 1.5},
                "marker": {
                    "color": [OUTSIDE if o else color for o in outside],
                    "size": [11 if o else 7 for o in outside],
                    "symbol": ["diamond" if o else "circle" for o in outside],
                },
                "xaxis": ids[0],
                "yaxis": ids[1],
            }
        )
        if metric.get("centre") is not None:
            data.append(_hline(metric["centre"], ids, n, "dash", "Centre line"))
            data.append(_hline(metric["lower"], ids, n, "dot", "Lower limit (−3σ)"))
            data.append(_hline(metric["upper"], ids, n, "dot", "Upper limit (+3σ)"))
    return figure(data, layout)
