"""Capacitance-voltage (Mott-Schottky): built-in voltage, doping density, depletion width."""

from __future__ import annotations

from measurements.parsers import ParsedMeasurement

from .. import compute
from ..figures.electrical import mott_schottky_figure
from .base import (
    AnalysisContext,
    KindSpec,
    PageFigure,
    RowSpec,
    SummaryField,
    series_value,
    simple_row,
)


def analyse(parsed: ParsedMeasurement, ctx: AnalysisContext) -> list[RowSpec]:
    rows = []
    for s in parsed.series:
        frequency = s.metadata.get("frequency_hz") or ctx.condition(parsed, "frequency_hz")
        rows.append(
            simple_row(
                s,
                compute.cv.analyse_cv,
                voltage_v=s.columns["voltage_v"],
                capacitance_f=s.columns["capacitance_f"],
                area_cm2=ctx.area_cm2 or series_value(s, parsed, "area_cm2"),
                relative_permittivity=ctx.condition(parsed, "relative_permittivity"),
                frequency_hz=frequency,
            )
        )
    return rows


def device_figure(results: dict[str, list]) -> dict | None:
    rows = results.get("cv")
    if not rows:
        return None
    return mott_schottky_figure(
        [
            {
                "label": r.measurement.original_filename,
                "voltage_v": r.curve.get("voltage_v", []),
                "capacitance_f": r.curve.get("capacitance_f", []),
                **{
                    k: r.figures.get(k)
                    for k in (
                        "area_cm2",
                        "slope",
                        "x_intercept_v",
                        "fit_vmin_v",
                        "fit_vmax_v",
                        "vbi_v",
                        "doping_cm3",
                    )
                },
            }
            for r in rows
        ]
    )


SPEC = KindSpec(
    name="cv",
    label="Capacitance-voltage (Mott-Schottky)",
    targets=("device",),
    analyse=analyse,
    result_model="CVResult",
    area_from_device=True,
    summary=(
        SummaryField("vbi_v", "V_bi", "V"),
        SummaryField("doping_cm3", "N", "cm⁻³"),
        SummaryField("depletion_width_0v_nm", "W (0 V)", "nm"),
    ),
    figures=(PageFigure("device", "cv", ("cv",), device_figure),),
)
