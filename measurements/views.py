"""Browser side of measurements: the upload page, live status, raw downloads."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from core.access import WRITE_ROLES, can_write, project_ids_for, projects_for, scoped
from core.api import is_id
from fabrication.models import Device, Film, Synthesis

from . import kinds
from .api.views import attachment_response
from .models import InstrumentProfile, Measurement
from .parsers import profile as profile_reader
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
            # An upload may name the profile that must read it (else a matching one does).
            "profiles": InstrumentProfile.objects.filter(project_id__in=writable)
            .select_related("project")
            .order_by("code"),
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


def _teach_options() -> dict:
    """The closed lists the teach page offers (quantities, units, kinds, header fields)."""
    return {
        "units": {q: list(u) for q, u in profile_reader.UNITS.items()},
        "kind_columns": {k: list(c) for k, c in profile_reader.KIND_COLUMNS.items()},
        "header_fields": list(profile_reader.HEADER_FIELDS),
        "header_units": {k: list(u) for k, u in profile_reader.FIELD_UNITS.items()},
        "delimiters": list(profile_reader.DELIMITERS),
    }


@login_required
def profile_list(request: HttpRequest) -> HttpResponse:
    """The instrument profiles of the user's projects."""
    profiles = scoped(InstrumentProfile.objects.select_related("project"), request.user)
    return render(
        request,
        "measurements/profiles.html",
        {
            "profiles": profiles.order_by("project__code", "code"),
            "can_teach": bool(project_ids_for(request.user, WRITE_ROLES)),
        },
    )


@login_required
def profile_teach(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Teach cqdlab a format (new profile), or see and edit one (pk): the page reads a sample
    file in the browser and asks the API for the preview; saving goes through the API."""
    profile = None
    if pk is not None:
        profile = (
            scoped(InstrumentProfile.objects.select_related("project"), request.user)
            .filter(pk=pk)
            .first()
        )
        if profile is None:
            return HttpResponse("Not found.", status=404, content_type="text/plain")
    writable = projects_for(request.user, WRITE_ROLES)
    older = 0
    if profile is not None:
        older = Measurement.objects.filter(
            profile_version__profile=profile, profile_version__version__lt=profile.version
        ).count()
    context = {
        "profile": profile,
        "projects": writable,
        "can_write": profile is None or can_write(request.user, profile.project_id),
        "options": {
            **_teach_options(),
            "profile": None
            if profile is None
            else {
                "id": profile.pk,
                "code": profile.code,
                "project": profile.project.code,
                "version": profile.version,
                "definition": profile.definition,
                "read_by_older": older,
            },
        },
        "kinds": [k for k in kinds.choices() if k[0] in profile_reader.KIND_COLUMNS],
    }
    return render(request, "measurements/teach.html", context)
