"""A lab with analysed measurements, and helpers to look inside and rewrite backup archives."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from core.management import archive
from measurements import services
from measurements.models import Measurement

SYNTHETIC = Path(__file__).resolve().parents[1] / "data" / "synthetic"
# (target, file): two devices carry the same J-V bytes, so one raw file serves two measurements.
UPLOADS = (
    ("device0", "jv_example_a.txt"),
    ("device1", "jv_example_b.csv"),
    ("device2", "jv_example_a.txt"),
    ("device0", "eqe_example.txt"),
    ("film", "abs_example.csv"),
)


def upload_all(world) -> list[Measurement]:
    lab = world["a"]
    targets = {f"device{i}": device for i, device in enumerate(lab.devices[:3])}
    targets["film"] = lab.film
    made = []
    for target, name in UPLOADS:
        measurement, created = services.measurement_create(
            user=world["users"]["owner"],
            target=targets[target],
            data=(SYNTHETIC / name).read_bytes(),
            filename=name,
            # Several devices get the same file here on purpose.
            options=services.UploadOptions(confirm_duplicate=True),
        )
        assert created
        made.append(measurement)
    return made


@pytest.fixture
def measured(world, django_capture_on_commit_callbacks) -> list[Measurement]:
    """The uploads, analysed in-process (at commit in transactional tests, else at the end of
    the capture)."""
    with django_capture_on_commit_callbacks(execute=True):
        made = upload_all(world)
    for measurement in made:
        measurement.refresh_from_db()
        assert measurement.status == "succeeded", measurement.error
    return made


def every_row() -> dict[str, list[dict]]:
    """All rows a backup holds, model by model, as the database gives them back."""
    return {
        model._meta.label_lower: list(model._base_manager.order_by("pk").values())
        for model in archive.dumped_models()
    }


def stored_bytes(name: str) -> bytes:
    with default_storage.open(name, "rb") as fh:
        return fh.read()


def read_member(path: Path, member: str) -> bytes:
    with tarfile.open(path, "r:gz") as tar:
        extracted = tar.extractfile(member)
        assert extracted is not None, member
        return extracted.read()


def read_manifest(path: Path) -> dict:
    return json.loads(read_member(path, archive.MANIFEST))


def rewrite(source: Path, target: Path, change: Callable[[str, bytes], bytes]) -> None:
    """A copy of an archive with some members' bytes changed (the manifest left as it was,
    unless ``change`` rewrites it too)."""
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for info in old.getmembers():
            extracted = old.extractfile(info)
            assert extracted is not None
            data = change(info.name, extracted.read())
            info.size = len(data)
            new.addfile(info, io.BytesIO(data))
