"""``/api/v1/instrument-profiles/``: the file layouts a project taught cqdlab.

List, create, read, change (a changed definition is a new version), delete; ``{id}/yaml/``
exports one, ``import/`` creates one (or a new version of the same name) from YAML,
``{id}/reread/`` re-reads what older versions read, ``preview/`` reads a sample file with a
profile and analyses it in memory, storing nothing.
"""

from __future__ import annotations

import json
import math

import numpy as np
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.access import WRITE_ROLES, project_ids_for
from core.api import ProjectOwnedSerializer, ProjectScopedViewSet, attachment_header
from core.jsonsafe import json_safe

from .. import hooks, parsers, profiles
from ..models import InstrumentProfile, InstrumentProfileVersion
from ..parsers import profile as reader
from ..parsers.registry import _checked
from ..services import max_upload_bytes

PREVIEW_ROWS = 30
PREVIEW_LINES = 60


def _definition_field(value) -> dict:
    """A definition given as an object or as JSON text (a multipart form)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise serializers.ValidationError("Give the profile as a JSON object.") from None
    if not isinstance(value, dict):
        raise serializers.ValidationError("Give the profile as a JSON object.")
    return value


def _profile_problem(exc: reader.ProfileError) -> dict:
    """A validation error as a sentence naming the field, for people and for programs."""
    message = f"{exc.field}: {exc.message}"
    return {"error": message, "definition": [message], "field": exc.field}


class InstrumentProfileSerializer(ProjectOwnedSerializer):
    definition = serializers.JSONField()
    versions = serializers.SerializerMethodField()
    yaml_url = serializers.SerializerMethodField()

    class Meta:
        model = InstrumentProfile
        fields = [
            "id",
            "project",
            "code",
            "name",
            "kind",
            "version",
            "definition",
            "versions",
            "yaml_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["kind", "version", "versions", "yaml_url", "created_at", "updated_at"]

    def get_versions(self, obj) -> list[dict]:
        return [
            {
                "version": v.version,
                "created_at": v.created_at,
                # Lists prefetch the versions with their counts; a just-saved profile has none.
                "measurements": v.n if hasattr(v, "n") else v.measurements.count(),
            }
            for v in obj.versions.all()
        ]

    def get_yaml_url(self, obj) -> str:
        return reverse("api:instrument-profile-yaml", args=[obj.pk])

    def validate_definition(self, value):
        value = _definition_field(value)
        try:
            return profiles.validate({**value, "name": value.get("name") or "profile"})
        except reader.ProfileError as exc:
            raise serializers.ValidationError(f"{exc.field}: {exc.message}") from None

    def validate_code(self, value: str) -> str:
        if not reader._NAME.match(value):
            raise serializers.ValidationError(
                "Use letters, digits, '.', '_', '-' or spaces (at most 80), starting with a "
                "letter or digit."
            )
        return value

    def create(self, validated_data):
        return profiles.create(
            project=validated_data["project"],
            code=validated_data["code"],
            definition=validated_data["definition"],
            user=validated_data.get("created_by"),
            name=validated_data.get("name", ""),
        )

    def update(self, instance, validated_data):
        if "code" in validated_data and validated_data["code"] != instance.code:
            instance.code = validated_data["code"]
            instance.save(update_fields=["code", "updated_at"])
        definition = validated_data.get("definition", instance.definition)
        request = self.context.get("request")
        profiles.update(
            instance,
            definition,
            user=getattr(request, "user", None),
            name=validated_data.get("name"),
        )
        return instance


class ImportSerializer(serializers.Serializer):
    project = serializers.CharField(help_text="the project's code or id")
    yaml = serializers.CharField(required=False, help_text="the profile as YAML text")
    file = serializers.FileField(required=False, help_text="or a .yaml file")

    def validate(self, attrs):
        if not attrs.get("yaml") and not attrs.get("file"):
            raise serializers.ValidationError({"yaml": "Give the profile as yaml text or file."})
        return attrs


class PreviewSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="a sample file of the instrument")
    definition = serializers.JSONField(help_text="the profile (an object, or JSON text)")
    area_cm2 = serializers.FloatField(required=False, min_value=1e-4, max_value=1e4)
    irradiance_mw_cm2 = serializers.FloatField(required=False, min_value=1, max_value=500)


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _table(parsed) -> dict:
    """The table cqdlab sees: per curve its canonical columns and first rows."""
    curves = []
    for series in parsed.series:
        names = list(series.columns)
        rows = np.column_stack([series.columns[n] for n in names])[:PREVIEW_ROWS]
        curves.append(
            {
                "label": series.label,
                "points": len(series),
                "columns": names,
                "rows": [[_finite(v) for v in row] for row in rows.tolist()],
                "metadata": json_safe(
                    {k: v for k, v in series.metadata.items() if k != "instrument_figures"}
                ),
            }
        )
    return {"curves": curves}


def _doc(summary: str, description: str):
    return extend_schema(summary=summary, description=description)


@extend_schema_view(
    list=_doc("Instrument profiles", "The instrument profiles of your projects."),
    create=_doc(
        "Create an instrument profile",
        "A new profile (version 1) in a project you write in: `project`, `code`, `name`, "
        "`definition` (see docs/instrument-profiles.md). 400 names the field that is wrong.",
    ),
    retrieve=_doc("An instrument profile", "One profile, its definition and its versions."),
    update=_doc(
        "Replace an instrument profile",
        "A changed definition becomes the next version; the old one is kept.",
    ),
    partial_update=_doc(
        "Change an instrument profile",
        "Change the name, code or definition; a changed definition is a new version.",
    ),
    destroy=_doc(
        "Delete an instrument profile",
        "Refused (409) while one of its versions has read a measurement.",
    ),
)
@extend_schema(tags=["measurements"])
class InstrumentProfileViewSet(ProjectScopedViewSet):
    queryset = InstrumentProfile.objects.select_related("project").prefetch_related(
        Prefetch(
            "versions",
            queryset=InstrumentProfileVersion.objects.annotate(n=Count("measurements")),
        )
    )
    serializer_class = InstrumentProfileSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    lookup_value_regex = r"[^/]+"
    search_fields = ["code", "name"]
    ordering_fields = ["code", "updated_at"]

    def create(self, request, *args, **kwargs):
        try:
            return super().create(request, *args, **kwargs)
        except reader.ProfileError as exc:
            return Response(_profile_problem(exc), status=400)

    def update(self, request, *args, **kwargs):
        try:
            return super().update(request, *args, **kwargs)
        except reader.ProfileError as exc:
            return Response(_profile_problem(exc), status=400)

    @extend_schema(summary="Export a profile as YAML", responses={(200, "application/yaml"): str})
    @action(detail=True, methods=["get"])
    def yaml(self, request, pk=None, **kwargs):
        profile = self.get_object()
        response = HttpResponse(profiles.to_yaml(profile), content_type="application/yaml")
        response["Content-Disposition"] = attachment_header(f"{profile.code}.yaml")
        return response

    @extend_schema(
        summary="Import a profile from YAML",
        request=ImportSerializer,
        responses={201: InstrumentProfileSerializer},
    )
    @action(detail=False, methods=["post"], url_path="import", url_name="import")
    def import_yaml(self, request, **kwargs):
        """A profile from YAML into a project; a profile of the same name there gets a new
        version instead."""
        if not project_ids_for(request.user, WRITE_ROLES):
            raise exceptions.PermissionDenied(
                {"error": "You need the member or manager role in a project to import."}
            )
        body = ImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        field = InstrumentProfileSerializer(context={"request": request}).fields["project"]
        project = field.to_internal_value(body.validated_data["project"])
        self.check_project_writable(project)
        upload = body.validated_data.get("file")
        if upload is not None:
            raw = upload.read(profiles.MAX_YAML_BYTES + 1)
            text = raw.decode("utf-8-sig", errors="replace")
        else:
            text = body.validated_data["yaml"]
        try:
            definition = profiles.from_yaml(text)
            code = str(definition.get("name") or definition.get("code") or "").strip()
            if not code:
                raise reader.ProfileError("name", "give the profile a name")
            existing = InstrumentProfile.objects.filter(project=project, code=code).first()
            if existing is not None:
                profiles.update(existing, definition, user=request.user)
                profile, code_status = existing, status.HTTP_200_OK
            else:
                profile = profiles.create(
                    project=project, code=code, definition=definition, user=request.user
                )
                code_status = status.HTTP_201_CREATED
        except reader.ProfileError as exc:
            return Response(_profile_problem(exc), status=400)
        profile.refresh_from_db()
        data = InstrumentProfileSerializer(profile, context={"request": request}).data
        return Response(data, status=code_status)

    @extend_schema(summary="Re-read with the current version", request=None, responses={202: dict})
    @action(detail=True, methods=["post"])
    def reread(self, request, pk=None, **kwargs):
        """Read again, with the current version, the files older versions read (optionally
        only those of ``version``), and queue their analysis."""
        profile = self.get_object()  # IsProjectWriter: a viewer gets 403, an outsider 404
        version = request.data.get("version") if hasattr(request.data, "get") else None
        if version not in (None, "") and not str(version).isdigit():
            return Response({"error": "version: give a version number."}, status=400)
        done = profiles.reread(profile, version=int(version) if version not in (None, "") else None)
        return Response(
            {"version": profile.version, "queued": done.queued, "refused": done.refused},
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(
        summary="Preview a sample file read by a profile",
        request=PreviewSerializer,
        responses={200: dict},
    )
    @action(detail=False, methods=["post"])
    def preview(self, request, **kwargs):
        """A sample file read with a profile: its first lines, the table cqdlab sees, and the
        analysis of it. Nothing is stored and no project's data is read, so any signed-in
        user may try a profile on a file."""
        body = PreviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        if upload.size > max_upload_bytes():
            return Response({"error": "The file is larger than the upload limit."}, status=400)
        data = upload.read()
        try:
            definition = profiles.validate(_definition_field(body.validated_data["definition"]))
        except serializers.ValidationError as exc:
            return Response({"error": str(exc.detail[0])}, status=400)
        except reader.ProfileError as exc:
            return Response(_profile_problem(exc), status=400)
        try:
            parsed = reader.read(data, upload.name or "sample", definition)
            parsed = _checked(parsed, None)
        except parsers.ParseError as exc:
            return Response({"error": str(exc), "line": exc.line, "read": False}, status=200)
        conditions = {k: body.validated_data.get(k) for k in ("area_cm2", "irradiance_mw_cm2")}
        analysis = hooks.preview_analysis(parsed.kind, parsed, conditions)
        return Response(
            json_safe(
                {
                    "read": True,
                    "kind": parsed.kind,
                    "table": _table(parsed),
                    "found": {
                        "curves": len(parsed.series),
                        "pixels": sorted(
                            {
                                str(s.metadata["pixel"])
                                for s in parsed.series
                                if s.metadata.get("pixel")
                            }
                        ),
                        "area_cm2": parsed.metadata.get("area_cm2"),
                        "irradiance_mw_cm2": parsed.metadata.get("irradiance_mw_cm2"),
                        "measured_at": parsed.metadata.get("measured_at"),
                        "sample": parsed.metadata.get("sample"),
                    },
                    "header": dict(list(parsed.header.items())[:40]),
                    "warnings": parsed.warnings[:20],
                    "analysis": analysis,
                }
            )
        )
