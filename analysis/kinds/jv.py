"""J-V: Voc, Jsc, FF, PCE per scan, diode figures of dark curves, hysteresis pairs."""

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
    series_value,
)


def _current_density(series: Series, parsed: ParsedMeasurement, ctx: AnalysisContext):
    cols = series.columns
    if "current_density_ma_cm2" in cols:
        return cols["current_density_ma_cm2"]
    area = ctx.area_cm2 or series_value(series, parsed, "area_cm2")
    if not area:
        raise AnalysisError(
            "The file gives current, not current density, and no area is known: "
            "upload it with area_cm2 or set the device's active area."
        )
    return cols["current_a"] / float(area) * 1000.0


def irradiance(series: Series, parsed: ParsedMeasurement, ctx: AnalysisContext) -> float | None:
    """The stated irradiance: the upload's, else the series', else the file's."""
    for value in (
        ctx.irradiance_mw_cm2,
        series.metadata.get("irradiance_mw_cm2"),
        parsed.metadata.get("irradiance_mw_cm2"),
    ):
        if isinstance(value, (int, float)) and value > 0:
            return float(value)
    return None


def temperature(parsed: ParsedMeasurement, ctx: AnalysisContext) -> float:
    value = ctx.temperature_c or parsed.metadata.get("temperature_c")
    return float(value) if isinstance(value, (int, float)) else 25.0


def analyse(parsed: ParsedMeasurement, ctx: AnalysisContext) -> list[RowSpec]:
    rows: list[RowSpec] = []
    results: list[tuple[Series, Any]] = []
    thresholds = compute.jv.JVThresholds(
        shorted_ff=ctx.thresholds.shorted_max_ff,
        shorted_rsh_ohm_cm2=ctx.thresholds.shorted_max_rsh_ohm_cm2,
    )
    for s in parsed.series:
        v = s.columns["voltage_v"]
        j = _current_density(s, parsed, ctx)
        result = compute.jv.analyse_jv(v, j, irradiance(s, parsed, ctx), thresholds=thresholds)
        results.append((s, result))
        figs = result.to_dict()
        if "dark" in figs.get("flags", []):
            # A dark curve has no PCE; its diode figures are what the lab wants from it.
            figs["dark"] = compute.jv.analyse_dark_jv(v, j, temperature(parsed, ctx)).to_dict()
        theirs = s.metadata.get("instrument_figures")
        if theirs:
            figs["instrument"] = compute.jv.compare_with_instrument(figs, theirs)
            figs["instrument_consistent"] = figs["instrument"].get("consistent")
        sign = -1.0 if figs.get("sign_flipped") else 1.0
        rows.append(
            RowSpec(
                label=s.label or f"scan {len(rows) + 1}",
                figures=figs,
                flags=list(figs.get("flags", [])),
                curve=downsample({"voltage_v": v, "current_density_ma_cm2": sign * j}),
                pixel=str(s.metadata.get("pixel", "")),
            )
        )
    _add_hysteresis(results, rows)
    return rows


def _add_hysteresis(results, rows: list[RowSpec]) -> None:
    """Pair reverse and forward scans of the same pixel and store the index on both."""
    by_pixel: dict[str, dict[str, int]] = {}
    for i, (s, r) in enumerate(results):
        pixel = str(s.metadata.get("pixel", ""))
        by_pixel.setdefault(pixel, {}).setdefault(r.scan_direction, i)
    for pair in by_pixel.values():
        if "reverse" in pair and "forward" in pair:
            hi = compute.jv.hysteresis_index(
                results[pair["reverse"]][1], results[pair["forward"]][1]
            )
            for i in pair.values():
                rows[i].figures["hysteresis"] = hi


def _curve(r) -> dict:
    return {
        "label": f"{r.measurement.measured_at:%Y-%m-%d %H:%M} {r.label}",
        "voltage_v": r.curve.get("voltage_v", []),
        "current_density_ma_cm2": r.curve.get("current_density_ma_cm2", []),
        "scan_direction": r.scan_direction,
        "measured_at": r.measurement.measured_at,
        "key_points": {
            "voc_v": r.voc_v,
            "jsc_ma_cm2": r.jsc_ma_cm2,
            "vmpp_v": r.vmp_v,
            "jmpp_ma_cm2": r.jmp_ma_cm2,
        },
    }


def device_figure(results: dict[str, list]) -> dict | None:
    rows = results.get("jv")
    return figures.jv_figure([_curve(r) for r in rows]) if rows else None


SPEC = KindSpec(
    name="jv",
    label="J-V",
    targets=("device",),
    analyse=analyse,
    result_model="JVResult",
    area_from_device=True,
    summary=(
        SummaryField("voc_v", "Voc", "V"),
        SummaryField("jsc_ma_cm2", "Jsc", "mA/cm²"),
        SummaryField("ff", "FF", ""),
        SummaryField("pce_percent", "PCE", "%"),
        SummaryField("vmp_v", "Vmp", "V"),
        SummaryField("rs_ohm_cm2", "Rs", "Ω cm²"),
        SummaryField("rsh_ohm_cm2", "Rsh", "Ω cm²"),
        SummaryField("scan_direction", "scan", ""),
    ),
    figures=(PageFigure("device", "jv", ("jv",), device_figure),),
)
