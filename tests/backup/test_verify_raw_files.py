"""manage.py verify_raw_files: every raw file's blob is in the media store, byte for byte."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from measurements.models import RawFile


def _verify(*args: str) -> tuple[str, CommandError | None]:
    out = StringIO()
    try:
        call_command("verify_raw_files", *args, stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def _raw(filename: str) -> RawFile:
    return RawFile.objects.filter(measurements__original_filename=filename).distinct().get()


def test_it_finds_nothing_wrong_when_every_blob_is_intact(measured):
    out, error = _verify()
    assert error is None
    assert out.strip() == "4 raw files checked: 4 ok, 0 missing, 0 altered"


def test_it_reports_a_deleted_and_an_altered_blob_with_the_measurements_using_them(
    measured, settings
):
    deleted, altered = _raw("jv_example_a.txt"), _raw("abs_example.csv")
    default_storage.delete(deleted.file.name)
    (settings.MEDIA_ROOT / altered.file.name).write_bytes(b"wavelength,absorbance\n1,2\n")

    out, error = _verify()

    assert error is not None and error.returncode == 1
    assert "2 of 4 raw files are missing or altered" in str(error)
    lines = out.splitlines()
    codes = sorted(deleted.measurements.values_list("code", flat=True))
    assert len(codes) == 2  # the same bytes uploaded for two devices
    assert f"missing  {deleted.file.name}  (used by {', '.join(codes)})" in lines
    (altered_line,) = [line for line in lines if line.startswith("altered")]
    assert altered.file.name in altered_line and f"where {altered.sha256}" in altered_line
    assert altered.measurements.get().code in altered_line
    assert lines[-1] == "4 raw files checked: 2 ok, 1 missing, 1 altered"
    assert _raw("jv_example_b.csv").file.name not in out


def test_it_reports_as_json_for_scripts(measured, settings):
    altered = _raw("eqe_example.txt")
    (settings.MEDIA_ROOT / altered.file.name).write_bytes(b"changed")

    out, error = _verify("--json")

    assert error is not None and error.returncode == 1
    report = json.loads(out)
    assert (report["checked"], report["ok"], report["missing"], report["altered"]) == (4, 3, 0, 1)
    (problem,) = report["problems"]
    assert problem["name"] == altered.file.name and problem["problem"] == "altered"
    assert (problem["found_size_bytes"], problem["size_bytes"]) == (7, altered.size_bytes)
    assert problem["measurements"] == [altered.measurements.get().code]


@pytest.mark.django_db
def test_it_checks_an_empty_lab_without_complaint():
    out, error = _verify()
    assert error is None and "0 raw files checked" in out
