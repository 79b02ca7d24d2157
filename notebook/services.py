"""Writing notes and photos: the one place that checks the write role, the photo and the text
before anything is stored."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Model

from core.access import can_write

from .images import CheckedImage, ImageRefused, check_image, thumbnail
from .models import MAX_NOTE_CHARS, Attachment, Note


class NoteRefused(ValueError):
    """Nothing was stored; the message says why."""


@dataclass(frozen=True)
class Photo:
    name: str
    data: bytes


def image_limits() -> tuple[int, int]:
    return (
        int(settings.NOTE_IMAGE_MAX_MB * 1024 * 1024),
        int(settings.NOTE_IMAGE_MAX_MEGAPIXELS * 1_000_000),
    )


def check_photo(photo: Photo) -> CheckedImage:
    try:
        return check_image(photo.data, *image_limits())
    except ImageRefused as exc:
        raise NoteRefused(f"{photo.name}: {exc}") from None


def _save_blob(name: str, data: bytes) -> str:
    # Content-addressed names: the same bytes are already there, never written twice.
    if default_storage.exists(name):
        return name
    return default_storage.save(name, ContentFile(data))


def add_note(*, user, target: Model, body: str, photo: Photo | None = None) -> Note:
    """A note (and its photo) on ``target``, by ``user``, who must write in its project.
    The caller found ``target`` among the objects the user may read."""
    if not can_write(user, target.project_id):
        raise PermissionError(
            f"You need the member or manager role in project '{target.project.code}' to add notes."
        )
    body = (body or "").replace("\x00", "").strip()
    if len(body) > MAX_NOTE_CHARS:
        raise NoteRefused(f"A note holds at most {MAX_NOTE_CHARS:,} characters ({len(body):,}).")
    if not body and photo is None:
        raise NoteRefused("Write a note or add a photo.")
    checked = check_photo(photo) if photo is not None else None
    thumb = thumbnail(checked.data) if checked is not None else None
    target_type = ContentType.objects.get_for_model(type(target))
    with transaction.atomic():
        note = Note.objects.create(
            project_id=target.project_id,
            target_type=target_type,
            target_id=target.pk,
            body=body,
            author=user,
        )
        if checked is not None:
            attachment = Attachment(
                project_id=target.project_id,
                target_type=target_type,
                target_id=target.pk,
                note=note,
                sha256=checked.sha256,
                size_bytes=len(checked.data),
                media_type=checked.media_type,
                width=checked.width,
                height=checked.height,
                original_filename=(photo.name or "photo")[:255],
                uploaded_by=user,
            )
            attachment.file.name = _save_blob(
                attachment.file.field.generate_filename(attachment, photo.name), checked.data
            )
            attachment.thumbnail.name = _save_blob(
                attachment.thumbnail.field.generate_filename(attachment, "thumb.jpg"), thumb
            )
            attachment.save()
    return note
