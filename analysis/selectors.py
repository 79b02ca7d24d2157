"""Reads of analysis results."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from measurements.models import Measurement

from .models import RESULT_MODELS


def _row_figures(row) -> dict:
    figures = dict(row.figures)
    figures.setdefault("flags", row.flags)
    if row.label:
        figures.setdefault("label", row.label)
    return figures


def results_for(measurements: Iterable[Measurement]) -> dict[int, dict | None]:
    """The API's ``results`` for each measurement: one query per kind present, not per row."""
    by_kind: dict[str, list[int]] = defaultdict(list)
    out: dict[int, dict | None] = {}
    for m in measurements:
        out[m.pk] = None
        if m.kind in RESULT_MODELS and m.status == "succeeded":
            by_kind[m.kind].append(m.pk)
    for kind, ids in by_kind.items():
        rows_by_measurement: dict[int, list] = defaultdict(list)
        for row in (
            RESULT_MODELS[kind]
            .objects.filter(measurement_id__in=ids)
            .order_by("measurement_id", "index")
        ):
            rows_by_measurement[row.measurement_id].append(row)
        for mid, rows in rows_by_measurement.items():
            out[mid] = summarise_rows(kind, rows)
    return out


def summarise_rows(kind: str, rows: list) -> dict:
    scans = [_row_figures(r) for r in rows]
    if len(scans) == 1:
        return scans[0]
    if kind == "jv":
        # Several scans or pixels: the top level repeats the best scan, every scan is listed.
        best = max(scans, key=lambda s: s.get("pce_percent") or float("-inf"))
        return {**best, "summary_of": "best scan by PCE", "scans": scans}
    return {**scans[0], "summary_of": "first curve", "scans": scans}
