"""Notes in the admin: scoped like every lab object; the text is edited here, the object a
note is on and its photos are shown, not changed (notes are written on the object's page or
through the API, which check the target and the photo)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from core.admin import ProjectScopedAdmin, ScopedInline

from .models import Attachment, Note


class AttachmentInline(ScopedInline):
    model = Attachment
    fields = ["photo", "original_filename", "media_type", "width", "height", "size_bytes"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="photo")
    def photo(self, attachment: Attachment) -> str:
        return format_html(
            '<a href="{}"><img src="{}" alt="" style="max-height:80px"></a>',
            reverse("note-photo", args=[attachment.pk]),
            reverse("note-thumbnail", args=[attachment.pk]),
        )


@admin.register(Note)
class NoteAdmin(ProjectScopedAdmin):
    list_display = ["__str__", "author", "created_at", "edited_at", "project"]
    list_filter = ["project", "created_at"]
    search_fields = ["body"]
    fields = ["project", "on", "body", "author", "created_at", "edited_at"]
    readonly_fields = ["project", "on", "author", "created_at", "edited_at"]
    inlines = [AttachmentInline]

    def has_add_permission(self, request):
        # A note names its object by a generic relation the admin cannot check: notes are
        # added on the object's page or through the API.
        return False

    @admin.display(description="on")
    def on(self, note: Note) -> str:
        target = note.target
        return f"{note.target_type.name} {target.code}" if target is not None else "(deleted)"
