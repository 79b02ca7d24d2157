"""Transient photovoltage: small-signal decay time.

The pulse repetition rate (stated at upload, or in the file's header) is checked against
the longest lifetime: the decay must end before the next pulse.
"""

from __future__ import annotations

from measurements.parsers import ParsedMeasurement

from .. import compute
from .base import AnalysisContext, AnalysisError, KindSpec, RowSpec, SummaryField, simple_row


def analyse(parsed: ParsedMeasurement, ctx: AnalysisContext) -> list[RowSpec]:
    rate = ctx.condition(parsed, "repetition_rate_hz")
    rows = []
    for s in parsed.series:
        try:
            rows.append(
                simple_row(
                    s,
                    compute.tpv.analyse_tpv,
                    time_s=s.columns["time_s"],
                    voltage_v=s.columns["voltage_v"],
                    repetition_rate_hz=rate,
                )
            )
        except ValueError as exc:
            raise AnalysisError(f"TPV curve {s.label}: {exc}") from exc
    return rows


SPEC = KindSpec(
    name="tpv",
    label="Transient photovoltage",
    targets=("device",),
    analyse=analyse,
    result_model="TPVResult",
    summary=(SummaryField("tau_us", "τ", "µs"),),
)
