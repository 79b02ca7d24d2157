"""Every status transition of a measurement, in one place, and the announcement of work.

queued -> running (claim) -> succeeded (succeed) | failed (fail); and back to queued
(requeue, sweep). Each transition is a conditional UPDATE whose row count says who won, so a
task delivered twice, a sweeper and a re-analysis can race without harm.

Measurements does not know who analyses. It announces committed measurements that want
analysis through the ``analysis_wanted`` signal (connected by the analysis app in ``ready()``),
after the commit, so a worker always finds the row. The database stays the source of truth: an
announcement that never reaches a worker leaves the row ``queued`` and the sweeper announces it
again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.dispatch import Signal
from django.utils import timezone

from . import kinds
from .models import Measurement, Status

# Sent with ``items``: a list of (measurement id, kind) committed and waiting for analysis, and
# ``together``: True when they come from one bulk import (send them in chunks, at once).
analysis_wanted = Signal()


def _announce(items: list[tuple[int, str]], together: bool) -> None:
    if items:
        analysis_wanted.send(sender=Measurement, items=items, together=together)


# --- announcing ---------------------------------------------------------------------------------

_gathering: ContextVar[_Gathering | None] = ContextVar("cqdlab_gathering", default=None)


class _Gathering:
    """The committed measurements of one bulk import, announced ``size`` at a time, so the
    workers start on the first ones while the import goes on."""

    def __init__(self, size: int):
        self.size = max(1, size)
        self.items: list[tuple[int, str]] = []

    def add(self, measurement_id: int, kind: str) -> None:
        self.items.append((measurement_id, kind))
        if len(self.items) >= self.size:
            self.flush()

    def flush(self) -> None:
        items, self.items = self.items, []
        _announce(items, together=True)


@contextmanager
def announced_together(size: int | None = None) -> Iterator[None]:
    """Announce the measurements committed in this block in chunks (bulk imports)."""
    gathering = _Gathering(size or settings.ANALYSIS_CHUNK)
    token = _gathering.set(gathering)
    try:
        yield
    finally:
        _gathering.reset(token)
        gathering.flush()


def _committed(measurement_id: int, kind: str) -> None:
    gathering = _gathering.get()
    if gathering is not None:
        gathering.add(measurement_id, kind)
    else:
        _announce([(measurement_id, kind)], together=False)


def announce_on_commit(measurement_id: int, kind: str) -> None:
    """Announce the measurement once its row is committed (never from inside the transaction)."""
    transaction.on_commit(lambda: _committed(measurement_id, kind))


# --- claiming and finishing ---------------------------------------------------------------------


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
    """queued -> running. A redelivered task (worker killed) or a stale run may re-claim."""
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


def fail(measurement_id: int, message: str) -> None:
    """running -> failed, with the reason a lab member reads."""
    Measurement.objects.filter(id=measurement_id, status=Status.RUNNING).update(
        status=Status.FAILED, error=message[:2000], finished_at=timezone.now()
    )


def _succeeded(version: str) -> dict:
    return dict(
        status=Status.SUCCEEDED, error="", finished_at=timezone.now(), analysis_version=version
    )


def succeed(measurement_id: int, version: str, write: Callable[[], None]) -> bool:
    """running -> succeeded, and ``write`` (the results) in the same short transaction.

    The conditional UPDATE both checks and locks the row: if someone re-queued or failed it
    meanwhile, nothing is written and their run will store.
    """
    with transaction.atomic():
        won = Measurement.objects.filter(id=measurement_id, status=Status.RUNNING).update(
            **_succeeded(version)
        )
        if won:
            write()
    return bool(won)


def succeed_many(ids: Iterable[int], version: str, write: Callable[[set[int]], None]) -> set[int]:
    """``succeed`` for a chunk: one transaction; ``write`` gets the ids still running (a row
    re-queued or failed meanwhile is left to whoever did that). Returns those ids."""
    ids = list(ids)
    if not ids:
        return set()
    with transaction.atomic():
        still = set(
            Measurement.objects.select_for_update()
            .filter(id__in=ids, status=Status.RUNNING)
            .values_list("id", flat=True)
        )
        if still:
            Measurement.objects.filter(id__in=still).update(**_succeeded(version))
            write(still)
    return still


# --- queueing again -----------------------------------------------------------------------------


def requeue(measurement: Measurement) -> bool:
    """Queue a measurement for analysis again (after an analysis change, or when an input it
    cross-checks changed). False if it is running or has nothing to analyse."""
    return bool(requeue_many([measurement.id]))


def requeue_many(ids: Iterable[int]) -> list[int]:
    """Queue these measurements again, announced after commit; the ids that were queued."""
    ids = list(ids)
    if not ids:
        return []
    rows = list(
        Measurement.objects.filter(id__in=ids)
        .exclude(status=Status.RUNNING)
        .exclude(kind=kinds.ATTACHMENT)
        .values_list("id", "kind")
    )
    Measurement.objects.filter(id__in=[i for i, _ in rows]).exclude(status=Status.RUNNING).update(
        status=Status.QUEUED, error="", queued_at=timezone.now(), finished_at=None
    )
    for measurement_id, kind in rows:
        announce_on_commit(measurement_id, kind)
    return [i for i, _ in rows]


def sweep_stale(
    *, queued_for: dt.timedelta = dt.timedelta(minutes=2), max_attempts: int = 3
) -> dict[str, int]:
    """Recover what the queue lost: uploads made while the broker was down, and analyses whose
    worker died or overran its time limit. Safe to run any time: the task's claim is atomic."""
    now = timezone.now()
    failed = 0
    waiting = list(
        Measurement.objects.filter(
            status=Status.QUEUED, queued_at__lt=now - queued_for
        ).values_list("id", "kind")[:1000]
    )
    Measurement.objects.filter(id__in=[i for i, _ in waiting]).update(queued_at=now)
    again = list(waiting)
    limit = dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    for m in Measurement.objects.filter(status=Status.RUNNING, started_at__lt=now - limit):
        if m.attempts >= max_attempts:
            failed += Measurement.objects.filter(id=m.id, status=Status.RUNNING).update(
                status=Status.FAILED,
                finished_at=now,
                error=f"The analysis did not finish within {settings.CELERY_TASK_TIME_LIMIT} s "
                f"in {m.attempts} attempts; it was stopped.",
            )
        elif Measurement.objects.filter(id=m.id, status=Status.RUNNING).update(
            status=Status.QUEUED, queued_at=now
        ):
            again.append((m.id, m.kind))
    _announce(again, together=True)  # sent at once, in chunks: no web request waits on it
    return {"resent": len(again), "failed": failed}
