"""Notes and photos: who may add them, what is stored, and how they are shown."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from notebook.markup import clean, render
from notebook.models import Attachment, Note

from .images import jpeg, png

pytestmark = pytest.mark.django_db


def _post(client, obj_type: str, obj, body: str = "", photo: SimpleUploadedFile | None = None):
    data = {"target_pick": f"{obj_type}:{obj.pk}", "body": body, "next": f"/devices/{obj.pk}/"}
    if photo is not None:
        data["photo"] = photo
    return client.post("/notes/add/", data)


def test_a_member_adds_a_note_with_a_photo_kept_byte_for_byte_beside_its_thumbnail(client, world):
    device = world["a"].devices[0]
    client.force_login(world["users"]["colleague"])
    data = jpeg(1600, 1200)
    response = _post(
        client, "device", device, "Film **hazy** after the second exchange",
        SimpleUploadedFile("IMG_0042.JPG", data, content_type="image/jpeg"),
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == f"/devices/{device.pk}/#notes"
    note = Note.objects.get()
    assert (note.target, note.project, note.author) == (
        device,
        world["projects"]["a"],
        world["users"]["colleague"],
    )
    photo = Attachment.objects.get()
    assert photo.note == note and photo.project == note.project and photo.target == device
    with default_storage.open(photo.file.name, "rb") as stored:
        kept = stored.read()
    assert kept == data and photo.sha256 == hashlib.sha256(data).hexdigest()
    assert (photo.media_type, photo.width, photo.height) == ("image/jpeg", 1600, 1200)
    with default_storage.open(photo.thumbnail.name, "rb") as thumb:
        small = Image.open(io.BytesIO(thumb.read()))
    assert small.format == "JPEG" and max(small.size) == 320
    assert photo.thumbnail.name != photo.file.name


def test_the_device_page_shows_the_note_rendered_with_its_thumbnail_to_a_viewer(client, world):
    device = world["a"].devices[0]
    client.force_login(world["users"]["owner"])
    photo = SimpleUploadedFile("probe.png", png(), content_type="image/png")
    _post(client, "device", device, "Contact *probe* scratched the Au", photo)
    client.force_login(world["users"]["viewer"])
    page = client.get(f"/devices/{device.pk}/").content.decode()
    attachment = Attachment.objects.get()
    assert "Contact <em>probe</em> scratched the Au" in page
    assert f'src="/notes/photos/{attachment.pk}/thumbnail/"' in page
    assert "owner" in page
    assert 'action="/notes/add/"' not in page  # a viewer reads, no add form
    thumb = client.get(f"/notes/photos/{attachment.pk}/thumbnail/")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert thumb["X-Content-Type-Options"] == "nosniff"


def test_markdown_loses_scripts_event_handlers_and_javascript_links():
    html = render(
        "<script>alert(1)</script> [click](javascript:alert(2)) "
        '<img src=x onerror="alert(3)"> [ok](https://example.org) **bold**\n\n'
        "[data](data:text/html;base64,PHNjcmlwdD4=)"
    )
    # Typed HTML stays visible text; links to scripts and data stay text, never links.
    assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html and 'href="data:' not in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">ok</a>' in html
    assert "<strong>bold</strong>" in html


def test_the_cleaner_removes_scripts_handlers_and_javascript_links_from_html():
    html = clean(
        '<p onclick="x()">hi<script>alert(1)</script><a href="javascript:alert(1)">a</a>'
        '<a href="JAVASCRIPT:alert(1)">b</a><iframe src="https://e.org"></iframe>'
        '<a href="https://e.org" style="color:red">c</a></p>'
    )
    assert "script" not in html.lower() and "onclick" not in html and "iframe" not in html
    assert "style=" not in html
    assert '<a rel="noopener noreferrer nofollow">a</a>' in html
    assert '<a href="https://e.org" rel="noopener noreferrer nofollow">c</a>' in html


def test_a_note_with_a_script_renders_escaped_on_the_page(client, world):
    device = world["a"].devices[0]
    client.force_login(world["users"]["owner"])
    _post(client, "device", device, "<script>alert('x')</script> [x](javascript:alert(1))")
    page = client.get(f"/devices/{device.pk}/").content.decode()
    assert "<script>alert('x')</script>" not in page
    assert 'javascript:alert(1)"' not in page and 'href="javascript' not in page


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("photo.jpg", b"Voltage (V)\tCurrent (A)\n0\t-0.02\n", "not an image"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
         "not an image"),
        ("cut.png", png()[:200], "damaged"),
    ],
)  # fmt: skip
def test_a_file_that_is_no_image_by_its_content_is_refused_and_nothing_is_stored(
    client, world, name, data, reason
):
    device = world["a"].devices[0]
    client.force_login(world["users"]["owner"])
    response = _post(client, "device", device, "with a photo", SimpleUploadedFile(name, data))
    assert response.status_code == 302
    assert not Note.objects.exists() and not Attachment.objects.exists()
    page = client.get(f"/devices/{device.pk}/").content.decode()
    assert reason in page and name in page
    # Told once: the next visit shows the page without the error.
    assert reason not in client.get(f"/devices/{device.pk}/").content.decode()


def test_photos_above_the_pixel_or_byte_limit_are_refused(client, world, settings):
    device = world["a"].devices[0]
    client.force_login(world["users"]["owner"])
    settings.NOTE_IMAGE_MAX_MEGAPIXELS = 1
    _post(client, "device", device, "", SimpleUploadedFile("big.png", png(1200, 1000)))
    settings.NOTE_IMAGE_MAX_MEGAPIXELS = 60
    settings.NOTE_IMAGE_MAX_MB = 0
    _post(client, "device", device, "", SimpleUploadedFile("heavy.png", png(100, 100)))
    assert not Attachment.objects.exists() and not Note.objects.exists()


def test_a_photo_rotated_by_the_camera_keeps_its_bytes_and_gets_an_upright_thumbnail(client, world):
    device = world["a"].devices[0]
    client.force_login(world["users"]["owner"])
    data = jpeg(800, 400, orientation=6)  # held upright: 400 wide, 800 high
    _post(client, "device", device, "", SimpleUploadedFile("portrait.jpg", data))
    photo = Attachment.objects.get()
    with default_storage.open(photo.file.name, "rb") as stored:
        assert stored.read() == data
    with default_storage.open(photo.thumbnail.name, "rb") as thumb:
        assert Image.open(io.BytesIO(thumb.read())).size == (160, 320)


def test_an_empty_note_without_a_photo_stores_nothing(client, world):
    client.force_login(world["users"]["owner"])
    _post(client, "device", world["a"].devices[0], "   ")
    assert not Note.objects.exists()


def test_outsiders_and_viewers_cannot_add_notes_or_open_photos(client, world):
    device = world["a"].devices[0]
    client.force_login(world["users"]["owner"])
    _post(client, "device", device, "ours", SimpleUploadedFile("a.png", png()))
    photo = Attachment.objects.get()
    client.force_login(world["users"]["outsider"])
    assert _post(client, "device", device, "theirs").status_code == 404
    assert client.get(f"/notes/photos/{photo.pk}/").status_code == 404
    assert client.get(f"/notes/photos/{photo.pk}/thumbnail/").status_code == 404
    client.force_login(world["users"]["viewer"])
    assert _post(client, "device", device, "viewer").status_code == 403
    assert client.get(f"/notes/photos/{photo.pk}/").status_code == 200
    assert Note.objects.count() == 1


def test_a_photo_opens_inline_with_its_own_type_and_no_script_can_run_from_it(client, world):
    client.force_login(world["users"]["owner"])
    data = png()
    _post(client, "device", world["a"].devices[0], "", SimpleUploadedFile("x.txt", data))
    photo = Attachment.objects.get()
    response = client.get(f"/notes/photos/{photo.pk}/")
    assert response["Content-Type"] == "image/png"  # from the content, not the name
    assert response["Content-Disposition"].startswith("inline;")
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == data
    download = client.get(f"/notes/photos/{photo.pk}/?download=1")
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith("attachment;")


def test_the_batch_panel_lists_notes_of_its_substrates_and_offers_them_as_targets(client, world):
    a = world["a"]
    substrate = a.devices[0].substrate
    client.force_login(world["users"]["owner"])
    _post(client, "substrate", substrate, "Substrate chipped at the corner")
    page = client.get(f"/batches/{a.batch.pk}/").content.decode()
    assert "Substrate chipped at the corner" in page and f"on {substrate.code}" in page
    assert f'value="substrate:{substrate.pk}"' in page and f'value="batch:{a.batch.pk}"' in page


def test_a_note_cannot_be_put_on_another_projects_object_through_the_picker(client, world):
    client.force_login(world["users"]["owner"])
    theirs = world["b"].devices[0]
    assert _post(client, "device", theirs, "sneaky").status_code == 404
    assert not Note.objects.exists()


def test_the_synthesis_page_takes_notes_on_its_ink_runs(client, world):
    a = world["a"]
    client.force_login(world["users"]["colleague"])
    _post(client, "ink", a.run, "Ink turned grey after two days")
    note = Note.objects.get()
    assert note.target == a.run
    page = client.get(f"/syntheses/{a.synthesis.pk}/").content.decode()
    assert "Ink turned grey after two days" in page
