"""In chromium: teach cqdlab a headerless export from scratch, then upload a second file of the
same instrument through the normal upload page, read by the saved profile with no choice made;
and the upload page's report (issue 15): sentences, not JSON; a line named once; the area
field; the device checked as typed; a zip partly read; the refused file's way to teaching."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from analysis.models import JVResult
from measurements.models import InstrumentProfile, Measurement, Status

from .conftest import login

DATA = Path(__file__).resolve().parents[1] / "data"
PROFILES = DATA / "profiles"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _file(path: Path, name: str | None = None) -> dict:
    return {"name": name or path.name, "mimeType": "text/plain", "buffer": path.read_bytes()}


def _upload_row(page, name: str):
    return page.locator("#files tbody tr").filter(has_text=name).first


def test_a_headerless_export_taught_on_the_page_reads_the_next_file_with_no_choice(page, world):
    device = world["a"].devices[0]
    login(page, "owner", "owner-pass-123")
    page.goto(f"{page.base}/upload/")
    # The first file is refused: bare numbers no built-in reader can place.
    page.fill("input[name=device]", device.code)
    page.set_input_files("#upload-input", [_file(PROFILES / "station7_run1.ivx")])
    refused = _upload_row(page, "station7_run1.ivx")
    refused.locator("[data-status]").filter(has_text="failed").wait_for()
    assert Measurement.objects.count() == 0  # nothing half-stored
    teach = refused.locator("a.teach")
    assert teach.inner_text() == "Teach cqdlab this format"
    teach.click()
    page.wait_for_url("**/profiles/teach/?preload=1")
    # The refused file is loaded, its lines numbered.
    page.locator("#teach-lines div[data-line='40']").wait_for()
    assert "station7_run1.ivx" in page.locator("#teach-file-name").inner_text()
    page.fill("input[name=code]", "station7")
    page.select_option("select[name=kind]", "jv")
    page.select_option("select[name=delimiter]", "tab")
    columns = page.locator("#teach-columns tbody tr")
    columns.nth(0).locator("[name=col]").fill("1")
    columns.nth(0).locator("[name=quantity]").select_option("voltage")
    columns.nth(0).locator("[name=unit]").select_option("mV")
    columns.nth(1).locator("[name=col]").fill("2")
    columns.nth(1).locator("[name=quantity]").select_option("current")
    columns.nth(1).locator("[name=unit]").select_option("mA")
    page.fill("input[name=match_filename]", "station7_*.ivx")
    page.fill("input[name=area_cm2]", "0.1")
    # The analysis of the sample is shown before saving.
    page.locator("#teach-status").filter(has_text="Read as jv: 1 curve").wait_for()
    analysis = page.locator("#teach-analysis")
    analysis.filter(has_text="PCE").wait_for()
    assert "Voc" in analysis.inner_text()
    assert "voltage_v" in page.locator("#teach-table").inner_text()
    page.click("#teach-save")
    page.locator("#teach-saved").filter(has_text="Saved: station7 v1").wait_for()
    profile = InstrumentProfile.objects.get(code="station7")
    assert profile.project == world["projects"]["a"] and profile.version == 1
    assert profile.definition["columns"][0] == {"column": 1, "quantity": "voltage", "unit": "mV"}

    # The second file of the same instrument: the normal upload page, no profile chosen.
    page.goto(f"{page.base}/upload/")
    page.fill("input[name=device]", world["a"].devices[1].code)
    page.set_input_files("#upload-input", [_file(PROFILES / "station7_run2.ivx")])
    row = _upload_row(page, "station7_run2.ivx")
    row.locator("[data-status]").filter(has_text="succeeded").wait_for()
    assert "profile station7 v1" in row.inner_text()
    assert "read by instrument profile station7 v1" in row.inner_text()
    measurement = Measurement.objects.get(original_filename="station7_run2.ivx")
    assert measurement.profile_version.profile == profile
    assert measurement.status == Status.SUCCEEDED, measurement.error
    assert JVResult.objects.filter(measurement=measurement).exists()


def test_upload_refusals_read_as_sentences_naming_a_line_once(page, world):
    login(page, "owner", "owner-pass-123")
    page.goto(f"{page.base}/upload/")
    page.fill("input[name=device]", world["a"].devices[0].code)
    rows = b"0.0\t-20\n0.1\tabc\n0.2\t-19\n0.3\t-18\n0.4\t-16\n0.5\t-10\n0.6\t-2\n0.7\t5\n"
    bad_line = b"Voltage (V)\tCurrent density (mA/cm2)\n" + rows
    page.set_input_files(
        "#upload-input",
        [
            {"name": "empty.txt", "mimeType": "text/plain", "buffer": b""},
            {"name": "badline.txt", "mimeType": "text/plain", "buffer": bad_line},
        ],
    )
    empty = _upload_row(page, "empty.txt")
    empty.locator("[data-status]").filter(has_text="failed").wait_for()
    text = empty.locator("[data-error]").inner_text()
    assert "{" not in text and "[" not in text and text.startswith("The submitted file is empty")
    bad = _upload_row(page, "badline.txt")
    bad.locator("[data-status]").filter(has_text="failed").wait_for()
    message = bad.locator("[data-error]").inner_text()
    assert message.startswith("line 3: 'abc' is not a number"), message
    assert message.count("line 3") == 1, message  # the server's line, not repeated after it


def test_the_device_code_is_checked_as_typed(page, world):
    device = world["a"].devices[0]
    login(page, "owner", "owner-pass-123")
    page.goto(f"{page.base}/upload/")
    page.fill("input[name=device]", device.code)
    check = page.locator("#device-check")
    check.filter(has_text=f"found: device {device.code} of batch A-B1").wait_for()
    page.fill("input[name=device]", world["b"].devices[0].code)  # another project's device
    check.filter(has_text="no such device in your projects").wait_for()


def test_the_area_typed_on_the_upload_form_is_the_stated_area(page, world):
    device = world["a"].devices[0]
    login(page, "owner", "owner-pass-123")
    page.goto(f"{page.base}/upload/")
    page.fill("input[name=device]", device.code)
    page.fill("input[name=area_cm2]", "0.0625")
    page.set_input_files("#upload-input", [_file(DATA / "synthetic" / "jv_example_b.csv")])
    row = _upload_row(page, "jv_example_b.csv")
    row.locator("[data-status]").filter(has_text="succeeded").wait_for()
    measurement = Measurement.objects.get(original_filename="jv_example_b.csv")
    assert measurement.area_cm2 == 0.0625
    assert measurement.metadata["area"]["source"] == "upload"
    assert "area 0.0625 cm² (upload)" in row.inner_text()


def test_a_zip_with_one_refused_file_is_partly_read_with_links_per_member(page, world):
    a = world["a"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(
            f"{a.devices[1].code}/run1.csv", (DATA / "synthetic" / "jv_example_b.csv").read_bytes()
        )
        z.writestr(
            f"{a.devices[2].code}/run2.txt", (DATA / "synthetic" / "jv_example_a.txt").read_bytes()
        )
        z.writestr(f"{a.devices[3].code}/broken.txt", b"nothing")
    login(page, "owner", "owner-pass-123")
    page.goto(f"{page.base}/upload/")
    page.set_input_files(
        "#upload-input",
        [{"name": "day.zip", "mimeType": "application/zip", "buffer": buffer.getvalue()}],
    )
    rows = page.locator("#files tbody tr")
    member = rows.filter(has_text="run1.csv")
    member.locator("[data-status]").filter(has_text="succeeded").wait_for()
    summary = rows.filter(has_text="day.zip").last
    status = summary.locator("[data-status]")
    assert status.inner_text() == "partly read" and "failed" not in status.get_attribute("class")
    assert "2 of 3 analysed, 1 refused" in summary.inner_text()
    links = member.locator("a")
    assert links.nth(0).inner_text() == a.devices[1].code
    assert links.nth(0).get_attribute("href") == f"/devices/{a.devices[1].pk}/"
    assert "/api/v1/measurements/" in links.nth(1).get_attribute("href")
    assert member.locator("td").nth(2).inner_text()  # the reader that read it
    broken = rows.filter(has_text="broken.txt")
    assert broken.locator("a.teach").count() == 1


@pytest.mark.parametrize("width", [1440, 390])
def test_the_profile_pages_fit_the_screen_without_sideways_scroll(page, world, width):
    login(page, "owner", "owner-pass-123")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{page.base}/profiles/teach/")
    page.set_input_files("#teach-file", [_file(PROFILES / "pixels_blocks.txt")])
    page.locator("#teach-lines div[data-line='20']").wait_for()
    page.locator("#teach-status").filter(has_text="Read as").wait_for()
    for url in ("/profiles/teach/", "/profiles/", "/upload/"):
        if url != "/profiles/teach/":
            page.goto(f"{page.base}{url}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at {width}px"


def test_editing_a_profile_on_its_page_offers_to_reread_the_files_it_read(page, world):
    from measurements import profiles, services

    owner = world["users"]["owner"]
    wrong = {
        "kind": "jv",
        "delimiter": "tab",
        "columns": [
            {"column": 1, "quantity": "voltage", "unit": "V"},  # the file is in mV
            {"column": 2, "quantity": "current", "unit": "mA"},
        ],
        "match": {"filename": "station7_*.ivx"},
    }
    profile = profiles.create(
        project=world["projects"]["a"], code="station7", definition=wrong, user=owner
    )
    measurement, _ = services.measurement_create(
        user=owner,
        target=world["a"].devices[0],
        data=(PROFILES / "station7_run1.ivx").read_bytes(),
        filename="station7_run1.ivx",
    )
    assert measurement.profile_version.version == 1
    login(page, "owner", "owner-pass-123")
    page.goto(f"{page.base}/profiles/")
    page.click("text=station7")
    page.wait_for_url(f"**/profiles/{profile.pk}/")
    columns = page.locator("#teach-columns tbody tr")
    assert columns.nth(0).locator("[name=unit]").input_value() == "V"
    assert page.locator("input[name=match_filename]").input_value() == "station7_*.ivx"
    page.set_input_files("#teach-file", [_file(PROFILES / "station7_run1.ivx")])
    columns.nth(0).locator("[name=unit]").select_option("mV")
    page.fill("input[name=area_cm2]", "0.1")  # the file gives current: the preview needs an area
    page.locator("#teach-analysis").filter(has_text="Voc").wait_for()
    page.click("#teach-save")
    page.locator("#teach-saved").filter(has_text="Saved: station7 v2").wait_for()
    reread = page.locator("#teach-reread")
    reread.filter(has_text="1 file was read by an older version").wait_for()
    page.click("#teach-reread-button")
    page.locator("#teach-reread-result").filter(has_text="1 re-read and queued").wait_for()
    measurement.refresh_from_db()
    assert measurement.profile_version.version == 2
    assert measurement.format == "profile station7 v2"
