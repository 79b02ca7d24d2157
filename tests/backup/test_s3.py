"""Raw files on S3-compatible storage: cqdlab/settings.py's MEDIA_STORAGE=s3 block, pointed at
moto's S3 server started here on 127.0.0.1 (no other network), through upload, analysis,
download, verify_raw_files, backup and restore."""

from __future__ import annotations

import hashlib
import importlib.util
import uuid
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import boto3
import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from moto.server import ThreadedMotoServer
from rest_framework.test import APIClient
from storages.backends.s3 import S3Storage

import cqdlab.settings
from measurements.models import Measurement, RawFile

from .conftest import SYNTHETIC, every_row, read_manifest

JV = SYNTHETIC / "jv_example_a.txt"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _default_storage_from_settings() -> dict:
    """STORAGES["default"] as cqdlab/settings.py builds it from the environment set now."""
    path = Path(cqdlab.settings.__file__)
    spec = importlib.util.spec_from_file_location("cqdlab._settings_read_again", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.STORAGES["default"]


@pytest.fixture
def use_bucket(s3_endpoint, settings, monkeypatch, tmp_path):
    """Switches the media store to a new bucket of the local S3 server; returns its helpers."""
    # Credentials from here only: boto3 must not read a profile or ask a metadata service.
    for name, value in {
        "AWS_ACCESS_KEY_ID": "cqdlab-test",
        "AWS_SECRET_ACCESS_KEY": "cqdlab-test-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "MEDIA_STORAGE": "s3",
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
    }.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint)

    def switch() -> SimpleNamespace:
        bucket = f"cqdlab-media-{uuid.uuid4().hex[:12]}"
        client.create_bucket(Bucket=bucket)
        monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", bucket)
        # Django's setting_changed handler forgets the storage it built for the old value.
        settings.STORAGES = {**settings.STORAGES, "default": _default_storage_from_settings()}
        assert isinstance(storages["default"], S3Storage)
        assert storages["default"].bucket_name == bucket
        return SimpleNamespace(
            name=bucket,
            keys=lambda: sorted(
                item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", [])
            ),
            read=lambda key: client.get_object(Bucket=bucket, Key=key)["Body"].read(),
            delete=lambda key: client.delete_object(Bucket=bucket, Key=key),
        )

    return switch


def _upload(world) -> dict:
    owner = APIClient()
    owner.force_authenticate(world["users"]["owner"])
    response = owner.post(
        "/api/v1/measurements/",
        {
            "file": SimpleUploadedFile(JV.name, JV.read_bytes()),
            "device": world["a"].devices[0].code,
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    return response.json()


def _verify() -> tuple[str, CommandError | None]:
    out = StringIO()
    try:
        call_command("verify_raw_files", stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def test_a_raw_file_goes_to_the_bucket_is_analysed_from_it_and_downloads_from_it(world, use_bucket):
    bucket = use_bucket()
    body = _upload(world)

    sha = hashlib.sha256(JV.read_bytes()).hexdigest()
    assert bucket.keys() == [f"raw/{sha[:2]}/{sha}"]
    assert bucket.read(f"raw/{sha[:2]}/{sha}") == JV.read_bytes()
    owner = APIClient()
    owner.force_authenticate(world["users"]["owner"])
    detail = owner.get(f"/api/v1/measurements/{body['id']}/").json()
    assert detail["status"] == "succeeded", detail["error"]
    assert detail["results"]["voc_v"] > 0
    download = owner.get(f"/api/v1/measurements/{body['id']}/raw/")
    assert b"".join(download.streaming_content) == JV.read_bytes()

    out, error = _verify()
    assert error is None and "1 raw files checked: 1 ok" in out
    bucket.delete(f"raw/{sha[:2]}/{sha}")
    out, error = _verify()
    assert error is not None and f"missing  raw/{sha[:2]}/{sha}  (used by {body['code']})" in out


def test_a_backup_from_one_bucket_restores_into_an_empty_one(world, use_bucket, tmp_path):
    use_bucket()
    _upload(world)
    raw = RawFile.objects.get()
    before = every_row()
    path = tmp_path / "lab.tar.gz"
    call_command("backup", str(path), stdout=StringIO())
    (blob,) = read_manifest(path)["blobs"]
    assert (blob["name"], blob["sha256"]) == (raw.file.name, raw.sha256)

    call_command("flush", interactive=False, verbosity=0)
    empty = use_bucket()
    assert empty.keys() == []
    call_command("restore", str(path), stdout=StringIO())

    assert every_row() == before
    assert empty.keys() == [raw.file.name]
    assert hashlib.sha256(empty.read(raw.file.name)).hexdigest() == raw.sha256
    owner = APIClient()
    owner.force_authenticate(get_user_model().objects.get(username="owner"))
    measurement = Measurement.objects.get()
    download = owner.get(f"/api/v1/measurements/{measurement.id}/raw/")
    assert b"".join(download.streaming_content) == JV.read_bytes()
    assert _verify()[1] is None
