"""A file holding several pixels feeds each pixel's own device; one raw file, never a silent
device; duplicates on other targets are refused unless confirmed."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from analysis.models import JVResult
from fabrication.models import Device
from measurements.models import Measurement, RawFile

TRAPS = Path(__file__).resolve().parents[1] / "data" / "traps"
TWO_PIXELS = TRAPS / "shared_voltage_two_pixels.jv.txt"  # pixels 1 and 2, fwd + rev each


def _post(client, path: Path, **fields):
    return client.post(
        "/api/v1/measurements/",
        {"file": SimpleUploadedFile(path.name, path.read_bytes()), **fields},
        format="multipart",
    )


@pytest.mark.django_db(transaction=True)  # analysed on commit, in-process
def test_each_pixel_of_a_file_goes_to_its_own_device_and_the_file_is_stored_once(api, world):
    p1, p2 = world["a"].devices[0], world["a"].devices[1]  # pixels P1 and P2 of substrate TS1
    response = _post(api("owner"), TWO_PIXELS, device=p1.code, area_cm2="0.1")
    assert response.status_code == 201, response.content
    pixels = {p["pixel"]: p for p in response.json()["pixels"]}
    assert {k: v["device"] for k, v in pixels.items()} == {"1": p1.code, "2": p2.code}
    assert RawFile.objects.count() == 1 and Measurement.objects.count() == 2
    for pixel, device in (("1", p1), ("2", p2)):
        rows = JVResult.objects.filter(device=device)
        assert {r.pixel for r in rows} == {pixel}
        assert sorted(r.scan_direction for r in rows) == ["forward", "reverse"]
        # The forward and the reverse scan of the pixel pair into a hysteresis index.
        assert all(r.hi_pce is not None for r in rows)
        detail = api("owner").get(f"/api/v1/measurements/{pixels[pixel]['measurement']}/")
        assert {s["pixel"] for s in detail.json()["results"]["scans"]} == {pixel}
    # The batch's device table carries each device's hysteresis index.
    from django.test import Client

    browser = Client()
    browser.force_login(world["users"]["owner"])
    table = browser.get(
        f"/batches/{world['a'].batch.id}/", {"export": "json", "table": "devices"}
    ).json()
    at = table["columns"].index("hysteresis_index")
    rows = {row[0]: row for row in table["rows"]}
    expected = JVResult.objects.filter(device=p1, scan_direction="reverse").get().hi_pce
    assert rows[p1.code][at] == pytest.approx(expected)


def test_an_unknown_pixel_is_refused_naming_it_and_nothing_is_stored(api, world):
    lone = world["a"].devices[0]
    Device.objects.filter(substrate=lone.substrate).exclude(pk=lone.pk).delete()
    response = _post(api("owner"), TWO_PIXELS, device=lone.code)
    assert response.status_code == 400
    assert "pixel 2" in response.json()["error"] and "create_pixels" in response.json()["error"]
    assert Measurement.objects.count() == 0 and RawFile.objects.count() == 0


def test_a_pixel_is_created_only_when_the_upload_asks(api, world):
    lone = world["a"].devices[0]
    Device.objects.filter(substrate=lone.substrate).exclude(pk=lone.pk).delete()
    response = _post(api("owner"), TWO_PIXELS, device=lone.code, create_pixels="true")
    assert response.status_code == 201, response.content
    created = Device.objects.get(substrate=lone.substrate, pixel="P2")
    assert created.code == f"{lone.substrate.code}/P2"


def test_an_explicit_pixel_map_sends_a_pixel_where_the_lab_says(api, world):
    p1, p3 = world["a"].devices[0], world["a"].devices[2]
    response = _post(api("owner"), TWO_PIXELS, device=p1.code, pixel_map=f"2={p3.code}")
    assert response.status_code == 201, response.content
    assert {p["pixel"]: p["device"] for p in response.json()["pixels"]}["2"] == p3.code


def test_uploading_the_same_file_again_answers_with_the_same_measurements(api, world):
    p1 = world["a"].devices[0]
    first = _post(api("owner"), TWO_PIXELS, device=p1.code)
    again = _post(api("owner"), TWO_PIXELS, device=p1.code)
    assert again.status_code == 200
    assert again.json()["pixels"] == first.json()["pixels"]


@pytest.mark.parametrize("confirm", [False, True])
def test_the_same_bytes_for_another_target_need_a_confirmation(api, world, confirm):
    abs_file = Path(__file__).resolve().parents[1] / "data" / "synthetic" / "abs_example.csv"
    first = _post(api("owner"), abs_file, film=world["a"].film.code)
    assert first.status_code == 201
    extra = {"confirm_duplicate": "true"} if confirm else {}
    other = _post(api("owner"), abs_file, synthesis=world["a"].synthesis.code, **extra)
    if confirm:
        assert other.status_code == 201
    else:
        assert other.status_code == 409
        assert first.json()["code"] in other.json()["error"]
        assert world["a"].film.code in other.json()["error"]
