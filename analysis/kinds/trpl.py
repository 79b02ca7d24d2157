"""TRPL: bi-exponential decay times and their averages.

With an IRF (another TRPL measurement the upload named, parsed by the pipeline into
``ctx.irf``) the decay is fitted by reconvolution, else by a tail fit. The repetition rate,
stated at upload, or in the file's header or name, adds the earlier pulses' tails to the
model and is checked against the longest lifetime.
"""

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
)

RATE = "repetition_rate_hz"


def _repetition_rate(s: Series, parsed: ParsedMeasurement, ctx: AnalysisContext) -> float | None:
    """The upload's stated rate, else the curve's, else the file's (header or name)."""
    stated = ctx.conditions.get(RATE)
    if stated is None:
        stated = s.metadata.get(RATE)
    if stated is None:
        return ctx.condition(parsed, RATE)
    if isinstance(stated, bool) or not isinstance(stated, (int, float)) or not stated > 0:
        raise AnalysisError(f"'{stated}' is not a repetition rate in Hz (curve {s.label})")
    return float(stated)


def analyse(parsed: ParsedMeasurement, ctx: AnalysisContext) -> list[RowSpec]:
    rows = []
    irf_time, irf_counts = ctx.irf if ctx.irf is not None else (None, None)
    for s in parsed.series:
        time_ns, counts = s.columns["time_ns"], s.columns["counts"]
        rate = _repetition_rate(s, parsed, ctx)
        try:
            result = compute.trpl.analyse_trpl(
                time_ns, counts, irf_counts, irf_time_ns=irf_time, repetition_rate_hz=rate
            )
        except ValueError as exc:
            raise AnalysisError(f"TRPL curve {s.label}: {exc}") from exc
        figs = result.to_dict()
        if ctx.irf is None and ctx.conditions.get("irf_measurement"):
            # Named but not delivered: say so rather than pass a tail fit off as asked for.
            figs["flags"].append("irf_not_available")
        rows.append(RowSpec(s.label, figs, flags=list(figs["flags"]), curve=downsample(s.columns)))
    return rows


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
