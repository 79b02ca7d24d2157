"""A real Celery worker process on the test database, for the flow tests (and the browser
tests that need one). Its fixtures are registered once, by tests/conftest.py: a session
fixture imported into two test modules would start two workers with two media folders.

Needs PostgreSQL (DATABASE_URL) and Redis (CELERY_BROKER_URL), as `make test` sets them when
the services answer. On CI their absence is a failure, elsewhere a stated skip.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "tests" / "data" / "synthetic"


def _services_or_skip() -> None:
    db = os.environ.get("DATABASE_URL", "")
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if db.startswith("postgres") and broker.startswith("redis"):
        return
    message = "flow tests need PostgreSQL and Redis (DATABASE_URL, CELERY_BROKER_URL)"
    if ON_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def flow_media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("flow-media")


def start_worker(
    db_name: str,
    media: Path,
    name: str | None = None,
    extra_env: dict | None = None,
    queue: str | None = None,
) -> subprocess.Popen:
    from django.conf import settings

    env = dict(os.environ)
    db = settings.DATABASES["default"]
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db_name}"
    )
    env["MEDIA_ROOT"] = str(media)
    env.update(extra_env or {})
    node = name or f"test-{uuid.uuid4().hex[:8]}"
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cqdlab",
            "worker",
            "-l",
            "warning",
            "--concurrency",
            "1",
            "--without-mingle",
            "--without-gossip",
            "-n",
            f"{node}@%h",
            *(["-Q", queue] if queue else []),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for_worker(timeout: float = 60.0, count: int = 1, queue: str | None = None) -> None:
    """Until ``count`` workers (consuming ``queue``, if given) answer."""
    from cqdlab.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if queue is None:
            if len(app.control.ping(timeout=0.5)) >= count:
                return
            continue
        active = app.control.inspect(timeout=0.5).active_queues() or {}
        if sum(any(q["name"] == queue for q in qs) for qs in active.values()) >= count:
            return
    raise RuntimeError("the Celery worker did not start")


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, flow_media):
    _services_or_skip()
    from django.db import connection

    from cqdlab.celery import app

    app.control.purge()  # nothing from an earlier run may reach this worker
    worker = start_worker(connection.settings_dict["NAME"], flow_media)
    try:
        wait_for_worker()
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            worker.kill()


@pytest.fixture
def worker(celery_worker_process, settings, flow_media):
    """Use in a flow test: uploads are stored where the worker reads them."""
    settings.MEDIA_ROOT = flow_media
    return celery_worker_process


def wait_for_status(measurement_ids, statuses=("succeeded", "failed"), timeout: float = 60.0):
    from measurements.models import Measurement

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = dict(Measurement.objects.filter(id__in=measurement_ids).values_list("id", "status"))
        if len(rows) == len(measurement_ids) and all(s in statuses for s in rows.values()):
            return rows
        time.sleep(0.2)
    raise AssertionError(f"not finished in {timeout} s: {rows}")
