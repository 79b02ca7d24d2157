"""Shared API pieces: project scoping, codes accepted wherever ids are, and download headers."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from django.db.models import Model, ProtectedError, QuerySet, RestrictedError
from django.http import Http404
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.response import Response

from .access import READ_ROLES, WRITE_ROLES, can_write, project_ids_for, scoped
from .models import Project

# Refusals name this many objects and count the rest.
MAX_NAMED = 10
# Characters no saved file name should hold on any system (and the header's own delimiters).
_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|;]')


def download_name(name: str, default: str = "download") -> str:
    """A file name safe to offer for saving: no control or separator characters (U+2028 and
    U+2029 included), no path separators, no leading dots, at most 150 characters."""
    cleaned = "".join(
        "_" if unicodedata.category(ch)[0] in "CZ" and ch != " " else ch for ch in name
    )
    cleaned = _UNSAFE_IN_NAME.sub("_", cleaned).strip(" .")
    if len(cleaned) > 150:
        stem, dot, ext = cleaned.rpartition(".")
        cleaned = f"{stem[: 149 - len(ext)]}.{ext}" if dot and len(ext) <= 10 else cleaned[:150]
    return cleaned or default


def attachment_header(name: str) -> str:
    """Content-Disposition of a download (RFC 6266): an ASCII ``filename`` every client reads
    and the exact name as ``filename*`` (UTF-8, percent-encoded) for those that can.

    Django's ``content_disposition_header`` gives one or the other; both is what RFC 6266
    recommends. A code or an uploaded file's name never reaches the header unencoded, so it
    can neither end the header nor add one.
    """
    safe = download_name(name)
    ascii_name = unicodedata.normalize("NFKD", safe).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9._ ()+,=@\[\]-]", "_", ascii_name).strip(" .") or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(safe, safe='')}"


def is_id(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts '³', which int() refuses."""
    return text.isascii() and text.isdigit()


def resolve_code_or_id(queryset: QuerySet, value) -> Model:
    """Find an object by numeric id or by its human code, within ``queryset``."""
    text = str(value).strip()
    if not text or len(text) > 200 or any(ord(ch) < 32 for ch in text):
        # Control characters (NUL above all) can be no code, and PostgreSQL refuses them.
        raise serializers.ValidationError("Not a valid id or code.")
    if is_id(text):
        obj = queryset.filter(pk=int(text)).first()
        if obj is not None:
            return obj
    matches = list(queryset.filter(code=text)[:2])
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise serializers.ValidationError(
            f"The code '{text}' exists in several of your projects; give the id instead."
        )
    raise serializers.ValidationError(f"No object with id or code '{text}' in your projects.")


def object_or_404(queryset: QuerySet, value, message: str | None = None) -> Model:
    """``resolve_code_or_id`` for views: the object, else 404 with the resolver's sentence, or
    with ``message`` where echoing the typed code could name another project's object."""
    try:
        return resolve_code_or_id(queryset, value)
    except serializers.ValidationError as exc:
        raise Http404(message or str(exc.detail[0])) from exc


class CodeOrIdField(serializers.RelatedField):
    """A foreign key written as an id or a code, read as the id.

    Writing links to the object, so it is looked up among the objects of projects the user
    writes in. One he may only read answers 403 naming it; one he cannot see is unknown (400),
    as if it did not exist.
    """

    def __init__(self, model: type[Model], **kwargs):
        self.model = model
        kwargs.setdefault("queryset", model.objects.all())
        super().__init__(**kwargs)

    def _objects(self, roles) -> QuerySet:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if self.model is Project:
            return Project.objects.filter(id__in=project_ids_for(user, roles))
        # The project rides along: uploads name it in their answer without another query.
        return scoped(self.model.objects.select_related("project"), user, roles)

    def get_queryset(self) -> QuerySet:
        return self._objects(WRITE_ROLES)

    def to_internal_value(self, data):
        if isinstance(data, Model):
            return data
        try:
            return resolve_code_or_id(self.get_queryset(), data)
        except serializers.ValidationError:
            try:
                readable = resolve_code_or_id(self._objects(READ_ROLES), data)
            except serializers.ValidationError:
                readable = None
            if readable is None:
                raise
        project = readable if isinstance(readable, Project) else readable.project
        message = (
            f"'{readable}' is in project '{project.code}', where you need the member or "
            "manager role to write."
        )
        raise exceptions.PermissionDenied({"error": message, self.field_name: [message]})

    def to_representation(self, value):
        return value.pk


class IsProjectWriter(permissions.BasePermission):
    """Reading needs a role in the object's project; writing needs member or manager."""

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True  # the queryset is already scoped to readable projects
        return can_write(request.user, obj.project_id)


class ProjectScopedViewSet(viewsets.ModelViewSet):
    """Lists and details show only the user's projects; ids and codes both find an object."""

    permission_classes = [permissions.IsAuthenticated, IsProjectWriter]
    # Codes like B2025-06-12/S3/P2 contain slashes.
    lookup_value_regex = r"[^?#]+?"

    def get_queryset(self):
        return scoped(super().get_queryset(), self.request.user)

    def get_object(self):
        queryset = self.filter_queryset(self.get_queryset())
        obj = object_or_404(queryset, self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        self.check_object_permissions(self.request, obj)
        return obj

    def check_project_writable(self, project: Project) -> None:
        if not can_write(self.request.user, project.id):
            message = f"You need the member or manager role in project '{project.code}' to write."
            raise exceptions.PermissionDenied({"error": message, "project": [message]})

    def perform_create(self, serializer):
        project = serializer.validated_data.get("project")
        if project is None:
            project = serializer.inferred_project(serializer.validated_data)
        self.check_project_writable(project)
        serializer.save(project=project, created_by=self.request.user)

    def perform_update(self, serializer):
        self.check_project_writable(serializer.instance.project)
        serializer.save()

    def destroy(self, request, *args, **kwargs):
        obj = self.get_object()
        try:
            self.perform_destroy(obj)
        except (ProtectedError, RestrictedError) as exc:
            return self.still_referred_to(obj, exc)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def still_referred_to(self, obj: Model, exc: ProtectedError | RestrictedError) -> Response:
        """409 naming what still refers to ``obj`` (nothing was deleted: Django refuses
        before it deletes anything). Objects of projects the user cannot read are counted,
        never named."""
        blockers = getattr(exc, "protected_objects", None) or exc.restricted_objects
        readable = set(project_ids_for(self.request.user))
        shown, hidden = [], 0
        for blocker in blockers:
            if getattr(blocker, "project_id", None) in readable:
                shown.append(f"{blocker._meta.verbose_name} {blocker}")
            else:
                hidden += 1
        names = ", ".join(shown[:MAX_NAMED])
        if len(shown) > MAX_NAMED:
            names += f" and {len(shown) - MAX_NAMED} more"
        if hidden:
            names += f"{' and ' if names else ''}{hidden} object(s) of other projects"
        message = (
            f"{obj._meta.verbose_name.capitalize()} '{obj}' cannot be deleted: "
            f"{names} still refer to it. Delete or change those first."
        )
        return Response({"error": message, "referred_by": shown}, status=status.HTTP_409_CONFLICT)


class ProjectOwnedSerializer(serializers.ModelSerializer):
    project = CodeOrIdField(Project, required=False)

    # Child objects take their project from their parent; top-level ones must name it.
    parent_field: str | None = None

    def inferred_project(self, data) -> Project:
        parent = data.get(self.parent_field) if self.parent_field else None
        if parent is None:
            raise serializers.ValidationError({"project": "This field is required."})
        return parent.project

    def get_validators(self):
        # DRF's unique-together validator would demand `project` even when the parent
        # implies it; uniqueness of (project, code) is checked in validate() instead.
        return []

    def validate(self, attrs):
        attrs = super().validate(attrs)
        moved = attrs.get("project")
        if self.instance is not None and moved is not None and moved.pk != self.instance.project_id:
            # Its children, measurements and history would stay behind in the old project.
            raise serializers.ValidationError(
                {
                    "project": f"An object cannot move to another project: '{self.instance}' "
                    f"stays in '{self.instance.project.code}'. Create it in the other project."
                }
            )
        project = attrs.get("project") or (self.instance.project if self.instance else None)
        if project is None and self.parent_field and attrs.get(self.parent_field):
            project = attrs[self.parent_field].project
        code = attrs.get("code")
        if project is not None and code:
            clash = self.Meta.model.objects.filter(project=project, code=code)
            if self.instance is not None:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise serializers.ValidationError({"code": f"'{code}' exists in this project."})
        # Every related object must live in the same project as the object itself.
        for name, value in attrs.items():
            if isinstance(value, Model) and hasattr(value, "project_id") and project:
                if value.project_id != project.id:
                    raise serializers.ValidationError(
                        {name: f"'{value}' belongs to another project."}
                    )
        return attrs


class CodeOrIdFieldSchema(OpenApiSerializerFieldExtension):
    """In the OpenAPI schema: written as an id or a code, read as an id."""

    target_class = CodeOrIdField

    def map_serializer_field(self, auto_schema, direction):
        if direction == "response":
            return {"type": "integer"}
        return {"type": "string", "description": "the object's id or its human code"}
