"""Upload -> Redis -> a real Celery worker process -> PostgreSQL, as in production."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from analysis.models import EQEResult, JVResult
from measurements.models import Measurement

from ..workers import wait_for_status

DATA = Path(__file__).resolve().parents[1] / "data"
TRUTH = json.loads((DATA / "synthetic" / "truth.json").read_text())

pytestmark = [pytest.mark.flow, pytest.mark.django_db(transaction=True)]


def _upload(client, path: Path, **target):
    response = client.post(
        "/api/v1/measurements/",
        {"file": SimpleUploadedFile(path.name, path.read_bytes()), **target},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_an_upload_is_analysed_by_the_worker_into_typed_result_rows(world, api, worker):
    device = world["a"].devices[0]
    body = _upload(api("owner"), DATA / "synthetic" / "jv_example_b.csv", device=device.code)
    assert body["status"] == "queued"
    assert wait_for_status([body["id"]])[body["id"]] == "succeeded"
    row = JVResult.objects.get(measurement_id=body["id"])
    truth = TRUTH["jv_example_b.csv"]
    assert row.device_id == device.id
    assert row.voc_v == pytest.approx(truth["voc_v"], abs=0.002)
    assert row.ff == pytest.approx(truth["ff"], abs=0.01)
    detail = api("owner").get(f"/api/v1/measurements/{body['id']}/").json()
    assert detail["results"]["pce_percent"] == pytest.approx(truth["pce_percent"], rel=0.01)
    assert detail["analysis_version"]


def test_analysing_the_same_upload_twice_leaves_one_set_of_results(world, api, worker):
    client = api("owner")
    device = world["a"].devices[1]
    body = _upload(client, DATA / "synthetic" / "eqe_example.txt", device=device.code)
    wait_for_status([body["id"]])
    first = list(EQEResult.objects.filter(measurement_id=body["id"]).values_list("id", flat=True))
    response = client.post(f"/api/v1/measurements/{body['id']}/reanalyse/")
    assert response.status_code == 202
    assert wait_for_status([body["id"]])[body["id"]] == "succeeded"
    rows = EQEResult.objects.filter(measurement_id=body["id"])
    assert rows.count() == len(first) == 1
    assert rows.get().integrated_jsc_ma_cm2 == pytest.approx(
        TRUTH["eqe_example.txt"]["integrated_jsc_ma_cm2"], rel=0.01
    )
    assert Measurement.objects.get(id=body["id"]).attempts == 2


def test_a_task_delivered_twice_analyses_once(world, api, worker):
    from analysis.tasks import analyse_measurement

    body = _upload(
        api("owner"), DATA / "synthetic" / "jv_example_a.txt", device=world["a"].devices[2].code
    )
    analyse_measurement.delay(body["id"])  # a duplicate message, as a broker may deliver
    wait_for_status([body["id"]])
    measurement = Measurement.objects.get(id=body["id"])
    assert measurement.status == "succeeded" and measurement.attempts == 1
    assert JVResult.objects.filter(measurement=measurement).count() == 1


def test_a_zip_is_analysed_in_chunks_by_the_worker(world, api, worker, settings):
    """Bulk imports send one task per ANALYSIS_CHUNK measurements; every file is analysed."""
    import io
    import zipfile

    settings.ANALYSIS_CHUNK = 3
    devices = world["a"].devices
    jv = (DATA / "synthetic" / "jv_example_a.txt").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i, device in enumerate(devices[:4]):
            for scan in range(2):  # distinct bytes per file: a trailing comment line
                archive.writestr(f"{device.code}/scan{scan}.txt", jv + f"\n# {i}-{scan}\n".encode())
    response = api("owner").post(
        "/api/v1/measurements/bulk/",
        {"file": SimpleUploadedFile("batch.zip", buffer.getvalue())},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["counts"] == {"created": 8, "duplicate": 0, "failed": 0}, body
    ids = [line["measurement_id"] for line in body["files"]]
    statuses = wait_for_status(ids)
    assert set(statuses.values()) == {"succeeded"}, statuses
    assert JVResult.objects.filter(measurement_id__in=ids).count() == 8
    assert set(Measurement.objects.filter(id__in=ids).values_list("attempts", flat=True)) == {1}
