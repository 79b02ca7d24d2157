"""Voc (and Jsc) against light intensity: ideality factor and alpha."""

from __future__ import annotations

from measurements.parsers import ParsedMeasurement

from .. import compute, figures
from .base import AnalysisContext, KindSpec, PageFigure, RowSpec, SummaryField, simple_row
from .jv import temperature

_FIT_KEYS = ("ideality_factor", "slope_v", "intercept_v", "alpha", "jsc_prefactor_ma_cm2")


def analyse(parsed: ParsedMeasurement, ctx: AnalysisContext) -> list[RowSpec]:
    return [
        simple_row(
            s,
            compute.intensity.analyse_intensity,
            intensity_mw_cm2=s.columns["intensity_mw_cm2"],
            voc_v=s.columns["voc_v"],
            jsc_ma_cm2=s.columns.get("jsc_ma_cm2"),
            temperature_c=temperature(parsed, ctx),
        )
        for s in parsed.series
    ]


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
