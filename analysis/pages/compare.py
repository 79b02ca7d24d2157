"""Devices across batches, grouped by one factor (variant, recipe, ligand family, synthesis,
batch, dot size) and optionally by a second one inside it, drawn as one panel per level of the
second factor. Dots of different sizes are never pooled by default: when the selection holds
more than one bandgap bin, the bin is the second factor unless the user picks another."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.api import is_id

from .. import dashboards
from ..figures.distributions import metric_facets
from ..selectors.devices import (
    FACTOR_JOIN,
    GROUPING_LABELS,
    GROUPINGS,
    Groups,
    compared_device_rows,
    group_rows,
)
from ..selectors.pages import batches_for
from ._common import direction, export_or_none, statistics_context

NO_SECOND = "none"


def second_factor(asked: str, by: str, devices) -> tuple[str | None, str]:
    """The second factor and why: the one asked for; else the dot size when the selection
    holds more than one bandgap bin (1.0 eV and 1.3 eV dots pooled make two-humped violins);
    else none. ``NO_SECOND`` turns it off on purpose."""
    if asked == NO_SECOND:
        return None, "off"
    if asked in GROUPINGS and asked != by:
        return asked, "chosen"
    if by != "bandgap" and len(group_rows(devices, "bandgap")) > 1:
        return "bandgap", "auto"
    return None, "single"


def facet_figures(groups: Groups, colors: dict[str, str]) -> dict[str, dict]:
    """The four metrics, one panel per level of the second factor."""
    linked_all = groups.n_devices <= dashboards.LINKED_FIGURES_MAX_DEVICES
    out = {}
    for metric in dashboards.METRICS:
        inputs = dashboards.figure_groups(
            groups, metric, links=metric == "pce_percent" or linked_all
        )
        facets: dict[str, list[dict]] = {}
        for group in inputs:
            first, _, second = group["name"].rpartition(FACTOR_JOIN)
            facets.setdefault(second, []).append(
                {**group, "name": first, "color": colors[group["name"]]}
            )
        out[metric] = metric_facets(sorted(facets.items()), metric)
    return out


@login_required
def page(request: HttpRequest) -> HttpResponse:
    by = request.GET.get("by", "ligand_family")
    by = by if by in GROUPINGS else "ligand_family"
    batch_ids = [int(b) for b in request.GET.getlist("batch") if is_id(b)]
    devices = compared_device_rows(request.user, batch_ids, direction(request))
    then, then_reason = second_factor(request.GET.get("then", ""), by, devices)
    groups = group_rows(devices, by, then)
    all_groups = sorted(groups)
    chosen = request.GET.getlist("group")
    unknown = [g for g in chosen if g not in groups.members]
    if chosen:
        groups = groups.only(chosen)
    filters: dict[str, Any] = {"grouped by": GROUPING_LABELS[by]}
    if then:
        filters["then by"] = GROUPING_LABELS[then]
    if batch_ids:
        filters["batches"] = ", ".join(str(b) for b in batch_ids)
    if chosen and len(unknown) < len(chosen):
        filters["groups"] = ", ".join(g for g in chosen if g in groups.members)
    export = export_or_none(request, f"comparison-by-{by}", groups, filters)
    if export:
        return export
    # Tests on substrate means unless ?per= asks for another unit (compute.stats.UNITS).
    context = statistics_context(groups, request.GET.get("per", ""), draw=not then)
    context["direction"] = direction(request)
    if then and not context["empty"]:
        context["figs"] = facet_figures(groups, context["colors"])
    return render(
        request,
        "analysis/compare.html",
        {
            "by": by,
            "by_label": GROUPING_LABELS[by],
            "then": then or "",
            "then_label": GROUPING_LABELS.get(then or "", ""),
            "then_reason": then_reason,
            "then_asked": request.GET.get("then", ""),
            "groupings": GROUPING_LABELS,
            "batches": batches_for(request.user),
            "batch_ids": batch_ids,
            "chosen": chosen,
            "unknown_groups": unknown,
            "all_unknown": bool(chosen) and len(unknown) == len(chosen),
            "all_groups": all_groups,
            **context,
        },
    )
