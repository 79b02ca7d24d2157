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
    """A chunk of a bulk import. Each measurement is claimed and stored on its own, so a
    retried or redelivered chunk skips what already succeeded and redoes only the rest."""
    from analysis.pipeline import run_analysis

    outcomes: dict[str, int] = {}
    redelivered = _redelivered(self)
    for measurement_id in measurement_ids:
        outcome = run_analysis(
            measurement_id, redelivered=redelivered, worker=self.request.hostname or ""
        )
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@shared_task(ignore_result=True)
def sweep_stale_measurements() -> dict:
    """Periodic (celery beat): re-send lost queue messages, retry or fail stuck analyses."""
    from .services import sweep_stale

    return sweep_stale()
