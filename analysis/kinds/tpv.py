"""Transient photovoltage: small-signal decay time."""

from __future__ import annotations

from measurements.parsers import ParsedMeasurement

from .. import compute
from .base import AnalysisContext, KindSpec, RowSpec, SummaryField, simple_row


def analyse(parsed: ParsedMeasurement, ctx: AnalysisContext) -> list[RowSpec]:
    return [
        simple_row(
            s, compute.tpv.analyse_tpv, time_s=s.columns["time_s"], voltage_v=s.columns["voltage_v"]
        )
        for s in parsed.series
    ]


SPEC = KindSpec(
    name="tpv",
    label="Transient photovoltage",
    targets=("device",),
    analyse=analyse,
    result_model="TPVResult",
    summary=(SummaryField("tau_us", "τ", "µs"),),
)
