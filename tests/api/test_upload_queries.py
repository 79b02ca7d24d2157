"""An upload and its analysis run a fixed, small number of SQL queries (ingestion speed)."""

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from analysis.pipeline import run_analysis
from core.tokens import token_create
from measurements.models import Measurement

JV_A = Path(__file__).resolve().parents[1] / "data" / "synthetic" / "jv_example_a.txt"


def _token_client(user) -> APIClient:
    _, key = token_create(user, "instrument PC")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_an_api_upload_and_its_analysis_run_a_fixed_number_of_queries(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cqdlab.celery import app

    # As in production: the task goes to the broker (never, here: the test's transaction is
    # not committed), so the upload answers "queued" without reading its results back.
    app.conf.task_always_eager = False
    client = _token_client(world["users"]["owner"])
    device = world["a"].devices[0]
    client.get("/api/v1/projects/")  # warm: the token's last_used_at is written once
    with CaptureQueriesContext(connection) as upload:
        response = client.post(
            "/api/v1/measurements/",
            {"file": SimpleUploadedFile("a.txt", JV_A.read_bytes()), "device": device.code},
            format="multipart",
        )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "queued"
    # token + user; the user's roles; the device and its project; the project's instrument
    # profiles (does one match the file); is this content known; the raw file, the
    # measurement and its history row.
    assert _statements(upload) == 8, _sql(upload)
    measurement = Measurement.objects.get(id=response.json()["id"])
    with CaptureQueriesContext(connection) as task:
        assert run_analysis(measurement.id) == "succeeded"
    # claim; read the row with its target and lineage; mark succeeded; insert the results;
    # read the device's light scans near it in time to pair hysteresis (nothing to pair:
    # no update); find the device's measurements that read a J-V result (its EQE); then the
    # device's loss row, once per chunk: the device with its lineage, its first J-V figures,
    # EQE, intensity and PL results, the project's spectral references, and the row's upsert.
    assert _statements(task) == 13, _sql(task)


def _statements(ctx) -> int:
    """SQL statements, leaving out the savepoints of the test's own transaction."""
    return sum(
        not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT")) for q in ctx.captured_queries
    )


def _sql(ctx) -> str:
    return "\n".join(q["sql"][:120] for q in ctx.captured_queries)


@pytest.mark.django_db(transaction=True)  # real commits: on_commit sends as in production
def test_a_bulk_import_sends_its_analyses_in_chunks(world, settings, monkeypatch):
    """Seven files with ANALYSIS_CHUNK=3: tasks of 3, 3 and 1 measurements, each id once."""
    import io
    import zipfile

    from analysis import tasks
    from measurements import bulk

    sent: list[list[int]] = []
    monkeypatch.setattr(
        tasks.analyse_measurements, "apply_async", lambda args, queue=None: sent.append(args[0])
    )
    monkeypatch.setattr(
        tasks.analyse_measurement, "apply_async", lambda args, queue=None: sent.append([args[0]])
    )
    settings.ANALYSIS_CHUNK = 3
    jv = JV_A.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(7):
            device = world["a"].devices[i % len(world["a"].devices)]
            archive.writestr(f"{device.code}/scan{i}.txt", jv + f"\n# {i}\n".encode())
    report = bulk.import_zip(user=world["users"]["owner"], data=buffer.getvalue())
    created = sorted(line.measurement_id for line in report if line.status == "created")
    assert len(created) == 7
    assert [len(chunk) for chunk in sent] == [3, 3, 1]
    assert sorted(i for chunk in sent for i in chunk) == created


def test_single_uploads_close_together_share_a_task_and_none_is_lost(monkeypatch):
    """The web process's dispatcher: ids that arrive within the linger time go out together,
    at most ANALYSIS_CHUNK per task, each exactly once; a lone id goes out alone, promptly."""
    import threading
    import time

    from analysis import dispatch

    sent: list[list[int]] = []
    done = threading.Event()

    def record(ids, queue):
        sent.append(list(ids))
        if sum(map(len, sent)) >= 8:
            done.set()

    monkeypatch.setattr(dispatch, "send_many", record)
    coalescer = dispatch.Coalescer(linger_s=0.05, size=3)
    for i in range(7):
        coalescer.add(i, None)
    assert done.wait(0) is False
    time.sleep(0.3)  # the seven went in rounds of at most three
    assert sorted(i for chunk in sent for i in chunk) == list(range(7))
    assert all(len(chunk) <= 3 for chunk in sent) and len(sent) < 7
    started = time.monotonic()
    coalescer.add(99, None)
    assert done.wait(2.0)
    assert sent[-1] == [99] and time.monotonic() - started < 1.0


def _queued_uploads(world, n: int, tag: str = "") -> list[int]:
    from measurements import services

    ids = []
    for i in range(n):
        device = world["a"].devices[i % len(world["a"].devices)]
        measurement, _ = services.measurement_create(
            user=world["users"]["owner"],
            target=device,
            data=JV_A.read_bytes() + f"\n# {tag}{i}\n".encode(),
            filename=f"scan{i}.txt",
        )
        ids.append(measurement.id)
    return ids


def test_a_chunk_is_analysed_with_the_same_queries_whatever_its_size(world):
    from analysis.models import JVResult
    from analysis.pipeline import run_analyses

    counts = []
    for n in (2, 6):
        ids = _queued_uploads(world, n, tag=f"round{n}-")
        with CaptureQueriesContext(connection) as ctx:
            outcome = run_analyses(ids)
        assert outcome == {"skipped": 0, "succeeded": n}
        assert JVResult.objects.filter(measurement_id__in=ids).count() == n
        counts.append(_statements(ctx))
    # claim (select for update, update); read the rows; lock, mark succeeded, insert results;
    # read the devices' scans near them to pair hysteresis; find the measurements that read
    # J-V results (EQE) on these devices, to refresh them; the devices' loss rows (7)
    assert counts == [15, 15]  # the same for 2 as for 6 files: no query per file


def test_a_chunk_skips_what_is_done_and_fails_only_the_bad_file(world, monkeypatch):
    from analysis import pipeline
    from analysis.models import JVResult

    ids = _queued_uploads(world, 3)
    assert pipeline.run_analysis(ids[0]) == "succeeded"
    real = pipeline._analyse

    def broken_for_the_last(measurement, context):
        if measurement.id == ids[2]:
            return "no light J-V curve in the file"
        return real(measurement, context)

    monkeypatch.setattr(pipeline, "_analyse", broken_for_the_last)
    assert pipeline.run_analyses(ids) == {"skipped": 1, "failed": 1, "succeeded": 1}
    status = dict(Measurement.objects.filter(id__in=ids).values_list("id", "status"))
    assert status == {ids[0]: "succeeded", ids[1]: "succeeded", ids[2]: "failed"}
    assert Measurement.objects.get(id=ids[2]).error == "no light J-V curve in the file"
    assert JVResult.objects.filter(measurement_id__in=ids).count() == 2
    # A re-analysis of a chunk replaces the earlier results instead of adding to them.
    Measurement.objects.filter(id__in=ids[:2]).update(status="queued")
    assert pipeline.run_analyses(ids[:2])["succeeded"] == 2
    assert JVResult.objects.filter(measurement_id__in=ids).count() == 2
