"""Dashboards run a fixed number of SQL queries whatever the number of devices."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analysis.models import JVResult, StabilityStudy
from fabrication.models import Device, Substrate
from measurements.models import Measurement, RawFile


def _add_devices_with_results(lab, n: int, start: int, aging_points: int = 0) -> None:
    """``n`` devices per variant with one reverse scan each; with ``aging_points``, they join
    the lab's stability study and get that many more scans after it starts."""
    raw, _ = RawFile.objects.get_or_create(
        sha256="0" * 64, defaults={"size_bytes": 1, "file": "raw/x"}
    )
    study = StabilityStudy.objects.filter(project=lab.batch.project).first()
    # One file per scan of a device: a device cannot hold the same content twice.
    aged_raw = [
        RawFile.objects.get_or_create(
            sha256=f"{k + 1:064x}", defaults={"size_bytes": 1, "file": f"raw/{k}"}
        )[0]
        for k in range(aging_points)
    ]
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
            if aging_points:
                study.devices.add(device)
            for k in range(aging_points):
                at = study.started_at + timedelta(hours=10 * k, seconds=i)
                aged = Measurement.objects.create(
                    project=variant.project,
                    code=f"M-{device.id}-{k}",
                    kind="jv",
                    device=device,
                    raw_file=aged_raw[k],
                    original_filename="x.txt",
                    status="succeeded",
                    measured_at=at,
                )
                JVResult.objects.create(
                    measurement=aged,
                    device=device,
                    measured_at=at,
                    analysis_version="t",
                    scan_direction="reverse",
                    pce_percent=(10 + i % 3) * (1 - 0.05 * k),
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
    client.get(url)  # caches filled once per process (content types) are not the page's
    few = _count(client, url)
    _add_devices_with_results(lab, 30, 2)
    many = _count(client, url)
    assert few == many
    # The batch page reads its champions' J-V, EQE and MPP curves: three more, fixed.
    assert many <= (15 if url_name == "batch" else 12)


def test_the_aging_page_query_count_does_not_grow_with_devices_or_points(client, world):
    lab = world["a"]
    StabilityStudy.objects.create(
        project=lab.batch.project,
        code="ST-1",
        name="dark, argon",
        atmosphere="argon",
        started_at=timezone.now() + timedelta(days=1),
    )
    client.force_login(world["users"]["owner"])
    _add_devices_with_results(lab, 2, 1, aging_points=3)
    few = _count(client, "/aging/")
    _add_devices_with_results(lab, 20, 2, aging_points=8)
    many = _count(client, "/aging/")
    assert few == many
    assert many <= 10
    response = client.get("/aging/")
    # Every device is in the table (with its T80 or an empty cell), plus one mean per variant.
    assert len(response.context["table"]) == 2 * 22 + 2
    table = response.context["table"]
    # Three points lose 10 %: T80 extrapolated; eight lose 35 %: T80 reached.
    assert all(r["t80_h"] is None and r["t80_extrapolated_h"] for r in table[:4])
    assert all(r["t80_h"] is not None for r in table[4:44])
