"""Labels, notes and scanning in chromium: a label sheet downloaded from the batch page, a note
with a photo added on a device page, and /scan/ opening a typed code."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from notebook.labels import qr_matrix

from ..labels.pdf import is_pdf, qr_matrices, texts
from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_label_sheet_downloads_from_the_batch_page_with_every_code(page, world):
    a = world["a"]
    login(page, "owner", "owner-pass-123")
    page.goto(f"{page.base}/batches/{a.batch.id}/")
    page.select_option("select[name=size]", "L7656")
    with page.expect_download() as download:
        page.click("#labels-download")
    assert download.value.suggested_filename == "labels-A-B1-both-L7656.pdf"
    pdf = Path(download.value.path()).read_bytes()
    assert is_pdf(pdf)
    codes = sorted({d.substrate.code for d in a.devices}) + sorted(d.code for d in a.devices)
    assert [t for t in texts(pdf) if t.startswith("A-B1/")] == codes
    # The QR of the first substrate holds its scan URL on this very server.
    assert qr_matrices(pdf)[0] == qr_matrix(f"{page.base}/scan/{codes[0]}")


def test_a_note_with_a_photo_added_on_a_device_page_shows_its_thumbnail(page, world, tmp_path):
    device = world["a"].devices[0]
    photo = tmp_path / "film.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), (90, 140, 60)).save(buffer, "JPEG")
    photo.write_bytes(buffer.getvalue())
    login(page, "colleague", "colleague-pass-123")
    page.goto(f"{page.base}/devices/{device.id}/")
    page.fill("#notes textarea[name=body]", "Film **hazy** after the second exchange")
    page.set_input_files("#notes input[name=photo]", str(photo))
    page.click("#notes button[type=submit]")
    page.wait_for_url(f"**/devices/{device.id}/#notes")
    note = page.locator("#notes .note-item").first
    assert note.locator("strong").inner_text() == "hazy"
    assert "colleague" in note.locator(".meta").inner_text()
    thumb = note.locator("img")
    thumb.wait_for()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
    )
    assert thumb.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [320, 240]


def test_scan_opens_the_device_page_from_a_typed_code(page, world):
    device = world["a"].devices[2]
    login(page, "viewer", "viewer-pass-123")
    page.goto(f"{page.base}/scan/")
    # Either the camera is offered (BarcodeDetector) or the page says it cannot be; the text
    # box is there in both cases.
    camera, unsupported = page.locator("#scan-camera"), page.locator("#scan-unsupported")
    assert camera.is_visible() != unsupported.is_visible()
    page.fill("#scan-code", device.code)
    page.press("#scan-code", "Enter")
    page.wait_for_url(f"**/devices/{device.id}/")
    assert device.code in page.locator("h1").inner_text()


def test_an_unknown_code_says_so_and_the_scan_page_fits_a_phone(page, world):
    login(page, "outsider", "outsider-pass-123")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{page.base}/scan/?code={world['a'].devices[0].code}")
    assert "No object with this code in your projects" in page.locator("#scan-missing").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(f"{page.base}/labels/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
