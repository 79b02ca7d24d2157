"""Photoluminescence: peak, width, Stokes shift against the synthesis's exciton."""

from __future__ import annotations

from measurements.parsers import ParsedMeasurement

from .. import compute
from .absorbance import SPECTRA
from .base import AnalysisContext, KindSpec, RowSpec, SummaryField, simple_row


def analyse(parsed: ParsedMeasurement, ctx: AnalysisContext) -> list[RowSpec]:
    return [
        simple_row(
            s,
            compute.pl.analyse_pl,
            wavelength_nm=s.columns["wavelength_nm"],
            intensity=s.columns["intensity"],
            exciton_peak_nm=ctx.exciton_peak_nm,
        )
        for s in parsed.series
    ]


SPEC = KindSpec(
    name="pl",
    label="Photoluminescence",
    targets=("device", "film", "synthesis"),
    analyse=analyse,
    result_model="PLResult",
    summary=(SummaryField("peak_nm", "peak", "nm"), SummaryField("fwhm_nm", "FWHM", "nm")),
    figures=(SPECTRA,),
    depends_on=("absorbance",),
)
