"""The stored loss rows (issue 16, DeviceLoss): written by the analysis pipeline when an input
of the device is stored, equal to computing on the fly, and read by the pages and the API."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analysis.models import DeviceLoss
from analysis.pages.losses import device_table, variant_table
from analysis.selectors.losses import (
    COLUMN_KEYS,
    LOSS_VERSION,
    compute_device_loss_figures,
    compute_loss_figures,
    loss_columns,
    loss_rows,
    variant_summaries,
)
from fabrication.models import Device
from measurements import services
from measurements.models import Status

DATA = Path(__file__).resolve().parents[1] / "data" / "synthetic"
WL = np.arange(300.0, 1101.0, 10.0)


def _upload(world, target, name: str, callbacks):
    """Through the upload service, the analysis run in-process as the worker would."""
    with callbacks(execute=True):
        m, _ = services.measurement_create(
            user=world["users"]["owner"],
            target=target,
            data=(DATA / name).read_bytes(),
            filename=name,
        )
    m.refresh_from_db()
    assert m.status == Status.SUCCEEDED, m.error
    return m


def _stored(device) -> DeviceLoss:
    return DeviceLoss.objects.get(device=device)


@pytest.fixture
def measured(world, django_capture_on_commit_callbacks):
    """Device 0 of project A with a J-V, an EQE and an intensity series; device 1 a J-V."""
    a = world["a"]
    for name in ("jv_example_a.txt", "eqe_example.txt", "voc_intensity_example.csv"):
        _upload(world, a.devices[0], name, django_capture_on_commit_callbacks)
    _upload(world, a.devices[1], "jv_example_b.csv", django_capture_on_commit_callbacks)
    return a


def test_the_stored_row_equals_the_figures_computed_on_the_fly(world, measured):
    devices = Device.objects.filter(project=measured.batch.project)
    computed = compute_loss_figures(devices)
    for device in measured.devices[:2]:
        stored = _stored(device)
        assert stored.analysis_version == LOSS_VERSION
        assert stored.figures == compute_device_loss_figures(device)
        assert stored.figures == computed[device.pk][0]
    rows = loss_rows(devices)
    for row in rows:
        figures = {k: v for k, v in row.items() if k in computed[row["device_id"]][0]}
        assert figures == computed[row["device_id"]][0]
    # The columns the project page reads hold the same values as the full rows.
    columns = {r["device_id"]: r for r in loss_columns(devices)}
    for row in rows:
        for key in COLUMN_KEYS:
            full = row.get(key)
            if full is None and key in row.get("measured", {}):
                full = row["measured"][key]
            assert columns[row["device_id"]][key] == full, key
        assert columns[row["device_id"]]["excluded"] == row["excluded"]
    # The device table export from the stored columns is the one from the full rows.
    assert device_table(loss_columns(devices, reasons=True)) == device_table(rows)
    assert variant_table(variant_summaries(loss_columns(devices))) == variant_table(
        variant_summaries(rows)
    )


def test_a_new_jv_or_eqe_upload_refreshes_the_devices_stored_row(
    world, django_capture_on_commit_callbacks
):
    device = world["a"].devices[2]
    _upload(world, device, "jv_example_a.txt", django_capture_on_commit_callbacks)
    first = _stored(device)
    assert first.voc_v is not None and first.voc_rad_v is None
    assert first.bandgap_source == ""  # no EQE, no 1S yet: no gap, and the reason says so
    assert first.figures["bandgap_ev_reason"]
    eqe = _upload(world, device, "eqe_example.txt", django_capture_on_commit_callbacks)
    second = _stored(device)
    assert second.bandgap_source == "eqe_inflection"
    assert second.voc_rad_v is not None and second.computed_at > first.computed_at
    assert eqe.code in second.figures["sources"]["voc_rad_v"]
    assert second.figures == compute_device_loss_figures(device)
    # Another device of the same project is not touched by this device's upload.
    assert not DeviceLoss.objects.filter(device=world["a"].devices[3]).exists()


def test_a_synthesis_absorbance_refreshes_the_rows_of_all_its_devices(
    world, measured, django_capture_on_commit_callbacks
):
    a = measured
    assert _stored(a.devices[1]).absorbance_1s_nm is None
    _upload(world, a.synthesis, "abs_example.csv", django_capture_on_commit_callbacks)
    a.synthesis.refresh_from_db()
    peak = a.synthesis.measured_exciton_peak_nm
    assert peak is not None
    # Every device made from the synthesis, measured or not, has its row with the 1S.
    for device in a.devices:
        row = _stored(device)
        assert row.analysis_version == LOSS_VERSION
        assert row.absorbance_1s_nm == pytest.approx(peak)
        assert row.figures == compute_device_loss_figures(device)
    # Device 1 has no EQE: its gap is now the synthesis's 1S.
    assert _stored(a.devices[1]).bandgap_source == "absorbance_1s"


def test_a_person_pinning_the_1s_marks_the_rows_outdated_and_the_api_reads_the_new_gap(
    world, measured, api
):
    synthesis, device = measured.synthesis, measured.devices[1]
    synthesis.measured_exciton_peak_nm = 950.0
    synthesis.save(update_fields=["measured_exciton_peak_nm"])
    assert _stored(device).analysis_version != LOSS_VERSION
    body = api("owner").get(f"/api/v1/devices/{device.code}/losses/").json()
    assert body["bandgap_source"] == "absorbance_1s"
    assert _stored(device).analysis_version == LOSS_VERSION  # stored again by that read


def test_a_reference_upload_refreshes_the_projects_stored_rows(
    client, world, measured, django_capture_on_commit_callbacks
):
    device = measured.devices[0]
    assert _stored(device).mismatch_factor is None
    client.force_login(world["users"]["owner"])
    ref = "wavelength (nm), responsivity (A/W)\n" + "\n".join(
        f"{w:.0f}, {0.5 * w / 1000:.5f}" for w in WL
    )
    lamp = "nm\tW/m2/nm\n" + "\n".join(f"{w:.0f}\t{1.0 + 0.001 * (w - 300):.4f}" for w in WL)
    for kind, text in (("reference_sr", ref), ("lamp_spectrum", lamp)):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/losses/references/",
                {
                    "project": measured.batch.project_id,
                    "kind": kind,
                    "file": SimpleUploadedFile(f"{kind}.txt", text.encode()),
                },
            )
        assert response.status_code == 302
    stored = _stored(device)
    assert stored.mismatch_factor is not None
    assert stored.jsc_corrected_ma_cm2 == pytest.approx(stored.jsc_ma_cm2 / stored.mismatch_factor)
    assert stored.figures == compute_device_loss_figures(device)
    # Every device of the project has its row now, with the reason where it has no EQE.
    n = Device.objects.filter(project=measured.batch.project).count()
    assert DeviceLoss.objects.filter(device__project=measured.batch.project).count() == n
    assert "no EQE curve" in _stored(measured.devices[1]).figures["mismatch_factor_reason"]


def test_a_chunk_of_files_of_one_device_stores_its_row_once(
    world, django_capture_on_commit_callbacks
):
    from analysis.pipeline import run_analyses

    device = world["a"].devices[4]
    names = ("jv_example_a.txt", "eqe_example.txt", "voc_intensity_example.csv")
    with django_capture_on_commit_callbacks(execute=False):
        ids = [
            services.measurement_create(
                user=world["users"]["owner"],
                target=device,
                data=(DATA / name).read_bytes(),
                filename=name,
            )[0].id
            for name in names
        ]
    with CaptureQueriesContext(connection) as ctx:
        assert run_analyses(ids)["succeeded"] == 3
    writes = [
        q["sql"] for q in ctx.captured_queries if 'INSERT INTO "analysis_deviceloss"' in q["sql"]
    ]
    assert len(writes) == 1
    assert _stored(device).figures == compute_device_loss_figures(device)


def test_the_project_page_reads_stored_rows_in_constant_queries_and_fills_missing_ones(
    client, world, measured
):
    client.force_login(world["users"]["owner"])
    project = measured.batch.project
    DeviceLoss.objects.filter(device=measured.devices[1]).delete()
    assert client.get(f"/losses/?project={project.code}").status_code == 200
    # The missing row was computed and stored by that read.
    assert _stored(measured.devices[1]).figures == compute_device_loss_figures(measured.devices[1])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/losses/?project={project.code}").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    substrate = measured.devices[0].substrate
    more = Device.objects.bulk_create(
        [
            Device(
                project=project,
                substrate=substrate,
                code=f"{substrate.code}/Q{i}",
                pixel=f"Q{i}",
                active_area_cm2=0.05,
            )
            for i in range(30)
        ]
    )
    call_command("reanalyse", "--losses", stdout=io.StringIO())
    assert DeviceLoss.objects.filter(device__in=more).count() == 30
    assert count() == few


def test_reanalyse_losses_rebuilds_outdated_rows_only(world, measured):
    DeviceLoss.objects.filter(device=measured.devices[0]).update(analysis_version="old")
    fresh = _stored(measured.devices[1]).computed_at
    call_command("reanalyse", "--losses", stdout=io.StringIO())
    assert _stored(measured.devices[0]).analysis_version == LOSS_VERSION
    assert _stored(measured.devices[1]).computed_at == fresh
