"""/scan/: a typed or scanned code (or a label's URL) opens the object's page in the user's
projects; unknown and other projects' codes get the same answer."""

from __future__ import annotations

import pytest

from fabrication.models import Batch

pytestmark = pytest.mark.django_db


def test_a_typed_device_code_opens_the_device_page(client, world):
    device = world["a"].devices[0]
    client.force_login(world["users"]["viewer"])
    response = client.get("/scan/", {"code": f"  {device.code} "})
    assert response.status_code == 302 and response["Location"] == f"/devices/{device.pk}/"


def test_a_labels_url_typed_by_a_keyboard_scanner_opens_the_object(client, world):
    a = world["a"]
    client.force_login(world["users"]["owner"])
    url = f"https://lab.example.org/scan/{a.devices[0].substrate.code}"
    response = client.get("/scan/", {"code": url})
    assert response["Location"] == f"/batches/{a.batch.pk}/"


@pytest.mark.parametrize(
    "obj, page",
    [
        (lambda a: a.devices[0], lambda a: f"/devices/{a.devices[0].pk}/"),
        (lambda a: a.devices[0].substrate, lambda a: f"/batches/{a.batch.pk}/"),
        (lambda a: a.variants[0], lambda a: f"/batches/{a.batch.pk}/"),
        (lambda a: a.batch, lambda a: f"/batches/{a.batch.pk}/"),
        (lambda a: a.synthesis, lambda a: f"/syntheses/{a.synthesis.pk}/"),
        (lambda a: a.run, lambda a: f"/syntheses/{a.synthesis.pk}/"),
        (lambda a: a.film, lambda a: f"/syntheses/{a.synthesis.pk}/"),
    ],
)
def test_a_label_url_redirects_to_the_page_of_each_kind_of_object(client, world, obj, page):
    a = world["a"]
    client.force_login(world["users"]["colleague"])
    response = client.get(f"/scan/{obj(a).code}")
    assert response.status_code == 302 and response["Location"] == page(a)


def test_another_projects_code_is_not_found_exactly_like_a_code_that_does_not_exist(client, world):
    client.force_login(world["users"]["outsider"])
    theirs = client.get("/scan/", {"code": world["a"].devices[0].code})
    nowhere = client.get("/scan/", {"code": "A-B1/ZZ/P9"})
    assert theirs.status_code == nowhere.status_code == 404
    message = "No object with this code in your projects"
    assert message in theirs.content.decode() and message in nowhere.content.decode()
    via_label = client.get(f"/scan/{world['a'].devices[0].code}")
    assert via_label.status_code == 404 and "A-B1" not in via_label.content.decode()


def test_a_code_shared_by_two_objects_offers_a_choice(client, world):
    a = world["a"]
    Batch.objects.create(project=a.batch.project, code=a.synthesis.code, name="same name")
    client.force_login(world["users"]["owner"])
    response = client.get(f"/scan/{a.synthesis.code}")
    body = response.content.decode()
    assert response.status_code == 200
    assert f'href="/syntheses/{a.synthesis.pk}/"' in body and "Batch A-PbS-1180" in body


def test_the_scan_page_loads_its_script_from_a_file_and_offers_the_text_box(client, world):
    client.force_login(world["users"]["owner"])
    body = client.get("/scan/").content.decode()
    assert 'src="/static/js/scan.js"' in body and 'name="code"' in body
    assert "<script>" not in body
