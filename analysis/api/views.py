"""Analysis results in the API: ``/api/v1/results/``, read-only, the user's projects only.

The measurement detail embeds the same summaries through ``measurements.hooks``; this resource
serves them per measurement for scripts that want results without the rest of the row.
"""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.response import Response

from core.access import scoped
from core.api import is_id, object_or_404, resolve_code_or_id
from fabrication.models import Device
from measurements.models import Measurement, Status

from ..kinds import KINDS
from ..selectors.losses import LOSS_DEVICE_RELATED, device_loss_figures
from ..selectors.results import results_for


class ResultSerializer(serializers.Serializer):
    measurement = serializers.IntegerField(source="id")
    code = serializers.CharField()
    kind = serializers.CharField()
    analysis_version = serializers.CharField()
    results = serializers.DictField(help_text="figures named with their units, as in contract.md")


class ResultViewSet(viewsets.GenericViewSet):
    """Results of succeeded measurements; filter by `measurement`, `device` (id or code), `kind`."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ResultSerializer

    def get_queryset(self):
        qs = scoped(Measurement.objects.filter(status=Status.SUCCEEDED), self.request.user)
        params = self.request.query_params
        if params.get("measurement"):
            try:
                qs = qs.filter(id=resolve_code_or_id(qs, params["measurement"]).id)
            except serializers.ValidationError:
                qs = qs.none()
        if params.get("device"):
            device = params["device"]
            if len(device) > 200 or any(ord(ch) < 32 for ch in device):
                return qs.none()  # no code holds these, and PostgreSQL refuses NUL
            by_id = Q(device_id=int(device)) if is_id(device) else Q(pk__in=[])
            qs = qs.filter(Q(device__code=device) | by_id)
        if params.get("kind"):
            qs = qs.filter(kind=params["kind"])
        return qs.filter(kind__in=list(KINDS)).order_by("-measured_at", "-id")

    @extend_schema(
        parameters=[
            OpenApiParameter("measurement", OpenApiTypes.STR, description="id or code"),
            OpenApiParameter("device", OpenApiTypes.STR, description="id or code"),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=list(KINDS)),
        ]
    )
    def list(self, request, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        results = results_for(page)
        rows = [
            {
                "id": m.id,
                "code": m.code,
                "kind": m.kind,
                "analysis_version": m.analysis_version,
                "results": results.get(m.id) or {},
            }
            for m in page
        ]
        return self.get_paginated_response(ResultSerializer(rows, many=True).data)

    def retrieve(self, request, pk=None, **kwargs) -> Response:
        measurement = object_or_404(self.get_queryset(), pk)
        row = {
            "id": measurement.id,
            "code": measurement.code,
            "kind": measurement.kind,
            "analysis_version": measurement.analysis_version,
            "results": results_for([measurement]).get(measurement.id) or {},
        }
        return Response(ResultSerializer(row).data)


class DeviceLossesView(viewsets.GenericViewSet):
    """`/api/v1/devices/{id or code}/losses/`: the device's detailed-balance limits at its gap
    and its Voc, FF and Jsc losses against them; a figure whose input is missing is null with a
    `<key>_reason`, each figure lists the measurement codes it came from (`sources`)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def retrieve(self, request, code=None, **kwargs) -> Response:
        devices = scoped(Device.objects.select_related(*LOSS_DEVICE_RELATED), request.user)
        # Never echo the typed code: it may be another project's device.
        device = object_or_404(devices, code, "No such device in your projects.")
        return Response(device_loss_figures(device))
