"""manage.py backup and restore: one archive back into an empty database and media store."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from rest_framework.test import APIClient

from analysis.models import AbsorbanceResult, EQEResult, JVResult
from core.management import archive
from measurements.models import Measurement, RawFile

from .conftest import SYNTHETIC, every_row, read_manifest, read_member, rewrite, stored_bytes

transactional = pytest.mark.django_db(transaction=True)


def _backup(tmp_path: Path, *args: str) -> Path:
    target = tmp_path / "lab.tar.gz"
    call_command("backup", str(target), *args, stdout=StringIO(), stderr=StringIO())
    return target


def _wipe(settings, tmp_path: Path) -> None:
    """An empty database and a new, empty media store."""
    call_command("flush", interactive=False, verbosity=0)
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    assert not Measurement.objects.exists() and not get_user_model().objects.exists()


def rewrite_members(path: Path, members: dict[str, bytes]) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _restore(path: Path) -> str:
    out = StringIO()
    call_command("restore", str(path), stdout=out)
    return out.getvalue()


def test_the_archive_holds_every_raw_file_with_its_checksum_and_the_counts(measured, tmp_path):
    path = _backup(tmp_path)
    manifest = read_manifest(path)
    raw_files = {raw.file.name: raw for raw in RawFile.objects.all()}
    assert len(raw_files) == 4  # five measurements, two of them the same bytes
    assert {blob["name"] for blob in manifest["blobs"]} == set(raw_files)
    for blob in manifest["blobs"]:
        raw = raw_files[blob["name"]]
        assert (blob["sha256"], blob["size"]) == (raw.sha256, raw.size_bytes)
    assert manifest["counts"]["measurements.measurement"] == 5
    assert manifest["counts"]["measurements.historicalmeasurement"] >= 5
    assert manifest["counts"]["core.membership"] == 4
    assert manifest["counts"]["auth.user"] == 4
    assert manifest["counts"]["analysis.jvresult"] == 3
    assert "measurements" in manifest["migrations"] and manifest["missing"] == []
    assert not any(label.startswith("sessions.") for label in manifest["counts"])
    dump = read_member(path, archive.DUMP)
    assert hashlib.sha256(dump).hexdigest() == manifest["dump"]["sha256"]


@transactional
def test_a_restore_into_an_empty_database_and_media_store_gives_back_every_row_and_file(
    measured, tmp_path, settings
):
    before = every_row()
    results_before = (JVResult.objects.count(), EQEResult.objects.count())
    path = _backup(tmp_path)
    _wipe(settings, tmp_path)

    report = _restore(path)

    assert "Restored" in report and "4 files (0 already in the media store)" in report
    assert every_row() == before
    assert (JVResult.objects.count(), EQEResult.objects.count()) == results_before
    assert AbsorbanceResult.objects.count() == 1
    for raw in RawFile.objects.all():
        data = stored_bytes(raw.file.name)
        assert hashlib.sha256(data).hexdigest() == raw.sha256 and len(data) == raw.size_bytes
        assert (settings.MEDIA_ROOT / raw.file.name).is_file()


@transactional
def test_after_a_restore_the_api_and_the_pages_read_the_lab_as_it_was(measured, tmp_path, settings):
    path = _backup(tmp_path)
    _wipe(settings, tmp_path)
    _restore(path)
    owner = get_user_model().objects.get(username="owner")
    api = APIClient()
    api.force_authenticate(owner)

    listing = api.get("/api/v1/measurements/", {"page_size": 50}).json()
    assert listing["count"] == 5
    assert all(item["status"] == "succeeded" and item["results"] for item in listing["results"])
    jv = Measurement.objects.filter(original_filename="jv_example_a.txt").first()
    download = api.get(f"/api/v1/measurements/{jv.id}/raw/")
    assert b"".join(download.streaming_content) == (SYNTHETIC / "jv_example_a.txt").read_bytes()

    browser = Client()
    browser.force_login(owner)
    device = jv.device
    page = browser.get(f"/devices/{device.id}/")
    assert page.status_code == 200
    assert {row["measurement"].code for row in page.context["table"]} == set(
        device.measurements.values_list("code", flat=True)
    )
    outsider = get_user_model().objects.get(username="outsider")
    api.force_authenticate(outsider)
    assert api.get("/api/v1/measurements/").json()["count"] == 0


@transactional
def test_restore_refuses_an_archive_with_an_altered_blob_and_names_it(measured, tmp_path, settings):
    path = _backup(tmp_path)
    victim = read_manifest(path)["blobs"][0]["name"]
    tampered = tmp_path / "tampered.tar.gz"
    rewrite(path, tampered, lambda name, data: data + b"\n" if name.endswith(victim) else data)
    _wipe(settings, tmp_path)

    with pytest.raises(
        CommandError, match=f"(?s)altered or damaged.*blobs/{victim}: sha256"
    ) as info:
        _restore(tampered)

    assert "nothing was restored" in str(info.value)
    assert not Measurement.objects.exists() and not get_user_model().objects.exists()
    assert not default_storage.exists(victim)


@transactional
def test_restore_refuses_an_archive_with_an_altered_dump(measured, tmp_path, settings):
    path = _backup(tmp_path)
    tampered = tmp_path / "tampered.tar.gz"

    def change(name: str, data: bytes) -> bytes:
        return data.replace(b"Alpha project", b"Omega project") if name == archive.DUMP else data

    rewrite(path, tampered, change)
    _wipe(settings, tmp_path)
    with pytest.raises(CommandError, match="dump.jsonl: sha256"):
        _restore(tampered)
    assert not Measurement.objects.exists()


@transactional
def test_a_dump_that_cannot_be_loaded_leaves_no_row_behind(measured, tmp_path, settings):
    path = _backup(tmp_path)
    broken = tmp_path / "broken.tar.gz"
    dump = read_member(path, archive.DUMP).splitlines(keepends=True)
    # A J-V result names a device that is not there; the manifest agrees with the dump, as if
    # the archive had been made so.
    at = next(i for i, line in enumerate(dump) if b'"model": "analysis.jvresult"' in line)
    row = json.loads(dump[at])
    row["fields"]["device"] = 999_999
    dump[at] = (json.dumps(row) + "\n").encode()
    new_dump = b"".join(dump)

    def change(name: str, data: bytes) -> bytes:
        if name == archive.DUMP:
            return new_dump
        if name == archive.MANIFEST:
            manifest = json.loads(data)
            manifest["dump"].update(sha256=hashlib.sha256(new_dump).hexdigest(), size=len(new_dump))
            return json.dumps(manifest).encode()
        return data

    rewrite(path, broken, change)
    _wipe(settings, tmp_path)
    with pytest.raises(CommandError, match="The dump could not be loaded; nothing was") as info:
        _restore(broken)
    assert "FOREIGN KEY" in str(info.value).upper()
    assert not Measurement.objects.exists() and not get_user_model().objects.exists()


def test_restore_refuses_a_database_that_already_holds_lab_data(measured, tmp_path):
    path = _backup(tmp_path)
    with pytest.raises(
        CommandError,
        match=r"already holds data in \d+ tables \(auth\.user: 4 rows, core\.project: 2 rows",
    ):
        _restore(path)
    assert Measurement.objects.count() == 5


@transactional
def test_restore_refuses_to_overwrite_other_bytes_in_the_media_store_but_takes_the_same_ones(
    measured, tmp_path, settings
):
    before = every_row()
    path = _backup(tmp_path)
    call_command("flush", interactive=False, verbosity=0)  # the media store stays as it was
    name = read_manifest(path)["blobs"][0]["name"]
    original = stored_bytes(name)
    (settings.MEDIA_ROOT / name).write_bytes(b"someone else's bytes")

    with pytest.raises(
        CommandError, match=f"(?s)media store is not empty.*{name}: the media store"
    ):
        _restore(path)
    assert not Measurement.objects.exists()

    (settings.MEDIA_ROOT / name).write_bytes(original)
    assert "4 files (4 already in the media store)" in _restore(path)
    assert every_row() == before


@transactional
def test_restore_refuses_an_archive_made_at_another_migration_state(measured, tmp_path, settings):
    path = _backup(tmp_path)
    tampered = tmp_path / "future.tar.gz"

    def change(name: str, data: bytes) -> bytes:
        if name != archive.MANIFEST:
            return data
        manifest = json.loads(data)
        manifest["migrations"]["measurements"].append("9999_from_the_future")
        return json.dumps(manifest).encode()

    rewrite(path, tampered, change)
    _wipe(settings, tmp_path)
    with pytest.raises(CommandError, match="the archive has 9999_from_the_future; this code not"):
        _restore(tampered)
    assert not Measurement.objects.exists()


@pytest.mark.parametrize(
    "members, message",
    [
        (None, "not a readable backup archive"),
        ({"jv.txt": b"V,I\n0,1\n"}, "has no manifest.json"),
        ({"manifest.json": b"{not json"}, "manifest.json is not valid JSON"),
        (
            {"manifest.json": b'{"format": "cqdlab-backup", "format_version": 1}'},
            "manifest.json lacks 'dump'",
        ),
    ],
)
def test_restore_refuses_a_file_that_is_not_a_backup_and_says_why(db, tmp_path, members, message):
    path = tmp_path / "other.tar.gz"
    if members is None:
        path.write_bytes(b"not a backup at all")
    else:
        rewrite_members(path, members)
    with pytest.raises(CommandError, match=message):
        _restore(path)
    assert not Measurement.objects.exists()


def test_backup_refuses_when_a_stored_file_is_missing_and_leaves_no_archive(
    measured, tmp_path, settings
):
    raw = RawFile.objects.get(measurements__original_filename="abs_example.csv")
    default_storage.delete(raw.file.name)
    target = tmp_path / "lab.tar.gz"

    with pytest.raises(CommandError, match=f"missing from the media store: {raw.file.name}"):
        call_command("backup", str(target), stdout=StringIO())
    assert list(tmp_path.glob("lab.tar.gz*")) == []

    call_command("backup", str(target), "--allow-missing", stdout=StringIO(), stderr=StringIO())
    manifest = read_manifest(target)
    assert manifest["missing"] == [raw.file.name]
    assert len(manifest["blobs"]) == 3


def test_backup_never_overwrites_a_file_and_names_a_dated_archive_in_a_folder(measured, tmp_path):
    existing = tmp_path / "lab.tar.gz"
    existing.write_bytes(b"keep me")
    with pytest.raises(CommandError, match="exists; a backup never overwrites"):
        call_command("backup", str(existing), stdout=StringIO())
    assert existing.read_bytes() == b"keep me"

    folder = tmp_path / "backups"
    folder.mkdir()
    call_command("backup", str(folder), stdout=StringIO())
    (made,) = folder.glob("cqdlab-backup-*.tar.gz")
    assert read_manifest(made)["counts"]["measurements.measurement"] == 5
