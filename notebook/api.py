"""``/api/v1/notes/``: a project's notes, read by its readers, written by its writers. A note is
created on an object named by its type and code (or id), with an optional photo (multipart)."""

from __future__ import annotations

import django_filters
from django.http import Http404
from django.urls import reverse
from rest_framework import exceptions, parsers, serializers

from core.access import READ_ROLES, WRITE_ROLES, project_ids_for
from core.api import ProjectScopedViewSet, is_id
from measurements.api.filters import UTCDateTimeFilter

from . import markup
from .models import MAX_NOTE_CHARS, Note
from .services import NoteRefused, Photo, add_note
from .targets import TARGETS, readable


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_filename = serializers.CharField()
    media_type = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    size_bytes = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    def get_url(self, attachment) -> str:
        return reverse("note-photo", args=[attachment.pk])

    def get_thumbnail_url(self, attachment) -> str:
        return reverse("note-thumbnail", args=[attachment.pk])


class NoteSerializer(serializers.ModelSerializer):
    target_type = serializers.ChoiceField(choices=sorted(TARGETS), write_only=True)
    target = serializers.CharField(write_only=True, max_length=200, help_text="code or id")
    photo = serializers.FileField(write_only=True, required=False)
    on = serializers.SerializerMethodField(help_text="the object the note is on")
    project = serializers.SlugRelatedField(slug_field="code", read_only=True)
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    body = serializers.CharField(max_length=MAX_NOTE_CHARS, allow_blank=True, required=False)
    body_html = serializers.SerializerMethodField(help_text="the Markdown rendered and cleaned")
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Note
        fields = [
            "id", "project", "on", "target_type", "target", "photo", "body", "body_html",
            "author", "created_at", "edited_at", "attachments",
        ]  # fmt: skip
        read_only_fields = ["created_at", "edited_at"]

    def get_on(self, note: Note) -> dict | None:
        target = note.target
        if target is None:
            return None
        names = {t.model: t.name for t in TARGETS.values()}
        return {"type": names.get(type(target)), "id": target.pk, "code": target.code}

    def get_body_html(self, note: Note) -> str:
        return markup.render(note.body)

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list):
            # A note stays on its object; only its text changes.
            for name in ("target_type", "target", "photo"):
                fields.pop(name)
        return fields

    def validate(self, attrs):
        if self.instance is not None:
            return attrs
        target = TARGETS[attrs["target_type"]]
        user = self.context["request"].user
        value = attrs["target"].strip()
        objects = readable(target, user, READ_ROLES)
        found = objects.filter(pk=int(value)).first() if is_id(value) else None
        matches = [found] if found else list(objects.filter(code=value)[:2])
        if not matches:
            message = f"No {target.name} '{value}' in your projects."
            raise serializers.ValidationError({"target": message})
        if len(matches) > 1:
            message = f"The code '{value}' exists in several of your projects; give the id."
            raise serializers.ValidationError({"target": message})
        attrs["target_object"] = matches[0]
        return attrs


class NoteFilter(django_filters.FilterSet):
    # Offsets past what PostgreSQL accepts (+-15:59) are compared in UTC rather than a 500.
    created_at = UTCDateTimeFilter(field_name="created_at")
    created_after = UTCDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UTCDateTimeFilter(field_name="created_at", lookup_expr="lte")

    class Meta:
        model = Note
        fields = ["created_at", "created_after", "created_before"]


class NoteViewSet(ProjectScopedViewSet):
    queryset = Note.objects.select_related("project", "author", "target_type").prefetch_related(
        "attachments"
    )
    serializer_class = NoteSerializer
    parser_classes = [parsers.JSONParser, parsers.MultiPartParser, parsers.FormParser]
    lookup_value_regex = r"[0-9]+"
    search_fields = ["body"]
    ordering_fields = ["created_at", "edited_at"]
    filterset_class = NoteFilter

    def get_queryset(self):
        queryset = super().get_queryset()
        kind, code = (
            self.request.query_params.get("target_type"),
            self.request.query_params.get("target"),
        )
        # Control characters can be no code (and PostgreSQL refuses NUL in a query).
        if kind in TARGETS and code and not any(ord(ch) < 32 for ch in code):
            target = TARGETS[kind]
            ids = readable(target, self.request.user).filter(code=code).values("pk")
            queryset = queryset.filter(target_type__model=target.model._meta.model_name).filter(
                target_id__in=ids
            )
        return queryset

    def get_object(self):
        # Notes have no code: the id alone names one.
        pk = self.kwargs["pk"]
        obj = self.get_queryset().filter(pk=pk).first() if is_id(str(pk)) else None
        if obj is None:
            raise Http404("No such note in your projects.")
        self.check_object_permissions(self.request, obj)
        return obj

    def create(self, request, *args, **kwargs):
        # Someone who writes in no project cannot add a note anywhere: 403 before the details.
        if not project_ids_for(request.user, WRITE_ROLES):
            raise exceptions.PermissionDenied("You need the member or manager role to add notes.")
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = serializer.validated_data
        upload = data.get("photo")
        photo = Photo(upload.name, upload.read()) if upload is not None else None
        try:
            note = add_note(
                user=self.request.user,
                target=data["target_object"],
                body=data.get("body", ""),
                photo=photo,
            )
        except PermissionError as exc:
            raise exceptions.PermissionDenied(str(exc)) from None
        except NoteRefused as exc:
            raise serializers.ValidationError({"error": str(exc)}) from None
        serializer.instance = note

    def perform_update(self, serializer):
        self.check_project_writable(serializer.instance.project)
        serializer.save()
