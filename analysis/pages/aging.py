"""Stability studies: normalised curves per storage condition, T80/Ts80/T95 of every device,
and the Kaplan-Meier survival of T80 per variant."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .. import compute, dashboards, figures
from ..exports import FORMATS as EXPORT_FORMATS
from ..exports import table_response
from ..figures.survival import survival_figure
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
    "died_h": 0,
    "last_h": 0,
    "e_s": 2,
    "ts80_es_h": 0,
    "ts80_es_extrapolated_h": 0,
}
FIGURE_METRIC = {"pce_percent": "pce", "voc_v": "voc", "jsc_ma_cm2": "jsc", "ff": "ff"}


@login_required
def page(request: HttpRequest) -> HttpResponse:
    metric = request.GET.get("metric", "pce_percent")
    metric = metric if metric in dashboards.METRIC_LABELS else "pce_percent"
    studies = studies_for(request.user)
    series = aging_rows(studies, direction(request), metric)
    panels, table, survival = [], [], []
    for study in studies:
        panel, study_table, study_survival = dashboards.aging_panel(study, series.get(study.id))
        panels.append(panel)
        table.extend(study_table)
        survival.append(study_survival)
    fmt = request.GET.get("export")
    if fmt in EXPORT_FORMATS:
        return table_response(
            "aging-t80",
            dashboards.AGING_COLUMNS,
            [[t.get(c) for c in dashboards.AGING_COLUMNS] for t in table],
            fmt,
        )
    fig = figures.aging_figure(panels, metric=FIGURE_METRIC[metric]) if panels else None
    survival_fig = survival_figure(survival) if panels else None
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
            "survival_fig": survival_fig,
            "survival": _survival_rows(survival),
            "table": table,
            "rows": rows,
            "metric": metric,
            "metrics": dashboards.METRIC_LABELS,
            "traces_per_panel": dashboards.AGING_TRACES_PER_PANEL,
            "dead_pixel_rule": compute.aging.DEAD_PIXEL_RULE,
        },
    )


def _survival_rows(panels: list[dict]) -> list[dict]:
    """One row per study and variant: counts, median T80 and the study's log-rank p."""
    rows = []
    for panel in panels:
        logrank = panel.get("logrank")
        for k, group in enumerate(panel["groups"]):
            rows.append(
                {
                    "study": panel["title"],
                    "variant": group["name"],
                    "n": group["n"],
                    "events": group["events"],
                    "censored": group["censored"],
                    "dead": group.get("dead", 0),
                    "alive": group.get("alive"),
                    "median_h": group["median_h"],
                    # The test compares the study's variants at once: written on its first row.
                    "logrank_p": logrank["p"] if logrank and k == 0 else None,
                    "first": k == 0,
                }
            )
    return rows
