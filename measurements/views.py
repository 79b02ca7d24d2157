"""Browser side of measurements: the upload page, live status, raw downloads."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from core.access import WRITE_ROLES, project_ids_for, scoped
from core.api import is_id
from fabrication.models import Device, Film, Synthesis

from . import kinds
from .api.views import attachment_response
from .models import Measurement
from .selectors import measurements_for


@login_required
def upload_page(request: HttpRequest) -> HttpResponse:
    writable = project_ids_for(request.user, WRITE_ROLES)
    return render(
        request,
        "measurements/upload.html",
        {
            "devices": Device.objects.filter(project_id__in=writable).values_list(
                "code", flat=True
            ),
            "films": Film.objects.filter(project_id__in=writable).values_list("code", flat=True),
            "syntheses": Synthesis.objects.filter(project_id__in=writable).values_list(
                "code", flat=True
            ),
            "kinds": kinds.choices(),
            "initial": {k: request.GET.get(k, "") for k in ("device", "film", "synthesis")},
        },
    )


@login_required
def status_json(request: HttpRequest) -> JsonResponse:
    """Live status of the listed measurements (the pages poll this; no Celery store needed)."""
    ids = [int(i) for i in request.GET.get("ids", "").split(",") if is_id(i.strip())][:500]
    rows = (
        measurements_for(request.user)
        .filter(id__in=ids)
        .values("id", "code", "kind", "status", "error", "format")
    )
    return JsonResponse({"measurements": list(rows)})


@login_required
def raw_download(request: HttpRequest, pk: int) -> HttpResponse:
    measurement = (
        scoped(Measurement.objects.select_related("raw_file"), request.user).filter(pk=pk).first()
    )
    if measurement is None:
        return HttpResponse("Not found.", status=404, content_type="text/plain")
    return attachment_response(measurement)
