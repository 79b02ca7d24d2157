"""Insights in the API, under ``/api/v1/insights/``.

Read-only questions, one project of the user's at a time (``?project=CODE&metric=pce_percent``):
``variance/``, ``importance/``, ``parameters/`` (the parameter table with units),
``partial-dependence/`` (``&parameters=a,b``; default: the parameters that stand out) and
``planned/`` (planned versus actual with the calibration). Suggestions: ``suggestions/`` (GET:
the project's rounds; POST: compute one, members and managers), ``suggestions/{id}/``,
``suggestions/{id}/sheet/`` (the batch sheet filled in) and ``suggestions/{id}/confirm/`` (POST:
the planned batch). Views read through the selectors and services; numbers come from the pure
modules in ``insights.compute``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import PermissionDenied as Forbidden
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analysis.exports import _cell
from analysis.selectors.devices import METRICS
from core.access import project_ids_for, scoped
from core.api import attachment_header, object_or_404
from core.models import Project
from fabrication.batch_sheets.problems import BatchSheetError
from fabrication.batch_sheets.template import XLSX_CONTENT_TYPE

from . import reports, services
from .models import SuggestionRound

PARAMETERS = [
    OpenApiParameter(
        "project",
        OpenApiTypes.STR,
        required=True,
        description="project code",
        examples=[OpenApiExample("a project", value="cqd-pbs")],
    ),
    OpenApiParameter("metric", OpenApiTypes.STR, enum=list(METRICS), default="pce_percent"),
]
PROJECT = [PARAMETERS[0]]


def _project(request: Request, code: str | None = None) -> Project:
    code = code if code is not None else request.query_params.get("project", "")
    if not code:
        raise ValidationError({"project": "required: the code of one of your projects"})
    project = Project.objects.filter(id__in=project_ids_for(request.user), code=code).first()
    if project is None:
        raise Http404("no such project among yours")
    return project


def _metric(value: str | None) -> str:
    metric = value or "pce_percent"
    if metric not in METRICS:
        raise ValidationError({"metric": f"unknown metric; one of {', '.join(METRICS)}"})
    return metric


def _project_and_metric(request: Request) -> tuple[Project, str]:
    return _project(request), _metric(request.query_params.get("metric"))


@extend_schema(tags=["insights"])
class VarianceView(APIView):
    """Shares of a metric's variance from synthesis lot, batch, substrate and the rest, in
    numbers and in words."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Variance shares of lot, batch and substrate",
        parameters=PARAMETERS,
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        project, metric = _project_and_metric(request)
        return Response(reports.variance_report(services.kept_devices(project), metric))


@extend_schema(tags=["insights"])
class ImportanceView(APIView):
    """Which lineage parameters move a metric across batches, best first."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Which parameters move a metric",
        parameters=PARAMETERS,
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        project, metric = _project_and_metric(request)
        return Response(reports.importance_report(services.kept_devices(project), metric))


@extend_schema(tags=["insights"])
class ParametersView(APIView):
    """The parameter table: one row per device, lineage and first-scan J-V figures, units."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=PROJECT, responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        table = services.parameter_table(_project(request))
        return Response(
            {
                "n_devices": len(table),
                "columns": list(table.columns),
                "units": reports.parameter_units(table),
                "rows": [[_cell(v) for v in row] for row in table.astype(object).values.tolist()],
            }
        )


@extend_schema(tags=["insights"])
class PartialDependenceView(APIView):
    """Partial dependence of a metric on the named parameters (default: those that stand
    out in the importance ranking)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[
            *PARAMETERS,
            OpenApiParameter("parameters", OpenApiTypes.STR, description="comma-separated"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        project, metric = _project_and_metric(request)
        table = services.kept_devices(project)
        named = [p for p in request.query_params.get("parameters", "").split(",") if p]
        unknown = [p for p in named if p not in table.columns]
        if unknown:
            raise ValidationError({"parameters": f"not parameters: {', '.join(unknown)}"})
        if not named:
            named = reports.top_parameters(reports.importance_report(table, metric))
        return Response(reports.partial_dependence_report(table, metric, named))


@extend_schema(tags=["insights"])
class PlannedView(APIView):
    """Planned batches' variants: predicted against measured, and the model's calibration."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=PROJECT, responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        rows, summary = services.planned_vs_actual(_project(request))
        return Response({"variants": rows, "calibration": summary})


def _body(request: Request):
    """The request's fields; a JSON list or scalar is refused in words, not met with a 500."""
    data = request.data
    if not hasattr(data, "get"):
        raise ValidationError({"detail": 'the body must be an object of fields, e.g. {"n": 4}'})
    return data


def _refused(exc: Exception) -> ValidationError:
    return ValidationError({"detail": str(exc)})


@extend_schema(tags=["insights"])
class SuggestionsView(APIView):
    """GET: the project's suggestion rounds, newest first. POST: compute a round from
    {project, metric, objective (mean, t80, spread), n, continuous, categorical, fixed}."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=PROJECT, responses=OpenApiTypes.OBJECT, operation_id="insights_suggestions_list"
    )
    def get(self, request: Request) -> Response:
        project = _project(request)
        rounds = SuggestionRound.objects.filter(project=project).select_related(
            "project", "created_by", "batch"
        )
        rounds = rounds.prefetch_related("proposals__variant")
        return Response({"results": [reports.round_json(r) for r in rounds]})

    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request) -> Response:
        data = _body(request)
        project = _project(request, str(data.get("project", "")))
        try:
            n = int(data.get("n", 4))
            seed = int(data.get("seed", 0))
        except (TypeError, ValueError) as exc:
            raise ValidationError({"n": "a whole number"}) from exc
        try:
            round_ = services.compute_round(
                user=request.user,
                project=project,
                metric=_metric(data.get("metric")),
                objective=str(data.get("objective", "mean")),
                spec={k: data.get(k) for k in ("continuous", "categorical", "fixed") if k in data},
                n=n,
                seed=seed,
            )
        except services.SuggestionRefused as exc:
            raise _refused(exc) from exc
        except PermissionDenied as exc:
            raise _forbidden(exc) from exc
        return Response(reports.round_json(round_), status=status.HTTP_201_CREATED)


def _forbidden(exc: Exception) -> Forbidden:
    return Forbidden(str(exc))


def _round(request: Request, pk: int) -> SuggestionRound:
    rounds = scoped(SuggestionRound.objects.select_related("project", "batch"), request.user)
    return object_or_404(rounds, pk)


def _plan_options(data) -> dict:
    try:
        return {
            "substrates_per_variant": int(data.get("substrates", services.DEFAULT_SUBSTRATES)),
            "pixels": int(data.get("pixels", services.DEFAULT_PIXELS)),
        }
    except (TypeError, ValueError) as exc:
        raise ValidationError({"substrates": "whole numbers of substrates and pixels"}) from exc


@extend_schema(tags=["insights"])
class SuggestionDetailView(APIView):
    """One suggestion round with its proposals and, once confirmed, their variants."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, pk: int) -> Response:
        return Response(reports.round_json(_round(request, pk)))


@extend_schema(tags=["insights"])
class SuggestionSheetView(APIView):
    """The round as a batch sheet (the cqdlab template, filled in): ?batch=CODE&substrates=2
    &pixels=4. Import it as any sheet, or confirm the round to create the planned batch."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> HttpResponse:
        round_ = _round(request, pk)
        code = request.query_params.get("batch") or f"{round_.code}-batch"
        try:
            plan = services.batch_plan(round_, code, **_plan_options(request.query_params))
        except services.SuggestionRefused as exc:
            raise _refused(exc) from exc
        response = HttpResponse(services.plan_sheet(plan), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = attachment_header(f"{code}.xlsx")
        response["X-Content-Type-Options"] = "nosniff"
        return response


@extend_schema(tags=["insights"])
class SuggestionConfirmView(APIView):
    """POST {batch, substrates, pixels}: the planned batch (state "planned"), its variants
    linked to the proposals they came from."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request, pk: int) -> Response:
        round_ = _round(request, pk)
        data = _body(request)
        code = str(data.get("batch") or f"{round_.code}-batch")
        try:
            plan = services.batch_plan(round_, code, **_plan_options(data))
            batch = services.confirm_round(user=request.user, round_=round_, plan=plan)
        except services.SuggestionRefused as exc:
            raise _refused(exc) from exc
        except BatchSheetError as exc:
            raise ValidationError({"detail": exc.messages}) from exc
        except PermissionDenied as exc:
            raise _forbidden(exc) from exc
        return Response(
            {"batch": batch.code, "id": batch.pk, "state": batch.state},
            status=status.HTTP_201_CREATED,
        )
