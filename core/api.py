"""Shared API pieces: project scoping, and codes accepted wherever ids are."""

from __future__ import annotations

from django.db.models import Model, QuerySet
from django.http import Http404
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import permissions, serializers, viewsets

from .access import WRITE_ROLES, can_write, project_ids_for, scoped
from .models import Project


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


class CodeOrIdField(serializers.RelatedField):
    """A foreign key written as an id or a code, read as the id. Scoped to the user's projects."""

    def __init__(self, model: type[Model], **kwargs):
        self.model = model
        kwargs.setdefault("queryset", model.objects.all())
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if self.model is Project:
            return Project.objects.filter(id__in=project_ids_for(user, WRITE_ROLES))
        # The project rides along: uploads name it in their answer without another query.
        return scoped(self.model.objects.select_related("project"), user)

    def to_internal_value(self, data):
        if isinstance(data, Model):
            return data
        return resolve_code_or_id(self.get_queryset(), data)

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
        value = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        try:
            obj = resolve_code_or_id(queryset, value)
        except serializers.ValidationError as exc:
            raise Http404(str(exc.detail[0])) from exc
        self.check_object_permissions(self.request, obj)
        return obj

    def check_project_writable(self, project: Project) -> None:
        if not can_write(self.request.user, project.id):
            raise serializers.ValidationError(
                {"project": "You need the member or manager role in this project to write."}
            )

    def perform_create(self, serializer):
        project = serializer.validated_data.get("project")
        if project is None:
            project = serializer.inferred_project(serializer.validated_data)
        self.check_project_writable(project)
        serializer.save(project=project, created_by=self.request.user)

    def perform_update(self, serializer):
        self.check_project_writable(serializer.instance.project)
        serializer.save()


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
