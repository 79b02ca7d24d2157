"""Analysis spreads across workers: two worker processes consume one queue."""

import hashlib

import pytest
from django.utils import timezone

from measurements import services
from measurements.models import Measurement, RawFile

from ..workers import DATA_DIR, start_worker, wait_for_status, wait_for_worker

pytestmark = [pytest.mark.flow, pytest.mark.django_db(transaction=True)]


def _queued(world, i, device) -> int:
    """A stored, queued measurement whose message is sent by the test to its own queue."""
    text = (DATA_DIR / "jv_example_a.txt").read_text()
    data = text.replace("Area (cm2): 0.05", f"Area (cm2): {0.05 + 0.001 * i:.3f}").encode()
    sha = hashlib.sha256(data).hexdigest()
    name = services._store_blob(data, sha)
    raw = RawFile.objects.create(sha256=sha, size_bytes=len(data), file=name)
    return Measurement.objects.create(
        project=device.project,
        code=f"M-SPREAD{i}",
        kind="jv",
        device=device,
        raw_file=raw,
        original_filename="a.txt",
        format="generic",
        queued_at=timezone.now(),
        measured_at=timezone.now(),
    ).id


def test_two_workers_share_the_analyses(world, settings, flow_media):
    from django.db import connection

    from analysis.tasks import analyse_measurement

    from ..workers import _services_or_skip

    _services_or_skip()
    settings.MEDIA_ROOT = flow_media
    db = connection.settings_dict["NAME"]
    # Their own queue, so the suite's other worker cannot take these; a short hold per
    # analysis so that neither worker can drain the queue alone.
    hold = {"ANALYSIS_DEBUG_DELAY_S": "0.5"}
    workers = [start_worker(db, flow_media, name, hold, queue="spread") for name in ("a", "b")]
    try:
        wait_for_worker(count=2, queue="spread")
        ids = [_queued(world, i, d) for i, d in enumerate(world["a"].devices)]
        for measurement_id in ids:
            analyse_measurement.apply_async((measurement_id,), queue="spread")
        assert set(wait_for_status(ids, timeout=90).values()) == {"succeeded"}
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(20)
    nodes = set(Measurement.objects.filter(id__in=ids).values_list("analysed_by", flat=True))
    assert len(nodes) == 2, nodes
