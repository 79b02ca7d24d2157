"""The admin in chromium at 1440 px: recipe versions within reach, device codes checked."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from fabrication.models import Device

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAB_APPS = ["core", "fabrication", "measurements", "analysis"]


@pytest.fixture
def staff(world):
    for name in ("owner", "colleague"):
        world["users"][name].user_permissions.set(
            Permission.objects.filter(content_type__app_label__in=LAB_APPS)
        )
    return world


def test_a_frozen_recipes_new_version_button_is_inside_a_1440_px_window(page, staff):
    recipe = staff["a"].recipe  # used by a run: frozen
    login(page, "owner", "owner-pass-123")
    url = reverse("admin:fabrication_ligandexchangerecipe_change", args=[recipe.pk])
    page.goto(f"{page.base}{url}")
    note = page.locator(".recipe-version-note li.info")
    assert "frozen (used by 1 run)" in note.inner_text()
    assert page.locator(".errornote").count() == 0
    button = page.locator("input.recipe-new-version")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1440
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    button.click()
    page.wait_for_url("**/change/")
    assert "Created A-LX-v2" in page.locator(".messagelist").inner_text()


def test_a_device_code_off_the_scheme_is_shown_as_a_form_error(page, staff):
    substrate = staff["a"].devices[0].substrate
    login(page, "colleague", "colleague-pass-123")
    page.goto(f"{page.base}{reverse('admin:fabrication_device_add')}")
    page.select_option("select[name=project]", str(substrate.project_id))
    # The substrate is picked by autocomplete (select2), as a person would.
    page.locator(".field-substrate .select2-selection").click()
    page.locator(".select2-search__field").fill("TS1")
    page.locator(".select2-results__option", has_text=substrate.code).click()
    page.fill("input[name=code]", "TOTALLY-WRONG-CODE")
    page.fill("input[name=pixel]", "P5")
    page.fill("input[name=active_area_cm2]", "0.049")
    page.click("input[name=_save]")
    error = page.locator(".field-code .errorlist")
    assert "batch/substrate/pixel" in error.inner_text()
    assert "A-B1/TS1/P5" in error.inner_text()
    assert not Device.objects.filter(code="TOTALLY-WRONG-CODE").exists()
