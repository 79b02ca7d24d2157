import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from fabrication.models import LigandExchangeRecipe

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
    assert response.status_code == 302  # Django admin redirects a missing object to the list
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
