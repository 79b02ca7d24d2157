"""Voc (and Jsc) against light intensity: ideality factor and alpha.

n scales as 1/T, so the temperature is the measurement's (upload or row), else the file's
(the curve's, then the header's); only when none states one does the compute assume 25 C,
and flag it. ``temperature_source`` in the figures says which.
"""

from __future__ import annotations

from typing import Any

from measurements.parsers import ParsedMeasurement, Series

from .. import compute, figures
from .base import (
    AnalysisContext,
    AnalysisError,
    KindSpec,
    PageFigure,
    RowSpec,
    SummaryField,
    downsample,
)

_FIT_KEYS = ("ideality_factor", "slope_v", "intercept_v", "alpha", "jsc_prefactor_ma_cm2")


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def temperature(
    s: Series, parsed: ParsedMeasurement, ctx: AnalysisContext
) -> tuple[float | None, str]:
    """(temperature in C, where it came from): 'measurement', 'file' or 'assumed'."""
    if _number(ctx.temperature_c) is not None:
        return float(ctx.temperature_c), "measurement"  # type: ignore[arg-type]
    for value in (s.metadata.get("temperature_c"), parsed.metadata.get("temperature_c")):
        if _number(value) is not None:
            return float(value), "file"
    return None, "assumed"


def analyse(parsed: ParsedMeasurement, ctx: AnalysisContext) -> list[RowSpec]:
    rows = []
    for s in parsed.series:
        temp, source = temperature(s, parsed, ctx)
        try:
            result = compute.intensity.analyse_intensity(
                s.columns["intensity_mw_cm2"],
                s.columns["voc_v"],
                s.columns.get("jsc_ma_cm2"),
                temperature_c=temp,
            )
        except ValueError as exc:
            raise AnalysisError(f"Intensity series {s.label}: {exc}") from exc
        figs = {**result.to_dict(), "temperature_source": source}
        rows.append(RowSpec(s.label, figs, flags=list(figs["flags"]), curve=downsample(s.columns)))
    return rows


def device_figure(results: dict[str, list]) -> dict | None:
    rows = results.get("intensity")
    if not rows:
        return None
    points, fits = [], []
    for r in rows:
        label = f"{r.measurement.measured_at:%Y-%m-%d} {r.measurement.original_filename}"
        points.append(
            {
                "label": label,
                "intensity_mw_cm2": r.curve.get("intensity_mw_cm2", []),
                "voc_v": r.curve.get("voc_v", []),
                **({"jsc_ma_cm2": r.curve["jsc_ma_cm2"]} if r.curve.get("jsc_ma_cm2") else {}),
            }
        )
        if r.figures.get("slope_v") is not None:
            fits.append({"label": label, **{k: r.figures.get(k) for k in _FIT_KEYS}})
    return figures.intensity_figure(points, fits)


SPEC = KindSpec(
    name="intensity",
    label="Voc/Jsc vs light intensity",
    targets=("device",),
    analyse=analyse,
    result_model="IntensityResult",
    summary=(SummaryField("ideality_factor", "n", ""), SummaryField("alpha", "alpha", "")),
    figures=(PageFigure("device", "intensity", ("intensity",), device_figure),),
)
