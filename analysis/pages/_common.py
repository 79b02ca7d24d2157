"""What several pages share: an object of the user's projects or 404, the scan direction asked
for, the statistics context of the batch and comparison pages (stable colours, yield of the
measured devices, one empty state), and the dashboards' downloads."""

from __future__ import annotations

from typing import Any

import numpy as np
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse

from .. import compute, dashboards, figures
from ..exports import FORMATS as EXPORT_FORMATS
from ..exports import table_response
from ..figures import palette
from ..selectors.devices import Groups
from ..selectors.pages import scoped_get


def scoped_or_404(model: type[Model], user, pk: int, related: tuple[str, ...] = ()) -> Any:
    """The object if it is in one of the user's projects, else 404 (never 403: no hint)."""
    obj = scoped_get(model, user, pk, related)
    if obj is None:
        raise Http404(f"No {model._meta.verbose_name} {pk} in your projects.")
    return obj


def direction(request: HttpRequest) -> str:
    """The J-V scan direction asked for: reverse unless forward."""
    value = request.GET.get("direction", "reverse")
    return value if value in ("reverse", "forward") else "reverse"


def label_color(label: dict[str, Any]) -> str:
    """A variant's colour on every page: from its role or recipe family, never from the order
    in which a page happens to list it (figures.palette.key_color)."""
    return palette.key_color(
        palette.variant_key(
            label.get("variant_role"), label.get("recipe_family"), label.get("variant_name", "")
        )
    )


def group_colors(groups: Groups) -> dict[str, str]:
    """Each group's colour: its variants' shared colour when they share one (a variant, a
    recipe, a recipe in several dot sizes), else one from the group's own name."""
    labels = groups.devices.labels
    by_label: dict[int, str] = {}  # devices of one variant share their label dict
    out = {}
    for name, idx in groups.items():
        colors = set()
        for i in idx.tolist():
            key = id(labels[i])
            if key not in by_label:
                by_label[key] = label_color(labels[i])
            colors.add(by_label[key])
        out[name] = colors.pop() if len(colors) == 1 else palette.key_color(name)
    return out


def _figure_inputs(groups: Groups, metric: str, colors: dict[str, str], links: bool) -> list:
    out = dashboards.figure_groups(groups, metric, links=links)
    for group in out:
        group["color"] = colors[group["name"]]
    return out


def page_stats(groups: Groups, colors: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """dashboards.group_stats with each group's colour and the yield of its measured devices:
    "not measured yet" is no failure (5 of 12 measured, 4 kept: 80 %, not 33 %)."""
    colors = colors or group_colors(groups)
    stats = dashboards.group_stats(groups)
    for s in stats:
        s["yield_measured_percent"] = (
            100.0 * s["n_kept"] / s["n_measured"] if s["n_measured"] else None
        )
        s["color"] = colors[s["name"]]
    return stats


def statistics_context(groups: Groups, per: str, draw: bool = True) -> dict[str, Any]:
    """What templates/analysis/_distributions.html shows (dashboards.statistics_context), with
    stable colours, the yield of the measured devices, and nothing drawn when no device has a
    J-V result yet (one empty state instead of four blank plots). ``draw=False`` leaves the
    figures to the caller."""
    per = per if per in compute.stats.UNITS else compute.stats.DEFAULT_UNIT
    d = groups.devices
    n_measured = int(sum(int(d.measured[idx].sum()) for idx in groups.members.values()))
    colors = group_colors(groups)
    stats = page_stats(groups, colors)
    context: dict[str, Any] = {
        "stats": stats,
        "per": per,
        "units": compute.stats.UNITS,
        "unit_label": compute.stats.UNITS[per],
        "excluded": dashboards.excluded_devices(groups),
        "unmeasured": dashboards.unmeasured_count(groups),
        "exclusion_rules": d.thresholds.rules(),
        "n_devices": groups.n_devices,
        "n_measured": n_measured,
        "empty": n_measured == 0,
        "colors": colors,
    }
    if n_measured == 0:
        return {**context, "tests": [], "figs": {}}
    context["tests"] = dashboards.significance(groups, "pce_percent", per)
    if not draw:  # the caller draws its own (a two-factor comparison's panels)
        return {**context, "figs": {}}
    linked_all = groups.n_devices <= dashboards.LINKED_FIGURES_MAX_DEVICES
    context["figs"] = {
        m: figures.metric_distribution(
            _figure_inputs(groups, m, colors, links=m == "pce_percent" or linked_all), m
        )
        for m in dashboards.METRICS
    }
    return context


def measured_share(groups: Groups) -> tuple[int, int]:
    """(measured devices, devices) of the groups."""
    d = groups.devices
    measured = sum(int(np.count_nonzero(d.measured[idx])) for idx in groups.members.values())
    return measured, groups.n_devices


def export_or_none(
    request: HttpRequest, name: str, groups: Groups, filters: dict[str, str] | None = None
) -> HttpResponse | None:
    """The statistics or the device table as CSV/Excel/JSON, before any figure is built; the
    filters and the scan direction it was made with travel with it (exports.table_response)."""
    fmt = request.GET.get("export")
    if fmt not in EXPORT_FORMATS:
        return None
    notes = {"scan direction": direction(request), **(filters or {})}
    if request.GET.get("table") == "stats":
        stats = page_stats(groups)
        # The yield the pages show: of the measured devices ("not measured yet" is no failure).
        at = dashboards.STATS_COLUMNS.index("yield_percent")
        columns = list(dashboards.STATS_COLUMNS)
        columns[at] = "yield_of_measured_percent"
        rows = dashboards.stats_table(stats)
        for row, s in zip(rows, stats, strict=True):
            row[at] = s["yield_measured_percent"]
        return table_response(f"{name}-statistics", columns, rows, fmt, notes=notes)
    return table_response(
        f"{name}-devices",
        dashboards.DEVICE_COLUMNS,
        dashboards.device_table(groups),
        fmt,
        notes=notes,
    )
