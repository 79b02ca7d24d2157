"""Spectral and optical figures: EQE, absorbance with PL, and TRPL decays.

Split from `curves.py` only to keep each module readable on a screen; the view layer imports
every builder from `analysis.figures`. Long arrays are downsampled to `max_points`.
"""

import re
from collections.abc import Sequence

import numpy as np

from ..compute.downsample import MAX_POINTS, downsample
from . import palette
from ._common import (
    LOG_AXIS,
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

WAVELENGTH_TITLE = "Wavelength (nm)"
EQE_TITLE = "EQE (%)"
CUMULATIVE_TITLE = "Integrated J<sub>SC</sub> (mA cm<sup>-2</sup>)"
ABSORBANCE_TITLE = "Absorbance (OD)"
PL_TITLE = "Normalised PL (a.u.)"
TIME_TITLE = "Time (ns)"
COUNTS_TITLE = "PL intensity (counts)"


def eqe_figure(spectra: Sequence[dict], max_points: int = MAX_POINTS) -> dict:
    """EQE vs wavelength; the integrated Jsc goes in the legend, its running sum on a right axis.

    Spectrum: {"label", "wavelength_nm", "eqe_percent", "integrated_jsc_ma_cm2" (optional),
    "cumulative_jsc_ma_cm2" (optional, aligned with wavelength_nm), "group" (optional)}.
    """
    if not spectra:
        return empty_figure("No EQE spectra selected", WAVELENGTH_TITLE, EQE_TITLE)
    # Spectra without a group are separate measurements (often of one device, often named
    # alike): each gets its own colour, never one shared by label.
    keys = [str(s.get("group") or f"{s.get('label', '')}\u0000{k}") for k, s in enumerate(spectra)]
    colors = palette.colors_for(keys)
    data: list[dict] = []
    for key, spectrum in zip(keys, spectra, strict=True):
        color = str(spectrum.get("color") or colors[key])
        label = safe_text(spectrum.get("label", ""))
        extra = (
            ["cumulative_jsc_ma_cm2"] if spectrum.get("cumulative_jsc_ma_cm2") is not None else []
        )
        arrays = aligned(spectrum, "wavelength_nm", "eqe_percent", *extra)
        wavelength, eqe, *cumulative = downsample(*arrays, max_points=max_points)
        jsc = spectrum.get("integrated_jsc_ma_cm2")
        name = (
            f"{label} (J<sub>SC</sub> = {jsc:.1f} mA cm<sup>-2</sup>)" if jsc is not None else label
        )
        hover = "%{x:.0f} nm: %{y:.1f} %<extra>%{fullData.name}</extra>"
        data.append(line(name, wavelength, eqe, color, hover, legendgroup=label))
        if cumulative:
            data.append(
                line(
                    f"{label}: cumulative J<sub>SC</sub>",
                    wavelength,
                    cumulative[0],
                    color,
                    "%{x:.0f} nm: %{y:.2f} mA cm<sup>-2</sup><extra>%{fullData.name}</extra>",
                    line={"dash": "dot", "width": 1.5},
                    yaxis="y2",
                    legendgroup=label,
                    showlegend=False,
                )
            )
    with_cumulative = any(trace.get("yaxis") == "y2" for trace in data)
    layout = base_layout(
        xaxis=axis(WAVELENGTH_TITLE),
        # A mirrored left axis would draw over the right axis' ticks.
        yaxis=axis(EQE_TITLE, rangemode="tozero", mirror=not with_cumulative),
    )
    if with_cumulative:
        layout["yaxis2"] = axis(
            CUMULATIVE_TITLE,
            overlaying="y",
            side="right",
            rangemode="tozero",
            showgrid=False,
            # plotly.js otherwise syncs overlaid ticks to the left axis, giving values like 0.205.
            tickmode="auto",
        )
    return figure(data, layout)


def _peak_note(x: float, curve_x, curve_y, text: str, color: str, yref: str) -> dict:
    """An arrow to the curve at the peak wavelength (curve height read off the curve itself)."""
    order = np.argsort(curve_x)  # spectrometers often scan from long to short wavelength
    finite = np.isfinite(curve_y[order])
    y = float(np.interp(x, curve_x[order][finite], curve_y[order][finite])) if finite.any() else 0
    return {
        "x": float(x),
        "y": y,
        "xref": "x",
        "yref": yref,
        "text": text,
        "showarrow": True,
        "arrowhead": 2,
        "arrowcolor": color,
        "ax": 0,
        "ay": -40,
        "font": {"color": color, "size": 12},
    }


PL_TOP = 1.45  # normalised PL peaks at 1: the rest is room for the labels
HEADROOM = 1.45  # the absorbance axis, as a multiple of its highest point
# Label rows from the top of the plot down, as fractions of its height (two lines of 12 px
# text take about a tenth of a 420 px figure's plot area).
LABEL_ROWS = (0.97, 0.86)


def stagger(notes: list[dict], tops: dict[str, float], traces: list[dict]) -> list[dict]:
    """Peak labels in the headroom above the curves, each with an arrow down to its peak.

    Labels closer than a sixth of the wavelength range go to alternate rows and are pushed
    sideways, so the exciton, size and PL-peak texts of one film never print over each other.
    """
    xs = [x for t in traces for x in t.get("x", []) if x is not None]
    span = (max(xs) - min(xs)) if xs else 1.0
    near = span / 6
    placed: list[tuple[float, int]] = []
    out = []
    for note in sorted(notes, key=lambda n: n["x"]):
        row = 0
        while any(abs(note["x"] - x) < near and r == row for x, r in placed):
            row += 1
        placed.append((note["x"], row))
        top = tops[note["yref"]]
        level = LABEL_ROWS[row % len(LABEL_ROWS)]
        shift = (row // len(LABEL_ROWS)) * near * 0.9
        out.append(
            {
                **note,
                "axref": "x",
                "ax": note["x"] + shift,
                "ayref": note["yref"],
                "ay": top * level,
                "yanchor": "top",
                "bgcolor": "rgba(255,255,255,0.85)",
            }
        )
    return out


def _absorbance(item: dict, color: str, max_points: int) -> tuple[dict, dict | None]:
    wavelength, absorbance = downsample(
        *aligned(item, "wavelength_nm", "absorbance"), max_points=max_points
    )
    label = safe_text(item.get("label", ""))
    trace = line(
        label,
        wavelength,
        absorbance,
        color,
        "%{x:.0f} nm: %{y:.3f}<extra>%{fullData.name}</extra>",
        legendgroup=label,
    )
    peak = item.get("exciton_peak_nm")
    if peak is None or not peak > 0:  # a missing or nonsensical peak gets no arrow, not a crash
        return trace, None
    diameter = item.get("diameter_nm")
    # The photon energy makes the "1.3 eV dots" / "933 nm" equivalence visible at a glance.
    text = f"{peak:.0f} nm ({1239.84 / peak:.2f} eV)"
    if diameter is not None:
        text += f"<br>d = {diameter:.1f} nm"
    return trace, _peak_note(peak, wavelength, absorbance, text, color, "y")


def _pl(item: dict, color: str, max_points: int, yaxis: str) -> tuple[dict, dict | None]:
    wavelength, intensity = downsample(
        *aligned(item, "wavelength_nm", "intensity"), max_points=max_points
    )
    finite = intensity[np.isfinite(intensity)]
    # Spectra from different days differ in counts by integration time; shape is what compares.
    scale = finite.max() if finite.size and finite.max() > 0 else 1.0
    normalised = intensity / scale
    label = safe_text(item.get("label", ""))
    trace = line(
        label if re.search(r"\bPL\b", label) else f"{label} PL",
        wavelength,
        normalised,
        color,
        "%{x:.0f} nm: %{y:.2f}<extra>%{fullData.name}</extra>",
        line={"dash": "dash"},
        legendgroup=label,
        yaxis=yaxis,
    )
    peak = item.get("peak_nm")
    if peak is None:
        return trace, None
    fwhm = item.get("fwhm_nm")
    text = f"PL {peak:.0f} nm" + (f"<br>FWHM {fwhm:.0f} nm" if fwhm is not None else "")
    return trace, _peak_note(peak, wavelength, normalised, text, color, yaxis)


def spectra_figure(
    absorbance: Sequence[dict], pl: Sequence[dict], max_points: int = MAX_POINTS
) -> dict:
    """Absorbance (left axis) and normalised PL (right axis) vs wavelength, peaks annotated.

    Absorbance: {"label", "wavelength_nm", "absorbance", "exciton_peak_nm" (optional),
    "diameter_nm" (optional), "group" (optional)}. PL: {"label", "wavelength_nm", "intensity"
    (any units; normalised here to its maximum), "peak_nm" (optional), "fwhm_nm" (optional),
    "group" (optional)}. Give a PL spectrum the same "group" as its film to share the colour.
    """
    if not absorbance and not pl:
        return empty_figure("No spectra selected", WAVELENGTH_TITLE, ABSORBANCE_TITLE)
    colors = colors_by_group([*absorbance, *pl])
    # Without absorbance the PL takes the left axis rather than float beside an empty one.
    pl_axis = "y2" if absorbance else "y"
    data: list[dict] = []
    notes: list[dict] = []
    for item in absorbance:
        trace, note = _absorbance(item, item_color(item, colors), max_points)
        data.append(trace)
        notes += [note] if note else []
    for item in pl:
        trace, note = _pl(item, item_color(item, colors), max_points, pl_axis)
        data.append(trace)
        notes += [note] if note else []
    # Headroom above the curves holds the peaks' labels, staggered so none overlaps another.
    pl_style = {"range": [0, PL_TOP], "tickmode": "linear", "tick0": 0, "dtick": 0.2}
    tops = {pl_axis: PL_TOP}
    if absorbance:
        finite = [v for t in data if t.get("yaxis", "y") == "y" for v in t["y"] if v is not None]
        tops["y"] = HEADROOM * max([*finite, 1e-3])
        layout = base_layout(
            xaxis=axis(WAVELENGTH_TITLE),
            yaxis=axis(ABSORBANCE_TITLE, range=[0, tops["y"]], mirror=False),
            yaxis2=axis(PL_TITLE, overlaying="y", side="right", showgrid=False, **pl_style),
        )
    else:
        layout = base_layout(xaxis=axis(WAVELENGTH_TITLE), yaxis=axis(PL_TITLE, **pl_style))
    layout["annotations"] = stagger(notes, tops, data)
    return figure(data, layout)


def _tau_text(tau_ns: float) -> str:
    # The lab quotes lifetimes in µs (1.05 µs) but sub-µs ones in ns; follow the magnitude.
    return f"{tau_ns / 1000:.3g} µs" if tau_ns >= 1000 else f"{tau_ns:.3g} ns"


def _fit_name(decay: dict) -> str:
    parts = [
        f"{symbol} = {_tau_text(decay[key])}"
        for key, symbol in (
            ("tau1_ns", "τ<sub>1</sub>"),
            ("tau2_ns", "τ<sub>2</sub>"),
            ("tau_avg_ns", "τ<sub>avg</sub>"),
        )
        if decay.get(key) is not None
    ]
    return f"{safe_text(decay.get('label', ''))} fit" + (f": {', '.join(parts)}" if parts else "")


def trpl_figure(decays: Sequence[dict], max_points: int = MAX_POINTS) -> dict:
    """TRPL decays on a log-count axis with the fitted curve overlaid when given.

    Decay: {"label", "time_ns", "counts", "fit_counts" (optional), "fit_time_ns" (optional,
    defaults to time_ns), "tau1_ns", "tau2_ns", "tau_avg_ns" (optional, for the legend),
    "group" (optional)}.
    """
    if not decays:
        return empty_figure("No TRPL decays selected", TIME_TITLE, COUNTS_TITLE)
    colors = colors_by_group(decays)
    data: list[dict] = []
    hover = "%{x:.4g} ns: %{y:.4g} counts<extra>%{fullData.name}</extra>"
    for decay in decays:
        color = item_color(decay, colors)
        label = safe_text(decay.get("label", ""))
        time, counts = downsample(*aligned(decay, "time_ns", "counts"), max_points=max_points)
        data.append(
            {
                **line(label, time, counts, color, hover, legendgroup=label),
                "mode": "markers",
                "marker": {"color": color, "size": 3, "opacity": 0.6},
            }
        )
        if decay.get("fit_counts") is None:
            continue
        time_key = "fit_time_ns" if decay.get("fit_time_ns") is not None else "time_ns"
        fit_time, fit = downsample(*aligned(decay, time_key, "fit_counts"), max_points=max_points)
        data.append(line(_fit_name(decay), fit_time, fit, color, hover, legendgroup=label))
    layout = base_layout(xaxis=axis(TIME_TITLE), yaxis=axis(COUNTS_TITLE, **LOG_AXIS))
    return figure(data, layout)
