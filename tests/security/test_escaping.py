"""No page renders user text unescaped: a script stored in every text field stays text."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fabrication.models import Batch

SCRIPT = '<script>alert("x")</script>'


@pytest.fixture
def hostile(world):
    a = world["a"]
    for obj, fields in (
        (a.batch, ["name", "description"]),
        (a.synthesis, ["name", "notes", "solvent"]),
        (a.variants[0], ["name", "description"]),
        (a.devices[0], ["status_reason"]),
        (a.film, ["name", "notes"]),
    ):
        for field in fields:
            setattr(obj, field, SCRIPT)
        obj.save()
    return a


def test_a_script_in_text_fields_is_escaped_on_every_page(client, world, hostile):
    client.force_login(world["users"]["owner"])
    a = hostile
    client.post(
        "/api/v1/measurements/",
        {
            "file": SimpleUploadedFile(SCRIPT + ".txt", b"nothing"),
            "device": a.devices[0].code,
        },
    )
    for url in (
        "/",
        f"/batches/{a.batch.id}/",
        f"/devices/{a.devices[0].id}/",
        f"/syntheses/{a.synthesis.id}/",
        "/compare/?by=variant",
        "/aging/",
        f"/search/?q={SCRIPT}",
        "/upload/",
    ):
        body = client.get(url).content.decode()
        assert SCRIPT not in body, url
    assert Batch.objects.get(pk=a.batch.pk).name == SCRIPT  # stored as typed, shown escaped
