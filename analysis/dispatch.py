"""How measurements announced by ``measurements.lifecycle`` reach the analysis workers: one
task, or chunks of several. Connected to ``lifecycle.analysis_wanted`` in the app's ready().

Every message costs CPU apart from the analysis: the publish in the web process, the broker,
the worker's receive/ack and its per-task set-up (about 2.5 ms per message on the bench
machine, as much as parsing, analysing and storing a J-V file). So measurements that arrive
together travel together: a bulk import sends ANALYSIS_CHUNK ids per task, and single API
uploads that keep arriving in one web process share a task per ANALYSIS_LINGER_MS.
The database stays the source of truth: an id lost between commit and broker (broker down,
process killed while it waited) is still `queued`, and the sweeper sends it again.
"""

from __future__ import annotations

import atexit
import functools
import logging
import threading
import time

from celery import current_app
from django.conf import settings

from .tasks import analyse_measurement, analyse_measurements

log = logging.getLogger(__name__)


def queue_for(kind: str) -> str | None:
    """The queue of a kind (ANALYSIS_QUEUES), or None for the default one."""
    return settings.ANALYSIS_QUEUES.get(kind)


def send_many(ids: list[int], queue: str | None) -> None:
    try:
        if len(ids) == 1:
            analyse_measurement.apply_async((ids[0],), queue=queue)
        else:
            analyse_measurements.apply_async((ids,), queue=queue)
    except Exception:  # noqa: BLE001 - broker down: the rows stay queued for the sweeper
        log.warning(
            "Could not enqueue measurements %s; the sweeper will retry", ids[:20], exc_info=True
        )


def _send_pending(pending: dict[str | None, list[int]], size: int) -> None:
    """Every queue's ids, ``size`` per task."""
    for queue, ids in pending.items():
        for start in range(0, len(ids), size):
            send_many(ids[start : start + size], queue)


# --- single uploads ---------------------------------------------------------------------------


class Coalescer:
    """Ids committed by this process's requests, sent by one background thread.

    An upload after a quiet spell is sent at once, alone. While uploads keep coming (an
    instrument PC, or twenty, posting a batch back to back), the ids of each ``linger_s`` share
    one message, and a full chunk goes at once: no id waits longer than ``linger_s``.
    """

    def __init__(self, linger_s: float, size: int):
        self.linger_s = linger_s
        self.size = max(1, size)
        self.cond = threading.Condition()
        self.pending: dict[str | None, list[int]] = {}
        self.thread: threading.Thread | None = None
        self.last_sent = 0.0

    def add(self, measurement_id: int, queue: str | None) -> None:
        with self.cond:
            self._ensure_thread()
            self.pending.setdefault(queue, []).append(measurement_id)
            self.cond.notify()

    def _ensure_thread(self) -> None:
        # A forked process inherits the object but not the thread (is_alive() is then False).
        if self.thread is None or not self.thread.is_alive():
            self.thread = threading.Thread(target=self._run, name="cqdlab-dispatch", daemon=True)
            self.thread.start()

    def _full(self) -> bool:
        return any(len(ids) >= self.size for ids in self.pending.values())

    def _take(self) -> dict[str | None, list[int]]:
        with self.cond:
            while not self.pending:
                self.cond.wait()
            # As Nagle's algorithm: after a quiet spell an id goes at once; while uploads keep
            # coming, at most one message per linger time (or per full chunk).
            deadline = self.last_sent + self.linger_s
            while not self._full() and (left := deadline - time.monotonic()) > 0:
                self.cond.wait(left)
            taken, self.pending = self.pending, {}
            self.last_sent = time.monotonic()
            return taken

    def flush(self) -> None:
        with self.cond:
            taken, self.pending = self.pending, {}
        _send_pending(taken, self.size)

    def _run(self) -> None:
        while True:
            try:
                _send_pending(self._take(), self.size)
            except Exception:  # noqa: BLE001 - the thread must outlive any one failure
                log.exception("analysis dispatch failed; the sweeper re-sends queued rows")


@functools.cache
def _coalescer() -> Coalescer:
    """This process's dispatcher, made at its first upload."""
    coalescer = Coalescer(settings.ANALYSIS_LINGER_MS / 1000, settings.ANALYSIS_CHUNK)
    atexit.register(coalescer.flush)  # a graceful stop sends what still waits
    return coalescer


def _by_queue(items: list[tuple[int, str]]) -> dict[str | None, list[int]]:
    pending: dict[str | None, list[int]] = {}
    for measurement_id, kind in items:
        pending.setdefault(queue_for(kind), []).append(measurement_id)
    return pending


def on_analysis_wanted(sender, items: list[tuple[int, str]], together: bool, **kwargs) -> None:
    """Receiver of ``lifecycle.analysis_wanted``: a bulk import's chunk (or the sweeper's
    list) goes at once; a single upload through this process's coalescer."""
    if together or settings.ANALYSIS_LINGER_MS <= 0 or current_app.conf.task_always_eager:
        # In-process analysis (no broker) runs right here, inside this call.
        _send_pending(_by_queue(items), settings.ANALYSIS_CHUNK)
        return
    coalescer = _coalescer()
    for measurement_id, kind in items:
        coalescer.add(measurement_id, queue_for(kind))
