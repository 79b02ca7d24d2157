"""Label sheets: the PDF opens, holds every code and a QR code of its scan URL, in each label
size; only the user's own objects are printed."""

from __future__ import annotations

import pytest
from reportlab.lib.units import mm

from notebook.labels import SIZES, Label, qr_matrix, render_pdf

from .pdf import is_pdf, page_count, page_sizes_pt, qr_matrices, texts

pytestmark = pytest.mark.django_db


def _codes(lab) -> list[str]:
    substrates = sorted({d.substrate.code for d in lab.devices})
    return substrates + sorted(d.code for d in lab.devices)


def test_a_batch_sheet_holds_every_substrate_and_device_with_a_qr_of_its_scan_url(client, world):
    a = world["a"]
    client.force_login(world["users"]["viewer"])
    response = client.get("/labels/", {"batch": a.batch.pk})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    pdf = response.content
    assert is_pdf(pdf) and page_count(pdf) == 1  # 10 labels on one L7651 sheet
    shown = texts(pdf)
    assert [t for t in shown if t.startswith("A-B1/")] == _codes(a)
    assert "target · pixel P1" in shown  # the short line of the first target device
    matrices = qr_matrices(pdf)
    assert len(matrices) == 10
    first_device = sorted(d.code for d in a.devices)[0]
    assert qr_matrix(f"http://testserver/scan/{first_device}") in matrices
    assert matrices[2] == qr_matrix(f"http://testserver/scan/{first_device}")


def test_only_devices_or_only_substrates_can_be_asked_for(client, world):
    a = world["a"]
    client.force_login(world["users"]["owner"])
    devices = client.get("/labels/", {"batch": a.batch.pk, "what": "devices"}).content
    substrates = client.get("/labels/", {"batch": a.batch.pk, "what": "substrates"}).content
    assert len(qr_matrices(devices)) == 8 and len(qr_matrices(substrates)) == 2
    assert "A-B1/TS1" in texts(substrates) and "A-B1/TS1/P1" not in texts(substrates)


@pytest.mark.parametrize(
    "key, pages, size_mm",
    [
        ("L7651", 1, (210, 297)),
        ("L7656", 1, (210, 297)),
        ("strip25x10", 10, (25, 10)),
        ("dymo11355", 10, (51, 19)),
    ],
)
def test_each_label_size_lays_out_its_pages(client, world, key, pages, size_mm):
    client.force_login(world["users"]["owner"])
    pdf = client.get("/labels/", {"batch": world["a"].batch.pk, "size": key}).content
    assert is_pdf(pdf) and page_count(pdf) == pages
    width, height = page_sizes_pt(pdf)[0]
    assert (round(width / mm), round(height / mm)) == size_mm
    assert len(qr_matrices(pdf)) == 10


def test_a_full_sheet_goes_on_to_a_second_page_and_skipped_places_stay_empty():
    size = SIZES["L7651"]  # 65 a sheet
    labels = [Label(f"S{i}", "", f"https://lab.example/scan/S{i}") for i in range(70)]
    assert page_count(render_pdf(labels, size)) == 2
    assert page_count(render_pdf(labels[:60], size, skip=5)) == 1
    assert page_count(render_pdf(labels[:60], size, skip=6)) == 2


def test_the_synthesis_sheet_labels_the_synthesis_and_its_ink_vials(client, world):
    a = world["a"]
    client.force_login(world["users"]["owner"])
    pdf = client.get("/labels/", {"synthesis": a.synthesis.pk}).content
    assert [t for t in texts(pdf) if t in {"A-PbS-1180", "A-RUN1"}] == ["A-PbS-1180", "A-RUN1"]
    assert "A-LX-v1 · PbI2" in texts(pdf)  # the vial says which recipe made it


def test_the_generic_form_prints_the_codes_typed(client, world):
    a = world["a"]
    client.force_login(world["users"]["owner"])
    assert client.get("/labels/").status_code == 200  # the form
    codes = f"{a.film.code}\n"
    pdf = client.get("/labels/", {"type": "film", "codes": codes, "size": "dymo11355"}).content
    assert texts(pdf)[0] == "A-F1" and page_count(pdf) == 1
    assert qr_matrices(pdf) == [qr_matrix("http://testserver/scan/A-F1")]


def test_an_outsider_gets_404_for_another_projects_batch_synthesis_or_codes(client, world):
    a = world["a"]
    client.force_login(world["users"]["outsider"])
    assert client.get("/labels/", {"batch": a.batch.pk}).status_code == 404
    assert client.get("/labels/", {"synthesis": a.synthesis.pk}).status_code == 404
    theirs = client.get("/labels/", {"type": "device", "codes": a.devices[0].code})
    nowhere = client.get("/labels/", {"type": "device", "codes": "NO-SUCH/P1"})
    assert theirs.status_code == nowhere.status_code == 404
    assert "No sheet was made" in theirs.content.decode()
    assert theirs["Content-Type"].startswith("text/html")
    # His own device prints.
    mine = client.get("/labels/", {"type": "device", "codes": world["b"].devices[0].code})
    assert mine.status_code == 200 and is_pdf(mine.content)


def test_labels_need_a_login(client, world):
    response = client.get("/labels/", {"batch": world["a"].batch.pk})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
