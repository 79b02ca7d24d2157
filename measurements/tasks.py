"""Celery tasks: thin, by id, idempotent. The work is in analysis.pipeline."""

from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(
    bind=True,
    acks_late=True,
    # Only transient faults are retried; a file that cannot be read is recorded, not retried.
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def analyse_measurement(self, measurement_id: int) -> str:
    from analysis.pipeline import run_analysis

    # A redelivery (worker killed) or our own retry may take over a row left "running".
    redelivered = bool((self.request.delivery_info or {}).get("redelivered")) or bool(
        self.request.retries
    )
    return run_analysis(measurement_id, redelivered=redelivered, worker=self.request.hostname or "")


@shared_task(ignore_result=True)
def sweep_stale_measurements() -> dict:
    """Periodic (celery beat): re-send lost queue messages, retry or fail stuck analyses."""
    from .services import sweep_stale

    return sweep_stale()
