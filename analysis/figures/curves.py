"""Electrical curves of single devices: J-V, maximum-power-point tracking, light intensity.

Every array is downsampled to at most `max_points` samples (`analysis.compute.downsample`) so
a page never ships megabytes, whatever the instrument recorded. Input keys are listed on each
builder.
"""

from collections.abc import Sequence

import numpy as np

from ..compute.downsample import MAX_POINTS, downsample
from . import palette
from ._common import (
    LOG_AXIS,
    PanelGrid,
    aligned,
    axis,
    axis_ids,
    base_layout,
    colors_by_group,
    empty_figure,
    figure,
    grid_domains,
    item_color,
    json_floats,
    layout_key,
    line,
    panel_title,
    safe_text,
    when,
)

V_TITLE = "Voltage (V)"
J_TITLE = "Current density (mA cm<sup>-2</sup>)"
JSC_TITLE = "J<sub>SC</sub> (mA cm<sup>-2</sup>)"
VOC_TITLE = "V<sub>OC</sub> (V)"
INTENSITY_TITLE = "Light intensity (mW cm<sup>-2</sup>)"
# Dark leakage is micro-amps per cm2; any illuminated cell gives at least a few mA cm-2.
ILLUMINATED_MA_CM2 = 0.5


def _key_points(curve: dict, color: str) -> dict | None:
    """Voc, Jsc and MPP markers from the analysis, so the reader can check them on the curve."""
    points = curve.get("key_points") or {}
    candidates = [
        ("V<sub>OC</sub>", points.get("voc_v"), 0.0, "circle"),
        ("J<sub>SC</sub>", 0.0, points.get("jsc_ma_cm2"), "square"),
        ("MPP", points.get("vmpp_v"), points.get("jmpp_ma_cm2"), "star"),
    ]
    shown = [c for c in candidates if c[1] is not None and c[2] is not None]
    if not shown:
        return None
    label = safe_text(curve.get("label", ""))
    return {
        "type": "scatter",
        "mode": "markers",
        "name": f"{label}: key points",
        "legendgroup": label,
        "showlegend": False,
        "x": json_floats([c[1] for c in shown]),
        "y": json_floats([c[2] for c in shown]),
        "hovertext": [f"{c[0]}: {c[1]:.3f} V, {c[2]:.2f} mA cm<sup>-2</sup>" for c in shown],
        "hovertemplate": "%{hovertext}<extra>%{fullData.name}</extra>",
        "marker": {
            "symbol": [c[3] for c in shown],
            "size": 10,
            "color": "white",
            "line": {"color": color, "width": 2},
        },
    }


def jv_figure(curves: Sequence[dict], max_points: int = MAX_POINTS) -> dict:
    """J-V curves in the generator convention (J > 0 under illumination at short circuit).

    Curve: {"label", "voltage_v", "current_density_ma_cm2", "scan_direction" ("reverse" |
    "forward" | None), "measured_at" (datetime | str | None), "group" (optional colour key),
    "key_points" (optional: {"voc_v", "jsc_ma_cm2", "vmpp_v", "jmpp_ma_cm2"})}.
    """
    if not curves:
        return empty_figure("No J-V curves selected", V_TITLE, J_TITLE)
    colors = colors_by_group(curves)
    data: list[dict] = []
    j_max = 0.0
    for curve in curves:
        color = item_color(curve, colors)
        v, j = downsample(
            *aligned(curve, "voltage_v", "current_density_ma_cm2"), max_points=max_points
        )
        direction = safe_text(curve.get("scan_direction") or "").lower()
        label = safe_text(curve.get("label", ""))
        measured = safe_text(when(curve.get("measured_at")))
        data.append(
            line(
                f"{label} ({direction})" if direction else label,
                v,
                j,
                color,
                "%{x:.3f} V, %{y:.2f} mA cm<sup>-2</sup>"
                f"<extra>%{{fullData.name}}{'<br>' + measured if measured else ''}</extra>",
                line={"dash": "dash" if direction.startswith("f") else "solid"},
                legendgroup=label,
            )
        )
        if (markers := _key_points(curve, color)) is not None:
            data.append(markers)
        if np.isfinite(j).any():
            j_max = max(j_max, float(np.nanmax(j)))
    y_extra = {"zeroline": True, "zerolinecolor": "#888", "zerolinewidth": 1}
    if j_max > ILLUMINATED_MA_CM2:
        # Forward-bias injection current can be ten times Jsc; autoscale would flatten the power
        # quadrant that the figure exists to show. The modebar's autoscale still shows it all.
        # Dark curves (no photocurrent) keep autoscale: clipping them would show only noise.
        y_extra["range"] = [-0.2 * j_max, 1.15 * j_max]
    layout = base_layout(
        xaxis=axis(V_TITLE, zeroline=True, zerolinecolor="#888", zerolinewidth=1),
        yaxis=axis(J_TITLE, **y_extra),
    )
    return figure(data, layout)


# A legend entry for the shaded window (shapes have none): without it the grey band reads as
# a rendering glitch, not as the stretch the stabilised PCE is averaged over.
WINDOW_LEGEND = {
    "type": "scatter",
    "mode": "markers",
    "name": "Grey band: window averaged for the stabilised PCE (dotted line)",
    "x": [None],
    "y": [None],
    "marker": {"symbol": "square", "size": 14, "color": "rgba(0,0,0,0.15)"},
    "hoverinfo": "skip",
    "showlegend": True,
}


def _window_shapes(trace: dict, color: str) -> list[dict]:
    """The averaging window, shaded, and the stabilised value drawn across it."""
    window = trace.get("stabilised_window_s")
    if not window or len(window) != 2:
        return []
    x0, x1 = float(window[0]), float(window[1])
    shapes = [
        {
            "type": "rect",
            "xref": "x",
            "x0": x0,
            "x1": x1,
            "yref": "y domain",
            "y0": 0,
            "y1": 1,
            # Neutral: identical windows of several traces would otherwise mix to mud.
            "fillcolor": "rgba(0,0,0,0.06)",
            "line": {"width": 0},
            "layer": "below",
        }
    ]
    level = trace.get("stabilised_pce_percent")
    if level is not None:
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "x0": x0,
                "x1": x1,
                "yref": "y",
                "y0": float(level),
                "y1": float(level),
                "line": {"color": color, "width": 1.5, "dash": "dot"},
            }
        )
    return shapes


def mpp_figure(traces: Sequence[dict], max_points: int = MAX_POINTS) -> dict:
    """Stabilised power output: PCE vs time at the maximum power point, window shaded.

    Trace: {"label", "time_s", "pce_percent", "stabilised_window_s" (optional [start, end]),
    "stabilised_pce_percent" (optional), "group" (optional colour key)}.
    """
    if not traces:
        return empty_figure("No MPP tracking selected", "Time (s)", "PCE (%)")
    colors = colors_by_group(traces)
    data: list[dict] = []
    shapes: list[dict] = []
    for trace in traces:
        color = item_color(trace, colors)
        t, pce = downsample(*aligned(trace, "time_s", "pce_percent"), max_points=max_points)
        level = trace.get("stabilised_pce_percent")
        label = safe_text(trace.get("label", ""))
        name = f"{label} (stabilised {level:.2f} %)" if level is not None else label
        data.append(
            line(name, t, pce, color, "%{x:.1f} s: %{y:.2f} %<extra>%{fullData.name}</extra>")
        )
        shapes += [s for s in _window_shapes(trace, color) if s not in shapes]
    if shapes:
        data.append(WINDOW_LEGEND)
    layout = base_layout(
        xaxis=axis("Time (s)"), yaxis=axis("PCE (%)", rangemode="tozero"), shapes=shapes
    )
    return figure(data, layout)


def _fits_by_label(fit: Sequence[dict] | None) -> dict[str, dict]:
    return {str(f.get("label", "")): f for f in (fit or [])}


def _intensity_span(intensity: np.ndarray) -> np.ndarray:
    finite = intensity[np.isfinite(intensity) & (intensity > 0)]
    # Both fits are straight lines on these axes, so two end points draw them exactly.
    return np.array([finite.min(), finite.max()]) if finite.size else np.empty(0)


_QUANTITIES = {"voc": ("voc_v", "V"), "jsc": ("jsc_ma_cm2", "mA cm<sup>-2</sup>")}


def _fit_curve(fit: dict, quantity: str, span: np.ndarray) -> tuple[str, np.ndarray] | None:
    """Legend text and fitted values at the span's ends, if the analysis supplied the fit."""
    if quantity == "voc" and {"slope_v", "intercept_v"} <= fit.keys():
        # Voc = n kT/q ln(I) + c with I in mW cm-2, as fitted by the analysis.
        n = fit.get("ideality_factor")
        text = f"n = {n:.2f}" if n is not None else "fit"
        return text, fit["slope_v"] * np.log(span) + fit["intercept_v"]
    if quantity == "jsc" and {"alpha", "jsc_prefactor_ma_cm2"} <= fit.keys():
        # Jsc = k I^alpha: alpha near 1 means little bimolecular recombination.
        return f"α = {fit['alpha']:.2f}", fit["jsc_prefactor_ma_cm2"] * span ** fit["alpha"]
    return None


def _intensity_traces(series: dict, fit: dict, color: str, ids, quantity: str) -> list[dict]:
    """Points and fit line for one series on the Voc (log-x) or Jsc (log-log) panel."""
    y_key, unit = _QUANTITIES[quantity]
    if series.get(y_key) is None:
        return []
    label = safe_text(series.get("label", ""))
    intensity, y = aligned(series, "intensity_mw_cm2", y_key)
    hover = f"%{{x:.3g}} mW cm<sup>-2</sup>: %{{y:.4g}} {unit}<extra>%{{fullData.name}}</extra>"
    axes = {"xaxis": ids[0], "yaxis": ids[1], "legendgroup": label}
    points = {
        "type": "scatter",
        "mode": "markers",
        "name": label,
        # Both panels share the series' legend entry (same legendgroup): list it once.
        "showlegend": quantity == "voc" or series.get("voc_v") is None,
        "x": json_floats(intensity),
        "y": json_floats(y),
        "marker": {"color": color, "size": 8},
        "hovertemplate": hover,
        **axes,
    }
    span = _intensity_span(intensity)
    fitted = _fit_curve(fit, quantity, span) if span.size else None
    if fitted is None:
        return [points]
    text, y_fit = fitted
    fit_line = line(
        f"{label} fit: {text}", span, y_fit, color, hover, line={"dash": "dash"}, **axes
    )
    return [points, fit_line]


def intensity_figure(points: Sequence[dict], fit: Sequence[dict] | None = None) -> dict:
    """Voc vs light intensity (log x) with the ideality-factor fit; Jsc vs intensity if given.

    Point series: {"label", "intensity_mw_cm2", "voc_v", "jsc_ma_cm2" (optional), "group"
    (optional)}. Fit, matched to a series by "label": {"label", "ideality_factor", "slope_v",
    "intercept_v" (Voc = slope_v * ln(I / 1 mW cm-2) + intercept_v), "alpha" and
    "jsc_prefactor_ma_cm2" (optional, Jsc = prefactor * I^alpha)}.
    """
    if not points:
        return empty_figure("No intensity series selected", INTENSITY_TITLE, VOC_TITLE)
    colors = colors_by_group(points)
    fits = _fits_by_label(fit)
    with_jsc = any(p.get("jsc_ma_cm2") is not None for p in points)
    quantities = ("voc", "jsc") if with_jsc else ("voc",)
    domains = grid_domains(len(quantities), 0.12)
    layout = base_layout()
    data: list[dict] = []
    for index, quantity in enumerate(quantities):
        ids = axis_ids(index)
        for series in points:
            color = item_color(series, colors)
            data += _intensity_traces(
                series, fits.get(str(series.get("label", "")), {}), color, ids, quantity
            )
        y_title, y_axis = (VOC_TITLE, {}) if quantity == "voc" else (JSC_TITLE, LOG_AXIS)
        layout[layout_key(ids[0])] = axis(
            INTENSITY_TITLE, **LOG_AXIS, domain=domains[index], anchor=ids[1]
        )
        layout[layout_key(ids[1])] = axis(y_title, **y_axis, anchor=ids[0])
    return figure(data, layout)


def hysteresis_figure(pairs: Sequence[dict], max_points: int = MAX_POINTS) -> dict:
    """Each forward/reverse pair in a panel of its own, the hysteresis index in its title.

    Pair: {"title", "reverse": {"voltage_v", "current_density_ma_cm2"}, "forward": {...},
    "hi_pce" (float | None), "pce_rs_percent", "pce_fs_percent" (optional)}.
    """
    if not pairs:
        return empty_figure("No forward/reverse pair", V_TITLE, J_TITLE)
    grid = PanelGrid(len(pairs), 3)
    layout = base_layout(height=360 * grid.rows, annotations=[])
    layout["margin"] = {**layout["margin"], "t": 70}
    data: list[dict] = []
    hover = "%{x:.3f} V, %{y:.2f} mA cm<sup>-2</sup><extra>%{fullData.name}</extra>"
    for index, pair in enumerate(pairs):
        ids, x_domain, y_domain = grid.place(layout, index, V_TITLE, J_TITLE)
        layout[layout_key(ids[1])].update(zeroline=True, zerolinecolor="#888")
        for direction, color, dash in (
            ("reverse", palette.CONTROL, "solid"),
            ("forward", palette.TARGET, "dash"),
        ):
            curve = pair.get(direction)
            if not curve:
                continue
            v, j = downsample(
                *aligned(curve, "voltage_v", "current_density_ma_cm2"), max_points=max_points
            )
            data.append(
                line(
                    direction,
                    v,
                    j,
                    color,
                    hover,
                    line={"dash": dash},
                    legendgroup=direction,
                    showlegend=index == 0,
                    xaxis=ids[0],
                    yaxis=ids[1],
                )
            )
        hi = pair.get("hi_pce")
        text = safe_text(pair.get("title", ""))
        if hi is not None:
            text += f"<br>HI<sub>PCE</sub> = {hi:.3f}"
            rs, fs = pair.get("pce_rs_percent"), pair.get("pce_fs_percent")
            if rs is not None and fs is not None:
                text += f" (PCE {rs:.2f} % rev, {fs:.2f} % fwd)"
        layout["annotations"].append(panel_title(text, x_domain, y_domain, size=12))
    return figure(data, layout)
