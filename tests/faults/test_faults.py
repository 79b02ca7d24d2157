"""Faults, run by `make test-faults`: a worker killed mid-task, Redis down during uploads,
PostgreSQL unreachable. They stop and start real processes and services on this machine."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from analysis.models import JVResult
from measurements import lifecycle
from measurements.models import Measurement

from ..workers import _services_or_skip, start_worker, wait_for_status, wait_for_worker

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "synthetic"

pytestmark = [pytest.mark.faults, pytest.mark.flow, pytest.mark.django_db(transaction=True)]


def _upload(api, device, name="jv_example_a.txt", extra=b""):
    data = (DATA / name).read_bytes() + extra
    response = api("owner").post(
        "/api/v1/measurements/",
        {"file": SimpleUploadedFile(name, data), "device": device.code},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _kill_tree(proc: subprocess.Popen) -> None:
    """SIGKILL the worker and its pool children: nothing gets to acknowledge or clean up."""
    children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True)
    for pid in [int(p) for p in children.stdout.split()] + [proc.pid]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(10)


def test_a_worker_killed_mid_task_leaves_the_measurement_analysed_once_by_the_next(
    world, api, settings, tmp_path
):
    _services_or_skip()
    from django.db import connection

    from cqdlab.celery import app

    settings.MEDIA_ROOT = tmp_path
    app.control.purge()
    fast_restore = {
        "CELERY_VISIBILITY_TIMEOUT": "5",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    }
    env = {"ANALYSIS_DEBUG_DELAY_S": "20", **fast_restore}
    db = connection.settings_dict["NAME"]
    first = start_worker(db, tmp_path, "victim", env)
    try:
        wait_for_worker()
        mid = _upload(api, world["a"].devices[0])
        wait_for_status([mid], statuses=("running",), timeout=30)
        _kill_tree(first)
        assert Measurement.objects.get(id=mid).status == "running"
    finally:
        if first.poll() is None:
            _kill_tree(first)
    second = start_worker(db, tmp_path, "rescuer", fast_restore)
    try:
        # Redis restores the unacknowledged message after the visibility timeout.
        assert wait_for_status([mid], timeout=90)[mid] == "succeeded"
    finally:
        second.terminate()
        second.wait(20)
    m = Measurement.objects.get(id=mid)
    assert m.attempts == 2
    assert JVResult.objects.filter(measurement=m).count() == 1


def _redis(*args: str) -> None:
    subprocess.run(["redis-cli", "-h", "127.0.0.1", *args], capture_output=True, timeout=10)


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


def test_uploads_succeed_while_redis_is_down_and_are_analysed_when_it_returns(world, api, worker):
    _redis("shutdown", "nosave")
    try:
        for _ in range(50):
            if not _redis_up():
                break
            time.sleep(0.1)
        ids = [_upload(api, d, extra=f"\n# {d.code}\n".encode()) for d in world["a"].devices[:3]]
        assert set(Measurement.objects.filter(id__in=ids).values_list("status", flat=True)) == {
            "queued"
        }
    finally:
        subprocess.run(
            [
                "redis-server",
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "-::1",
                "--port",
                "6379",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            check=True,
        )
        for _ in range(50):
            if _redis_up():
                break
            time.sleep(0.1)
    # The sweeper re-sends what has waited longer than its grace period.
    Measurement.objects.filter(id__in=ids).update(
        queued_at=timezone.now() - dt.timedelta(minutes=5)
    )
    assert lifecycle.sweep_stale()["resent"] == 3
    statuses = wait_for_status(ids, timeout=90)
    assert set(statuses.values()) == {"succeeded"}


def test_an_unreachable_database_answers_503_and_stores_nothing(tmp_path):
    port = 18000 + os.getpid() % 1000
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nowhere",
        "DEBUG": "1",
        "MEDIA_ROOT": str(tmp_path),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "cqdlab.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import urllib.error
        import urllib.request

        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/devices/",
                headers={"Authorization": "Token any-token-needs-the-database"},
            )
            try:
                urllib.request.urlopen(request, timeout=5)
            except urllib.error.HTTPError as exc:
                status, body = exc.code, exc.read().decode()
                break
            except OSError:
                time.sleep(0.3)
        assert status == 503, status
        assert "database is unavailable" in body
    finally:
        server.terminate()
        server.wait(10)
    assert not list(tmp_path.rglob("*"))  # no raw file was written either
