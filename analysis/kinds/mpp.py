"""MPP tracking: stabilised PCE; a log long enough to age is also an aging series, normalised
to the first stabilised power (Ts80 from a robust peak)."""

from __future__ import annotations

import numpy as np

from measurements.parsers import ParsedMeasurement, Series

from .. import compute, figures
from .base import AnalysisContext, KindSpec, PageFigure, RowSpec, SummaryField, simple_row
from .jv import irradiance

# An MPP log longer than this is also an aging series (normalised power, T80, T95).
MPP_AGING_MIN_S = 3600.0
# The tracker has settled in the first window of this length whose power holds steady
# (compute.aging.first_stable_window): the aging figures are normalised to its mean, not to the
# start-up samples of a tracker still searching for the maximum power point.
MPP_STABLE_WINDOW_S = 60.0
# Figures are read from at most this many time-bin means of the log: a dense log's sample
# noise would otherwise delay the held crossing (or fake one).
MPP_AGING_BINS = 500


def _aging(series: Series, row: RowSpec) -> None:
    c = series.columns
    if (row.figures.get("duration_s") or 0) < MPP_AGING_MIN_S:
        return
    power = c.get("power_mw_cm2")
    if power is None and "voltage_v" in c and "current_density_ma_cm2" in c:
        power = c["voltage_v"] * c["current_density_ma_cm2"]
    if power is None:
        return
    hours = (c["time_s"] - c["time_s"][0]) / 3600.0
    try:
        aging = compute.aging.analyse_aging(
            hours,
            np.abs(power),
            stabilised_window_h=MPP_STABLE_WINDOW_S / 3600.0,
            bins=MPP_AGING_BINS,
        ).to_dict()
    except ValueError:
        return
    aging.pop("normalised", None)
    aging.pop("hours", None)
    row.figures["aging"] = aging


def analyse(parsed: ParsedMeasurement, ctx: AnalysisContext) -> list[RowSpec]:
    rows = []
    for s in parsed.series:
        c = s.columns
        rows.append(
            simple_row(
                s,
                compute.mpp.analyse_mpp,
                time_s=c["time_s"],
                power_mw_cm2=c.get("power_mw_cm2"),
                voltage_v=c.get("voltage_v"),
                current_density_ma_cm2=c.get("current_density_ma_cm2"),
                irradiance_mw_cm2=irradiance(s, parsed, ctx),
            )
        )
        _aging(s, rows[-1])
    return rows


def _pce(row) -> list:
    curve = row.curve
    if curve.get("pce_percent"):
        return curve["pce_percent"]
    irr = row.measurement.irradiance_mw_cm2 or 100.0
    if curve.get("power_mw_cm2"):
        return [abs(p) / irr * 100 if p is not None else None for p in curve["power_mw_cm2"]]
    v, j = curve.get("voltage_v", []), curve.get("current_density_ma_cm2", [])
    return [
        abs(a * b) / irr * 100 if a is not None and b is not None else None
        for a, b in zip(v, j, strict=False)
    ]


def _trace(r) -> dict:
    duration, window = r.figures.get("duration_s"), r.figures.get("window_s")
    time_s = r.curve.get("time_s", [])
    trace = {
        "label": r.measurement.original_filename,
        "time_s": time_s,
        "pce_percent": _pce(r),
        "stabilised_pce_percent": r.stabilized_pce_percent,
    }
    if duration and window and time_s:
        end = max(t for t in time_s if t is not None)
        trace["stabilised_window_s"] = [end - window, end]
    return trace


def device_figure(results: dict[str, list]) -> dict | None:
    rows = results.get("mpp")
    return figures.mpp_figure([_trace(r) for r in rows]) if rows else None


SPEC = KindSpec(
    name="mpp",
    label="MPP tracking",
    targets=("device",),
    analyse=analyse,
    result_model="MPPResult",
    summary=(
        SummaryField("stabilized_pce_percent", "stabilised PCE", "%"),
        SummaryField("duration_s", "duration", "s"),
    ),
    figures=(PageFigure("device", "mpp", ("mpp",), device_figure),),
)
