"""Celery tasks: thin, by id, idempotent. The work is in ``analysis.pipeline``.

Task names are those of the tasks' first home (measurements.tasks), so messages already in a
deployment's broker, and its beat schedule, still find them.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from measurements import lifecycle

from .pipeline import run_analyses, run_analysis

RETRY = dict(
    bind=True,
    acks_late=True,
    # Only transient faults are retried; a file that cannot be read is recorded, not retried.
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)


def _redelivered(task) -> bool:
    # A redelivery (worker killed) or our own retry may take over a row left "running".
    return bool((task.request.delivery_info or {}).get("redelivered")) or bool(task.request.retries)


@shared_task(name="measurements.tasks.analyse_measurement", **RETRY)
def analyse_measurement(self, measurement_id: int) -> str:
    return run_analysis(
        measurement_id, redelivered=_redelivered(self), worker=self.request.hostname or ""
    )


@shared_task(name="measurements.tasks.analyse_measurements", **RETRY)
def analyse_measurements(self, measurement_ids: list[int]) -> dict[str, int]:
    """A chunk (a bulk import's files, or single uploads that arrived together): claimed and
    stored with a few queries for all of it, but each measurement succeeds or fails on its
    own, and a retried or redelivered chunk skips what already succeeded."""
    return run_analyses(
        measurement_ids, redelivered=_redelivered(self), worker=self.request.hostname or ""
    )


@shared_task(name="measurements.tasks.sweep_stale_measurements", ignore_result=True)
def sweep_stale_measurements() -> dict:
    """Periodic (celery beat): re-send lost queue messages, retry or fail stuck analyses."""
    return lifecycle.sweep_stale()
