from celery import current_app
from django.http import FileResponse
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.access import WRITE_ROLES, can_write, project_ids_for
from core.api import ProjectScopedViewSet, attachment_header

from .. import bulk, hooks, lifecycle, services
from ..models import Measurement
from ..selectors import measurements_for
from .filters import MeasurementFilter
from .serializers import (
    BulkReportSerializer,
    BulkUploadSerializer,
    MeasurementSerializer,
    MeasurementUploadSerializer,
)


def upload_error_response(exc: services.UploadError) -> Response:
    body = {"error": exc.message, exc.field: [exc.message]}
    if exc.line is not None:
        body["line"] = exc.line
    return Response(body, status=exc.status)


def attachment_response(measurement: Measurement) -> FileResponse:
    """Raw files are only ever served as downloads, never rendered by the browser; the name
    as uploaded is offered for saving, encoded so it cannot bend the header."""
    response = FileResponse(
        measurement.raw_file.file.open("rb"), content_type="application/octet-stream"
    )
    response["Content-Disposition"] = attachment_header(measurement.original_filename or "raw")
    response["X-Content-Type-Options"] = "nosniff"
    return response


UPLOAD_DESCRIPTION = (
    "Upload one instrument file (multipart/form-data) for one device, film or synthesis, "
    "named by code or id. The file is read at once: a file that cannot be read answers 400 "
    "naming the problem and its line, and nothing is kept. A readable one is stored under its "
    "sha256 and analysed (201 with its status and, when analysed in-process, its results); the "
    "same bytes for the same target answer 200 with the existing measurement. Conditions "
    "(area, irradiance, temperature) override what the file says and are checked against "
    "their bounds."
)


@extend_schema_view(
    list=extend_schema(
        summary="List measurements",
        description="Measurements of your projects, newest first, each with its analysis "
        "results; filter by project, device, kind, status.",
    ),
    retrieve=extend_schema(
        summary="One measurement",
        description="A measurement by id or code: what reading the file found, its status and "
        "its results.",
    ),
)
@extend_schema(tags=["measurements"])
class MeasurementViewSet(ProjectScopedViewSet):
    throttle_scope = "uploads"
    queryset = Measurement.objects.all()
    serializer_class = MeasurementSerializer
    filterset_class = MeasurementFilter
    parser_classes = [MultiPartParser, FormParser]
    http_method_names = ["get", "post", "head", "options"]
    lookup_value_regex = r"[^/]+"
    ordering_fields = ["measured_at", "created_at", "kind", "status"]
    search_fields = ["code", "original_filename", "notes"]

    def get_queryset(self):
        return measurements_for(self.request.user)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        context = {**self.get_serializer_context(), "results": hooks.results_for(page)}
        serializer = MeasurementSerializer(page, many=True, context=context)
        return self.get_paginated_response(serializer.data)

    @extend_schema(
        summary="Upload a measurement file",
        description=UPLOAD_DESCRIPTION,
        request={"multipart/form-data": MeasurementUploadSerializer},
        responses={201: MeasurementSerializer, 200: MeasurementSerializer},
        examples=[
            OpenApiExample(
                "J-V of one pixel",
                value={
                    "device": "B27/S3/P2",
                    "kind": "jv",
                    "area_cm2": 0.049,
                    "irradiance_mw_cm2": 100,
                    "temperature_c": 25,
                },
                request_only=True,
                media_type="multipart/form-data",
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        upload = MeasurementUploadSerializer(data=request.data, context={"request": request})
        upload.is_valid(raise_exception=True)
        data = dict(upload.validated_data)
        target = data.pop("target")
        if not can_write(request.user, target.project_id):
            return Response(
                {"error": "You need the member or manager role to upload to this project."},
                status=status.HTTP_403_FORBIDDEN,
            )
        file = data.pop("file")
        try:
            result = services.upload(
                user=request.user,
                target=target,
                data=file.read(),
                filename=file.name or "upload",
                options=services.UploadOptions(**data),
            )
        except services.UploadError as exc:
            return upload_error_response(exc)
        measurement = result.measurements[0]
        if current_app.conf.task_always_eager:
            # Analysed in-process already (no broker): answer with its status and figures.
            measurement.refresh_from_db()
        body = MeasurementSerializer(measurement, context=self.get_serializer_context()).data
        if result.pixels:
            body["pixels"] = result.pixels
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(body, status=code)

    @extend_schema(
        summary="Upload a zip of files",
        description="A zip of instrument files, each mapped to its target by manifest.csv, by "
        "its folder (named by the target's code) or to the one target given. Every file is "
        "reported on its own line: created, duplicate or failed with the reason.",
        request={"multipart/form-data": BulkUploadSerializer},
        responses={200: BulkReportSerializer},
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request, **kwargs):
        """A zip of files: mapped by manifest.csv, by folder = target code, or to one target."""
        if not project_ids_for(request.user, WRITE_ROLES):
            return Response(
                {"error": "You need the member or manager role in a project to upload."},
                status=status.HTTP_403_FORBIDDEN,
            )
        # The default target: CodeOrIdField already answers 403 for one the user only reads.
        # Manifest and folder targets are looked up by bulk among the user's writable projects
        # alone, so a file naming another target fails on its own line.
        upload = BulkUploadSerializer(data=request.data, context={"request": request})
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        targets = [data.get(t) for t in ("device", "film", "synthesis") if data.get(t)]
        refused = [t for t in targets if not can_write(request.user, t.project_id)]
        if refused:
            return Response(
                {"error": f"You need the member or manager role to upload to {refused[0]}."},
                status=status.HTTP_403_FORBIDDEN,
            )
        manifest = data.get("manifest")
        try:
            try:
                manifest_text = manifest.read().decode("utf-8-sig") if manifest else None
            except UnicodeDecodeError as exc:
                message = f"{manifest.name} is not UTF-8 text: save it as CSV UTF-8."
                raise bulk.BulkError(message) from exc
            report = bulk.import_zip(
                user=request.user,
                data=data["file"].read(),
                default_target=targets[0] if targets else None,
                manifest_text=manifest_text,
            )
        except bulk.BulkError as exc:
            return Response({"error": str(exc), "file": [str(exc)]}, status=400)
        lines = [line.as_dict() for line in report]
        counts = {
            s: sum(line["status"] == s for line in lines)
            for s in ("created", "duplicate", "failed")
        }
        return Response({"counts": counts, "files": lines})

    @extend_schema(
        summary="Download the raw file",
        description="The file exactly as uploaded, as a download (application/octet-stream).",
        responses={(200, "application/octet-stream"): bytes},
    )
    @action(detail=True, methods=["get"])
    def raw(self, request, pk=None, **kwargs):
        return attachment_response(self.get_object())

    @extend_schema(
        summary="Analyse again",
        description="Queue the measurement for analysis with the current analysis version "
        "(member or manager role); answers 202 with its new status.",
        request=None,
        responses={202: MeasurementSerializer},
    )
    @action(detail=True, methods=["post"])
    def reanalyse(self, request, pk=None, **kwargs):
        # get_object() checks IsProjectWriter: a viewer gets 403 here, an outsider 404.
        measurement = self.get_object()
        lifecycle.requeue(measurement)
        measurement.refresh_from_db()
        return Response(
            MeasurementSerializer(measurement, context=self.get_serializer_context()).data,
            status=status.HTTP_202_ACCEPTED,
        )
