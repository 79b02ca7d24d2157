import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from core.models import Membership
from fabrication.models import Batch, Device, Synthesis

RESOURCES = [
    "syntheses",
    "recipes",
    "ligand-exchanges",
    "batches",
    "variants",
    "substrates",
    "devices",
    "films",
    "stacks",
    "measurements",
]


def test_a_token_is_issued_for_a_username_and_password(world):
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": "owner", "password": "owner-pass-123"}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/devices/").status_code == 200


def test_anonymous_requests_are_refused(world):
    assert APIClient().get("/api/v1/devices/").status_code == 401


@pytest.mark.parametrize("resource", RESOURCES)
def test_lists_are_paginated_and_hold_only_the_users_projects(api, world, resource):
    body = api("owner").get(f"/api/v1/{resource}/").json()
    assert {"count", "next", "previous", "results"} <= set(body)
    codes = [r["code"] for r in body["results"]]
    assert not any(c.startswith("B-") for c in codes)


def test_a_device_is_found_by_its_code_with_slashes_or_by_its_id(api, world):
    device = world["a"].devices[0]
    by_code = api("owner").get(f"/api/v1/devices/{device.code}/")
    by_id = api("owner").get(f"/api/v1/devices/{device.id}/")
    assert by_code.status_code == by_id.status_code == 200
    assert by_code.json()["id"] == by_id.json()["id"] == device.id


def test_another_projects_object_answers_404_and_is_not_changed(api, world):
    device = world["b"].devices[0]
    client = api("owner")
    assert client.get(f"/api/v1/devices/{device.code}/").status_code == 404
    assert client.patch(f"/api/v1/devices/{device.id}/", {"pixel": "X"}).status_code == 404
    device.refresh_from_db()
    assert device.pixel == "P1"


def test_a_device_is_created_under_a_substrate_given_by_code(api, world):
    substrate = world["a"].devices[0].substrate
    response = api("colleague").post(
        "/api/v1/devices/",
        {
            "code": "A-B1/TS1/P5",
            "substrate": substrate.code,
            "pixel": "P5",
            "active_area_cm2": 0.04,
        },
    )
    assert response.status_code == 201, response.content
    device = Device.objects.get(code="A-B1/TS1/P5")
    assert device.project == world["projects"]["a"]


def test_a_viewer_cannot_write(api, world):
    response = api("viewer").post("/api/v1/syntheses/", {"project": "alpha", "code": "S-NEW"})
    assert response.status_code == 403
    assert "alpha" in response.json()["project"][0]
    assert not Synthesis.objects.filter(code="S-NEW").exists()


def test_a_viewer_cannot_add_a_child_under_a_parent_he_only_reads(api, world):
    substrate = world["a"].devices[0].substrate
    response = api("viewer").post(
        "/api/v1/devices/",
        {"code": "A-V", "substrate": substrate.code, "pixel": "P9", "active_area_cm2": 0.04},
    )
    assert response.status_code == 403
    assert substrate.code in response.json()["substrate"][0]
    assert not Device.objects.filter(code="A-V").exists()


def test_an_object_cannot_move_to_another_project(api, world):
    owner = world["users"]["owner"]
    Membership.objects.create(project=world["projects"]["b"], user=owner, role="member")
    batch = world["a"].batch
    response = api("owner").patch(f"/api/v1/batches/{batch.id}/", {"project": "beta"})
    assert response.status_code == 400
    assert "cannot move" in response.json()["project"][0]
    batch.refresh_from_db()
    assert batch.project == world["projects"]["a"]
    same = api("owner").patch(f"/api/v1/batches/{batch.id}/", {"project": "alpha"})
    assert same.status_code == 200  # naming its own project is no move


def test_a_child_cannot_be_moved_under_another_projects_parent(api, world):
    owner = world["users"]["owner"]
    Membership.objects.create(project=world["projects"]["b"], user=owner, role="member")
    device = world["a"].devices[0]
    other = world["b"].devices[0].substrate
    response = api("owner").patch(f"/api/v1/devices/{device.id}/", {"substrate": other.id})
    assert response.status_code == 400 and "substrate" in response.json()
    device.refresh_from_db()
    assert device.substrate.project_id == device.project_id


def test_deleting_a_referenced_object_answers_409_naming_what_refers_to_it(api, world):
    synthesis = world["a"].synthesis
    response = api("owner").delete(f"/api/v1/syntheses/{synthesis.id}/")
    assert response.status_code == 409
    body = response.json()
    assert "A-RUN1" in body["error"] and any("A-RUN1" in r for r in body["referred_by"])
    assert Synthesis.objects.filter(pk=synthesis.pk).exists()


def test_deleting_a_batch_with_substrates_answers_409_and_deletes_nothing(api, world):
    batch = world["a"].batch
    response = api("colleague").delete(f"/api/v1/batches/{batch.code}/")
    assert response.status_code == 409
    assert "A-B1/TS1" in response.json()["error"]
    assert Batch.objects.filter(pk=batch.pk).exists() and batch.variants.count() == 2


def test_an_unreferenced_object_is_deleted(api, world):
    film = world["a"].film
    assert api("colleague").delete(f"/api/v1/films/{film.id}/").status_code == 204
    assert not type(film).objects.filter(pk=film.pk).exists()


def test_writing_into_another_project_is_refused(api, world):
    response = api("owner").post("/api/v1/batches/", {"project": "beta", "code": "X1"})
    assert response.status_code == 400
    assert not Batch.objects.filter(code="X1").exists()


def test_a_related_object_from_another_project_is_refused(api, world):
    response = api("owner").post(
        "/api/v1/devices/",
        {
            "code": "A-X",
            "substrate": world["b"].devices[0].substrate.id,
            "pixel": "P1",
            "active_area_cm2": 0.05,
        },
    )
    assert response.status_code == 400


def test_lists_filter_by_project_batch_and_variant(api, world):
    client = api("owner")
    variant = world["a"].variants[0]
    body = client.get("/api/v1/devices/", {"project": "alpha", "variant": variant.code}).json()
    assert body["count"] == 4
    assert client.get("/api/v1/devices/", {"batch": "A-B1"}).json()["count"] == 8


def test_recipes_are_read_only_through_the_api(api, world):
    client = api("owner")
    recipe = world["a"].recipe
    assert client.get(f"/api/v1/recipes/{recipe.code}/").json()["version"] == 1
    assert client.patch(f"/api/v1/recipes/{recipe.id}/", {"name": "x"}).status_code == 405


def test_the_schema_and_docs_are_served(world, client):
    get_user_model()
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"openapi: 3" in schema.content
    assert client.get("/api/docs/").status_code == 200


def test_unusual_ids_and_time_offsets_are_answered_not_crashed_on(api, world):
    client = api("owner")
    assert client.get("/api/v1/devices/³/").status_code == 404
    assert client.get("/api/v1/devices/", {"batch": "³"}).status_code == 200
    odd = client.get("/api/v1/measurements/", {"measured_before": "0751-08-02T01:39:06+17:34"})
    assert odd.status_code == 200
