"""Dashboards run a fixed number of SQL queries whatever the number of devices."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analysis.models import JVResult
from fabrication.models import Device, Substrate
from measurements.models import Measurement, RawFile


def _add_devices_with_results(lab, n: int, start: int) -> None:
    raw, _ = RawFile.objects.get_or_create(
        sha256="0" * 64, defaults={"size_bytes": 1, "file": "raw/x"}
    )
    for variant in lab.variants:
        substrate = Substrate.objects.create(
            project=variant.project,
            batch=lab.batch,
            variant=variant,
            code=f"{variant.code}/X{start}",
            label=f"X{start}",
        )
        for i in range(n):
            device = Device.objects.create(
                project=variant.project,
                substrate=substrate,
                code=f"{substrate.code}/P{i}",
                pixel=f"P{i}",
                active_area_cm2=0.05,
            )
            m = Measurement.objects.create(
                project=variant.project,
                code=f"M-{device.id}",
                kind="jv",
                device=device,
                raw_file=raw,
                original_filename="x.txt",
                status="succeeded",
                measured_at=timezone.now(),
            )
            JVResult.objects.create(
                measurement=m,
                device=device,
                measured_at=m.measured_at,
                analysis_version="t",
                scan_direction="reverse",
                pce_percent=10 + i % 3,
                voc_v=0.6,
                jsc_ma_cm2=25,
                ff=0.6,
            )


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url_name", ["batch", "compare", "compare-by-recipe"])
def test_the_dashboards_query_count_does_not_grow_with_devices(client, world, url_name):
    lab = world["a"]
    client.force_login(world["users"]["owner"])
    url = {
        "batch": f"/batches/{lab.batch.id}/",
        "compare": "/compare/",
        "compare-by-recipe": "/compare/?by=recipe&per=substrate",
    }[url_name]
    _add_devices_with_results(lab, 3, 1)
    few = _count(client, url)
    _add_devices_with_results(lab, 30, 2)
    many = _count(client, url)
    assert few == many
    assert many <= 12
