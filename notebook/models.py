"""Notes (Markdown) and photos on lab objects. Each carries its object's project, so every read
is scoped like any lab object; the object itself is a generic relation (batches, variants,
substrates, devices, films, syntheses and ligand-exchange runs: notebook.targets)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from simple_history.models import HistoricalRecords

MAX_NOTE_CHARS = 20_000


class Note(models.Model):
    project = models.ForeignKey("core.Project", on_delete=models.PROTECT, related_name="+")
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    body = models.TextField(max_length=MAX_NOTE_CHARS, blank=True, help_text="Markdown")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            models.Index(fields=["project", "created_at"]),
        ]

    def __str__(self) -> str:
        target = self.target
        return f"Note on {target.code if target is not None else '(deleted object)'}"

    @property
    def was_edited(self) -> bool:
        return (self.edited_at - self.created_at).total_seconds() > 1


def _original_path(instance: Attachment, filename: str) -> str:
    # Content-addressed like raw measurement files: the name is the hash, so a stored photo is
    # never overwritten by other bytes, and the same photo twice is one blob.
    return f"notes/{instance.sha256[:2]}/{instance.sha256}"


def _thumbnail_path(instance: Attachment, filename: str) -> str:
    return f"notes/thumbs/{instance.sha256[:2]}/{instance.sha256}.jpg"


class Attachment(models.Model):
    """A photo as uploaded (never altered) and a thumbnail made from it, kept beside it."""

    project = models.ForeignKey("core.Project", on_delete=models.PROTECT, related_name="+")
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    note = models.ForeignKey(
        Note, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=_original_path, max_length=200)
    thumbnail = models.FileField(upload_to=_thumbnail_path, max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    size_bytes = models.PositiveBigIntegerField()
    media_type = models.CharField(max_length=40, help_text="read from the content")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    original_filename = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.original_filename} ({self.width}x{self.height})"
