"""EQE: integrated Jsc against AM1.5G, gap, 1S peak, Urbach energy, and the cross-check with
the device's J-V Jsc.

Percent or fraction is never guessed from the maximum. Parsers hand over ``eqe_fraction``, their
reading of the file's EQE column; whether that reading was stated by the file or assumed, this
module learns from the parsed metadata (``eqe_unit`` when the file stated it, ``eqe_unit_assumed``
when the parser assumed it), or, for parsers that do not say yet, from their "no unit; read as"
warning. An assumed reading gives way to the user's statement (``conditions["eqe_unit"]``);
without one it stands only when it is the only physical one (a fraction above 150 % is no cell),
else the unit is unknown and the Jsc is not computed.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

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

_SPELLINGS = {"percent": "percent", "%": "percent", "fraction": "fraction", "1": "fraction"}
# What parsers that do not yet set eqe_unit_assumed write when they read a unit-less column.
_ASSUMED_WARNINGS = (
    (re.compile(r"no unit; read as %"), "percent"),
    (re.compile(r"no unit; read as fraction"), "fraction"),
    (re.compile(r"read as EQE in %"), "percent"),
)


def _unit_word(value: Any) -> str | None:
    return _SPELLINGS.get(str(value).strip().lower()) if value is not None else None


def _assumed_unit(parsed: ParsedMeasurement, series: Series) -> str | None:
    """The unit the parser assumed for a column the file left without one, None when the file
    stated it."""
    if _unit_word(series_value(series, parsed, "eqe_unit")):
        return None
    stated = _unit_word(series_value(series, parsed, "eqe_unit_assumed"))
    if stated:
        return stated
    single = len(parsed.series) == 1
    for pattern, unit in _ASSUMED_WARNINGS:
        for warning in parsed.warnings:
            if pattern.search(warning) and (single or series.label in warning):
                return unit
    return None


def _eqe_values(
    parsed: ParsedMeasurement, series: Series, ctx: AnalysisContext
) -> tuple[np.ndarray, str | None, str, list[str]]:
    """(EQE values, their unit or None, where the unit comes from, flags) for the compute."""
    fraction = np.asarray(series.columns["eqe_fraction"], dtype=float)
    assumed = _assumed_unit(parsed, series)
    user = _unit_word(ctx.conditions.get("eqe_unit"))
    if assumed is None:
        # The file's own statement stands; a user statement against it is flagged, not applied.
        stated = _unit_word(series_value(series, parsed, "eqe_unit"))
        flags = ["eqe_unit_user_ignored"] if user and stated and user != stated else []
        return fraction, "fraction", "file", flags
    raw = fraction * 100.0 if assumed == "percent" else fraction  # what the file holds
    if user:
        return raw, user, "user", []
    finite = raw[np.isfinite(raw)]
    if finite.size and float(finite.max()) > compute.eqe.MAX_PHYSICAL_EQE:
        return raw, "percent", "deduced", []  # as a fraction it would exceed 150 %
    return raw, None, "", []


def analyse(parsed: ParsedMeasurement, ctx: AnalysisContext) -> list[RowSpec]:
    rows = []
    jv_jsc = ctx.reference_jsc_ma_cm2
    for s in parsed.series:
        c = s.columns
        values, unit, source, unit_flags = _eqe_values(parsed, s, ctx)
        try:
            result = compute.eqe.analyse_eqe(
                c["wavelength_nm"], values, unit=unit, unit_source=source
            )
        except ValueError as exc:
            raise AnalysisError(
                f"spectrum '{s.label}': {exc}; state the unit with eqe_unit (percent/fraction)"
            ) from exc
        figures_ = result.to_dict()
        figures_["flags"] = [*figures_.get("flags", []), *unit_flags]
        curve = dict(s.columns)
        if unit == "percent":  # the plot shows the EQE as the analysis read it
            curve["eqe_fraction"] = np.asarray(values, dtype=float) / 100.0
        elif unit == "fraction":
            curve["eqe_fraction"] = np.asarray(values, dtype=float)
        row = RowSpec(
            label=s.label, figures=figures_, flags=list(figures_["flags"]), curve=downsample(curve)
        )
        jsc = row.figures.get("integrated_jsc_ma_cm2")
        if jv_jsc and jsc:
            check = compute.eqe.jsc_mismatch(jsc, jv_jsc, ctx.thresholds.eqe_jsc_mismatch_fraction)
            row.figures["jv_comparison"] = check
            row.figures["jsc_mismatch"] = bool(check.get("mismatch"))
            if row.figures["jsc_mismatch"]:
                row.flags.append("eqe_jv_jsc_mismatch")
        theirs = s.metadata.get("instrument_figures") or {}
        if theirs.get("integrated_jsc_ma_cm2") and jsc:
            row.figures["instrument_integrated_jsc_ma_cm2"] = theirs["integrated_jsc_ma_cm2"]
        rows.append(row)
    return rows


def device_figure(results: dict[str, list]) -> dict | None:
    rows = results.get("eqe")
    if not rows:
        return None
    return figures.eqe_figure(
        [
            {
                "label": r.measurement.original_filename,
                "wavelength_nm": r.curve.get("wavelength_nm", []),
                "eqe_percent": [
                    100 * v if v is not None else None for v in r.curve.get("eqe_fraction", [])
                ],
                "integrated_jsc_ma_cm2": r.integrated_jsc_ma_cm2,
            }
            for r in rows
        ]
    )


SPEC = KindSpec(
    name="eqe",
    label="EQE",
    targets=("device",),
    analyse=analyse,
    result_model="EQEResult",
    summary=(
        SummaryField("integrated_jsc_ma_cm2", "integrated Jsc", "mA/cm²"),
        SummaryField("bandgap_ev", "gap", "eV"),
    ),
    figures=(PageFigure("device", "eqe", ("eqe",), device_figure),),
    depends_on=("jv",),
    needs_reference_jsc=True,
)
