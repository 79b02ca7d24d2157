"""Sane values and bounded work on every path in (issue 19, items 5 and 7).

One table of condition bounds (core.quantities) for the API fields, a zip's manifest rows,
a file header's facts and the batch sheets; a non-finite value already stored never turns a
list into a 500; zips are refused by their stated sizes before anything is unpacked or stored;
an oversized body is refused by its stated length before it is read.
"""

from __future__ import annotations

import io
import json
import math
import os
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core import quantities
from measurements import bulk
from measurements.models import Measurement, RawFile
from measurements.parsers import _table, parse

DATA = Path(__file__).resolve().parents[1] / "data"
JV = (DATA / "synthetic" / "jv_example_a.txt").read_bytes()
JV_HEADED = (
    "Area (cm2): 1e308\n"
    "Temperature (C): -300\n"
    "\n"
    "Voltage (V)\tCurrent density (mA/cm2)\n"
    + "".join(f"{0.7 - 0.05 * i:.2f}\t{-20.0 + 2.0 * i * i / 10:.3f}\n" for i in range(16))
).encode()
BULK = "/api/v1/measurements/bulk/"


@pytest.fixture
def owner(api):
    return api("owner")


def stored_nothing() -> bool:
    return Measurement.objects.count() == 0 and RawFile.objects.count() == 0


def zip_of(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def post_zip(client, data: bytes):
    upload = SimpleUploadedFile("batch.zip", data, content_type="application/zip")
    return client.post(BULK, {"file": upload}, format="multipart")


# --- one table of bounds -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("area_cm2", math.nan, "area_cm2 = nan is not a number; it must be within 1e-6..1e4 cm2"),
        ("area_cm2", math.inf, "area_cm2 = inf is outside 1e-6..1e4 cm2"),
        ("area_cm2", -0.05, "area_cm2 = -0.05 is outside 1e-6..1e4 cm2"),
        ("irradiance_mw_cm2", 1e308, "irradiance_mw_cm2 = 1e308 is outside 0..1e4 mW/cm2"),
        ("temperature_c", -1e308, "temperature_c = -1e308 is outside -273.15..1000 C"),
        ("relative_humidity_percent", 101, "relative_humidity_percent = 101 is outside 0..100 %"),
        ("scan_rate_mv_s", 0, "scan_rate_mv_s = 0 is outside 0.001..1e6 mV/s"),
        ("relative_permittivity", 0.5, "relative_permittivity = 0.5 is outside 1..1000"),
        ("load_resistance_ohm", 1e12, "load_resistance_ohm = 1e12 is outside 0.001..1e9 ohm"),
    ],
)
def test_a_condition_outside_its_bounds_is_refused_naming_field_unit_and_bounds(
    name, value, message
):
    with pytest.raises(quantities.QuantityError) as caught:
        quantities.check(name, value)
    assert str(caught.value) == message
    assert caught.value.field == name


def test_a_condition_at_its_bounds_is_accepted_as_a_float():
    for q in quantities.QUANTITIES.values():
        assert quantities.check(q.name, q.minimum) == q.minimum
        assert quantities.check(q.name, q.maximum) == q.maximum
    assert quantities.parse("area_cm2", " 0,05 ") == 0.05
    assert quantities.parse("area_cm2", "") is None
    with pytest.raises(quantities.QuantityError, match="area_cm2 = 'big' is not a number"):
        quantities.parse("area_cm2", "big")


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e308", "-1e308", "-0.05", "1e999"])
def test_the_api_refuses_a_bad_area_in_the_words_the_table_uses_and_stores_nothing(
    owner, world, value
):
    response = owner.post(
        "/api/v1/measurements/",
        {
            "file": SimpleUploadedFile("jv.txt", JV),
            "device": world["a"].devices[0].code,
            "area_cm2": value,
        },
        format="multipart",
    )
    assert response.status_code == 400, response.content
    (message,) = response.json()["area_cm2"]
    assert message.startswith("area_cm2 = ") and message.endswith("1e-6..1e4 cm2")
    assert stored_nothing()


def test_the_api_checks_the_kind_specific_conditions_with_the_same_table(owner, world):
    response = owner.post(
        "/api/v1/measurements/",
        {
            "file": SimpleUploadedFile("jv.txt", JV),
            "device": world["a"].devices[0].code,
            "load_resistance_ohm": "inf",
            "relative_permittivity": "0",
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json() == {
        "load_resistance_ohm": ["load_resistance_ohm = inf is outside 0.001..1e9 ohm"],
        "relative_permittivity": ["relative_permittivity = 0 is outside 1..1000"],
    }
    assert stored_nothing()


def test_the_schema_still_shows_the_bounds(owner):
    schema = owner.get("/api/schema/", {"format": "json"}).json()
    fields = schema["components"]["schemas"]["MeasurementUpload"]["properties"]
    assert (fields["area_cm2"]["minimum"], fields["area_cm2"]["maximum"]) == (1e-6, 1e4)
    # The read side may answer null for a value stored before the bounds.
    assert schema["components"]["schemas"]["Measurement"]["properties"]["area_cm2"]["nullable"]


# --- the manifest ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "1e308", "-1e308", "-0.05"])
def test_a_bad_number_in_a_manifest_refuses_the_whole_zip_naming_row_and_field(owner, world, value):
    a = world["a"]
    manifest = (
        "file,device,area_cm2,irradiance_mw_cm2\n"
        f"good.txt,{a.devices[0].code},0.05,100\n"
        f"bad.txt,{a.devices[1].code},{value},100\n"
    )
    data = zip_of({"good.txt": JV, "bad.txt": JV + b"\n", "manifest.csv": manifest.encode()})
    response = post_zip(owner, data)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error.startswith("Manifest row 3: area_cm2 = ")
    assert error.endswith("1e-6..1e4 cm2")
    assert stored_nothing()


def test_a_manifest_date_that_is_no_date_is_refused_naming_its_row(owner, world):
    manifest = f"file,device,measured_at\nscan.txt,{world['a'].devices[0].code},yesterday\n"
    response = post_zip(owner, zip_of({"scan.txt": JV, "manifest.csv": manifest.encode()}))
    assert response.status_code == 400
    assert response.json()["error"] == (
        "Manifest row 2: measured_at 'yesterday' is not a date-time (use 2025-03-24T14:30)"
    )
    assert stored_nothing()


def test_a_manifest_that_is_not_utf8_is_refused(owner, world):
    manifest = f"file,device,notes\nscan.txt,{world['a'].devices[0].code},caf\xe9\n"
    data = zip_of({"scan.txt": JV, "manifest.csv": manifest.encode("latin-1")})
    response = post_zip(owner, data)
    assert response.status_code == 400
    assert "manifest.csv is not UTF-8 text" in response.json()["error"]
    assert stored_nothing()


def test_a_manifest_with_a_field_too_large_for_csv_is_a_400(owner, world):
    manifest = f'file,device,notes\nscan.txt,{world["a"].devices[0].code},"{"x" * 200_000}"\n'
    files = {"scan.txt": JV, "manifest.csv": manifest.encode()}
    response = post_zip(owner, zip_of(files, zipfile.ZIP_STORED))
    assert response.status_code == 400
    assert response.json()["error"].startswith("Manifest row 2: not readable as CSV")
    assert stored_nothing()


# --- file headers ---------------------------------------------------------------------------


def test_an_out_of_bounds_header_fact_is_not_stored_but_kept_as_a_warning(owner, world):
    device = world["a"].devices[0]
    response = owner.post(
        "/api/v1/measurements/",
        {"file": SimpleUploadedFile("jv.txt", JV_HEADED), "device": device.code},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    measurement = Measurement.objects.get(id=response.json()["id"])
    assert measurement.area_cm2 == device.active_area_cm2  # the device's, not the header's
    assert measurement.temperature_c is None
    warnings = measurement.metadata["warnings"]
    assert "header area_cm2 = 1e308 is outside 1e-6..1e4 cm2; ignored" in warnings
    assert "header temperature_c = -300 is outside -273.15..1000 C; ignored" in warnings


def test_a_header_fact_within_bounds_is_still_stored(owner, world):
    headed = JV_HEADED.replace(b"1e308", b"0.0625").replace(b"-300", b"25")
    response = owner.post(
        "/api/v1/measurements/",
        {"file": SimpleUploadedFile("jv.txt", headed), "device": world["a"].devices[1].code},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    measurement = Measurement.objects.get(id=response.json()["id"])
    # The header's area is kept as a source; the device's recorded area is the one used, and
    # their disagreement is flagged (measurements.provenance).
    area = measurement.metadata["area"]
    assert area["sources"]["file"] == 0.0625 and area["source"] == "device"
    assert area["disagree"] is (world["a"].devices[1].active_area_cm2 != 0.0625)
    assert measurement.temperature_c == 25.0
    assert not any("ignored" in w for w in measurement.metadata.get("warnings", []))


# --- stored non-finite values ---------------------------------------------------------------


def test_a_stored_infinity_renders_as_null_and_never_makes_a_list_answer_500(owner, world):
    device = world["a"].devices[0]
    body = owner.post(
        "/api/v1/measurements/",
        {"file": SimpleUploadedFile("jv.txt", JV), "device": device.code},
        format="multipart",
    ).json()
    # As rows written before the bounds existed hold them (SQLite keeps +-inf, not NaN).
    Measurement.objects.filter(id=body["id"]).update(
        area_cm2=math.inf, irradiance_mw_cm2=-math.inf, temperature_c=math.inf
    )
    for url, params in (
        ("/api/v1/measurements/", {}),
        ("/api/v1/measurements/", {"device": device.code}),
        (f"/api/v1/measurements/{body['id']}/", {}),
    ):
        response = owner.get(url, params)
        assert response.status_code == 200, (url, response.content[:200])
        row = response.json()["results"][0] if "count" in response.json() else response.json()
        assert (row["area_cm2"], row["irradiance_mw_cm2"], row["temperature_c"]) == (
            None,
            None,
            None,
        )
        json.loads(response.content)  # strict JSON: no Infinity literal


# --- zips -----------------------------------------------------------------------------------


def test_a_zip_that_unpacks_past_the_total_cap_is_refused_before_anything_is_stored(
    owner, world, settings
):
    settings.MAX_ZIP_UNPACKED_MB = 1
    code = world["a"].devices[0].code
    # Random bytes do not compress: no single member trips the ratio check.
    files = {f"{code}/scan.txt": JV, f"{code}/a.bin": os.urandom(600_000)}
    files[f"{code}/b.bin"] = os.urandom(600_000)
    response = post_zip(owner, zip_of(files))
    assert response.status_code == 400
    assert response.json()["error"] == (
        "The archive unpacks to 1.1 MB, more than the 1 MB limit: refused (zip bomb guard)."
    )
    assert stored_nothing()


def test_a_member_over_the_upload_limit_refuses_the_zip_naming_it(owner, world, settings):
    settings.MAX_UPLOAD_MB = 1
    code = world["a"].devices[0].code
    data = zip_of({f"{code}/scan.txt": JV, f"{code}/big.bin": os.urandom(1_500_000)})
    response = post_zip(owner, data)
    assert response.status_code == 400
    assert response.json()["error"] == (
        f"{code}/big.bin unpacks to 1.4 MB, more than the 1 MB limit for one file: refused "
        "(zip bomb guard)."
    )
    assert stored_nothing()


@pytest.mark.parametrize("size", [20_000, 1_000_000])
def test_a_tightly_packed_member_of_any_size_refuses_the_zip(owner, world, size):
    code = world["a"].devices[0].code
    data = zip_of({f"{code}/scan.txt": JV, f"{code}/zeros.txt": b"0" * size})
    response = post_zip(owner, data)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error.startswith(f"{code}/zeros.txt is packed ")
    assert error.endswith("to 1, more than the limit of 200 to 1: refused (zip bomb guard).")
    assert stored_nothing()


def test_two_hundred_one_megabyte_bombs_are_refused_before_any_is_unpacked(world, monkeypatch):
    data = zip_of({f"bomb{i}.txt": b"\0" * 1_000_000 for i in range(199)})
    opened = []
    original = zipfile.ZipFile.open

    def counting_open(self, *args, **kwargs):
        opened.append(args[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", counting_open)
    with pytest.raises(bulk.BulkError, match=r"bomb0\.txt is packed .* \(zip bomb guard\)"):
        bulk.import_zip(user=world["users"]["owner"], data=data)
    assert opened == []
    assert stored_nothing()


def test_real_files_in_a_zip_pass_the_ratio_check(owner, world):
    a = world["a"]
    files = {f"{a.devices[i].code}/scan.txt": JV + f"\n# {i}\n".encode() for i in range(3)}
    body = post_zip(owner, zip_of(files)).json()
    assert body["counts"] == {"created": 3, "duplicate": 0, "failed": 0}


def test_a_damaged_member_fails_alone_with_its_reason(owner, world):
    a = world["a"]
    good, broken = f"{a.devices[0].code}/scan.txt", f"{a.devices[1].code}/scan.txt"
    data = bytearray(zip_of({good: JV, broken: JV + b"\n# other\n"}))
    # Flip a byte in the second member's compressed data: its CRC no longer matches.
    second = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(broken)
    start = second.header_offset + 30 + len(broken.encode())
    data[start + 10] ^= 0xFF
    body = post_zip(owner, bytes(data)).json()
    lines = {line["file"]: line for line in body["files"]}
    assert lines[good]["status"] == "created"
    assert lines[broken]["status"] == "failed"
    assert lines[broken]["message"].startswith("could not be unpacked")


# --- parsing -------------------------------------------------------------------------------


def test_a_long_table_is_converted_in_chunks_to_the_numbers_the_careful_read_gives(monkeypatch):
    rows = 3 * _table._CHUNK_CELLS // 2 + 7  # several chunks, the last one short
    text = "Voltage (V)\tCurrent density (mA/cm2)\n" + "".join(
        f"{0.7 - i * 1e-5:.6f}\t{-20 + i * 3e-4:.5f}\n" for i in range(rows)
    )
    shapes = []
    bulk_numeric = _table._bulk_numeric

    def recording(*args):
        found = bulk_numeric(*args)
        shapes.append(found and found[1].shape)
        return found

    monkeypatch.setattr(_table, "_bulk_numeric", recording)
    bulk_read = parse(text.encode(), "x.jv.txt")
    assert shapes == [(rows, 2)]  # the fast path read it, in chunks of _CHUNK_CELLS
    monkeypatch.setattr(_table, "_bulk_numeric", lambda *args: None)
    careful = parse(text.encode(), "x.jv.txt")
    (a,), (b,) = bulk_read.series, careful.series
    assert a.columns.keys() == b.columns.keys()
    for key in a.columns:
        assert len(a.columns[key]) == rows
        assert (a.columns[key] == b.columns[key]).all()


# --- the request body -----------------------------------------------------------------------


class _Unread(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, *args):  # pragma: no cover - reaching it is the failure
        raise AssertionError("the body was read")

    readline = read


def test_an_oversized_body_is_refused_by_its_stated_length_before_it_is_read(client, world):
    client.force_login(world["users"]["owner"])
    response = client.generic(
        "POST",
        "/api/v1/measurements/",
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(200 * 1024 * 1024),
        **{"wsgi.input": _Unread()},
    )
    assert response.status_code == 413
    assert response.json()["error"] == "The upload is 200 MB, larger than the 50 MB limit."


def test_a_chunked_body_without_a_length_is_refused_with_411(client, world):
    client.force_login(world["users"]["owner"])
    response = client.generic(
        "POST",
        "/api/v1/measurements/",
        b"",
        content_type="multipart/form-data; boundary=x",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": _Unread()},
    )
    assert response.status_code == 411
    assert "Content-Length" in response.json()["error"]
