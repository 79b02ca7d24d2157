"""Analysis results in the API: ``/api/v1/results/``, read-only, the user's projects only.

The measurement detail embeds the same summaries through ``measurements.hooks``; this resource
serves them per measurement for scripts that want results without the rest of the row.
"""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import permissions, serializers, viewsets
from rest_framework.response import Response

from core.access import scoped
from core.api import is_id, object_or_404, resolve_code_or_id
from fabrication.models import Device, Variant
from measurements.models import Measurement, Status

from ..kinds import KINDS
from ..selectors.losses import (
    LOSS_DEVICE_RELATED,
    device_loss_figures,
    loss_rows,
    variant_summaries,
)
from ..selectors.results import results_for


class ResultSerializer(serializers.Serializer):
    measurement = serializers.IntegerField(source="id")
    code = serializers.CharField()
    kind = serializers.CharField()
    analysis_version = serializers.CharField()
    results = serializers.DictField(help_text="figures named with their units, as in contract.md")


@extend_schema_view(
    list=extend_schema(
        summary="List analysis results",
        description="Results of the succeeded measurements of your projects, newest first; "
        "filter by measurement, device (id or code) and kind.",
    ),
    retrieve=extend_schema(
        summary="One measurement's results",
        description="The figures of one succeeded measurement (by id), named with their units.",
    ),
)
@extend_schema(tags=["analysis"])
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
            OpenApiParameter(
                "device",
                OpenApiTypes.STR,
                description="id or code",
                examples=[OpenApiExample("a device", value="B27/S3/P2")],
            ),
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


@extend_schema(tags=["analysis"])
class DeviceLossesView(viewsets.GenericViewSet):
    """`/api/v1/devices/{id or code}/losses/`: the device's detailed-balance limits at its gap
    and its Voc, FF and Jsc losses against them; a figure whose input is missing is null with a
    `<key>_reason`, each figure lists the measurement codes it came from (`sources`)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="A device's losses against the Shockley-Queisser limit",
        parameters=[
            OpenApiParameter(
                "code",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="id or code",
                examples=[OpenApiExample("a device", value="B27/S3/P2")],
            )
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def retrieve(self, request, code=None, **kwargs) -> Response:
        devices = scoped(Device.objects.select_related(*LOSS_DEVICE_RELATED), request.user)
        # Never echo the typed code: it may be another project's device.
        device = object_or_404(devices, code, "No such device in your projects.")
        return Response(device_loss_figures(device))


# Per-device figures the variant answer lists beside its medians.
VARIANT_DEVICE_KEYS = (
    "bandgap_ev",
    "bandgap_source",
    "voc_deficit_v",
    "voc_rad_v",
    "delta_voc_nonrad_v",
    "ff_ideal",
    "jsc_loss_ma_cm2",
    "mismatch_factor",
)


class VariantLossesView(viewsets.GenericViewSet):
    """`/api/v1/variants/{id or code}/losses/`: each loss figure of the variant's devices as
    median, quartiles (`q1`, `q3`) and `n` (devices that have it), and every device's main
    figures with its bandgap source; computed as for `/api/v1/devices/{code}/losses/`."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def retrieve(self, request, code=None, **kwargs) -> Response:
        variants = scoped(Variant.objects.select_related("batch"), request.user)
        variant = object_or_404(variants, code, "No such variant in your projects.")
        rows = loss_rows(Device.objects.filter(substrate__variant=variant))
        summary = (variant_summaries(rows) or [None])[0]
        body = {
            "variant": variant.code,
            "name": variant.name,
            "batch": variant.batch.code,
            "n_devices": summary["n_devices"] if summary else 0,
            "n_excluded": summary["n_excluded"] if summary else 0,
            "statistic": "median with quartiles (q1, q3) and n over the kept devices with the "
            "figure (shorted or excluded devices are left out: see each device's `excluded`)",
            "figures": summary["figures"] if summary else {},
            "bandgap_sources": summary["bandgap_sources"] if summary else [],
            "devices": [
                {
                    "device": r["device"],
                    "excluded": r["excluded"],
                    **{k: r.get(k) for k in VARIANT_DEVICE_KEYS},
                    "measured": r["measured"],
                }
                for r in rows
            ],
        }
        return Response(body)
