"""The exchange endpoints of /api/v1/ (docs/exchange.md):

- GET  batches/{code}/eln/            a batch as .eln (readers of its project)
- GET  projects/{code}/eln/           a project as .eln (readers)
- POST projects/{code}/eln/import/    an .eln into this empty project (managers)
- POST eln-imports/                   the same, the project named by the form field `project`
- GET  projects/{code}/nomad/?format=csv|json   device results in Perovskite Database fields

An object of a project the user cannot read answers 404 without echoing its code.
"""

from __future__ import annotations

import json

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import can_manage, projects_for, scoped
from core.api import attachment_header, object_or_404
from core.jsonsafe import json_safe
from core.models import Project
from fabrication.models import Batch, Device

from . import export, importer, nomad

ELN_TYPE = "application/vnd.eln+zip"  # IANA: application/vnd.eln+zip
NOT_FOUND = "No such object in your projects."


def _site(request: Request) -> str:
    return request.build_absolute_uri("/")


def _download(data: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = attachment_header(name)
    return response


def _project(request: Request, code: str) -> Project:
    return object_or_404(projects_for(request.user), code, NOT_FOUND)


class BatchElnView(APIView):
    @extend_schema(responses={(200, ELN_TYPE): OpenApiTypes.BINARY}, summary="A batch as .eln")
    def get(self, request: Request, code: str) -> HttpResponse:
        batch = object_or_404(
            scoped(Batch.objects.select_related("project"), request.user), code, NOT_FOUND
        )
        data = export.export_batch(batch, _site(request))
        return _download(data, export.file_name(f"cqdlab-{batch.code}"), ELN_TYPE)


class ProjectElnView(APIView):
    @extend_schema(responses={(200, ELN_TYPE): OpenApiTypes.BINARY}, summary="A project as .eln")
    def get(self, request: Request, code: str) -> HttpResponse:
        project = _project(request, code)
        data = export.export_project(project, _site(request))
        return _download(data, export.file_name(f"cqdlab-{project.code}"), ELN_TYPE)


def _import_into(request: Request, project: Project) -> Response:
    if not can_manage(request.user, project.id):
        raise exceptions.PermissionDenied(
            f"Importing into project '{project.code}' needs the manager role."
        )
    upload = request.FILES.get("file")
    if upload is None:
        return Response({"error": "Send the .eln file as 'file'."}, status=400)
    try:
        report = importer.import_eln(upload.read(), project, request.user)
    except importer.ImportRefused as exc:
        return Response({"error": exc.message}, status=exc.status)
    return Response(report.as_dict(), status=status.HTTP_201_CREATED)


def _import_schema(with_project: bool):
    properties = {"file": {"type": "string", "format": "binary"}}
    if with_project:
        properties["project"] = {"type": "string", "example": "ees-solar-2025"}
    return extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": properties,
                "required": ["file", "project"] if with_project else ["file"],
            }
        },
        responses={
            201: OpenApiResponse(OpenApiTypes.OBJECT, description="what was created"),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="refused: {error}"),
            409: OpenApiResponse(OpenApiTypes.OBJECT, description="the project is not empty"),
        },
        summary="Import an .eln written by cqdlab into an empty project (managers)",
    )


class ProjectElnImportView(APIView):
    parser_classes = [MultiPartParser, FormParser]
    throttle_scope = "uploads"

    @_import_schema(with_project=False)
    def post(self, request: Request, code: str) -> Response:
        return _import_into(request, _project(request, code))


class ElnImportView(APIView):
    """The contract's import door: multipart `file` and `project` (code or id)."""

    parser_classes = [MultiPartParser, FormParser]
    throttle_scope = "uploads"

    @_import_schema(with_project=True)
    def post(self, request: Request) -> Response:
        code = str(request.data.get("project", "")).strip()
        if not code:
            return Response({"error": "Name the target project as 'project' (code or id)."}, 400)
        return _import_into(request, _project(request, code))


class ProjectNomadView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["csv", "json"], default="json")],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/csv"): OpenApiTypes.STR,
        },
        summary="Device results in Perovskite Database / NOMAD field names",
    )
    def get(self, request: Request, code: str) -> HttpResponse:
        project = _project(request, code)
        rows = nomad.device_rows(Device.objects.filter(project=project))
        if request.query_params.get("format") == "csv":
            return _download(
                nomad.as_csv(rows).encode(), f"{project.code}-perovskite-database.csv", "text/csv"
            )
        body = {
            "project": project.code,
            "schema": "Perovskite Database / NOMAD perovskite_solar_cell_database",
            "fields": list(nomad.FIELDS),
            "devices": [{"flat": row, "nomad": nomad.nested(row)} for row in json_safe(rows)],
        }
        return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/json")

    def perform_content_negotiation(self, request, force=False):
        # ?format= chooses the table's format here, not one of DRF's renderers.
        return (JSONRenderer(), "application/json")
