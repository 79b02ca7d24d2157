"""A lab member's morning, in chromium: log in, read the batch, open a device, upload, export."""

from pathlib import Path

import pytest

from measurements import services

from .conftest import login

DATA = Path(__file__).resolve().parents[1] / "data"
JV_REVERSE = DATA / "synthetic" / "jv_example_a.txt"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def measured(world):
    """Every device of project A has a J-V result (analysed in-process on commit)."""
    owner = world["users"]["owner"]
    text = JV_REVERSE.read_text()
    for i, device in enumerate(world["a"].devices):
        # A slightly different area per pixel gives each device its own PCE.
        data = text.replace("Area (cm2): 0.05", f"Area (cm2): {0.05 + 0.001 * i:.3f}")
        services.measurement_create(
            user=owner, target=device, data=data.encode(), filename=JV_REVERSE.name
        )
    return world


def test_the_batch_dashboard_shows_every_device_and_a_click_opens_it(page, measured):
    batch = measured["a"].batch
    login(page, "owner", "owner-pass-123")
    page.goto(f"{page.base}/batches/{batch.id}/")
    plot = page.locator("#fig-pce-plot")
    page.wait_for_selector("#fig-pce-plot[data-rendered=true]")
    points = plot.locator("g.trace.scatter path.point")
    assert points.count() == len(measured["a"].devices)
    for name in ("fig-voc", "fig-jsc", "fig-ff"):
        page.wait_for_selector(f"#{name}-plot[data-rendered=true]")
    points.first.click(force=True)
    page.wait_for_url("**/devices/*/")
    assert "Device A-B1/" in page.locator("h1").inner_text()


def test_a_file_uploaded_on_the_device_page_becomes_succeeded(page, measured):
    device = measured["a"].devices[0]
    login(page, "colleague", "colleague-pass-123")
    page.goto(f"{page.base}/devices/{device.id}/")
    page.set_input_files("#upload-input", str(DATA / "synthetic" / "jv_example_b.csv"))
    row = page.locator("#files tbody tr").first
    row.locator("[data-status]").filter(has_text="succeeded").wait_for()
    assert row.locator("td").nth(2).inner_text() == "jv"


def test_the_upload_page_takes_several_files_and_shows_a_bad_one_failing(page, measured):
    film = measured["a"].film
    login(page, "owner", "owner-pass-123")
    page.goto(f"{page.base}/upload/")
    page.fill("input[name=film]", film.code)
    bad = DATA / "bad.txt"
    page.set_input_files(
        "#upload-input",
        [
            {
                "name": "abs_example.csv",
                "mimeType": "text/csv",
                "buffer": (DATA / "synthetic" / "abs_example.csv").read_bytes(),
            },
            {"name": bad.name, "mimeType": "text/plain", "buffer": b"not a measurement"},
        ],
    )
    rows = page.locator("#files tbody tr")
    rows.filter(has_text="abs_example.csv").locator("[data-status]").filter(
        has_text="succeeded"
    ).wait_for()
    failed = rows.filter(has_text="bad.txt")
    failed.locator("[data-status]").filter(has_text="failed").wait_for()
    assert failed.locator("[data-error]").inner_text()


def test_the_device_table_downloads_as_csv(page, measured):
    batch = measured["a"].batch
    login(page, "owner", "owner-pass-123")
    page.goto(f"{page.base}/batches/{batch.id}/")
    with page.expect_download() as info:
        page.click("[data-export=devices-csv]")
    path = info.value.path()
    text = Path(path).read_text()
    # A line saying how it was made, then headers a person reads (issue 15), then the rows.
    assert text.splitlines()[0].startswith("# scan direction: reverse; batch: ")
    assert text.splitlines()[1].startswith("Device,Group,Substrate")
    assert len(text.splitlines()) == 2 + len(measured["a"].devices)


def test_pages_of_another_project_are_not_found(page, measured):
    login(page, "outsider", "outsider-pass-123")
    response = page.goto(f"{page.base}/batches/{measured['a'].batch.id}/")
    assert response.status == 404


def test_a_zip_dropped_on_the_upload_page_reports_every_file(page, measured):
    import io
    import zipfile

    a = measured["a"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(
            f"{a.devices[1].code}/fwd.csv", (DATA / "synthetic" / "jv_example_b.csv").read_bytes()
        )
        z.writestr(f"{a.devices[2].code}/broken.txt", b"nothing")
    login(page, "owner", "owner-pass-123")
    page.goto(f"{page.base}/upload/")
    page.set_input_files(
        "#upload-input",
        [
            {"name": "day.zip", "mimeType": "application/zip", "buffer": buffer.getvalue()},
        ],
    )
    rows = page.locator("#files tbody tr")
    rows.filter(has_text="fwd.csv").locator("[data-status]").filter(has_text="succeeded").wait_for()
    assert "unknown format" in rows.filter(has_text="broken.txt").inner_text()
    summary = rows.filter(has_text="day.zip").last  # rows are prepended: the zip's own is last
    assert "1 of 2 analysed, 1 refused" in summary.inner_text()  # partly read, not "failed"


def test_the_comparison_and_the_aging_page_draw_every_figure(page, measured):
    from datetime import timedelta

    from analysis.models import JVResult, StabilityStudy

    a = measured["a"]
    first = JVResult.objects.filter(device=a.devices[0]).first()
    study = StabilityStudy.objects.create(
        project=a.batch.project,
        code="ST-1",
        name="argon",
        atmosphere="argon",
        started_at=first.measured_at - timedelta(hours=1),
    )
    study.devices.add(*a.devices)
    login(page, "owner", "owner-pass-123")
    page.goto(f"{page.base}/compare/?by=variant&per=substrate")
    for name in ("fig-pce", "fig-voc", "fig-jsc", "fig-ff"):
        page.wait_for_selector(f"#{name}-plot[data-rendered=true]")
    assert page.locator("#fig-pce-plot g.trace.scatter path.point").count() == len(a.devices)
    page.goto(f"{page.base}/aging/")
    # One scan per device: nothing to age yet, said once instead of two blank plots (issue 15),
    # but every device has its row.
    assert "Nothing to age yet" in page.locator("#empty").inner_text()
    assert page.locator("#fig-aging-plot").count() == 0
    rows = page.locator("table.data tbody tr")
    assert rows.count() == len(a.devices)


def test_the_upload_page_says_what_each_file_was_found_to_hold_and_why_one_was_refused(
    page, measured
):
    device = measured["a"].devices[1]
    login(page, "owner", "owner-pass-123")
    page.goto(f"{page.base}/upload/")
    page.fill("input[name=device]", device.code)
    page.set_input_files(
        "#upload-input",
        [
            {
                "name": "jv_example_b.csv",
                "mimeType": "text/csv",
                "buffer": (DATA / "synthetic" / "jv_example_b.csv").read_bytes(),
            },
            {"name": "empty.txt", "mimeType": "text/plain", "buffer": b"1;2;x\n"},
        ],
    )
    rows = page.locator("#files tbody tr")
    good = rows.filter(has_text="jv_example_b.csv")
    good.locator("[data-status]").filter(has_text="succeeded").wait_for()
    found = good.locator("td.found").inner_text()
    assert "read by" in found and "area" in found
    bad = rows.filter(has_text="empty.txt")
    bad.locator("[data-status]").filter(has_text="failed").wait_for()
    message = bad.locator("[data-error]").inner_text()
    assert message and "{" not in message and message.count("line 1") <= 1
