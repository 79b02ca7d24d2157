"""J-V: Voc, Jsc, FF, PCE per scan, diode figures of dark curves, hysteresis pairs."""

from __future__ import annotations

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


def _declared_dark(series: Series, ctx: AnalysisContext) -> bool:
    """Dark as the lab declared it: the file's label or header, or the upload's choice."""
    stated = ctx.conditions.get("illumination") or series.metadata.get("illumination")
    return str(stated or "").lower() == "dark"


# Figures a dark curve never has: they describe power from light.
_LIGHT_ONLY = ("voc_v", "ff", "pce_percent", "pmax_mw_cm2", "vmp_v", "jmp_ma_cm2")


def analyse(parsed: ParsedMeasurement, ctx: AnalysisContext) -> list[RowSpec]:
    rows: list[RowSpec] = []
    thresholds = compute.jv.JVThresholds(
        shorted_ff=ctx.thresholds.shorted_max_ff,
        shorted_rsh_ohm_cm2=ctx.thresholds.shorted_max_rsh_ohm_cm2,
    )
    for s in parsed.series:
        v = s.columns["voltage_v"]
        j = _current_density(s, parsed, ctx)
        result = compute.jv.analyse_jv(v, j, irradiance(s, parsed, ctx), thresholds=thresholds)
        figs = result.to_dict()
        flags = list(figs.get("flags", []))
        direction, direction_flags = compute.jv.resolve_direction(
            s.metadata.get("declared_scan_direction"),
            result.scan_direction,
            bool(s.metadata.get("direction_layout_reliable", True)),
        )
        figs["seen_scan_direction"] = result.scan_direction
        figs["declared_scan_direction"] = s.metadata.get("declared_scan_direction")
        figs["scan_direction"] = direction
        flags += direction_flags
        declared_dark = _declared_dark(s, ctx)
        is_dark = declared_dark or "dark" in flags
        if is_dark:
            if declared_dark and "dark" not in flags:
                # A leaky dark curve looks lit to the numbers; the lab said it is dark.
                flags += ["dark", "declared_dark_with_current_at_0v"]
            for key in _LIGHT_ONLY:
                figs[key] = None
            # A dark curve has no PCE; its diode figures are what the lab wants from it.
            figs["dark"] = compute.jv.analyse_dark_jv(v, j, temperature(parsed, ctx)).to_dict()
        figs["is_dark"] = is_dark
        figs["pixel"] = str(s.metadata.get("pixel") or "")
        if ctx.area_provenance:
            figs["area"] = ctx.area_provenance
            if ctx.area_provenance.get("disagree"):
                flags.append("area_sources_disagree")
        problem = series_value(s, parsed, "irradiance_problem")
        if problem and not ctx.irradiance_mw_cm2:
            # The file's number was no irradiance; the default was used, and it says so.
            flags.append("irradiance_implausible")
            figs["irradiance_problem"] = problem
        theirs = s.metadata.get("instrument_figures")
        if theirs and not is_dark:
            figs["instrument"] = compute.jv.compare_with_instrument(figs, theirs)
            figs["instrument_consistent"] = figs["instrument"].get("consistent")
        figs["flags"] = flags
        sign = -1.0 if figs.get("sign_flipped") else 1.0
        rows.append(
            RowSpec(
                label=s.label or f"scan {len(rows) + 1}",
                figures=figs,
                flags=flags,
                curve=downsample({"voltage_v": v, "current_density_ma_cm2": sign * j}),
                pixel=str(s.metadata.get("pixel", "")),
            )
        )
    return rows


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
