"""The API docs in chromium: the upload can be tried from the page, with a file picker."""

import pytest

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_trying_out_the_upload_offers_a_file_picker_and_lab_values(page, world):
    login(page, "owner", "owner-pass-123")
    page.goto(f"{page.base}/api/docs/")
    upload = page.locator("#operations-measurements-v1_measurements_create")
    upload.locator(".opblock-summary").click()
    assert "Upload a measurement file" in upload.inner_text()
    upload.locator("button.try-out__btn").click()
    picker = upload.locator("input[type=file]")
    picker.first.wait_for()
    assert picker.count() == 1
    # The form is filled with a lab's values, not "string" or the upper bound.
    area = upload.locator("tr[data-property-name=area_cm2] input[type=text]")
    assert area.input_value() == "0.049"
    assert (
        upload.locator("tr[data-property-name=device] input[type=text]").input_value()
        == "B27/S3/P2"
    )
