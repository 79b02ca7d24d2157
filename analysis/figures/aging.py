"""Stability (aging) figure: normalised metric vs time, one subplot per storage condition.

Input panel: {"title": str, "variants": [{"name": str, "hours": [...], "mean": [...],
"std": [...] (optional), "devices": [{"code", "url", "hours", "values"}] (optional),
"t80_h": float | None, "t80_reference": str (optional, e.g. "first point"), "color": str
(optional: the variant's stable colour)}]}.
`mean`, `std` and device `values` are already normalised, in percent of the reference value.
"""

from collections.abc import Sequence

import numpy as np

from . import palette
from ._common import (
    PanelGrid,
    aligned,
    band,
    base_layout,
    empty_figure,
    figure,
    floats,
    json_floats,
    panel_title,
    safe_text,
)

METRIC_LABELS = {"pce": "PCE", "voc": "V<sub>OC</sub>", "jsc": "J<sub>SC</sub>", "ff": "FF"}
T80_LEVEL = 80.0
X_TITLE = "Time (h)"
MAX_COLUMNS = 3


def _sorted_by_hours(hours: np.ndarray, *arrays: np.ndarray) -> list[np.ndarray]:
    # The ±std band is a closed polygon: out-of-order hours would fold it over itself.
    order = np.argsort(hours, kind="stable")
    return [hours[order], *(a[order] for a in arrays)]


def _band_trace(
    name: str, hours: np.ndarray, mean: np.ndarray, std: np.ndarray, color: str, ids
) -> dict:
    std = np.where(np.isfinite(std), std, 0.0)  # a time point with one device has no spread
    keep = np.isfinite(mean) & np.isfinite(hours)
    h, upper, lower = hours[keep], (mean + std)[keep], (mean - std)[keep]
    return band(f"{name} ± std", name, h, upper, lower, color, 0.18, ids)


def _devices_trace(devices: Sequence[dict], name: str, color: str, ids, legend: bool) -> dict:
    """All devices of a variant in one trace, separated by gaps: far cheaper than one each."""
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    codes: list[str] = []
    urls: list[str] = []
    gap = np.full(1, np.nan)  # becomes null: plotly breaks the line there
    for device in devices:
        hours, values = _sorted_by_hours(*aligned(device, "hours", "values"))
        xs += [hours, gap]
        ys += [values, gap]
        codes += [safe_text(device.get("code", ""))] * (hours.size + 1)
        urls += [str(device.get("url", ""))] * (hours.size + 1)
    # One rounding pass over every device's points, not two per device.
    x = json_floats(np.concatenate(xs)) if xs else []
    y = json_floats(np.concatenate(ys)) if ys else []
    return {
        "type": "scatter",
        "mode": "lines",
        "name": f"{name}: devices",
        "legendgroup": f"{name}::devices",
        "showlegend": legend,
        # Hidden until asked for: 30 device lines would bury the mean.
        "visible": "legendonly",
        "x": x,
        "y": y,
        "text": codes,
        "customdata": urls,
        "line": {"color": color, "width": 0.8},
        "opacity": 0.5,
        "hovertemplate": "<b>%{text}</b><br>%{x:.0f} h: %{y:.1f} %<extra></extra>",
        "xaxis": ids[0],
        "yaxis": ids[1],
    }


def _t80_trace(variant: dict, color: str, ids) -> dict | None:
    t80 = variant.get("t80_h")
    if t80 is None or not np.isfinite(t80):
        return None
    reference = variant.get("t80_reference")
    note = f" (reference: {safe_text(reference)})" if reference else ""
    return {
        "type": "scatter",
        "mode": "markers",
        "name": safe_text(variant["name"]),
        "legendgroup": safe_text(variant["name"]),
        "showlegend": False,
        "x": json_floats([t80]),
        "y": [T80_LEVEL],
        "hovertext": [f"T<sub>80</sub> = {t80:.0f} h{note}"],
        "hovertemplate": "%{hovertext}<extra>%{fullData.name}</extra>",
        "marker": {
            "symbol": "diamond",
            "size": 12,
            "color": color,
            "line": {"color": "#222", "width": 1},
        },
        "xaxis": ids[0],
        "yaxis": ids[1],
    }


def _variant_traces(variant: dict, color: str, ids, legend: bool, label: str) -> list[dict]:
    name = safe_text(variant["name"])
    hours = floats(variant["hours"])
    mean = floats(variant["mean"])
    std = (
        floats(variant.get("std"))
        if variant.get("std") is not None
        else np.full(hours.size, np.nan)
    )
    hours, mean, std = _sorted_by_hours(hours, mean, std)
    traces = []
    spread = ""
    if np.isfinite(std).any():
        traces.append(_band_trace(name, hours, mean, std, color, ids))
        spread = " ± %{customdata:.1f}"
    traces.append(
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": name,
            "legendgroup": name,
            "showlegend": legend,
            "x": json_floats(hours),
            "y": json_floats(mean),
            "customdata": json_floats(std),
            "hovertemplate": f"%{{x:.0f}} h<br>{label}: %{{y:.1f}}{spread} %"
            "<extra>%{fullData.name}</extra>",
            "line": {"color": color, "width": 2.5},
            "marker": {"color": color, "size": 6},
            "xaxis": ids[0],
            "yaxis": ids[1],
        }
    )
    if variant.get("devices"):
        traces.append(_devices_trace(variant["devices"], name, color, ids, legend))
    t80 = _t80_trace(variant, color, ids)
    return traces + ([t80] if t80 else [])


def _reference_line(ids) -> tuple[dict, dict]:
    """The 80 % line spans the whole subplot whatever the data range ("x domain" reference)."""
    x_domain = f"{ids[0]} domain"
    line = {
        "type": "line",
        "xref": x_domain,
        "x0": 0,
        "x1": 1,
        "yref": ids[1],
        "y0": T80_LEVEL,
        "y1": T80_LEVEL,
        "line": {"color": palette.REFERENCE, "width": 1.2, "dash": "dash"},
        # Above the gridlines: drawn below, the 80 % gridline hid it exactly.
        "layer": "above",
    }
    note = {
        "text": "80 %",
        "xref": x_domain,
        "x": 1,
        "xanchor": "right",
        "yref": ids[1],
        "y": T80_LEVEL,
        "yanchor": "top",
        "showarrow": False,
        "font": {"size": 11, "color": palette.REFERENCE},
    }
    return line, note


def aging_figure(panels: Sequence[dict], metric: str = "pce") -> dict:
    """Normalised `metric` ("pce", "voc", "jsc" or "ff") vs hours: mean ± std, devices, T80."""
    label = METRIC_LABELS[metric]
    y_title = f"Normalised {label} (%)"
    if not panels:
        return empty_figure("No aging series selected", X_TITLE, y_title)
    grid = PanelGrid(len(panels), MAX_COLUMNS)
    colors = palette.colors_for(str(v["name"]) for p in panels for v in p["variants"])
    colors.update(
        {str(v["name"]): v["color"] for p in panels for v in p["variants"] if v.get("color")}
    )
    layout = base_layout(
        height=420 * grid.rows + 60,
        # Below the panels, grouped by variant (its mean and its devices on one row): beside
        # them the legend took the panels' width and crowded them.
        legend={
            "orientation": "h",
            "x": 0,
            "y": -0.12 / grid.rows,
            "yanchor": "top",
            "groupclick": "togglegroup",
            "tracegroupgap": 4,
        },
        shapes=[],
        annotations=[],
    )
    data: list[dict] = []
    in_legend: set[str] = set()
    for index, panel in enumerate(panels):
        ids, x_domain, y_domain = grid.place(layout, index, X_TITLE, y_title)
        for variant in panel["variants"]:
            name = str(variant["name"])
            data += _variant_traces(variant, colors[name], ids, name not in in_legend, label)
            in_legend.add(name)
        line, note = _reference_line(ids)
        layout["shapes"].append(line)
        layout["annotations"] += [
            note,
            panel_title(f"<b>{safe_text(panel.get('title', ''))}</b>", x_domain, y_domain),
        ]
    return figure(data, layout)
