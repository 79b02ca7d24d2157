"""Stability studies: normalised curves per storage condition, T80/Ts80/T95 of every device,
and the Kaplan-Meier survival of T80 per variant."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .. import compute, dashboards, figures
from ..exports import FORMATS as EXPORT_FORMATS
from ..exports import table_response
from ..figures import palette
from ..figures.survival import survival_figure
from ..selectors.aging import AgingSeries, aging_rows, studies_for
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
    study_code = request.GET.get("study", "").strip()[:100]
    batch_code = request.GET.get("batch", "").strip()[:100]
    studies = studies_for(request.user, study_code, batch_code)
    series = aging_rows(studies, direction(request), metric, batch_code)
    panels, table, survival = [], [], []
    for study in studies:
        panel, study_table, study_survival = dashboards.aging_panel(study, series.get(study.id))
        _colour(panel["variants"], series.get(study.id))
        _colour(study_survival["groups"], series.get(study.id))
        panels.append(panel)
        table.extend(study_table)
        survival.append(study_survival)
    fmt = request.GET.get("export")
    if fmt in EXPORT_FORMATS:
        notes = {"metric": dashboards.METRIC_LABELS[metric], "scan direction": direction(request)}
        notes.update({k: v for k, v in (("study", study_code), ("batch", batch_code)) if v})
        return table_response(
            "aging-t80",
            dashboards.AGING_COLUMNS,
            [[t.get(c) for c in dashboards.AGING_COLUMNS] for t in table],
            fmt,
            notes=notes,
        )
    # Nothing to draw until a device has scans since its study started: one empty state, not
    # two blank plots with -1..4 axes.
    drawn = any(panel["variants"] for panel in panels)
    fig = figures.aging_figure(panels, metric=FIGURE_METRIC[metric]) if drawn else None
    survival_fig = survival_figure(survival) if drawn else None
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
            "study_code": study_code,
            "batch_code": batch_code,
            "scope_query": "".join(
                f"&{k}={quote(v)}" for k, v in (("study", study_code), ("batch", batch_code)) if v
            ),
        },
    )


def _colour(variants: list[dict], series: AgingSeries | None) -> None:
    """Each variant in its colour on every page (its role or recipe, pages._common)."""
    if series is None:
        return
    keys = {label["variant"]: label["color_key"] for label in series.devices.values()}
    for variant in variants:
        key = keys.get(variant["name"])
        if key is not None:
            variant["color"] = palette.key_color(key)


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
