from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from core.models import Membership
from fabrication.models import Device, LigandExchangeRecipe, Variant
from measurements import services
from measurements.models import Measurement

DATA = Path(__file__).resolve().parents[1] / "data"
LAB_APPS = ["core", "fabrication", "measurements", "analysis"]

ADMIN_MODELS = [
    "chemical",
    "synthesis",
    "ligandexchangerecipe",
    "ligandexchangerun",
    "layerrecipe",
    "stack",
    "batch",
    "variant",
    "substrate",
    "device",
    "film",
]


@pytest.fixture
def owner_client(world, client):
    owner = world["users"]["owner"]
    owner.user_permissions.set(Permission.objects.filter(content_type__app_label="fabrication"))
    client.force_login(owner)
    return client


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_every_admin_list_shows_only_the_users_projects(owner_client, world, model):
    response = owner_client.get(reverse(f"admin:fabrication_{model}_changelist"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "B-B1" not in body and "B-PbS-1180" not in body


def test_the_admin_recipe_search_and_filters_answer(owner_client):
    url = reverse("admin:fabrication_ligandexchangerecipe_changelist")
    response = owner_client.get(url, {"q": "PbI2", "ligand_family__exact": "PbI2"})
    assert response.status_code == 200
    assert "A-LX-v1" in response.content.decode()


def test_a_used_recipe_opens_read_only_with_a_new_version_button(owner_client, world):
    recipe = world["a"].recipe
    url = reverse("admin:fabrication_ligandexchangerecipe_change", args=[recipe.pk])
    page = owner_client.get(url).content.decode()
    assert "is frozen" in page and 'name="_new_version"' in page
    assert 'name="name"' not in page  # no editable field
    response = owner_client.post(url, {"name": "changed"})
    assert response.status_code == 403
    recipe.refresh_from_db()
    assert recipe.name == "PbI2 control"


def test_the_new_version_button_copies_the_recipe_and_opens_the_copy(owner_client, world):
    recipe = world["a"].recipe
    url = reverse("admin:fabrication_ligandexchangerecipe_change", args=[recipe.pk])
    response = owner_client.post(url, {"_new_version": "1"})
    new = LigandExchangeRecipe.objects.get(family_code="A-LX", version=2)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/{new.pk}/change/")
    assert 'name="name"' in owner_client.get(response["Location"]).content.decode()


def test_the_admin_actions_make_versions_and_duplicates(owner_client, world):
    recipe = world["a"].recipe
    url = reverse("admin:fabrication_ligandexchangerecipe_changelist")
    for action in ("new_version", "duplicate"):
        owner_client.post(url, {"action": action, "_selected_action": [recipe.pk]})
    assert LigandExchangeRecipe.objects.filter(code="A-LX-v2").exists()
    assert LigandExchangeRecipe.objects.filter(code="A-LX-copy-v1").exists()


def test_an_outsider_cannot_open_another_projects_recipe(client, world):
    outsider = world["users"]["outsider"]
    outsider.user_permissions.set(Permission.objects.filter(content_type__app_label="fabrication"))
    client.force_login(outsider)
    url = reverse("admin:fabrication_ligandexchangerecipe_change", args=[world["a"].recipe.pk])
    response = client.get(url)
    assert response.status_code == 404  # as in the API and on the pages
    assert LigandExchangeRecipe.objects.get(pk=world["a"].recipe.pk).name == "PbI2 control"


def _staff_with_model_permissions(world, name):
    user = world["users"][name]
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["fabrication", "measurements"])
    )
    return user


def test_a_staff_user_of_another_project_cannot_read_or_revert_a_history(world, client):
    device = world["a"].devices[0]
    client.force_login(_staff_with_model_permissions(world, "outsider"))
    history = reverse("admin:fabrication_device_history", args=[device.pk])
    assert client.get(history).status_code in (403, 404)
    version = device.history.latest("history_date").history_id
    form = reverse("admin:fabrication_device_simple_history", args=[device.pk, version])
    assert client.get(form).status_code in (403, 404)
    response = client.post(form, {"project": world["projects"]["b"].pk, "code": device.code})
    assert response.status_code in (403, 404)
    device.refresh_from_db()
    assert device.project_id == world["projects"]["a"].pk


def test_a_viewer_reads_in_the_admin_but_cannot_change_and_no_one_moves_an_object(world, client):
    device = world["a"].devices[0]
    change = reverse("admin:fabrication_device_change", args=[device.pk])
    client.force_login(_staff_with_model_permissions(world, "viewer"))
    page = client.get(change)
    assert page.status_code == 200 and 'name="code"' not in page.content.decode()
    assert client.post(change, {"code": "X"}).status_code == 403
    client.force_login(_staff_with_model_permissions(world, "colleague"))
    page = client.get(change).content.decode()
    assert 'name="project"' not in page  # read-only once created


def _staff(world, name, client):
    """A persona with every model permission of the lab's apps: only his roles limit him."""
    user = world["users"][name]
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=LAB_APPS))
    client.force_login(user)
    return user


def _memberships_form(project, rows, **changes):
    """The project change form as the browser posts it, one inline row per membership."""
    data = {
        "code": project.code,
        "name": project.name,
        "description": "",
        "memberships-TOTAL_FORMS": str(len(rows)),
        "memberships-INITIAL_FORMS": str(len(rows)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for i, membership in enumerate(rows):
        data[f"memberships-{i}-id"] = str(membership.pk)
        data[f"memberships-{i}-project"] = str(project.pk)
        data[f"memberships-{i}-user"] = str(membership.user_id)
        data[f"memberships-{i}-role"] = changes.get(membership.user.username, membership.role)
    return data


def test_a_viewer_cannot_raise_his_own_membership_from_the_project_page(world, client):
    project = world["projects"]["a"]
    viewer = _staff(world, "viewer", client)
    url = reverse("admin:core_project_change", args=[project.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="name"' not in page.content.decode()
    rows = list(project.memberships.order_by("pk"))
    response = client.post(url, _memberships_form(project, rows, viewer="manager"))
    assert response.status_code == 403
    assert Membership.objects.get(project=project, user=viewer).role == "viewer"


def test_a_member_reads_the_project_but_cannot_change_memberships(world, client):
    project = world["projects"]["a"]
    _staff(world, "colleague", client)
    url = reverse("admin:core_project_change", args=[project.pk])
    rows = list(project.memberships.order_by("pk"))
    response = client.post(url, _memberships_form(project, rows, viewer="manager"))
    assert response.status_code == 403
    assert Membership.objects.get(project=project, user__username="viewer").role == "viewer"


def test_a_manager_changes_others_memberships_but_not_his_own(world, client):
    project = world["projects"]["a"]
    _staff(world, "owner", client)
    url = reverse("admin:core_project_change", args=[project.pk])
    rows = list(project.memberships.order_by("pk"))
    response = client.post(url, _memberships_form(project, rows, owner="viewer"))
    assert response.status_code == 200
    assert "your own membership" in response.content.decode()
    assert Membership.objects.get(project=project, user__username="owner").role == "manager"
    response = client.post(url, _memberships_form(project, rows, viewer="member"))
    assert response.status_code == 302
    assert Membership.objects.get(project=project, user__username="viewer").role == "member"


def test_a_manager_cannot_remove_himself_from_the_project(world, client):
    project = world["projects"]["a"]
    _staff(world, "owner", client)
    rows = list(project.memberships.order_by("pk"))
    data = _memberships_form(project, rows)
    own = next(i for i, m in enumerate(rows) if m.user.username == "owner")
    data[f"memberships-{own}-DELETE"] = "on"
    response = client.post(reverse("admin:core_project_change", args=[project.pk]), data)
    assert "your own membership" in response.content.decode()
    assert Membership.objects.filter(project=project, user__username="owner").exists()


def test_the_creator_of_a_project_becomes_its_manager(world, client):
    viewer = _staff(world, "viewer", client)
    data = {
        "code": "gamma",
        "name": "Gamma project",
        "description": "",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    assert client.post(reverse("admin:core_project_add"), data).status_code == 302
    assert Membership.objects.get(project__code="gamma", user=viewer).role == "manager"


def test_only_a_superuser_deletes_a_project(world, client):
    project = world["projects"]["a"]
    _staff(world, "owner", client)
    url = reverse("admin:core_project_delete", args=[project.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert type(project).objects.filter(pk=project.pk).exists()


@pytest.fixture
def measurement(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        m, _ = services.measurement_create(
            user=world["users"]["owner"],
            target=world["a"].devices[0],
            data=(DATA / "synthetic" / "jv_example_a.txt").read_bytes(),
            filename="a.txt",
        )
    m.refresh_from_db()
    return m


def test_a_viewer_cannot_reanalyse_from_the_admin(world, client, measurement):
    _staff(world, "viewer", client)
    url = reverse("admin:measurements_measurement_changelist")
    before = Measurement.objects.get(pk=measurement.pk).queued_at
    response = client.post(url, {"action": "reanalyse", "_selected_action": [measurement.pk]})
    assert response.status_code == 403
    assert measurement.code in response.content.decode()  # names what it refused
    assert Measurement.objects.get(pk=measurement.pk).queued_at == before


def test_a_colleague_reanalyses_from_the_admin(
    world, client, measurement, django_capture_on_commit_callbacks
):
    _staff(world, "colleague", client)
    url = reverse("admin:measurements_measurement_changelist")
    before = Measurement.objects.get(pk=measurement.pk).queued_at
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "reanalyse", "_selected_action": [measurement.pk]})
    assert response.status_code == 302
    assert Measurement.objects.get(pk=measurement.pk).queued_at > before


def test_a_viewer_cannot_make_recipe_versions_by_action_or_button(world, client):
    recipe = world["a"].recipe
    _staff(world, "viewer", client)
    changelist = reverse("admin:fabrication_ligandexchangerecipe_changelist")
    for action in ("new_version", "duplicate"):
        response = client.post(changelist, {"action": action, "_selected_action": [recipe.pk]})
        assert response.status_code == 403
    change = reverse("admin:fabrication_ligandexchangerecipe_change", args=[recipe.pk])
    assert client.post(change, {"_new_version": "1"}).status_code == 403
    assert LigandExchangeRecipe.objects.filter(family_code="A-LX").count() == 1


def test_an_action_over_objects_of_two_projects_does_nothing_if_one_is_read_only(world, client):
    b = world["projects"]["b"]
    viewer = _staff(world, "viewer", client)
    Membership.objects.create(project=b, user=viewer, role="member")
    selected = [world["a"].recipe.pk, world["b"].recipe.pk]
    url = reverse("admin:fabrication_ligandexchangerecipe_changelist")
    response = client.post(url, {"action": "new_version", "_selected_action": selected})
    assert response.status_code == 403 and "A-LX-v1" in response.content.decode()
    assert not LigandExchangeRecipe.objects.filter(version=2).exists()


def test_a_viewer_in_a_and_member_in_b_cannot_move_a_device_into_b(world, client):
    device = world["a"].devices[0]
    viewer = _staff(world, "viewer", client)
    Membership.objects.create(project=world["projects"]["b"], user=viewer, role="member")
    url = reverse("admin:fabrication_device_change", args=[device.pk])
    b_substrate = world["b"].devices[0].substrate
    data = {"project": world["projects"]["b"].pk, "code": device.code, "substrate": b_substrate.pk}
    assert client.post(url, data).status_code == 403
    device.refresh_from_db()
    assert (
        device.project == world["projects"]["a"]
        and device.substrate.project_id == device.project_id
    )


def test_a_member_of_both_projects_cannot_link_a_device_to_the_other_projects_substrate(
    world, client
):
    device = world["a"].devices[0]
    colleague = _staff(world, "colleague", client)
    Membership.objects.create(project=world["projects"]["b"], user=colleague, role="member")
    url = reverse("admin:fabrication_device_change", args=[device.pk])
    b_substrate = world["b"].devices[0].substrate
    response = client.post(
        url,
        {
            "project": world["projects"]["b"].pk,  # read-only once created: ignored
            "code": device.code,
            "pixel": device.pixel,
            "substrate": b_substrate.pk,
            "active_area_cm2": "0.05",
            "status": "ok",
        },
    )
    assert response.status_code == 200
    assert "belongs to another project" in response.content.decode()
    device.refresh_from_db()
    assert device.project == world["projects"]["a"]
    assert device.substrate == world["a"].devices[0].substrate


def test_inline_rows_stay_in_their_parents_project(world, client):
    batch = world["a"].batch
    colleague = _staff(world, "colleague", client)
    Membership.objects.create(project=world["projects"]["b"], user=colleague, role="member")
    variants = list(batch.variants.order_by("pk"))
    data = {
        "code": batch.code,
        "name": batch.name,
        "state": batch.state,
        "variants-TOTAL_FORMS": str(len(variants) + 1),
        "variants-INITIAL_FORMS": str(len(variants)),
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "1000",
    }
    for i, v in enumerate(variants):
        data.update(
            {
                f"variants-{i}-id": v.pk,
                f"variants-{i}-batch": batch.pk,
                f"variants-{i}-code": v.code,
                f"variants-{i}-name": v.name,
                f"variants-{i}-role": v.role,
                f"variants-{i}-stack": v.stack_id,
                f"variants-{i}-ink": v.ink_id,
                f"variants-{i}-project": world["projects"]["b"].pk,  # disabled: ignored
            }
        )
    new = len(variants)
    data.update(
        {
            f"variants-{new}-batch": batch.pk,
            f"variants-{new}-code": "A-B1/N",
            f"variants-{new}-name": "new",
            f"variants-{new}-role": "target",
            f"variants-{new}-project": world["projects"]["b"].pk,
        }
    )
    url = reverse("admin:fabrication_batch_change", args=[batch.pk])
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert set(Variant.objects.filter(batch=batch).values_list("project_id", flat=True)) == {
        batch.project_id
    }
    assert Variant.objects.get(code="A-B1/N").project_id == batch.project_id


def test_a_staff_user_in_no_project_sees_empty_lists_and_404s(world, client, django_user_model):
    staffer = django_user_model.objects.create_user(username="staffer", is_staff=True)
    staffer.user_permissions.set(Permission.objects.filter(content_type__app_label__in=LAB_APPS))
    client.force_login(staffer)
    device = world["a"].devices[0]
    listing = client.get(reverse("admin:fabrication_device_changelist")).content.decode()
    assert device.code not in listing and "0 devices" in listing
    for name in ("change", "history", "delete"):
        url = reverse(f"admin:fabrication_device_{name}", args=[device.pk])
        assert client.get(url).status_code in (403, 404), name
    assert client.get(reverse("admin:fabrication_device_add")).status_code == 403


def test_autocomplete_offers_only_objects_the_user_may_link(world, client):
    url = reverse("admin:autocomplete")
    query = {
        "app_label": "fabrication",
        "model_name": "ligandexchangerun",
        "field_name": "synthesis",
        "term": "PbS",
    }
    _staff(world, "colleague", client)
    offered = [r["text"] for r in client.get(url, query).json()["results"]]
    assert offered == ["A-PbS-1180"]
    _staff(world, "viewer", client)  # reads A, writes nowhere
    assert client.get(url, query).json()["results"] == []


def test_a_raw_id_box_does_not_name_another_projects_object(world, client):
    _staff(world, "outsider", client)
    a_substrate = world["a"].devices[0].substrate
    response = client.post(
        reverse("admin:fabrication_device_add"),
        {"project": world["projects"]["b"].pk, "code": "B-NEW", "substrate": a_substrate.pk},
    )
    assert response.status_code == 200
    assert a_substrate.code not in response.content.decode()
    assert not Device.objects.filter(code="B-NEW").exists()


def test_a_viewer_cannot_revert_a_version_from_the_history(world, client):
    device = world["a"].devices[0]
    device.pixel = "P7"
    device.save()
    first = device.history.earliest("history_date").history_id
    _staff(world, "viewer", client)
    url = reverse("admin:fabrication_device_simple_history", args=[device.pk, first])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"code": device.code, "pixel": "P1", "substrate": device.substrate_id}
    )
    assert response.status_code == 403
    device.refresh_from_db()
    assert device.pixel == "P7"


def test_a_stability_study_cannot_hold_another_projects_devices(world, client):
    colleague = _staff(world, "colleague", client)
    Membership.objects.create(project=world["projects"]["b"], user=colleague, role="member")
    data = {
        "project": world["projects"]["a"].pk,
        "code": "A-STUDY",
        "name": "damp heat",
        "atmosphere": "air",
        "light": "dark",
        "bias": "open circuit",
        "started_at_0": "2025-03-01",
        "started_at_1": "10:00",
        "devices": [world["a"].devices[0].pk, world["b"].devices[0].pk],
    }
    response = client.post(reverse("admin:analysis_stabilitystudy_add"), data)
    assert response.status_code == 200
    assert "belongs to another project" in response.content.decode()
    data["devices"] = [world["a"].devices[0].pk]
    assert client.post(reverse("admin:analysis_stabilitystudy_add"), data).status_code == 302
