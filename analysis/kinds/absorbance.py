"""UV-vis-NIR absorbance: first exciton peak, Moreels size, Tauc gap.

The instrument's changeover wavelengths come from the parsed file (a PerkinElmer header states
them) or, failing that, from the instrument's name; whether the material holds dots at all
comes from the context (a polymer or oxide layer gets no exciton and no size).
"""

from __future__ import annotations

from measurements.parsers import ParsedMeasurement

from .. import compute, figures
from .base import (
    AnalysisContext,
    AnalysisError,
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
        try:
            rows.append(
                simple_row(
                    s,
                    compute.absorbance.analyse_absorbance,
                    wavelength_nm=s.columns["wavelength_nm"],
                    absorbance=s.columns["absorbance"],
                    changeover_nm=series_value(s, parsed, "changeover_nm"),
                    instrument=series_value(s, parsed, "instrument"),
                    is_qd_material=ctx.is_qd_material,
                )
            )
        except ValueError as exc:  # too few points to look for an exciton
            raise AnalysisError(f"spectrum '{s.label}': {exc}") from exc
    return rows


def spectra_figure(results: dict[str, list]) -> dict | None:
    """Absorbance and PL of one material in one plot (the PL kind shares this figure)."""
    absorbance = [
        {
            "label": f"{r.measurement.target.code}: {r.measurement.original_filename}",
            "wavelength_nm": r.curve.get("wavelength_nm", []),
            "absorbance": r.curve.get("absorbance", []),
            "exciton_peak_nm": r.exciton_peak_nm,
            "diameter_nm": r.diameter_nm,
        }
        for r in results.get("absorbance", [])
    ]
    pl = [
        {
            "label": f"{r.measurement.target.code}: {r.measurement.original_filename}",
            "wavelength_nm": r.curve.get("wavelength_nm", []),
            "intensity": r.curve.get("intensity", []),
            "peak_nm": r.peak_nm,
        }
        for r in results.get("pl", [])
    ]
    return figures.spectra_figure(absorbance, pl) if (absorbance or pl) else None


SPECTRA = PageFigure("synthesis", "spectra", ("absorbance", "pl"), spectra_figure)

SPEC = KindSpec(
    name="absorbance",
    label="UV-vis-NIR absorbance",
    targets=("device", "film", "synthesis"),
    analyse=analyse,
    result_model="AbsorbanceResult",
    summary=(
        SummaryField("exciton_peak_nm", "1S peak", "nm"),
        SummaryField("bandgap_ev", "gap", "eV"),
        SummaryField("diameter_nm", "diameter", "nm"),
    ),
    figures=(SPECTRA,),
)
