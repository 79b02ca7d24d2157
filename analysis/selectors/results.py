"""Reads of analysis results."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from measurements.models import Measurement, Status

from ..models import RESULT_MODELS

# The curves shown beside each variant's champion (batch page), in this order.
CHAMPION_KINDS = ("jv", "eqe", "mpp")


def champion_rows(device_ids: Iterable[int], project_id: int) -> dict[str, list]:
    """The analysed J-V, EQE and MPP rows of the given devices (measurement loaded), oldest
    first: one query per kind, whatever the number of devices."""
    ids = list(device_ids)
    if not ids:
        return {kind: [] for kind in CHAMPION_KINDS}
    return {
        kind: list(
            RESULT_MODELS[kind]
            .objects.filter(
                measurement__device_id__in=ids,
                measurement__project_id=project_id,
                measurement__status=Status.SUCCEEDED,
            )
            .select_related("measurement")
            .order_by("measurement__measured_at", "measurement_id", "index")
        )
        for kind in CHAMPION_KINDS
    }


def _row_figures(row) -> dict:
    figures = dict(row.figures)
    figures.setdefault("flags", row.flags)
    if row.label:
        figures.setdefault("label", row.label)
    return figures


def result_rows_by_kind(measurements: Iterable[Measurement]) -> dict[str, list]:
    """Result rows of the succeeded measurements, per kind, oldest first (measurement loaded
    with each row): one query per kind present, not per measurement."""
    ids: dict[str, list[int]] = defaultdict(list)
    for m in measurements:
        if m.kind in RESULT_MODELS and m.status == Status.SUCCEEDED:
            ids[m.kind].append(m.pk)
    return {
        kind: list(
            RESULT_MODELS[kind]
            .objects.filter(measurement_id__in=kind_ids)
            .select_related("measurement")
            .order_by("measurement__measured_at", "measurement_id", "index")
        )
        for kind, kind_ids in ids.items()
    }


def results_for(
    measurements: Iterable[Measurement], rows_by_kind: dict[str, list] | None = None
) -> dict[int, dict | None]:
    """The API's ``results`` for each measurement (None until it has any)."""
    measurements = list(measurements)
    if rows_by_kind is None:
        rows_by_kind = result_rows_by_kind(measurements)
    out: dict[int, dict | None] = {m.pk: None for m in measurements}
    for kind, rows in rows_by_kind.items():
        per_measurement: dict[int, list] = defaultdict(list)
        for row in rows:
            per_measurement[row.measurement_id].append(row)
        for measurement_id, measurement_rows in per_measurement.items():
            out[measurement_id] = summarise_rows(kind, measurement_rows)
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
