"""The admin a lab trusts: codes that follow the lab's scheme, who-and-when recorded rather
than typed, frozen recipes said plainly, and every page of the lab's models opening."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from analysis.models import StabilityStudy
from core.admin import ProjectScopedAdmin
from fabrication.models import Chemical, Device, LayerRecipe, LigandExchangeRecipe
from measurements import services
from measurements.models import Measurement, Status

DATA = Path(__file__).resolve().parents[1] / "data"
LAB_APPS = ["core", "fabrication", "measurements", "analysis"]


def _staff(world, name: str, client):
    user = world["users"][name]
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=LAB_APPS))
    client.force_login(user)
    return user


def _device_form(substrate, **changes) -> dict:
    return {
        "project": substrate.project_id,
        "substrate": substrate.pk,
        "code": f"{substrate.code}/P5",
        "pixel": "P5",
        "active_area_cm2": "0.049",
        "status": "ok",
        "status_reason": "",
        **changes,
    }


# --- device codes -----------------------------------------------------------------------------


def test_a_device_code_off_the_labs_scheme_is_refused_with_the_code_it_should_have(world, client):
    _staff(world, "colleague", client)
    substrate = world["a"].devices[0].substrate  # A-B1/TS1
    response = client.post(
        reverse("admin:fabrication_device_add"),
        _device_form(substrate, code="TOTALLY-WRONG-CODE"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "batch/substrate/pixel" in page
    assert "A-B1/TS1/P5" in page and "TOTALLY-WRONG-CODE" in page
    assert not Device.objects.filter(code="TOTALLY-WRONG-CODE").exists()


def test_a_pixel_the_substrate_layout_lacks_is_refused(world, client):
    _staff(world, "colleague", client)
    substrate = world["a"].devices[0].substrate
    response = client.post(
        reverse("admin:fabrication_device_add"),
        _device_form(substrate, code=f"{substrate.code}/P9", pixel="P9"),
    )
    assert response.status_code == 200
    assert "has pixels P1..P8; &#x27;P9&#x27; is none of them" in response.content.decode()
    assert not Device.objects.filter(pixel="P9").exists()


def test_a_device_named_by_the_scheme_is_created_and_its_creator_recorded(world, client):
    colleague = _staff(world, "colleague", client)
    substrate = world["a"].devices[0].substrate
    response = client.post(reverse("admin:fabrication_device_add"), _device_form(substrate))
    assert response.status_code == 302, response.content.decode()[-2000:]
    device = Device.objects.get(code="A-B1/TS1/P5")
    assert device.created_by == colleague and device.project == substrate.project


def test_the_api_refuses_the_same_codes_with_the_same_words(api, world):
    substrate = world["a"].devices[0].substrate
    client = api("colleague")
    wrong = client.post(
        "/api/v1/devices/",
        {
            "code": "TOTALLY-WRONG-CODE",
            "substrate": substrate.code,
            "pixel": "P5",
            "active_area_cm2": 0.049,
        },
    )
    assert wrong.status_code == 400
    assert "A-B1/TS1/P5" in wrong.json()["code"][0]
    lacking = client.post(
        "/api/v1/devices/",
        {
            "code": "A-B1/TS1/P9",
            "substrate": substrate.code,
            "pixel": "P9",
            "active_area_cm2": 0.049,
        },
    )
    assert lacking.status_code == 400
    assert "P1..P8" in lacking.json()["pixel"][0]
    renamed = client.patch(f"/api/v1/devices/{world['a'].devices[0].id}/", {"code": "X"})
    assert renamed.status_code == 400
    assert not Device.objects.filter(code__in=["TOTALLY-WRONG-CODE", "A-B1/TS1/P9", "X"]).exists()


# --- who and when -------------------------------------------------------------------------------


def test_created_by_is_never_an_input_and_shows_on_the_change_form(world, client):
    _staff(world, "owner", client)
    add = client.get(reverse("admin:fabrication_batch_add")).content.decode()
    assert 'name="created_by"' not in add
    batch = world["a"].batch
    change = client.get(reverse("admin:fabrication_batch_change", args=[batch.pk]))
    page = change.content.decode()
    assert 'name="created_by"' not in page
    assert "field-created_by" in page  # shown read-only


def test_changing_a_status_records_who_and_when_without_typing_them(world, client):
    colleague = _staff(world, "colleague", client)
    device = world["a"].devices[0]
    url = reverse("admin:fabrication_device_change", args=[device.pk])
    page = client.get(url).content.decode()
    assert 'name="status_set_by"' not in page and 'name="status_set_at"' not in page
    before = timezone.now()
    data = _device_form(
        device.substrate,
        code=device.code,
        pixel=device.pixel,
        status="shorted",
        status_reason="Rsh 20 ohm cm2",
        status_set_by=world["users"]["viewer"].pk,
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    device.refresh_from_db()
    assert device.status == "shorted"
    assert device.status_set_by == colleague  # not the user the POST named
    assert device.status_set_at >= before


def test_a_status_changed_in_the_substrates_device_rows_is_recorded_too(world, client):
    colleague = _staff(world, "colleague", client)
    substrate = world["a"].devices[0].substrate
    devices = list(substrate.devices.order_by("pk"))
    data = {
        "code": substrate.code,
        "label": substrate.label,
        "batch": substrate.batch_id,
        "variant": substrate.variant_id,
        "material": substrate.material,
        "devices-TOTAL_FORMS": str(len(devices)),
        "devices-INITIAL_FORMS": str(len(devices)),
        "devices-MIN_NUM_FORMS": "0",
        "devices-MAX_NUM_FORMS": "1000",
    }
    for i, d in enumerate(devices):
        data.update(
            {
                f"devices-{i}-id": d.pk,
                f"devices-{i}-substrate": substrate.pk,
                f"devices-{i}-code": d.code,
                f"devices-{i}-pixel": d.pixel,
                f"devices-{i}-active_area_cm2": d.active_area_cm2,
                f"devices-{i}-status": "excluded" if i == 1 else d.status,
                f"devices-{i}-status_reason": "delaminated" if i == 1 else "",
            }
        )
    url = reverse("admin:fabrication_substrate_change", args=[substrate.pk])
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    changed, untouched = Device.objects.get(pk=devices[1].pk), Device.objects.get(pk=devices[0].pk)
    assert changed.status == "excluded" and changed.status_set_by == colleague
    assert changed.status_set_at is not None
    assert untouched.status_set_by is None and untouched.status_set_at is None


# --- frozen recipes ----------------------------------------------------------------------------


def test_a_frozen_recipe_is_an_information_not_an_error(world, client):
    _staff(world, "owner", client)
    recipe = world["a"].recipe  # used by A-RUN1
    url = reverse("admin:fabrication_ligandexchangerecipe_change", args=[recipe.pk])
    page = client.get(url).content.decode()
    assert "errornote" not in page
    assert 'class="info"' in page
    assert "frozen (used by 1 run) — create a new version to change" in page
    assert 'class="recipe-new-version"' in page


def test_an_unused_recipe_says_it_is_editable(world, client):
    _staff(world, "owner", client)
    recipe = LigandExchangeRecipe.objects.create(
        project=world["projects"]["a"], code="A-NEW-v1", family_code="A-NEW", name="new"
    )
    url = reverse("admin:fabrication_ligandexchangerecipe_change", args=[recipe.pk])
    page = client.get(url).content.decode()
    assert "editable: no run uses this version yet" in page and 'name="name"' in page
    assert "is frozen" not in page


# --- every page opens ------------------------------------------------------------------------


@pytest.fixture
def lab_data(world, django_capture_on_commit_callbacks):
    """Project A with an object of every model the admin lists, and an analysed J-V."""
    a, project, owner = world["a"], world["projects"]["a"], world["users"]["owner"]
    with django_capture_on_commit_callbacks(execute=True):
        measurement, _ = services.measurement_create(
            user=owner,
            target=a.devices[0],
            data=(DATA / "synthetic" / "jv_example_a.txt").read_bytes(),
            filename="a.txt",
        )
    measurement.refresh_from_db()
    assert measurement.status == Status.SUCCEEDED, measurement.error
    study = StabilityStudy.objects.create(
        project=project, code="A-STUDY", name="damp heat", started_at=timezone.now()
    )
    study.devices.set(a.devices[:2])
    Chemical.objects.create(project=project, code="A-PbI2", name="lead iodide", formula="PbI2")
    LayerRecipe.objects.create(project=project, code="A-ZnO", name="ZnO sol-gel", role="etl")
    return world


def _lab_admins():
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in LAB_APPS and isinstance(model_admin, ProjectScopedAdmin):
            yield model, model_admin


def test_every_admin_page_of_the_labs_models_opens_for_a_member(lab_data, client):
    _staff(lab_data, "colleague", client)
    project = lab_data["projects"]["a"]
    opened = []
    for model, model_admin in _lab_admins():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        listing = client.get(reverse(f"{name}_changelist"))
        assert listing.status_code == 200, name
        add = client.get(reverse(f"{name}_add"))
        expected = 403 if model is Measurement else 200  # uploads go through the parsers
        assert add.status_code == expected, name
        obj = model_admin.model.objects.filter(project=project).first()
        if obj is None:
            continue  # a model added by another part of the app, without lab data here
        assert obj.code in listing.content.decode(), name
        assert client.get(reverse(f"{name}_change", args=[obj.pk])).status_code == 200, name
        try:
            history = reverse(f"{name}_history", args=[obj.pk])
        except NoReverseMatch:
            history = None
        if history:
            assert client.get(history).status_code == 200, name
        opened.append(name)
    assert len(opened) >= 13
    project_page = client.get(reverse("admin:core_project_change", args=[project.pk]))
    assert project_page.status_code == 200


def test_admin_lists_search_and_filter_by_what_a_lab_types(lab_data, client):
    _staff(lab_data, "owner", client)
    queries = {
        "fabrication_device": {"q": "A-B1", "status__exact": "ok"},
        "fabrication_substrate": {"q": "CS1", "variant__role__exact": "control"},
        "fabrication_variant": {"q": "PbI2"},
        "fabrication_synthesis": {"q": "PbS"},
        "fabrication_film": {"q": "A-PbS-1180"},
        "analysis_stabilitystudy": {"q": "A-B1/TS1/P1"},
        "measurements_measurement": {"q": "a.txt", "kind__exact": "jv"},
    }
    for name, query in queries.items():
        response = client.get(reverse(f"admin:{name}_changelist"), query)
        assert response.status_code == 200, name
        assert "0 results" not in response.content.decode(), name


def test_the_device_form_says_the_code_scheme_and_units_beside_the_inputs(world, client):
    _staff(world, "colleague", client)
    page = client.get(reverse("admin:fabrication_device_add")).content.decode()
    assert "batch/substrate/pixel, e.g. B2025-06-16/S1/P4" in page
    assert "one of P1..P8" in page and "active area in cm²" in page
    assert 'name="status_set_by"' not in page and 'name="created_by"' not in page
