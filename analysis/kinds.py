"""From a parsed file to result rows, one function per kind. Pure but for reading context
(the device's area, the synthesis's exciton peak) from the measurement passed in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings

from measurements.parsers import ParsedMeasurement, Series

from . import compute
from .figures._downsample import minmax_indices

MAX_CURVE_POINTS = 1000


class AnalysisError(ValueError):
    """The file was read but cannot be analysed as asked (a user-facing message)."""


@dataclass
class RowSpec:
    label: str
    figures: dict[str, Any]
    flags: list[str] = field(default_factory=list)
    curve: dict[str, list[float]] = field(default_factory=dict)
    pixel: str = ""


def downsample(columns: dict[str, np.ndarray], max_points: int = MAX_CURVE_POINTS) -> dict:
    """Plot data for the pages: every point of short curves; of long ones (a 32,768-channel
    TRPL histogram), each bucket's extremes of the measured quantity, so peaks survive."""
    if not columns:
        return {}
    measured = list(columns.values())[-1] if len(columns) > 1 else next(iter(columns.values()))
    keep = minmax_indices(np.asarray(measured, dtype=float), max_points)
    return {
        key: [None if not np.isfinite(v) else round(float(v), 6) for v in np.asarray(a)[keep]]
        for key, a in columns.items()
    }


def _jv_thresholds() -> compute.jv.JVThresholds:
    return compute.jv.JVThresholds(
        shorted_ff=settings.DEVICE_SHORTED_MAX_FF,
        shorted_rsh_ohm_cm2=settings.DEVICE_SHORTED_MAX_RSH_OHM_CM2,
    )


def _current_density(series: Series, measurement, parsed: ParsedMeasurement) -> np.ndarray:
    cols = series.columns
    if "current_density_ma_cm2" in cols:
        return cols["current_density_ma_cm2"]
    area = (
        measurement.area_cm2 or series.metadata.get("area_cm2") or parsed.metadata.get("area_cm2")
    )
    if not area:
        raise AnalysisError(
            "The file gives current, not current density, and no area is known: "
            "upload it with area_cm2 or set the device's active area."
        )
    return cols["current_a"] / float(area) * 1000.0


def _irradiance(measurement, series: Series, parsed: ParsedMeasurement) -> float | None:
    for value in (
        measurement.irradiance_mw_cm2,
        series.metadata.get("irradiance_mw_cm2"),
        parsed.metadata.get("irradiance_mw_cm2"),
    ):
        if isinstance(value, (int, float)) and value > 0:
            return float(value)
    return None


def _jv_rows(measurement, parsed: ParsedMeasurement) -> list[RowSpec]:
    rows: list[RowSpec] = []
    results: list[tuple[Series, Any]] = []
    for s in parsed.series:
        v = s.columns["voltage_v"]
        j = _current_density(s, measurement, parsed)
        result = compute.jv.analyse_jv(
            v, j, _irradiance(measurement, s, parsed), thresholds=_jv_thresholds()
        )
        results.append((s, result))
        figures = result.to_dict()
        if "dark" in figures.get("flags", []):
            # A dark curve has no PCE; its diode figures are what the lab wants from it.
            figures["dark"] = compute.jv.analyse_dark_jv(
                v, j, _temperature(measurement, parsed)
            ).to_dict()
        theirs = s.metadata.get("instrument_figures")
        if theirs:
            figures["instrument"] = compute.jv.compare_with_instrument(figures, theirs)
            figures["instrument_consistent"] = figures["instrument"].get("consistent")
        sign = -1.0 if figures.get("sign_flipped") else 1.0
        rows.append(
            RowSpec(
                label=s.label or f"scan {len(rows) + 1}",
                figures=figures,
                flags=list(figures.get("flags", [])),
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


def _simple(series: Series, fn, **kwargs) -> RowSpec:
    figures = fn(**kwargs).to_dict()
    return RowSpec(
        label=series.label,
        figures=figures,
        flags=list(figures.get("flags", [])),
        curve=downsample(series.columns),
    )


def _device_jv_jsc(measurement) -> float | None:
    from .models import JVResult

    if not measurement.device_id:
        return None
    rows = JVResult.objects.filter(
        device_id=measurement.device_id, jsc_ma_cm2__isnull=False
    ).order_by("-measured_at")
    # The latest reverse scan is the lab's reference Jsc; any scan will do if there is none.
    return (
        rows.filter(scan_direction="reverse").values_list("jsc_ma_cm2", flat=True).first()
        or rows.values_list("jsc_ma_cm2", flat=True).first()
    )


def _eqe_rows(measurement, parsed: ParsedMeasurement) -> list[RowSpec]:
    rows = []
    jv_jsc = _device_jv_jsc(measurement)
    for s in parsed.series:
        c = s.columns
        row = _simple(
            s,
            compute.eqe.analyse_eqe,
            wavelength_nm=c["wavelength_nm"],
            eqe_fraction=c["eqe_fraction"],
        )
        jsc = row.figures.get("integrated_jsc_ma_cm2")
        if jv_jsc and jsc:
            check = compute.eqe.jsc_mismatch(jsc, jv_jsc, settings.EQE_JSC_MISMATCH_FRACTION)
            row.figures["jv_comparison"] = check
            row.figures["jsc_mismatch"] = bool(check.get("mismatch"))
            if row.figures["jsc_mismatch"]:
                row.flags.append("eqe_jv_jsc_mismatch")
        theirs = s.metadata.get("instrument_figures") or {}
        if theirs.get("integrated_jsc_ma_cm2") and jsc:
            row.figures["instrument_integrated_jsc_ma_cm2"] = theirs["integrated_jsc_ma_cm2"]
        rows.append(row)
    return rows


# An MPP log longer than this is also an aging series (normalised power, T80, T95).
MPP_AGING_MIN_S = 3600.0


def _mpp_aging(series: Series, row: RowSpec) -> None:
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
        aging = compute.aging.analyse_aging(hours, np.abs(power)).to_dict()
    except ValueError:
        return
    aging.pop("normalised", None)
    aging.pop("hours", None)
    row.figures["aging"] = aging


def _mpp_rows(measurement, parsed: ParsedMeasurement) -> list[RowSpec]:
    rows = []
    for s in parsed.series:
        c = s.columns
        rows.append(
            _simple(
                s,
                compute.mpp.analyse_mpp,
                time_s=c["time_s"],
                power_mw_cm2=c.get("power_mw_cm2"),
                voltage_v=c.get("voltage_v"),
                current_density_ma_cm2=c.get("current_density_ma_cm2"),
                irradiance_mw_cm2=_irradiance(measurement, s, parsed),
            )
        )
        _mpp_aging(s, rows[-1])
    return rows


def _temperature(measurement, parsed: ParsedMeasurement) -> float:
    value = measurement.temperature_c or parsed.metadata.get("temperature_c")
    return float(value) if isinstance(value, (int, float)) else 25.0


def _intensity_rows(measurement, parsed: ParsedMeasurement) -> list[RowSpec]:
    return [
        _simple(
            s,
            compute.intensity.analyse_intensity,
            intensity_mw_cm2=s.columns["intensity_mw_cm2"],
            voc_v=s.columns["voc_v"],
            jsc_ma_cm2=s.columns.get("jsc_ma_cm2"),
            temperature_c=_temperature(measurement, parsed),
        )
        for s in parsed.series
    ]


def _trpl_rows(measurement, parsed: ParsedMeasurement) -> list[RowSpec]:
    return [
        _simple(
            s, compute.trpl.analyse_trpl, time_ns=s.columns["time_ns"], counts=s.columns["counts"]
        )
        for s in parsed.series
    ]


def _tpv_rows(measurement, parsed: ParsedMeasurement) -> list[RowSpec]:
    return [
        _simple(
            s, compute.tpv.analyse_tpv, time_s=s.columns["time_s"], voltage_v=s.columns["voltage_v"]
        )
        for s in parsed.series
    ]


def _absorbance_rows(measurement, parsed: ParsedMeasurement) -> list[RowSpec]:
    return [
        _simple(
            s,
            compute.absorbance.analyse_absorbance,
            wavelength_nm=s.columns["wavelength_nm"],
            absorbance=s.columns["absorbance"],
        )
        for s in parsed.series
    ]


def _exciton_peak(measurement) -> float | None:
    synthesis = measurement.synthesis
    if synthesis is None and measurement.film_id:
        synthesis = measurement.film.synthesis
    if synthesis is None and measurement.device_id:
        ink = measurement.device.substrate.variant.ink
        synthesis = ink.synthesis if ink else None
    if synthesis is None:
        return None
    return synthesis.measured_exciton_peak_nm or synthesis.target_exciton_peak_nm


def _pl_rows(measurement, parsed: ParsedMeasurement) -> list[RowSpec]:
    peak = _exciton_peak(measurement)
    return [
        _simple(
            s,
            compute.pl.analyse_pl,
            wavelength_nm=s.columns["wavelength_nm"],
            intensity=s.columns["intensity"],
            exciton_peak_nm=peak,
        )
        for s in parsed.series
    ]


ANALYSERS = {
    "jv": _jv_rows,
    "eqe": _eqe_rows,
    "mpp": _mpp_rows,
    "intensity": _intensity_rows,
    "trpl": _trpl_rows,
    "tpv": _tpv_rows,
    "absorbance": _absorbance_rows,
    "pl": _pl_rows,
}


def analyse_parsed(measurement, parsed: ParsedMeasurement) -> list[RowSpec]:
    try:
        analyser = ANALYSERS[parsed.kind]
    except KeyError:
        raise AnalysisError(f"No analysis for kind '{parsed.kind}'.") from None
    try:
        rows = analyser(measurement, parsed)
    except KeyError as exc:
        raise AnalysisError(
            f"The file has no {exc.args[0]} column for a {parsed.kind} analysis."
        ) from exc
    if not rows:
        raise AnalysisError("The file holds no curve to analyse.")
    return rows
