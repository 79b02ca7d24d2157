"""Personas and worlds built once, plus the real services the flow tests need."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .workers import ON_CI, celery_worker_process, flow_media, worker  # noqa: F401

DATA = Path(__file__).parent / "data"


def pytest_addoption(parser):
    parser.addoption("--run-faults", action="store_true", help="run fault-injection tests")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run-faults"):
        return
    skip = pytest.mark.skip(reason="fault tests run with `make test-faults`")
    for item in items:
        if "faults" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Every test stores raw files in its own folder; passwords hash fast; pages link static
    files by their plain names, as tests do not run collectstatic (the fingerprinted, compressed
    files have their own tests in tests/foundation/test_static_files.py)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Outside flow tests, analysis runs in-process (Celery's eager mode)."""
    from cqdlab.celery import app

    if "flow" in request.keywords:
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def world(db, django_user_model):
    """Two projects; an owner (manager) and a colleague (member) in A, a viewer, an outsider."""
    from core.models import Membership, Project

    from .factories import make_lab

    a = Project.objects.create(code="alpha", name="Alpha project")
    b = Project.objects.create(code="beta", name="Beta project")
    users = {}
    for name in ("owner", "colleague", "viewer", "outsider"):
        users[name] = django_user_model.objects.create_user(
            username=name, password=f"{name}-pass-123", is_staff=True
        )
    Membership.objects.create(project=a, user=users["owner"], role="manager")
    Membership.objects.create(project=a, user=users["colleague"], role="member")
    Membership.objects.create(project=a, user=users["viewer"], role="viewer")
    Membership.objects.create(project=b, user=users["outsider"], role="manager")
    lab_a = make_lab(a, users["owner"], prefix="A")
    lab_b = make_lab(b, users["outsider"], prefix="B")
    return {"projects": {"a": a, "b": b}, "users": users, "a": lab_a, "b": lab_b}


@pytest.fixture
def api(world):
    from rest_framework.test import APIClient

    def client_for(name: str | None) -> APIClient:
        client = APIClient()
        if name:
            client.force_authenticate(world["users"][name])
        return client

    return client_for


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")
