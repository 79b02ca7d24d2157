"""Devices across batches, grouped by variant, recipe, ligand family, synthesis or batch."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.api import is_id

from .. import dashboards
from ..selectors.devices import GROUPINGS, compared_device_rows, group_rows
from ..selectors.pages import batches_for
from ._common import direction, export_or_none


@login_required
def page(request: HttpRequest) -> HttpResponse:
    by = request.GET.get("by", "ligand_family")
    by = by if by in GROUPINGS else "ligand_family"
    batch_ids = [int(b) for b in request.GET.getlist("batch") if is_id(b)]
    groups = group_rows(compared_device_rows(request.user, batch_ids, direction(request)), by)
    all_groups = sorted(groups)
    chosen = request.GET.getlist("group")
    if chosen:
        # Names left over from another grouping match nothing: then show every group.
        groups = groups.only(chosen)
    export = export_or_none(request, f"comparison-by-{by}", groups)
    if export:
        return export
    # Tests on substrate means unless ?per= asks for another unit (compute.stats.UNITS).
    context = dashboards.statistics_context(groups, request.GET.get("per", ""))
    context["direction"] = direction(request)
    return render(
        request,
        "analysis/compare.html",
        {
            "by": by,
            "groupings": list(GROUPINGS),
            "batches": batches_for(request.user),
            "batch_ids": batch_ids,
            "chosen": chosen,
            "all_groups": all_groups,
            **context,
        },
    )
