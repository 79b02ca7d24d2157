"""One measurement through parse -> analyse -> store. Called by the Celery task, by id.

The claim is a conditional UPDATE whose row count says which worker won, so a task
delivered twice analyses once. Results replace the measurement's earlier rows in one
short transaction; slow work (reading the file, fitting) happens before it.
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


def claim(measurement_id: int, redelivered: bool = False, worker: str = "") -> bool:
    """Move queued -> running. A redelivered task (worker killed) or a stale run may re-claim."""
    can_claim = Q(status=Status.QUEUED) | Q(status=Status.RUNNING, started_at__lt=_stale_before())
    if redelivered:
        can_claim |= Q(status=Status.RUNNING)
    now = timezone.now()
    won = Measurement.objects.filter(can_claim, id=measurement_id).update(
        status=Status.RUNNING,
        started_at=now,
        attempts=F("attempts") + 1,
        error="",
        analysed_by=worker[:120],
    )
    return won == 1


def _fail(measurement_id: int, message: str) -> None:
    Measurement.objects.filter(id=measurement_id, status=Status.RUNNING).update(
        status=Status.FAILED, error=message[:2000], finished_at=timezone.now()
    )


def _store(measurement: Measurement, rows: list[RowSpec]) -> None:
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
    with transaction.atomic():
        # The conditional UPDATE both checks and locks the row: if someone re-queued or failed
        # it meanwhile, nothing is written and their run will store.
        won = Measurement.objects.filter(id=measurement.id, status=Status.RUNNING).update(
            status=Status.SUCCEEDED,
            error="",
            finished_at=timezone.now(),
            analysis_version=compute.ANALYSIS_VERSION,
        )
        if not won:
            return
        if measurement.analysis_version:
            # Stored before (re-analysis). A first analysis has nothing to replace: results and
            # analysis_version are only ever written together, in this block.
            model.objects.filter(measurement=measurement).delete()
        model.objects.bulk_create(objects)
        _propagate(measurement, rows)


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


def run_analysis(measurement_id: int, redelivered: bool = False, worker: str = "") -> str:
    if not claim(measurement_id, redelivered, worker):
        return "skipped"
    if settings.ANALYSIS_DEBUG_DELAY_S:
        time.sleep(settings.ANALYSIS_DEBUG_DELAY_S)  # fault tests kill a worker in this window
    measurement = Measurement.objects.select_related("raw_file", "device", "film", "synthesis").get(
        id=measurement_id
    )
    try:
        data = raw_bytes(measurement)
        parsed = parsers.parse(
            data,
            filename=measurement.original_filename,
            kind=measurement.kind,
            format=measurement.format or None,
        )
        rows = analyse_parsed(measurement, parsed)
    except (parsers.ParseError, AnalysisError) as exc:
        _fail(measurement_id, str(exc))
        return "failed"
    except (OperationalError, InterfaceError):
        raise  # transient: the task retries with back-off
    except Exception as exc:  # noqa: BLE001 - an analysis bug must not leave the row running
        log.exception("analysis of measurement %s crashed", measurement_id)
        _fail(measurement_id, f"Analysis error: {type(exc).__name__}: {exc}")
        return "failed"
    _store(measurement, rows)
    return "succeeded"
