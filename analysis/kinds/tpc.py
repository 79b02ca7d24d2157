"""Transient photocurrent: decay time, and the extracted charge when the current is known."""

from __future__ import annotations

from measurements.parsers import ParsedMeasurement

from .. import compute
from ..figures.electrical import tpc_figure
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
        c = s.columns
        row = simple_row(
            s,
            compute.tpc.analyse_tpc,
            time_s=c["time_s"],
            current_a=c.get("current_a"),
            current_density_ma_cm2=c.get("current_density_ma_cm2"),
            voltage_v=c.get("voltage_v"),
            load_resistance_ohm=ctx.condition(parsed, "load_resistance_ohm"),
            area_cm2=ctx.area_cm2 or series_value(s, parsed, "area_cm2"),
        )
        rows.append(row)
    return rows


def _current_ua(r) -> list:
    curve = r.curve
    if curve.get("current_a"):
        return [None if i is None else i * 1e6 for i in curve["current_a"]]
    load = r.figures.get("load_resistance_ohm")
    if curve.get("voltage_v") and load:
        return [None if v is None else v / load * 1e6 for v in curve["voltage_v"]]
    return curve.get("current_density_ma_cm2") or curve.get("voltage_v") or []


def device_figure(results: dict[str, list]) -> dict | None:
    rows = results.get("tpc")
    if not rows:
        return None
    return tpc_figure(
        [
            {
                "label": r.measurement.original_filename,
                "time_s": r.curve.get("time_s", []),
                "current_ua": _current_ua(r),
                "tau_us": r.tau_us,
            }
            for r in rows
        ]
    )


SPEC = KindSpec(
    name="tpc",
    label="Transient photocurrent",
    targets=("device",),
    analyse=analyse,
    result_model="TPCResult",
    summary=(SummaryField("tau_us", "τ", "µs"), SummaryField("charge_nc", "charge", "nC")),
    figures=(PageFigure("device", "tpc", ("tpc",), device_figure),),
)
