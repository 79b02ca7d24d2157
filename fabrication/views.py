"""Browser pages of fabrication: the batch-sheet template download and its import form.

Views stay thin: reading is batch_sheets.reader, the write is batch_sheets.services.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods

from core.access import WRITE_ROLES, projects_for
from core.api import attachment_header

from .batch_sheets.problems import BatchSheetError, Problem, Where
from .batch_sheets.reader import read_workbook
from .batch_sheets.services import batch_import
from .batch_sheets.template import TEMPLATE_FILENAME, XLSX_CONTENT_TYPE, template_workbook

FORM_TEMPLATE = "fabrication/batch_sheet_import.html"


@login_required
@require_GET
def batch_sheet_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(template_workbook(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment_header(TEMPLATE_FILENAME)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def batch_sheet_import(request: HttpRequest) -> HttpResponse:
    projects = projects_for(request.user, WRITE_ROLES)
    context = {
        "projects": projects,
        "max_upload_mb": settings.MAX_UPLOAD_MB,
        "selected": request.POST.get("project", ""),
    }
    if request.method == "GET":
        if len(projects) == 1:
            context["selected"] = str(projects[0].pk)
        return render(request, FORM_TEMPLATE, context)
    project = projects.filter(pk=_int(request.POST.get("project"))).first()
    upload = request.FILES.get("file")
    problems = _form_problems(project, upload)
    if not problems:
        try:
            plan = read_workbook(upload.read())
            batch = batch_import(user=request.user, project=project, plan=plan)
            return redirect(_batch_url(batch.pk))
        except BatchSheetError as error:
            problems, context["more"] = error.problems, error.more
        except PermissionDenied as denied:
            problems = [Problem(Where(""), str(denied))]
    context["problems"] = problems
    context["filename"] = upload.name if upload else ""
    return render(request, FORM_TEMPLATE, context, status=400)


def _form_problems(project, upload) -> list[Problem]:
    problems = []
    if project is None:
        problems.append(Problem(Where(""), "Choose one of the projects you may add batches to."))
    if upload is None:
        problems.append(Problem(Where(""), "Choose an .xlsx file to upload."))
    elif upload.size > settings.MAX_UPLOAD_MB * 1024 * 1024:
        problems.append(Problem(Where(""), f"The file is larger than {settings.MAX_UPLOAD_MB} MB."))
    return problems


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _batch_url(pk: int) -> str:
    # The dashboard lives in analysis; its route name is "batch" where the site wires it.
    try:
        return reverse("batch", args=[pk])
    except NoReverseMatch:
        return f"/batches/{pk}/"
