"""Measurements through parse -> analyse -> store. Called by the Celery tasks, by id.

The claim is a conditional UPDATE whose row count says which worker won (for a chunk: the rows
it could lock and update), so a task delivered twice analyses once. Results replace the
measurement's earlier rows in one short transaction; slow work (reading the file, fitting)
happens before it. A chunk is claimed and stored with a handful of queries for all its
measurements, but each one succeeds or fails on its own.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from measurements import parsers
from measurements.models import Measurement, Status
from measurements.selectors import raw_bytes

from . import compute
from .kinds import AnalysisError, RowSpec, analyse_parsed
from .models import RESULT_MODELS, JVResult

log = logging.getLogger(__name__)


def _stale_before() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def _claimable(redelivered: bool) -> Q:
    can_claim = Q(status=Status.QUEUED) | Q(status=Status.RUNNING, started_at__lt=_stale_before())
    if redelivered:
        can_claim |= Q(status=Status.RUNNING)
    return can_claim


def _running(worker: str) -> dict:
    return dict(
        status=Status.RUNNING,
        started_at=timezone.now(),
        attempts=F("attempts") + 1,
        error="",
        analysed_by=worker[:120],
    )


def claim(measurement_id: int, redelivered: bool = False, worker: str = "") -> bool:
    """Move queued -> running. A redelivered task (worker killed) or a stale run may re-claim."""
    won = Measurement.objects.filter(_claimable(redelivered), id=measurement_id).update(
        **_running(worker)
    )
    return won == 1


def claim_many(ids: list[int], redelivered: bool = False, worker: str = "") -> list[int]:
    """``claim`` for a chunk, in one transaction: the ids this worker won. Rows another worker
    is claiming at this instant are skipped (SKIP LOCKED), as its UPDATE would win them."""
    with transaction.atomic():
        won = list(
            Measurement.objects.select_for_update(skip_locked=True)
            .filter(_claimable(redelivered), id__in=ids)
            .values_list("id", flat=True)
        )
        if won:
            Measurement.objects.filter(id__in=won).update(**_running(worker))
    return won


def _fail(measurement_id: int, message: str) -> None:
    Measurement.objects.filter(id=measurement_id, status=Status.RUNNING).update(
        status=Status.FAILED, error=message[:2000], finished_at=timezone.now()
    )


def _result_objects(measurement: Measurement, rows: list[RowSpec]) -> list:
    model = RESULT_MODELS[measurement.kind]
    field_names = {f.name for f in model._meta.concrete_fields}
    objects = []
    for i, row in enumerate(rows):
        values = {
            k: v
            for k, v in row.figures.items()
            if k in field_names
            and k not in {"id", "measurement", "index", "label", "figures", "flags", "curve"}
        }
        extra = {}
        if model is JVResult:
            extra = {
                "device_id": measurement.device_id,
                "measured_at": measurement.measured_at,
                "pixel": row.pixel,
            }
        objects.append(
            model(
                measurement=measurement,
                index=i,
                label=row.label[:80],
                analysis_version=compute.ANALYSIS_VERSION,
                figures=row.figures,
                flags=row.flags,
                curve=row.curve,
                **values,
                **extra,
            )
        )
    return objects


def _succeeded() -> dict:
    return dict(
        status=Status.SUCCEEDED,
        error="",
        finished_at=timezone.now(),
        analysis_version=compute.ANALYSIS_VERSION,
    )


def _replace_results(analysed: list[tuple[Measurement, list[RowSpec]]]) -> None:
    """Inside the storing transaction: drop earlier results, insert the new, propagate."""
    objects: dict[type, list] = {}
    stale: dict[type, list[int]] = {}
    for measurement, rows in analysed:
        model = RESULT_MODELS[measurement.kind]
        if measurement.analysis_version:
            # Stored before (re-analysis). A first analysis has nothing to replace: results
            # and analysis_version are only ever written together, in a storing transaction.
            stale.setdefault(model, []).append(measurement.id)
        objects.setdefault(model, []).extend(_result_objects(measurement, rows))
    for model, ids in stale.items():
        model.objects.filter(measurement_id__in=ids).delete()
    for model, rows in objects.items():
        model.objects.bulk_create(rows)
    for measurement, rows in analysed:
        _propagate(measurement, rows)


def _store(measurement: Measurement, rows: list[RowSpec]) -> None:
    with transaction.atomic():
        # The conditional UPDATE both checks and locks the row: if someone re-queued or failed
        # it meanwhile, nothing is written and their run will store.
        won = Measurement.objects.filter(id=measurement.id, status=Status.RUNNING).update(
            **_succeeded()
        )
        if won:
            _replace_results([(measurement, rows)])


def _store_many(analysed: list[tuple[Measurement, list[RowSpec]]]) -> int:
    """``_store`` for a chunk: one transaction, one INSERT per result table. Returns how many
    were stored (a row re-queued or failed meanwhile is left to whoever did that)."""
    if not analysed:
        return 0
    with transaction.atomic():
        ids = [m.id for m, _ in analysed]
        still = set(
            Measurement.objects.select_for_update()
            .filter(id__in=ids, status=Status.RUNNING)
            .values_list("id", flat=True)
        )
        analysed = [(m, rows) for m, rows in analysed if m.id in still]
        if analysed:
            Measurement.objects.filter(id__in=[m.id for m, _ in analysed]).update(**_succeeded())
            _replace_results(analysed)
    return len(analysed)


def _propagate(measurement: Measurement, rows: list[RowSpec]) -> None:
    """Derived facts flow to their owners: an absorbance result sizes the synthesis."""
    if measurement.kind != "absorbance" or not measurement.synthesis_id or not rows:
        return
    figures = rows[0].figures
    if figures.get("exciton_peak_nm") is None:
        return
    from fabrication.models import Synthesis

    Synthesis.objects.filter(id=measurement.synthesis_id).update(
        measured_exciton_peak_nm=figures["exciton_peak_nm"],
        diameter_nm=figures.get("diameter_nm"),
        diameter_source=figures.get("sizing_curve", "")[:120],
    )


def _analyse(measurement: Measurement) -> list[RowSpec] | str:
    """The result rows, or the reason the file cannot be analysed (stored as the error)."""
    try:
        data = raw_bytes(measurement)
        parsed = parsers.parse(
            data,
            filename=measurement.original_filename,
            kind=measurement.kind,
            format=measurement.format or None,
        )
        return analyse_parsed(measurement, parsed)
    except (parsers.ParseError, AnalysisError) as exc:
        return str(exc)
    except (OperationalError, InterfaceError):
        raise  # transient: the task retries with back-off
    except Exception as exc:  # noqa: BLE001 - an analysis bug must not leave the row running
        log.exception("analysis of measurement %s crashed", measurement.id)
        return f"Analysis error: {type(exc).__name__}: {exc}"


_RELATED = ("raw_file", "device", "film", "synthesis")


def run_analysis(measurement_id: int, redelivered: bool = False, worker: str = "") -> str:
    if not claim(measurement_id, redelivered, worker):
        return "skipped"
    if settings.ANALYSIS_DEBUG_DELAY_S:
        time.sleep(settings.ANALYSIS_DEBUG_DELAY_S)  # fault tests kill a worker in this window
    measurement = Measurement.objects.select_related(*_RELATED).get(id=measurement_id)
    rows = _analyse(measurement)
    if isinstance(rows, str):
        _fail(measurement_id, rows)
        return "failed"
    _store(measurement, rows)
    return "succeeded"


def run_analyses(ids: list[int], redelivered: bool = False, worker: str = "") -> dict[str, int]:
    """A chunk: claimed together, analysed one by one, stored together. About six queries for
    the chunk instead of four per measurement; each measurement still succeeds or fails alone.
    """
    won = claim_many(ids, redelivered, worker)
    outcomes = {"skipped": len(ids) - len(won)}
    if not won:
        return outcomes
    if settings.ANALYSIS_DEBUG_DELAY_S:
        time.sleep(settings.ANALYSIS_DEBUG_DELAY_S)
    measurements = Measurement.objects.select_related(*_RELATED).in_bulk(won)
    analysed = []
    for measurement_id in won:
        measurement = measurements[measurement_id]
        rows = _analyse(measurement)
        if isinstance(rows, str):
            _fail(measurement_id, rows)
            outcomes["failed"] = outcomes.get("failed", 0) + 1
        else:
            analysed.append((measurement, rows))
    outcomes["succeeded"] = _store_many(analysed)
    return outcomes
