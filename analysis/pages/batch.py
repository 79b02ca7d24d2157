"""One batch: its variants' statistics, distributions and tests, and its downloads."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fabrication.models import Batch

from .. import dashboards
from ..selectors.devices import batch_device_rows, group_rows
from ._common import direction, export_or_none, scoped_or_404


@login_required
def page(request: HttpRequest, pk: int) -> HttpResponse:
    batch = scoped_or_404(Batch, request.user, pk)
    groups = group_rows(batch_device_rows(batch, direction(request)), "variant")
    export = export_or_none(request, batch.code.replace("/", "_"), groups)
    if export:
        return export
    # Tests on substrate means unless ?per= asks for another unit (compute.stats.UNITS).
    context = dashboards.statistics_context(groups, request.GET.get("per", ""))
    context["direction"] = direction(request)
    return render(request, "analysis/batch.html", {"batch": batch, **context})
