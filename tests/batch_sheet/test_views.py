"""The browser side: template download and the import form."""

import pytest

from fabrication.models import Batch, Device

from .sheets import BATCH, device, filled_template

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.batch_sheet.urls")]

IMPORT = "/batches/sheet/import/"
TEMPLATE = "/batches/sheet/template.xlsx"


@pytest.fixture
def logged_in(client, lab):
    def as_user(name: str):
        client.force_login(lab["users"][name])
        return client

    return as_user


def upload(data: bytes, name: str = "batch.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_the_urls_are_named_for_the_site_to_include():
    from django.urls import reverse

    assert reverse("batch-sheet-template") == TEMPLATE
    assert reverse("batch-sheet-import") == IMPORT


def test_both_pages_need_a_login(client, lab):
    for url in (IMPORT, TEMPLATE):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_template_downloads_as_an_xlsx_attachment(logged_in):
    response = logged_in("viewer").get(TEMPLATE)
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (
        "attachment; filename=\"cqdlab-batch-sheet.xlsx\"; filename*=UTF-8''cqdlab-batch-sheet.xlsx"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content[:2] == b"PK"


def test_the_form_offers_only_the_projects_the_user_may_write_to(logged_in, lab):
    page = logged_in("colleague").get(IMPORT).content.decode()
    assert "Alpha project" in page and "Beta project" not in page
    assert 'href="/batches/sheet/template.xlsx"' in page
    page = logged_in("viewer").get(IMPORT).content.decode()
    assert "Alpha project" not in page and "cannot add batches" in page


def test_a_valid_sheet_is_imported_and_the_browser_sent_to_the_batch(logged_in, lab):
    client = logged_in("colleague")
    response = client.post(
        IMPORT, {"project": lab["projects"]["a"].pk, "file": upload(filled_template())}
    )
    batch = Batch.objects.get(code="B-NEW")
    assert response.status_code == 302
    assert response["Location"] == f"/batches/{batch.pk}/"
    assert batch.created_by == lab["users"]["colleague"]
    assert Device.objects.filter(substrate__batch=batch).count() == 14


def test_an_invalid_sheet_lists_every_problem_escaped_and_stores_nothing(logged_in, lab):
    rows = [
        device("T", "S1", "P1", area="<b>big</b>"),
        device("T", "S1", "P1", Role="<script>alert(1)</script>"),
    ]
    response = logged_in("owner").post(
        IMPORT,
        {
            "project": lab["projects"]["a"].pk,
            "file": upload(filled_template(batch={**BATCH, "Code": None}, devices=rows)),
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was imported from batch.xlsx" in page
    assert page.count('<td class="error">') == 3
    assert "Code is missing" in page
    assert "&#x27;&lt;b&gt;big&lt;/b&gt;&#x27; is not a number" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page and "<b>big" not in page
    assert not Batch.objects.filter(code="B-NEW").exists()


def test_a_project_the_user_may_not_write_to_is_refused(logged_in, lab):
    response = logged_in("viewer").post(
        IMPORT, {"project": lab["projects"]["a"].pk, "file": upload(filled_template())}
    )
    assert response.status_code == 400
    assert "Choose one of the projects you may add batches to." in response.content.decode()
    assert not Batch.objects.filter(code="B-NEW").exists()


def test_an_upload_over_the_size_cap_is_refused_unread(logged_in, lab, settings):
    settings.MAX_UPLOAD_MB = 0
    response = logged_in("owner").post(
        IMPORT, {"project": lab["projects"]["a"].pk, "file": upload(filled_template())}
    )
    assert response.status_code == 400
    assert "The file is larger than 0 MB." in response.content.decode()
    assert not Batch.objects.filter(code="B-NEW").exists()


def test_a_form_without_a_file_says_so(logged_in, lab):
    response = logged_in("owner").post(IMPORT, {"project": lab["projects"]["a"].pk})
    assert "Choose an .xlsx file to upload." in response.content.decode()
