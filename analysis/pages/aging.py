"""Stability studies: normalised curves per storage condition, T80/Ts80/T95 of every device."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .. import dashboards, figures
from ..exports import FORMATS as EXPORT_FORMATS
from ..exports import table_response
from ..selectors.aging import aging_rows, studies_for
from ..templatetags.dashboard_tags import fixed_column
from ._common import direction

# Decimal places of the table's numbers, as floatformat writes them.
AGING_TABLE_PLACES = {
    "t80_h": 0,
    "ts80_h": 0,
    "t95_h": 0,
    "peak_ratio": 2,
    "final_ratio": 2,
    "t80_extrapolated_h": 0,
}
FIGURE_METRIC = {"pce_percent": "pce", "voc_v": "voc", "jsc_ma_cm2": "jsc", "ff": "ff"}


@login_required
def page(request: HttpRequest) -> HttpResponse:
    metric = request.GET.get("metric", "pce_percent")
    metric = metric if metric in dashboards.METRIC_LABELS else "pce_percent"
    studies = studies_for(request.user)
    series = aging_rows(studies, direction(request), metric)
    panels, table = [], []
    for study in studies:
        panel, study_table = dashboards.aging_panel(study, series.get(study.id))
        panels.append(panel)
        table.extend(study_table)
    fmt = request.GET.get("export")
    if fmt in EXPORT_FORMATS:
        return table_response(
            "aging-t80",
            dashboards.AGING_COLUMNS,
            [[t.get(c) for c in dashboards.AGING_COLUMNS] for t in table],
            fmt,
        )
    fig = figures.aging_figure(panels, metric=FIGURE_METRIC[metric]) if panels else None
    # Numbers as floatformat writes them, a column at a time: per cell in the template the
    # 6,000 of a 1,000-device study took a fifth of the page's time.
    shown = {
        key: fixed_column([t[key] for t in table], places)
        for key, places in AGING_TABLE_PLACES.items()
    }
    rows = [{**t, **{key: shown[key][i] for key in shown}} for i, t in enumerate(table)]
    return render(
        request,
        "analysis/aging.html",
        {
            "studies": studies,
            "fig": fig,
            "table": table,
            "rows": rows,
            "metric": metric,
            "metrics": dashboards.METRIC_LABELS,
            "traces_per_panel": dashboards.AGING_TRACES_PER_PANEL,
        },
    )
