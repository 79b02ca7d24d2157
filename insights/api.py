"""Insights in the API: ``/api/v1/insights/variance/`` and ``/api/v1/insights/importance/``.

Read-only, one project of the user's at a time (``?project=CODE&metric=pce_percent``). Views
read through the selectors and hand the table to the pure computations.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analysis.selectors.devices import KEEPING_STATUSES, METRICS
from core.access import project_ids_for
from core.models import Project

from .compute.importance import rank_parameters
from .compute.variance import attribute_variance
from .selectors import parameter_columns, parameter_table

PARAMETERS = [
    OpenApiParameter("project", OpenApiTypes.STR, required=True, description="project code"),
    OpenApiParameter("metric", OpenApiTypes.STR, enum=list(METRICS), default="pce_percent"),
]


def _project_and_metric(request: Request) -> tuple[Project, str]:
    code = request.query_params.get("project", "")
    if not code:
        raise ValidationError({"project": "required: the code of one of your projects"})
    project = Project.objects.filter(id__in=project_ids_for(request.user), code=code).first()
    if project is None:
        raise Http404("no such project among yours")
    metric = request.query_params.get("metric", "pce_percent")
    if metric not in METRICS:
        raise ValidationError({"metric": f"unknown metric; one of {', '.join(METRICS)}"})
    return project, metric


def _kept_devices(project: Project):
    """The parameter table without the devices a person excluded (shorted, excluded)."""
    table = parameter_table(project)
    return table[table["status"].isin(KEEPING_STATUSES)]


class VarianceView(APIView):
    """Shares of a metric's variance from synthesis lot, batch, substrate and the rest."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        project, metric = _project_and_metric(request)
        result = attribute_variance(_kept_devices(project), metric)
        return Response(
            {
                "n_devices": result.n_devices,
                "components": [
                    {"level": c.level, "share": c.share, "ci_low": c.ci_low, "ci_high": c.ci_high}
                    for c in result.components
                ],
                "outlying_lots": [
                    {"synthesis": lot.synthesis, "effect": lot.effect}
                    for lot in result.outlying_lots
                ],
                "model": result.model,
                "method": result.method,
            }
        )


class ImportanceView(APIView):
    """Which lineage parameters move a metric across batches, best first."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        project, metric = _project_and_metric(request)
        table = _kept_devices(project)
        result = rank_parameters(table, metric, "batch", parameter_columns(table))
        return Response(
            {
                "verdict": result.verdict,
                "parameters": [
                    {
                        "name": p.name,
                        "importance": p.importance,
                        "ci_low": p.ci_low,
                        "ci_high": p.ci_high,
                    }
                    for p in result.parameters
                ],
                "summary": result.summary,
                "model": result.model,
                "method": result.method,
            }
        )
