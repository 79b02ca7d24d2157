import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from analysis.models import JVResult
from measurements.models import Measurement, RawFile

DATA = Path(__file__).resolve().parents[1] / "data"
JV_A = DATA / "synthetic" / "jv_example_a.txt"
TRUTH = json.loads((DATA / "synthetic" / "truth.json").read_text())


def _file(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def _post(client, **data):
    return client.post("/api/v1/measurements/", data, format="multipart")


@pytest.fixture
def owner(api):
    return api("owner")


def test_an_upload_is_stored_analysed_and_answers_with_its_figures(
    owner, world, django_capture_on_commit_callbacks
):
    device = world["a"].devices[0]
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(owner, file=_file(JV_A), device=device.code)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "jv" and body["status"] == "queued"
    assert body["url"].endswith(f"/api/v1/measurements/{body['id']}/")
    detail = owner.get(f"/api/v1/measurements/{body['id']}/").json()
    assert detail["status"] == "succeeded", detail["error"]
    truth = TRUTH["jv_example_a.txt"]
    assert detail["results"]["voc_v"] == pytest.approx(truth["voc_v"], abs=0.002)
    assert detail["results"]["pce_percent"] == pytest.approx(truth["pce_percent"], rel=0.01)
    assert JVResult.objects.filter(device=device).count() == 1


def test_the_raw_file_is_kept_byte_for_byte_under_its_hash(owner, world):
    device = world["a"].devices[0]
    body = _post(owner, file=_file(JV_A), device=device.id).json()
    measurement = Measurement.objects.get(id=body["id"])
    with measurement.raw_file.file.open("rb") as fh:
        assert fh.read() == JV_A.read_bytes()
    assert measurement.raw_file.sha256 == body["sha256"]
    download = owner.get(f"/api/v1/measurements/{body['id']}/raw/")
    assert b"".join(download.streaming_content) == JV_A.read_bytes()
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"


def test_the_same_content_for_the_same_target_answers_with_the_existing_measurement(owner, world):
    device = world["a"].devices[0]
    first = _post(owner, file=_file(JV_A), device=device.code)
    again = _post(owner, file=_file(JV_A, "renamed.txt"), device=device.code)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    # The same bytes on another device: refused, naming where they are, unless confirmed.
    other = _post(owner, file=_file(JV_A), device=world["a"].devices[1].code)
    assert other.status_code == 409
    assert first.json()["code"] in other.json()["error"] and device.code in other.json()["error"]
    assert Measurement.objects.count() == 1
    confirmed = _post(
        owner, file=_file(JV_A), device=world["a"].devices[1].code, confirm_duplicate="true"
    )
    assert confirmed.status_code == 201
    assert Measurement.objects.count() == 2 and RawFile.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02\x03" * 100, "binary"),
        (b"hello\nthis is not a measurement\n", ""),
        (
            b"Voltage (V)\tCurrent (mA/cm2)\n0.1\t1\n0.2\tabc\n0.3\t3\n0.4\t4\n0.5\t5\n0.6\t6\n",
            "line 3",
        ),
        (b"Voltage (V)\tCurrent density (mA/cm2)\n0.1\t1\n0.2\t2\n", "few"),
        (
            b"Voltage (V)\tCurrent density (mA/cm2)\n"
            + b"".join(f"{v / 10}\t{'nan' if v == 3 else v}\n".encode() for v in range(8)),
            "line 5",
        ),
    ],
    ids=["empty", "binary", "unknown", "non-numeric", "too-few-points", "nan"],
)
def test_a_file_that_cannot_be_read_answers_400_naming_the_problem_and_stores_nothing(
    owner, world, content, expected
):
    response = _post(
        owner, file=SimpleUploadedFile("bad.txt", content), device=world["a"].devices[0].code
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert expected.lower() in json.dumps(body).lower()
    assert Measurement.objects.count() == 0 and RawFile.objects.count() == 0


def test_a_missing_column_is_named(owner, world):
    content = b"Voltage (V)\tTemperature (C)\n" + b"".join(
        f"{v / 10}\t25\n".encode() for v in range(10)
    )
    response = _post(
        owner,
        file=SimpleUploadedFile("v.txt", content),
        kind="jv",
        device=world["a"].devices[0].code,
    )
    assert response.status_code == 400
    assert "current" in response.json()["error"].lower()


def test_a_file_over_the_size_limit_is_refused(owner, world, settings):
    settings.MAX_UPLOAD_MB = 1
    big = b"Voltage (V)\tCurrent (A)\n" + b"0.1\t0.001\n" * 200_000
    response = _post(
        owner, file=SimpleUploadedFile("big.txt", big), device=world["a"].devices[0].code
    )
    assert response.status_code in (400, 413)
    assert Measurement.objects.count() == 0


def test_a_file_wider_than_the_column_cap_answers_400_with_its_line_and_stores_nothing(
    owner, world
):
    wide = "\t".join(["0.5"] * 5000)
    content = f"Voltage (V)\tCurrent (A)\n{wide}\n".encode() + b"0.1\t0.001\n" * 10
    response = _post(
        owner, file=SimpleUploadedFile("wide.txt", content), device=world["a"].devices[0].code
    )
    assert response.status_code == 400
    assert response.json()["line"] == 2
    assert "the limit is 1,000 columns" in response.json()["error"]
    assert Measurement.objects.count() == 0 and RawFile.objects.count() == 0


def test_an_upload_needs_exactly_one_target(owner, world):
    a = world["a"]
    none = _post(owner, file=_file(JV_A))
    two = _post(owner, file=_file(JV_A), device=a.devices[0].code, film=a.film.code)
    assert none.status_code == two.status_code == 400
    assert "exactly one" in json.dumps(two.json())


def test_a_jv_file_for_a_film_is_the_wrong_target(owner, world):
    response = _post(owner, file=_file(JV_A), film=world["a"].film.code)
    assert response.status_code == 400
    assert "belongs to a device" in response.json()["error"]


def test_a_target_in_another_project_is_refused_as_unknown(owner, world):
    response = _post(owner, file=_file(JV_A), device=world["b"].devices[0].code)
    assert response.status_code == 400
    assert Measurement.objects.count() == 0


def test_a_viewer_cannot_upload(api, world):
    response = _post(api("viewer"), file=_file(JV_A), device=world["a"].devices[0].code)
    assert response.status_code == 403


def test_measurements_filter_by_kind_status_device_and_batch(owner, world):
    a = world["a"]
    _post(owner, file=_file(JV_A), device=a.devices[0].code)
    _post(owner, file=_file(DATA / "synthetic" / "abs_example.csv"), film=a.film.code)
    assert owner.get("/api/v1/measurements/", {"kind": "jv"}).json()["count"] == 1
    assert owner.get("/api/v1/measurements/", {"batch": "A-B1"}).json()["count"] == 1
    assert owner.get("/api/v1/measurements/", {"film": a.film.code}).json()["count"] == 1
    assert owner.get("/api/v1/measurements/", {"status": "failed"}).json()["count"] == 0


def _zip(files: dict[str, bytes]) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            z.writestr(name, content)
    return SimpleUploadedFile("batch.zip", buffer.getvalue(), content_type="application/zip")


def test_a_zip_maps_files_by_folder_and_a_bad_file_fails_alone(owner, world):
    a = world["a"]
    archive = _zip(
        {
            f"{a.devices[0].code}/scan.txt": JV_A.read_bytes(),
            f"{a.devices[1].code}/broken.txt": b"not a measurement",
            f"{a.film.code}/abs.csv": (DATA / "synthetic" / "abs_example.csv").read_bytes(),
            "nowhere/scan.txt": JV_A.read_bytes(),
        }
    )
    body = owner.post("/api/v1/measurements/bulk/", {"file": archive}, format="multipart").json()
    by_file = {line["file"]: line for line in body["files"]}
    assert by_file[f"{a.devices[0].code}/scan.txt"]["status"] == "created"
    assert by_file[f"{a.film.code}/abs.csv"]["status"] == "created"
    assert by_file[f"{a.devices[1].code}/broken.txt"]["status"] == "failed"
    assert "no target" in by_file["nowhere/scan.txt"]["message"]
    assert body["counts"] == {"created": 2, "duplicate": 0, "failed": 2}


def test_a_zip_maps_files_by_manifest(owner, world):
    a = world["a"]
    manifest = f"file,device,irradiance_mw_cm2\nscan.txt,{a.devices[2].code},50\n"
    archive = _zip({"scan.txt": JV_A.read_bytes(), "manifest.csv": manifest.encode()})
    body = owner.post("/api/v1/measurements/bulk/", {"file": archive}, format="multipart").json()
    assert body["counts"]["created"] == 1
    m = Measurement.objects.get(device=a.devices[2])
    assert m.irradiance_mw_cm2 == 50


def test_a_manifest_sent_beside_the_zip_that_is_not_text_is_refused_in_words(owner, world):
    archive = _zip({"scan.txt": JV_A.read_bytes()})
    manifest = SimpleUploadedFile("manifest.csv", b"\x89PNG\r\n\x1a\n\x00\x00")
    response = owner.post(
        "/api/v1/measurements/bulk/", {"file": archive, "manifest": manifest}, format="multipart"
    )
    assert response.status_code == 400
    assert "manifest.csv is not UTF-8 text" in response.json()["error"]
    assert not Measurement.objects.exists()


def test_a_zip_with_traversal_names_skips_them(owner, world):
    archive = _zip({"../../etc/passwd": b"x", "a/\x07bell.txt": b"x"})
    body = owner.post("/api/v1/measurements/bulk/", {"file": archive}, format="multipart").json()
    assert all(line["status"] == "failed" for line in body["files"])
    assert all("unsafe" in line["message"] for line in body["files"])


def test_a_zip_bomb_is_refused_before_it_is_unpacked(owner, world, settings):
    settings.MAX_UPLOAD_MB = 1
    archive = _zip({"bomb.txt": b"0" * 20_000_000})
    response = owner.post("/api/v1/measurements/bulk/", {"file": archive}, format="multipart")
    assert response.status_code == 400
    assert "zip bomb" in response.json()["error"]


def test_control_characters_in_codes_and_file_names_are_refused_or_removed(owner, world):
    device = world["a"].devices[0]
    bad_code = _post(owner, file=_file(JV_A), device="A-B1/TS1/P1\x00")
    assert bad_code.status_code == 400 and "valid id or code" in json.dumps(bad_code.json())
    archive = _zip({"x.txt": b"1"})
    bulk = owner.post(
        "/api/v1/measurements/bulk/", {"file": archive, "device": "\x00"}, format="multipart"
    )
    assert bulk.status_code == 400
    assert owner.get("/api/v1/devices/A%00/").status_code == 404
    body = _post(owner, file=_file(JV_A, "scan\x07\x00.txt"), device=device.code).json()
    assert Measurement.objects.get(id=body["id"]).original_filename == "scan.txt"
