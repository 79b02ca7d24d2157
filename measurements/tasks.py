"""Celery tasks: thin, by id, idempotent. The work is in analysis.pipeline."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

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


@shared_task(**RETRY)
def analyse_measurement(self, measurement_id: int) -> str:
    from analysis.pipeline import run_analysis

    return run_analysis(
        measurement_id, redelivered=_redelivered(self), worker=self.request.hostname or ""
    )


@shared_task(**RETRY)
def analyse_measurements(self, measurement_ids: list[int]) -> dict[str, int]:
    """A chunk (a bulk import's files, or single uploads that arrived together): claimed and
    stored with a few queries for all of it, but each measurement succeeds or fails on its
    own, and a retried or redelivered chunk skips what already succeeded."""
    from analysis.pipeline import run_analyses

    return run_analyses(
        measurement_ids, redelivered=_redelivered(self), worker=self.request.hostname or ""
    )


@shared_task(ignore_result=True)
def sweep_stale_measurements() -> dict:
    """Periodic (celery beat): re-send lost queue messages, retry or fail stuck analyses."""
    from .services import sweep_stale

    return sweep_stale()
