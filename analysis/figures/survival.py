"""Kaplan-Meier survival of T80: the share of devices not yet below 80 %, one subplot per study.

Input panel: {"title": str, "note": str (e.g. the log-rank p-value), "groups": [{"name": str,
"hours": [...], "survival": [...] (fractions), "ci_low": [...], "ci_high": [...] (optional),
"censored_hours": [...], "censored_survival": [...] (optional), "n": int, "events": int,
"alive": int, "dead": int (optional)}]}, as compute.aging.t80_survival and the dashboards
hand it over. Curves are steps (the estimate changes only at an event); censored devices
(still on test, or no longer measured) are ticks on the curve, as survival plots draw them.
"""

from collections.abc import Sequence

import numpy as np

from . import palette
from ._common import (
    PanelGrid,
    band,
    base_layout,
    empty_figure,
    figure,
    floats,
    json_floats,
    panel_title,
    safe_text,
)

X_TITLE = "Time (h)"
Y_TITLE = "Devices above 80 % (%)"
MAX_COLUMNS = 3


def _percent(values) -> np.ndarray:
    return 100.0 * floats(values)


def _band(group: dict, name: str, color: str, ids) -> dict | None:
    """The 95 % confidence band, as a closed step polygon."""
    hours = floats(group.get("hours"))
    low, high = _percent(group.get("ci_low")), _percent(group.get("ci_high"))
    if not hours.size or low.size != hours.size or high.size != hours.size:
        return None
    keep = np.isfinite(low) & np.isfinite(high)
    h, low, high = hours[keep], low[keep], high[keep]
    # A step drawn by hand (the fill follows the points, not line.shape): each value holds
    # until the next time.
    step_h = np.repeat(h, 2)[1:]
    step_low, step_high = np.repeat(low, 2)[:-1], np.repeat(high, 2)[:-1]
    return band(
        f"{name}: 95 % CI",
        name,
        step_h,
        step_high,
        step_low,
        color,
        0.15,
        ids,
    )


def _summary(group: dict) -> str:
    parts = [f"n = {int(group.get('n', 0))}", f"T80 reached: {int(group.get('events', 0))}"]
    if group.get("dead"):
        parts.append(f"dead pixels: {int(group['dead'])}")
    if group.get("alive") is not None:
        parts.append(f"alive at the end: {int(group['alive'])} of {int(group.get('n', 0))}")
    return ", ".join(parts)


def _group_traces(group: dict, color: str, ids, legend: bool) -> list[dict]:
    name = safe_text(group.get("name", ""))
    summary = _summary(group)
    traces = []
    band = _band(group, name, color, ids)
    if band:
        traces.append(band)
    traces.append(
        {
            "type": "scatter",
            "mode": "lines",
            "name": name,
            "legendgroup": name,
            "showlegend": legend,
            "x": json_floats(group.get("hours")),
            "y": json_floats(_percent(group.get("survival"))),
            "line": {"color": color, "width": 2.5, "shape": "hv"},
            "hovertemplate": "%{x:.0f} h: %{y:.0f} % above 80 %<br>"
            f"{summary}<extra>{name}</extra>",
            "xaxis": ids[0],
            "yaxis": ids[1],
        }
    )
    censored = floats(group.get("censored_hours"))
    if censored.size:
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": f"{name}: censored",
                "legendgroup": name,
                "showlegend": False,
                "x": json_floats(censored),
                "y": json_floats(_percent(group.get("censored_survival"))),
                "marker": {"symbol": "line-ns-open", "size": 10, "color": color},
                "hovertemplate": "%{x:.0f} h: censored (still on test or no longer measured)"
                f"<extra>{name}</extra>",
                "xaxis": ids[0],
                "yaxis": ids[1],
            }
        )
    return traces


def survival_figure(panels: Sequence[dict]) -> dict:
    """Kaplan-Meier curves of T80 per group with 95 % bands and censoring ticks, per panel."""
    panels = [p for p in panels if p.get("groups")]
    if not panels:
        return empty_figure("No device has two scans yet", X_TITLE, Y_TITLE)
    grid = PanelGrid(len(panels), MAX_COLUMNS)
    colors = palette.colors_for(str(g["name"]) for p in panels for g in p["groups"])
    # A variant's stable colour, when the page gives one, as on every other page.
    colors.update(
        {str(g["name"]): g["color"] for p in panels for g in p["groups"] if g.get("color")}
    )
    layout = base_layout(
        height=380 * grid.rows,
        legend={"orientation": "v", "x": 1.02, "y": 1, "yanchor": "top"},
        annotations=[],
    )
    data: list[dict] = []
    in_legend: set[str] = set()
    for index, panel in enumerate(panels):
        ids, x_domain, y_domain = grid.place(layout, index, X_TITLE, Y_TITLE, range=[0, 105])
        for group in panel["groups"]:
            name = str(group["name"])
            data += _group_traces(group, colors[name], ids, name not in in_legend)
            in_legend.add(name)
        text = f"<b>{safe_text(panel.get('title', ''))}</b>"
        if panel.get("note"):
            text += f"<br>{safe_text(panel['note'])}"
        layout["annotations"].append(panel_title(text, x_domain, y_domain))
    return figure(data, layout)
