"""What several pages share: an object of the user's projects or 404, the scan direction asked
for, and the dashboards' downloads and distribution context."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse

from .. import dashboards
from ..exports import FORMATS as EXPORT_FORMATS
from ..exports import table_response
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


def export_or_none(request: HttpRequest, name: str, groups: Groups) -> HttpResponse | None:
    """The statistics or the device table as CSV/Excel/JSON, before any figure is built."""
    fmt = request.GET.get("export")
    if fmt not in EXPORT_FORMATS:
        return None
    if request.GET.get("table") == "stats":
        stats = dashboards.group_stats(groups)
        return table_response(
            f"{name}-statistics", dashboards.STATS_COLUMNS, dashboards.stats_table(stats), fmt
        )
    return table_response(
        f"{name}-devices", dashboards.DEVICE_COLUMNS, dashboards.device_table(groups), fmt
    )
