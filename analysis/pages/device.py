"""One device: lineage, figures of its measurements, results, files; its status (POST)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.access import can_write
from fabrication import services as fabrication_services
from fabrication.models import Device

from ..kinds import page_figures, summary_items
from ..selectors.devices import device_exclusion
from ..selectors.pages import DEVICE_LINEAGE, device_lineage, device_measurements
from ..selectors.results import result_rows_by_kind, results_for
from ._common import scoped_or_404


@login_required
def page(request: HttpRequest, pk: int) -> HttpResponse:
    device = scoped_or_404(Device, request.user, pk, DEVICE_LINEAGE)
    measurements = device_measurements(device)
    results = result_rows_by_kind(measurements)
    summaries = results_for(measurements, results)
    table = [
        {
            "kind": m.kind,
            "measurement": m,
            "figures": summaries[m.id],
            "summary": summary_items(m.kind, summaries[m.id]),
        }
        for m in sorted(measurements, key=lambda m: m.measured_at or m.created_at)
        if summaries[m.id] is not None
    ]
    return render(
        request,
        "analysis/device.html",
        {
            "device": device,
            "measurements": measurements,
            "figs": page_figures("device", results),
            "table": table,
            "lineage": device_lineage(device),
            "exclusion": device_exclusion(device),
            "can_write": can_write(request.user, device.project_id),
            "statuses": Device.Status.choices,
        },
    )


@login_required
@require_POST
def status(request: HttpRequest, pk: int) -> HttpResponse:
    device = scoped_or_404(Device, request.user, pk)
    if not can_write(request.user, device.project_id):
        return HttpResponse("Your role in this project is read-only.", status=403)
    try:
        fabrication_services.device_set_status(
            device,
            status=request.POST.get("status", ""),
            reason=request.POST.get("reason", ""),
            user=request.user,
        )
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect("device", pk=device.pk)
