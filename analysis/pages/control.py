"""The control variant across batches: is the lab's baseline process still where it was?

Each batch's control devices (Variant role "control") give one point per metric: the median of
the devices kept by the lab's exclusion rule, from their first scan. Batches are in time order,
per project and per dot size (bandgap bin: 1.0 eV and 1.3 eV dots differ by 0.2 V in Voc and
are never pooled). The limits are a Shewhart individuals chart's: the centre line is the mean
of the first batches' medians (the baseline), sigma is their mean moving range / d2 (1.128),
and a batch outside centre ± 3 sigma is flagged. An individuals chart, not an X-bar chart of
the devices: the spread inside one batch understates the batch-to-batch spread the chart is
about, and would flag every batch.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import numpy as np
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.access import scoped
from core.api import attachment_header
from core.models import Project
from fabrication.models import Batch, Device, Variant

from ..figures.control import control_figure
from ..selectors.devices import METRICS, bandgap_bin, device_rows
from ._common import direction

# How many batches set the limits: enough for a moving range, few enough that a drift that
# starts later stands out against them.
BASELINE_BATCHES = 5
D2 = 1.128  # E[|x1 - x2|] / sigma for two normal values: the moving range's bias constant
SIGMAS = 3.0
# Shown and exported as on every page: FF in percent, with the precision a lab quotes.
METRIC_UNITS = {"pce_percent": "%", "voc_v": "V", "jsc_ma_cm2": "mA/cm²", "ff": "%"}
METRIC_LABELS = {"pce_percent": "PCE", "voc_v": "Voc", "jsc_ma_cm2": "Jsc", "ff": "FF"}
METRIC_FACTORS = {"pce_percent": 1.0, "voc_v": 1.0, "jsc_ma_cm2": 1.0, "ff": 100.0}
METRIC_PLACES = {"pce_percent": 2, "voc_v": 3, "jsc_ma_cm2": 2, "ff": 1}


@dataclass(frozen=True)
class Limits:
    """Centre line and control limits of one metric, or why there are none."""

    centre: float | None
    sigma: float | None
    lower: float | None
    upper: float | None
    baseline: int  # batches that set them
    reason: str = ""


def individuals_limits(values: list[float], baseline: int = BASELINE_BATCHES) -> Limits:
    """Shewhart individuals-chart limits from the first ``baseline`` finite values.

    Centre: their mean; sigma: their mean moving range / 1.128; limits: centre ± 3 sigma.
    Fewer than two values give no limits (a moving range needs two).
    """
    first = [v for v in values if v is not None and math.isfinite(v)][:baseline]
    if len(first) < 2:
        reason = "needs two batches with kept control devices to set limits"
        return Limits(None, None, None, None, len(first), reason)
    centre = float(np.mean(first))
    sigma = float(np.mean(np.abs(np.diff(first)))) / D2
    return Limits(centre, sigma, centre - SIGMAS * sigma, centre + SIGMAS * sigma, len(first))


@dataclass
class BatchPoint:
    batch: str
    batch_id: int
    date: str
    n: int  # kept control devices with a value
    medians: dict[str, float | None]
    outside: dict[str, bool] = field(default_factory=dict)
    baseline: bool = False


@dataclass
class Chart:
    """One project's control variant in one dot-size bin, batch by batch."""

    project: str
    dot_size: str
    points: list[BatchPoint]
    limits: dict[str, Limits]


def _median(values: np.ndarray) -> float | None:
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else None


def control_charts(user, project: Project | None, scan: str = "reverse") -> list[Chart]:
    """The control charts of the user's projects (or one), per project and dot size."""
    devices = scoped(Device.objects.all(), user).filter(
        substrate__variant__role=Variant.Role.CONTROL
    )
    if project is not None:
        devices = devices.filter(project=project)
    d = device_rows(devices, scan)
    if not len(d.codes):
        return []
    kept = d.measured & ~d.excluded
    batches = {
        b["id"]: b
        for b in Batch.objects.filter(id__in=set(d.batch_ids.tolist())).values(
            "id", "code", "date", "project__code"
        )
    }
    # (project, dot size) -> batch id -> row numbers of its kept control devices
    cells: dict[tuple[str, str], dict[int, list[int]]] = {}
    for i, label in enumerate(d.labels):
        batch = batches[int(d.batch_ids[i])]
        key = (batch["project__code"], bandgap_bin(label.get("exciton_peak_nm")))
        rows = cells.setdefault(key, {}).setdefault(batch["id"], [])
        if kept[i]:
            rows.append(i)
    charts = []
    for (project_code, dot_size), by_batch in sorted(cells.items()):
        order = sorted(
            by_batch,
            key=lambda b: (batches[b]["date"] is None, batches[b]["date"] or 0, batches[b]["code"]),
        )
        points = []
        for batch_id in order:
            rows = np.array(by_batch[batch_id], dtype=int)
            batch = batches[batch_id]
            medians = {m: _median(d.values[m][rows]) if rows.size else None for m in METRICS}
            n = int(np.isfinite(d.values["pce_percent"][rows]).sum()) if rows.size else 0
            if not n:
                continue  # a batch whose control is not measured yet has no point to plot
            date = batch["date"].isoformat() if batch["date"] else ""
            points.append(BatchPoint(batch["code"], batch_id, date, n, medians))
        if not points:
            continue
        limits = {m: individuals_limits([p.medians[m] for p in points]) for m in METRICS}
        for metric, lim in limits.items():
            counted = 0
            for p in points:
                value = p.medians[metric]
                if value is None:
                    continue
                counted += 1
                p.baseline = p.baseline or counted <= lim.baseline
                if lim.lower is not None and lim.upper is not None:
                    p.outside[metric] = not lim.lower <= value <= lim.upper
        charts.append(Chart(project_code, dot_size, points, limits))
    return charts


def _shown(metric: str, value: float | None) -> float | None:
    if value is None:
        return None
    return round(value * METRIC_FACTORS[metric], METRIC_PLACES[metric])


def table_rows(chart: Chart) -> list[dict[str, Any]]:
    """One row per batch and metric, in the page's units and precision."""
    rows = []
    for p in chart.points:
        for metric in METRICS:
            lim = chart.limits[metric]
            rows.append(
                {
                    "project": chart.project,
                    "dot_size": chart.dot_size,
                    "batch": p.batch,
                    "batch_id": p.batch_id,
                    "date": p.date,
                    "n": p.n,
                    "metric": METRIC_LABELS[metric],
                    "unit": METRIC_UNITS[metric],
                    "median": _shown(metric, p.medians[metric]),
                    "centre": _shown(metric, lim.centre),
                    "lower": _shown(metric, lim.lower),
                    "upper": _shown(metric, lim.upper),
                    "outside": p.outside.get(metric, False),
                    "baseline": p.baseline,
                }
            )
    return rows


CSV_HEADERS = [
    ("project", "Project"),
    ("dot_size", "Dot size (bandgap)"),
    ("batch", "Batch"),
    ("date", "Batch date"),
    ("n", "Kept control devices (n)"),
    ("metric", "Metric"),
    ("unit", "Unit"),
    ("median", "Batch median"),
    ("centre", "Centre line"),
    ("lower", "Lower control limit (-3 sigma)"),
    ("upper", "Upper control limit (+3 sigma)"),
    ("outside", "Outside limits"),
    ("baseline", "Sets the limits (baseline)"),
]


def csv_response(charts: list[Chart], notes: dict[str, str]) -> HttpResponse:
    """The chart's numbers as CSV: a "# " line of what it was made with, then one row per batch
    and metric (pandas.read_csv(..., comment="#") reads it)."""
    text = io.StringIO()
    writer = csv.writer(text)
    text.write("# " + "; ".join(f"{k}: {v}" for k, v in notes.items()) + "\n")
    writer.writerow([h for _, h in CSV_HEADERS])
    for chart in charts:
        for row in table_rows(chart):
            writer.writerow(
                [
                    ("yes" if row[k] else "no") if isinstance(row[k], bool) else row[k]
                    for k, _ in CSV_HEADERS
                ]
            )
    response = HttpResponse(text.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = attachment_header("control-chart.csv")
    return response


@login_required
def page(request: HttpRequest) -> HttpResponse:
    projects = list(scoped(Project.objects.all(), request.user, field="id").order_by("code"))
    asked = request.GET.get("project", "")
    project = next((p for p in projects if p.code == asked), None)
    scan = direction(request)
    charts = control_charts(request.user, project, scan)
    notes = {
        "variant role": "control",
        "scan direction": scan,
        "project": project.code if project else "all of yours",
        "limits": f"individuals chart, mean ± {SIGMAS:g} sigma of the first "
        f"{BASELINE_BATCHES} batches (sigma = mean moving range / {D2})",
    }
    if request.GET.get("export") == "csv":
        return csv_response(charts, notes)
    shown = [
        {
            "chart": chart,
            "id": f"fig-control-{i}",
            "fig": control_figure(chart_series(chart)),
            "rows": table_rows(chart),
        }
        for i, chart in enumerate(charts)
    ]
    query = f"project={quote(project.code)}&" if project else ""
    return render(
        request,
        "analysis/control.html",
        {
            "charts": shown,
            "projects": projects,
            "project": project,
            "direction": scan,
            "query": query,
            "baseline": BASELINE_BATCHES,
            "asked_unknown": bool(asked) and project is None,
        },
    )


def chart_series(chart: Chart) -> dict[str, Any]:
    """What the figure builder draws: plain lists in the page's units."""
    return {
        "title": f"{chart.project} · {chart.dot_size}",
        "batches": [p.batch for p in chart.points],
        "dates": [p.date for p in chart.points],
        "n": [p.n for p in chart.points],
        "metrics": [
            {
                "key": metric,
                "label": METRIC_LABELS[metric],
                "unit": METRIC_UNITS[metric],
                "values": [_shown(metric, p.medians[metric]) for p in chart.points],
                "outside": [p.outside.get(metric, False) for p in chart.points],
                "centre": _shown(metric, chart.limits[metric].centre),
                "lower": _shown(metric, chart.limits[metric].lower),
                "upper": _shown(metric, chart.limits[metric].upper),
            }
            for metric in METRICS
        ],
    }
