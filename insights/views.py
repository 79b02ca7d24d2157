"""The Insights page of one project: parameter table, variance attribution, importance and
partial dependence, next-batch suggestions, planned batches and planned versus actual.

Every table downloads (``?export=csv|xlsx|json&table=...``). Forms POST to this page: compute
a round and confirm one as a planned batch (checked by the services: members and managers
only), or download a round's batch sheet (a read: any member of the project).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pandas as pd
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from analysis.dashboards import METRIC_LABELS
from analysis.exports import FORMATS, table_response
from core.access import can_write, projects_for
from core.api import attachment_header
from core.models import Project
from fabrication.batch_sheets.problems import BatchSheetError
from fabrication.batch_sheets.template import XLSX_CONTENT_TYPE

from . import figures, reports, services
from .compute.suggest import MAX_SUGGESTIONS, OBJECTIVES
from .models import SuggestionRound
from .selectors import UNIT_SUFFIXES, parameter_columns, unit_of

ROUNDS_SHOWN = 10
TABLES = ("parameters", "variance", "importance", "partial", "suggestions", "planned")


def _project(request: HttpRequest, projects: list[Project]) -> Project | None:
    code = request.POST.get("project") or request.GET.get("project")
    if not code:
        return projects[0] if projects else None
    for project in projects:
        if project.code == code:
            return project
    raise Http404("no such project among yours")


@login_required
def page(request: HttpRequest) -> HttpResponse:
    projects = list(projects_for(request.user).order_by("code"))
    project = _project(request, projects)
    metric = request.GET.get("metric", "pce_percent")
    metric = metric if metric in METRIC_LABELS else "pce_percent"
    if project is None:
        return render(request, "insights/page.html", {"projects": projects, "project": None})
    error = ""
    if request.method == "POST":
        try:
            return _post(request, project, metric)
        except (services.SuggestionRefused, BatchSheetError, PermissionDenied) as exc:
            error = str(exc)
    fmt = request.GET.get("export")
    if fmt in FORMATS and request.GET.get("table") in TABLES:
        return _export(project, metric, request.GET["table"], fmt)
    context = _context(request, project, projects, metric)
    context["error"] = error
    return render(request, "insights/page.html", context, status=400 if error else 200)


def _here(project: Project, metric: str, **extra: str) -> str:
    query = urlencode({"project": project.code, "metric": metric, **extra})
    return f"{reverse('insights')}?{query}"


def _post(request: HttpRequest, project: Project, metric: str) -> HttpResponse:
    action = request.POST.get("action")
    if action == "suggest":
        table = services.kept_devices(project)
        spec = _spec_from_form(request.POST, table)
        try:
            n = int(request.POST.get("n", "4"))
        except ValueError as exc:
            raise services.SuggestionRefused("the number of variants is a whole number") from exc
        round_ = services.compute_round(
            user=request.user,
            project=project,
            metric=metric,
            objective=request.POST.get("objective", "mean"),
            spec=spec,
            n=n,
        )
        return redirect(_here(project, metric) + f"#round-{round_.code}")
    if action in ("confirm", "sheet"):
        round_ = SuggestionRound.objects.filter(
            project=project, pk=request.POST.get("round", "0") or 0
        ).first()
        if round_ is None:
            raise services.SuggestionRefused("no such suggestion round in this project")
        try:
            substrates = int(request.POST.get("substrates", services.DEFAULT_SUBSTRATES))
            pixels = int(request.POST.get("pixels", services.DEFAULT_PIXELS))
        except ValueError as exc:
            raise services.SuggestionRefused("substrates and pixels are whole numbers") from exc
        code = request.POST.get("batch", "").strip() or f"{round_.code}-batch"
        plan = services.batch_plan(round_, code, substrates, pixels)
        if action == "sheet":  # a download, no write: readers may take it
            response = HttpResponse(services.plan_sheet(plan), content_type=XLSX_CONTENT_TYPE)
            response["Content-Disposition"] = attachment_header(f"{code}.xlsx")
            response["X-Content-Type-Options"] = "nosniff"
            return response
        batch = services.confirm_round(user=request.user, round_=round_, plan=plan)
        return redirect(_here(project, metric, planned=batch.code) + "#planned")
    raise services.SuggestionRefused("unknown action")


def _spec_from_form(data, table: pd.DataFrame) -> dict[str, Any]:
    """The suggestion form's rows: per parameter, vary (a range or a set of choices), fix (one
    value) or leave out."""
    spec: dict[str, Any] = {"continuous": [], "categorical": [], "fixed": {}}
    for choice in services.parameter_choices(table):
        name = choice["name"]
        mode = data.get(f"mode__{name}", "")
        if mode == "vary" and choice["kind"] == "continuous":
            spec["continuous"].append(
                {
                    "name": name,
                    "low": data.get(f"low__{name}", choice["low"]),
                    "high": data.get(f"high__{name}", choice["high"]),
                    "integer": choice["integer"],
                }
            )
        elif mode == "vary":
            picked = data.getlist(f"choice__{name}") or choice["choices"]
            spec["categorical"].append({"name": name, "choices": picked})
        elif mode == "fix":
            value = data.get(f"fixed__{name}", "")
            if choice["kind"] == "continuous":
                try:
                    spec["fixed"][name] = float(value)
                except ValueError as exc:
                    raise services.SuggestionRefused(f"{name}: fixed value not a number") from exc
            else:
                spec["fixed"][name] = value
    return spec


def _rounds(project: Project) -> list[SuggestionRound]:
    rounds = SuggestionRound.objects.filter(project=project).select_related(
        "project", "created_by", "batch"
    )
    return list(rounds.prefetch_related("proposals__variant")[:ROUNDS_SHOWN])


def _context(
    request: HttpRequest, project: Project, projects: list[Project], metric: str
) -> dict[str, Any]:
    table = services.kept_devices(project)
    results = services.analyses(project, metric, table)
    importance = results["importance"]
    top = set(reports.top_parameters(importance))
    choices = services.parameter_choices(table)
    for choice in choices:
        choice["unit"] = unit_of(choice["name"])
        choice["mode"] = "vary" if choice["name"] in top else ""
    planned_rows, calibration = services.planned_vs_actual(project, table)
    label = METRIC_LABELS[metric]
    rounds = _rounds(project)
    return {
        "projects": projects,
        "project": project,
        "metric": metric,
        "metrics": METRIC_LABELS,
        "label": label,
        "n_devices": len(table),
        "n_parameters": len(parameter_columns(table)),
        "variance": results["variance"],
        "importance": importance,
        "partial": results["partial"],
        "variance_fig": figures.variance_figure(results["variance"]),
        "importance_fig": figures.importance_figure(importance),
        "partial_fig": figures.partial_dependence_figure(results["partial"]),
        "planned_fig": figures.planned_figure(planned_rows, label),
        "planned_rows": planned_rows,
        "calibration": calibration,
        "choices": choices,
        "objectives": {k: v[0] for k, v in OBJECTIVES.items()},
        "max_suggestions": MAX_SUGGESTIONS,
        "rounds": [_round_view(r) for r in rounds],
        "can_write": can_write(request.user, project.pk),
        "minimums": reports.MINIMUMS,
        "planned_code": request.GET.get("planned", ""),
    }


def _round_view(round_: SuggestionRound) -> dict[str, Any]:
    proposals = list(round_.proposals.all())
    names = list(proposals[0].values) if proposals else []
    return {
        "round": round_,
        "names": [(n, unit_of(n)) for n in names],
        "proposals": [
            {
                "p": p,
                "values": [_shown(p.values.get(n)) for n in names],
            }
            for p in proposals
        ],
        "space": json.dumps(round_.space, ensure_ascii=False),
    }


def _shown(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _header(column: str) -> str:
    """A column's download header with its unit: the metrics as every table names them, the
    other columns as their name without the unit suffix, then the unit in brackets."""
    unit = unit_of(column)
    if column in METRIC_LABELS or not unit:
        return column
    stem = column  # a unit comes from a suffix, so the loop finds it
    for suffix, _ in UNIT_SUFFIXES:
        if column.endswith(suffix):
            stem = column[: -len(suffix)]
            break
    return f"{stem} ({unit})"


def _export(project: Project, metric: str, name: str, fmt: str) -> HttpResponse:
    stem = f"insights-{project.code}-{name}"
    if name == "parameters":
        table = services.parameter_table(project)
        columns = [_header(c) for c in table.columns]
        rows = table.astype(object).where(table.notna(), None).values.tolist()
        return table_response(stem, columns, rows, fmt)
    if name == "suggestions":
        columns = ["round", "created_at", "created_by", "objective", "metric", "index"]
        columns += ["values", "predicted_mean", "predicted_sd", "expected_improvement", "variant"]
        rows = []
        for round_ in (
            SuggestionRound.objects.filter(project=project)
            .select_related("created_by")
            .prefetch_related("proposals__variant")
        ):
            for p in round_.proposals.all():
                rows.append(
                    [
                        round_.code,
                        round_.created_at.isoformat(),
                        round_.created_by.username if round_.created_by else "",
                        round_.objective,
                        round_.metric,
                        p.index,
                        json.dumps(p.values, ensure_ascii=False),
                        p.predicted_mean,
                        p.predicted_sd,
                        p.expected_improvement,
                        p.variant.code if p.variant else "",
                    ]
                )
        return table_response(stem, columns, rows, fmt)
    if name == "planned":
        rows, _ = services.planned_vs_actual(project)
        columns = list(services.PLANNED_COLUMNS)
        return table_response(stem, columns, [[r[c] for c in columns] for r in rows], fmt)
    table = services.kept_devices(project)
    results = services.analyses(project, metric, table)
    stem = f"insights-{project.code}-{metric}-{name}"
    if name == "variance":
        v = results["variance"]
        columns = ["kind", "name", "share", "ci_low", "ci_high", "effect", "se", "n_devices"]
        rows = [
            ["component", c["level"], c["share"], c["ci_low"], c["ci_high"], None, None,
             v["n_devices"]]
            for c in v["components"]
        ]  # fmt: skip
        rows += [
            ["outlying lot", lot["synthesis"], None, None, None, lot["effect"], lot["se"],
             v["n_devices"]]
            for lot in v["outlying_lots"]
        ]  # fmt: skip
        return table_response(stem, columns, rows, fmt)
    if name == "importance":
        columns = ["name", "unit", "importance", "ci_low", "ci_high", "stands_out"]
        rows = [[p[c] for c in columns] for p in results["importance"]["parameters"]]
        return table_response(stem, columns, rows, fmt)
    columns = ["parameter", "unit", "x", "predicted_mean", "ice_p10", "ice_p90"]
    rows = []
    for curve in results["partial"]["curves"]:
        points = zip(curve["x"], curve["mean"], curve["low"], curve["high"], strict=True)
        rows += [[curve["parameter"], curve["unit"], *point] for point in points]
    return table_response(stem, columns, rows, fmt)
