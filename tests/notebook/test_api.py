"""/api/v1/notes/: scoped lists, creation on an object named by type and code, photos."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from notebook.models import Attachment, Note
from notebook.services import add_note

from .images import png

pytestmark = pytest.mark.django_db


def test_a_member_creates_a_note_on_a_device_named_by_its_code(api, world):
    device = world["a"].devices[0]
    response = api("colleague").post(
        "/api/v1/notes/",
        {"target_type": "device", "target": device.code, "body": "Pixel *dark* after aging"},
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["on"] == {"type": "device", "id": device.pk, "code": device.code}
    assert data["project"] == "alpha" and data["author"] == "colleague"
    assert data["body_html"] == "<p>Pixel <em>dark</em> after aging</p>\n"
    assert Note.objects.get().target == device


def test_a_photo_can_be_sent_with_a_note_and_a_non_image_is_refused(api, world, client):
    run, browser = world["a"].run, client
    client = api("owner")
    ok = client.post(
        "/api/v1/notes/",
        {"target_type": "ink", "target": run.code, "photo": SimpleUploadedFile("vial.png", png())},
        format="multipart",
    )
    assert ok.status_code == 201, ok.content
    photo = ok.json()["attachments"][0]
    assert photo["media_type"] == "image/png" and photo["width"] == 640
    browser.force_login(world["users"]["viewer"])
    assert browser.get(photo["thumbnail_url"])["Content-Type"] == "image/jpeg"
    bad = client.post(
        "/api/v1/notes/",
        {"target_type": "ink", "target": run.code, "photo": SimpleUploadedFile("x.png", b"no")},
        format="multipart",
    )
    assert bad.status_code == 400 and "not an image" in str(bad.json()["error"])
    assert Note.objects.count() == Attachment.objects.count() == 1


def test_lists_and_filters_hold_only_the_users_projects(api, world):
    a, b = world["a"], world["b"]
    add_note(user=world["users"]["owner"], target=a.batch, body="ours")
    add_note(user=world["users"]["outsider"], target=b.batch, body="theirs")
    ours = api("viewer").get("/api/v1/notes/").json()["results"]
    assert [n["body"] for n in ours] == ["ours"]
    filtered = api("viewer").get("/api/v1/notes/", {"target_type": "batch", "target": "A-B1"})
    assert [n["on"]["code"] for n in filtered.json()["results"]] == ["A-B1"]
    assert api("viewer").get("/api/v1/notes/", {"search": "theirs"}).json()["results"] == []


def test_outsiders_cannot_read_or_write_and_viewers_cannot_write(api, world):
    a = world["a"]
    note = add_note(user=world["users"]["owner"], target=a.batch, body="ours")
    assert api("outsider").get(f"/api/v1/notes/{note.pk}/").status_code == 404
    assert api("outsider").patch(f"/api/v1/notes/{note.pk}/", {"body": "x"}).status_code == 404
    unknown = api("outsider").post(
        "/api/v1/notes/", {"target_type": "batch", "target": "A-B1", "body": "x"}, format="json"
    )
    assert unknown.status_code == 400 and "No batch 'A-B1' in your projects" in str(unknown.json())
    viewer = api("viewer").post(
        "/api/v1/notes/", {"target_type": "batch", "target": "A-B1", "body": "x"}, format="json"
    )
    assert viewer.status_code == 403
    assert api("viewer").delete(f"/api/v1/notes/{note.pk}/").status_code == 403
    assert list(Note.objects.values_list("body", flat=True)) == ["ours"]


def test_a_member_edits_the_text_but_the_note_stays_on_its_object(api, world):
    a = world["a"]
    note = add_note(user=world["users"]["owner"], target=a.batch, body="first")
    response = api("colleague").patch(
        f"/api/v1/notes/{note.pk}/",
        {"body": "second", "target_type": "device", "target": a.devices[0].code},
        format="json",
    )
    assert response.status_code == 200
    note.refresh_from_db()
    assert note.body == "second" and note.target == a.batch
    assert note.history.count() == 2  # who changed the text, and when, is kept


def test_a_time_filter_with_any_offset_is_compared_in_utc_not_refused_by_the_database(api, world):
    owner = world["users"]["owner"]
    note = add_note(user=owner, target=world["a"].devices[0], body="before the anneal")
    client = api("owner")

    # PostgreSQL refuses offsets past 15:59; the filter converts to UTC first.
    after = client.get("/api/v1/notes/", {"created_after": "2000-01-01T00:00:00-19:29"})
    before = client.get("/api/v1/notes/", {"created_before": "2000-01-01T00:00:00+19:29"})

    assert after.status_code == 200 and [n["id"] for n in after.json()["results"]] == [note.pk]
    assert before.status_code == 200 and before.json()["results"] == []
