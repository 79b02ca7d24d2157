"""EQE: integrated Jsc against AM1.5G, gap, and the cross-check with the device's J-V Jsc."""

from __future__ import annotations

from measurements.parsers import ParsedMeasurement

from .. import compute, figures
from .base import AnalysisContext, KindSpec, PageFigure, RowSpec, SummaryField, simple_row


def analyse(parsed: ParsedMeasurement, ctx: AnalysisContext) -> list[RowSpec]:
    rows = []
    jv_jsc = ctx.reference_jsc_ma_cm2
    for s in parsed.series:
        c = s.columns
        row = simple_row(
            s,
            compute.eqe.analyse_eqe,
            wavelength_nm=c["wavelength_nm"],
            eqe_fraction=c["eqe_fraction"],
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
