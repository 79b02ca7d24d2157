"""Small-signal electrical figures of a device: Mott-Schottky (C-V) and transient photocurrent."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._common import (
    aligned,
    axis,
    base_layout,
    colors_by_group,
    empty_figure,
    figure,
    item_color,
    line,
    safe_text,
)

V_TITLE = "Voltage (V)"
MS_TITLE = "1/C<sup>2</sup> (cm<sup>4</sup> F<sup>-2</sup>)"
MS_TITLE_NO_AREA = "1/C<sup>2</sup> (F<sup>-2</sup>)"
TIME_TITLE = "Time (µs)"
CURRENT_TITLE = "Photocurrent (µA)"


def mott_schottky_figure(sweeps: Sequence[dict]) -> dict:
    """1/C^2 against V with the fitted line over its window.

    Sweep: {"label", "voltage_v", "capacitance_f", "area_cm2" (or None), "slope",
    "x_intercept_v", "fit_vmin_v", "fit_vmax_v", "vbi_v", "doping_cm3"}.
    """
    if not sweeps:
        return empty_figure("No C-V sweeps", V_TITLE, MS_TITLE)
    colors = colors_by_group(sweeps)
    data: list[dict] = []
    per_area = all(s.get("area_cm2") for s in sweeps)
    for sweep in sweeps:
        color = item_color(sweep, colors)
        v, c = aligned(sweep, "voltage_v", "capacitance_f")
        area = sweep.get("area_cm2") if per_area else None
        c_per = c / area if area else c
        with np.errstate(divide="ignore", invalid="ignore"):
            inv2 = np.where(c_per > 0, 1.0 / c_per**2, np.nan)
        label = safe_text(sweep.get("label", ""))
        hover = "%{x:.3g} V: %{y:.4g}<extra>%{fullData.name}</extra>"
        data.append(
            {
                **line(label, v, inv2, color, hover, legendgroup=label),
                "mode": "markers",
                "marker": {"color": color, "size": 5},
            }
        )
        slope, x0 = sweep.get("slope"), sweep.get("x_intercept_v")
        if slope is not None and not per_area and sweep.get("area_cm2"):
            slope = slope / sweep["area_cm2"] ** 2  # the fit is per area; this plot is not
        lo, hi = sweep.get("fit_vmin_v"), sweep.get("fit_vmax_v")
        if None not in (slope, x0, lo, hi):
            fit_v = np.linspace(lo, max(hi, x0) if x0 is not None else hi, 20)
            name = f"{label} fit: V<sub>bi</sub> = {sweep['vbi_v']:.3g} V"
            if sweep.get("doping_cm3"):
                name += f", N = {sweep['doping_cm3']:.2e} cm<sup>-3</sup>"
            data.append(line(name, fit_v, slope * (fit_v - x0), color, hover, legendgroup=label))
    layout = base_layout(
        xaxis=axis(V_TITLE), yaxis=axis(MS_TITLE if per_area else MS_TITLE_NO_AREA)
    )
    return figure(data, layout)


def tpc_figure(traces: Sequence[dict]) -> dict:
    """Photocurrent transients (µs, µA) with the decay time in the legend.

    Trace: {"label", "time_s", "current_ua", "tau_us" (optional)}.
    """
    if not traces:
        return empty_figure("No photocurrent transients", TIME_TITLE, CURRENT_TITLE)
    colors = colors_by_group(traces)
    data = []
    hover = "%{x:.4g} µs: %{y:.4g} µA<extra>%{fullData.name}</extra>"
    for trace in traces:
        color = item_color(trace, colors)
        t, i = aligned(trace, "time_s", "current_ua")
        name = safe_text(trace.get("label", ""))
        if trace.get("tau_us") is not None:
            name += f": τ = {trace['tau_us']:.3g} µs"
        data.append(line(name, t * 1e6, i, color, hover))
    return figure(data, base_layout(xaxis=axis(TIME_TITLE), yaxis=axis(CURRENT_TITLE)))
