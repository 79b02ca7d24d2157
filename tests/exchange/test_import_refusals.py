"""An .eln that cannot be imported is refused with a sentence saying why, and nothing of it is
stored: no object, no measurement, no raw file on disk."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

from .helpers import nodes, repack, unpack


@pytest.fixture
def eln(filled):
    from exchange.export import export_project

    return export_project(filled["projects"]["a"])


@pytest.fixture
def empty(filled):
    from core.models import Membership, Project

    gamma = Project.objects.create(code="gamma", name="Gamma")
    Membership.objects.create(project=gamma, user=filled["users"]["owner"], role="manager")
    return gamma


def _refused(data: bytes, project, user) -> str:
    from exchange.importer import ImportRefused, import_eln
    from measurements.models import Measurement

    with pytest.raises(ImportRefused) as caught:
        import_eln(data, project, user)
    assert not Measurement.objects.filter(project=project).exists()
    return caught.value.message


def _blobs() -> set[str]:
    root = Path(settings.MEDIA_ROOT) / "raw"
    return {p.name for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _with_new_bytes(eln: bytes) -> tuple[bytes, str]:
    """The crate with its first raw file changed consistently (new bytes, its sha256 and size
    restated): bytes no raw file of this server holds yet. Returns the crate and the sha."""
    top, meta, files, _ = unpack(eln)
    path = sorted(p for p in files if p.startswith("measurements/") and p.endswith(".txt"))[0]
    files[path] += b"\n# copied on the way\n"
    sha = hashlib.sha256(files[path]).hexdigest()
    node = nodes(meta)[path]
    node["sha256"], node["contentSize"] = sha, str(len(files[path]))
    files["ro-crate-metadata.json"] = json.dumps(meta).encode()
    return repack(top, files), sha


def _edit(eln: bytes, change) -> bytes:
    top, meta, files, _ = unpack(eln)
    change(meta, files)
    files["ro-crate-metadata.json"] = json.dumps(meta).encode()
    return repack(top, files)


def test_a_project_that_already_holds_objects_is_refused_as_a_conflict(filled, eln):
    from exchange.importer import ImportRefused, import_eln

    with pytest.raises(ImportRefused) as caught:
        import_eln(eln, filled["projects"]["b"], filled["users"]["outsider"])
    assert caught.value.status == 409 and "not empty" in caught.value.message


def test_a_crate_from_another_exporter_or_format_version_is_refused(filled, eln, empty):
    owner = filled["users"]["owner"]

    def other_software(meta, files):
        nodes(meta)["#cqdlab"]["identifier"] = "elabftw"

    def newer_format(meta, files):
        nodes(meta)["#cqdlab"]["version"] = "2.0"

    def ro_crate_1_2(meta, files):
        nodes(meta)["ro-crate-metadata.json"]["conformsTo"] = {
            "@id": "https://w3id.org/ro/crate/1.2"
        }

    assert "not written by cqdlab" in _refused(_edit(eln, other_software), empty, owner)
    assert "format 2.0" in _refused(_edit(eln, newer_format), empty, owner)
    assert "RO-Crate 1.1" in _refused(_edit(eln, ro_crate_1_2), empty, owner)


def test_path_traversal_in_the_zip_is_refused_before_anything_is_read(filled, eln, empty):
    top, _, files, _ = unpack(eln)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in files.items():
            archive.writestr(f"{top}/{path}", data)
        archive.writestr(f"{top}/../../etc/cron.d/evil", b"* * * * * root true")
    message = _refused(buffer.getvalue(), empty, filled["users"]["owner"])
    assert "unsafe path" in message and "../" in message


def test_a_zip_bomb_is_refused_by_the_bulk_upload_limits(filled, eln, empty):
    top, _, files, _ = unpack(eln)
    files["padding.bin"] = b"\0" * (settings.MAX_ZIP_RATIO * 2000)  # packs far above the ratio
    message = _refused(repack(top, files), empty, filled["users"]["owner"])
    assert "zip bomb" in message


def test_a_missing_file_or_a_changed_byte_is_refused_and_no_blob_is_left(filled, eln, empty):
    owner = filled["users"]["owner"]
    fresh, sha = _with_new_bytes(eln)
    top, meta, files, _ = unpack(fresh)
    raw_paths = sorted(
        p for p in files if p.startswith("measurements/") and not p.endswith("results.json")
    )
    missing = dict(files)
    del missing[raw_paths[-1]]
    assert "not in it" in _refused(repack(top, missing), empty, owner)

    # Another raw file altered by one byte: refused, and the new, valid file was not written
    # to storage either (files are written only after every check passed).
    altered = dict(files)
    victim = next(p for p in raw_paths if nodes(meta)[p]["sha256"] != sha)
    altered[victim] = altered[victim][:-1] + b"X"
    assert "sha256 does not match" in _refused(repack(top, altered), empty, owner)
    assert sha not in _blobs()


def test_a_crate_naming_a_code_it_does_not_hold_is_refused(filled, eln, empty):
    def dangling(meta, files):
        for node in meta["@graph"]:
            if node.get("propertyID") == "ink" and node["value"] == "A-RUN1":
                node["value"] = "A-RUN-NOT-THERE"

    message = _refused(_edit(eln, dangling), empty, filled["users"]["owner"])
    assert "A-RUN-NOT-THERE" in message and "not in the crate" in message


def test_a_failure_while_storing_rolls_everything_back_and_removes_the_new_blobs(
    filled, eln, empty, monkeypatch
):
    from exchange import importer
    from fabrication.models import Batch
    from measurements.models import RawFile

    fresh, sha = _with_new_bytes(eln)
    real_create = importer._create

    def create_then_fail(entities, raws, project, user):
        real_create(entities, raws, project, user)
        # Objects and the new file were written when storing fails.
        assert Batch.objects.filter(project=project).exists() and sha in _blobs()
        raise importer.ImportRefused("storage failed half-way")

    monkeypatch.setattr(importer, "_create", create_then_fail)
    assert _refused(fresh, empty, filled["users"]["owner"]) == "storage failed half-way"
    assert not Batch.objects.filter(project=empty).exists()
    assert not RawFile.objects.filter(sha256=sha).exists()
    assert sha not in _blobs()


def test_an_archive_that_is_not_one_folder_or_not_a_zip_is_refused(filled, eln, empty):
    owner = filled["users"]["owner"]
    top, _, files, _ = unpack(eln)
    two_roots = repack(top, files)
    buffer = io.BytesIO(two_roots)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("stray.txt", b"outside the folder")
    assert "exactly one folder" in _refused(buffer.getvalue(), empty, owner)
    assert "not a readable" in _refused(b"PK\x03\x04 not really", empty, owner)
    no_metadata = {p: d for p, d in files.items() if p != "ro-crate-metadata.json"}
    assert "ro-crate-metadata.json" in _refused(repack(top, no_metadata), empty, owner)
