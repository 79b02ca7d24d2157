import datetime as dt
from pathlib import Path

from django.utils import timezone

from analysis import dispatch
from measurements import lifecycle, services
from measurements.models import Measurement

DATA = Path(__file__).resolve().parents[1] / "data"


def _queued_without_message(world) -> Measurement:
    # Inside the test transaction on_commit never fires: exactly what a dead broker leaves.
    m, _ = services.measurement_create(
        user=world["users"]["owner"],
        target=world["a"].devices[0],
        data=(DATA / "synthetic" / "jv_example_a.txt").read_bytes(),
        filename="a.txt",
    )
    Measurement.objects.filter(id=m.id).update(queued_at=timezone.now() - dt.timedelta(hours=1))
    return m


def test_the_sweeper_resends_uploads_left_queued_while_the_broker_was_down(world):
    m = _queued_without_message(world)
    assert lifecycle.sweep_stale() == {"resent": 1, "failed": 0}
    m.refresh_from_db()
    assert m.status == "succeeded"


def test_the_sweeper_leaves_fresh_uploads_alone(world):
    m = _queued_without_message(world)
    Measurement.objects.filter(id=m.id).update(queued_at=timezone.now())
    assert lifecycle.sweep_stale() == {"resent": 0, "failed": 0}


def test_a_measurement_stuck_running_is_retried_then_failed_with_a_reason(world):
    m = _queued_without_message(world)
    old = timezone.now() - dt.timedelta(hours=2)
    Measurement.objects.filter(id=m.id).update(status="running", started_at=old, attempts=1)
    lifecycle.sweep_stale()
    m.refresh_from_db()
    assert m.status == "succeeded" and m.attempts == 2
    Measurement.objects.filter(id=m.id).update(status="running", started_at=old, attempts=3)
    assert lifecycle.sweep_stale()["failed"] == 1
    m.refresh_from_db()
    assert m.status == "failed" and "did not finish" in m.error


def test_kinds_can_be_routed_to_their_own_queue(world, settings):
    m = _queued_without_message(world)
    assert dispatch.queue_for(m.kind) is None
    settings.ANALYSIS_QUEUES = {"jv": "fast", "trpl": "fits"}
    assert dispatch.queue_for(m.kind) == "fast"
