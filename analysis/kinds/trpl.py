"""TRPL: bi-exponential decay times and their averages."""

from __future__ import annotations

from measurements.parsers import ParsedMeasurement

from .. import compute, figures
from .base import AnalysisContext, KindSpec, PageFigure, RowSpec, SummaryField, simple_row


def analyse(parsed: ParsedMeasurement, ctx: AnalysisContext) -> list[RowSpec]:
    return [
        simple_row(
            s, compute.trpl.analyse_trpl, time_ns=s.columns["time_ns"], counts=s.columns["counts"]
        )
        for s in parsed.series
    ]


def synthesis_figure(results: dict[str, list]) -> dict | None:
    rows = results.get("trpl")
    if not rows:
        return None
    return figures.trpl_figure(
        [
            {
                "label": f"{r.measurement.target.code}",
                "time_ns": r.curve.get("time_ns", []),
                "counts": r.curve.get("counts", []),
                "tau1_ns": r.tau1_ns,
                "tau2_ns": r.tau2_ns,
                "tau_avg_ns": r.tau_avg_amplitude_ns,
            }
            for r in rows
        ]
    )


SPEC = KindSpec(
    name="trpl",
    label="TRPL",
    targets=("device", "film", "synthesis"),
    analyse=analyse,
    result_model="TRPLResult",
    summary=(
        SummaryField("tau1_ns", "τ1", "ns"),
        SummaryField("tau2_ns", "τ2", "ns"),
        SummaryField("tau_avg_amplitude_ns", "τ avg (amplitude)", "ns"),
    ),
    figures=(PageFigure("synthesis", "trpl", ("trpl",), synthesis_figure),),
)
