"""Dashboard pages. Views select and hand over; statistics live in dashboards, figures in
figures, queries in selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from fabrication import services as fabrication_services
from fabrication.api.base import is_id
from fabrication.models import Batch, Device, Film, LigandExchangeRun, Synthesis
from fabrication.selectors import WRITE_ROLES, projects_for, role_in, scoped
from measurements.models import Measurement, Status

from . import dashboards, figures
from .exports import FORMATS as EXPORT_FORMATS
from .exports import table_response
from .metrics import GROUPINGS, Groups, aging_rows, device_rows, group_rows
from .models import StabilityStudy
from .selectors import result_rows_by_kind, results_for
from .templatetags.dashboard_tags import fixed_column


def scoped_or_404(model_or_queryset, user, pk: int):
    """The object if it is in one of the user's projects, else 404 (never 403: no hint)."""
    queryset = getattr(model_or_queryset, "objects", model_or_queryset)
    obj = scoped(queryset.all(), user).filter(pk=pk).first()
    if obj is None:
        raise Http404(f"No {queryset.model._meta.verbose_name} {pk} in your projects.")
    return obj


def _direction(request: HttpRequest) -> str:
    value = request.GET.get("direction", "reverse")
    return value if value in ("reverse", "forward") else "reverse"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    projects = projects_for(request.user)
    batches = scoped(Batch.objects.select_related("project"), request.user).order_by(
        "-date", "-id"
    )[:10]
    queue = (
        scoped(Measurement.objects.select_related("device", "film", "synthesis"), request.user)
        .filter(status__in=[Status.QUEUED, Status.RUNNING, Status.FAILED])
        .order_by("-created_at")[:20]
    )
    counts = dict(
        scoped(Measurement.objects.all(), request.user)
        .values_list("status")
        .annotate(n=Count("id"))
    )
    studies = scoped(StabilityStudy.objects.all(), request.user)[:10]
    syntheses = scoped(Synthesis.objects.all(), request.user).order_by("-date", "code")[:10]
    return render(
        request,
        "analysis/home.html",
        {
            "projects": projects,
            "batches": batches,
            "queue": queue,
            "counts": counts,
            "studies": studies,
            "syntheses": syntheses,
        },
    )


@login_required
def search(request: HttpRequest) -> HttpResponse:
    q = "".join(ch for ch in request.GET.get("q", "") if ord(ch) >= 32).strip()[:100]
    hits = []
    if q:
        for model in (Device, Batch, Synthesis, Film, Measurement):
            for obj in scoped(model.objects.all(), request.user).filter(
                Q(code__iexact=q) | Q(code__icontains=q)
            )[:20]:
                hits.append((obj, _page_url(obj)))
        exact = [h for h in hits if h[0].code.lower() == q.lower() and h[1]]
        if len(exact) == 1:
            return redirect(exact[0][1])
    return render(request, "analysis/search.html", {"q": q, "hits": hits})


def _page_url(obj) -> str | None:
    if isinstance(obj, Device):
        return reverse("device", args=[obj.pk])
    if isinstance(obj, Batch):
        return reverse("batch", args=[obj.pk])
    if isinstance(obj, Synthesis):
        return reverse("synthesis", args=[obj.pk])
    if isinstance(obj, Measurement):
        target = obj.device_id and reverse("device", args=[obj.device_id])
        return target or (obj.synthesis_id and reverse("synthesis", args=[obj.synthesis_id]))
    return None


def _export_or_none(request, name: str, groups: Groups) -> HttpResponse | None:
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


def _distribution_context(request, groups: Groups) -> dict:
    per = "substrate" if request.GET.get("per") == "substrate" else "device"
    return {
        "stats": dashboards.group_stats(groups),
        "tests": dashboards.significance(groups, "pce_percent", per),
        "per": per,
        "figs": dashboards.distribution_figures(groups),
        "direction": _direction(request),
        "excluded": dashboards.excluded_devices(groups),
        "unmeasured": dashboards.unmeasured_count(groups),
    }


@login_required
def batch_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    batch = scoped_or_404(Batch, request.user, pk)
    devices = Device.objects.filter(substrate__batch=batch)
    groups = group_rows(device_rows(devices, _direction(request)), "variant")
    export = _export_or_none(request, batch.code.replace("/", "_"), groups)
    if export:
        return export
    context = _distribution_context(request, groups)
    return render(request, "analysis/batch.html", {"batch": batch, **context})


@login_required
def compare(request: HttpRequest) -> HttpResponse:
    by = request.GET.get("by", "ligand_family")
    by = by if by in GROUPINGS else "ligand_family"
    batch_ids = [int(b) for b in request.GET.getlist("batch") if is_id(b)]
    devices = scoped(Device.objects.all(), request.user)
    if batch_ids:
        devices = devices.filter(substrate__batch_id__in=batch_ids)
    groups = group_rows(device_rows(devices, _direction(request)), by)
    all_groups = sorted(groups)
    chosen = request.GET.getlist("group")
    if chosen:
        # Names left over from another grouping match nothing: then show every group.
        groups = groups.only(chosen)
    export = _export_or_none(request, f"comparison-by-{by}", groups)
    if export:
        return export
    context = _distribution_context(request, groups)
    all_batches = scoped(Batch.objects.all(), request.user).order_by("-date")
    return render(
        request,
        "analysis/compare.html",
        {
            "by": by,
            "groupings": list(GROUPINGS),
            "batches": all_batches,
            "batch_ids": batch_ids,
            "chosen": chosen,
            "all_groups": all_groups,
            **context,
        },
    )


AGING_TABLE_PLACES = {
    "t80_h": 0,
    "ts80_h": 0,
    "t95_h": 0,
    "peak_ratio": 2,
    "final_ratio": 2,
    "t80_extrapolated_h": 0,
}


@login_required
def aging(request: HttpRequest) -> HttpResponse:
    metric = request.GET.get("metric", "pce_percent")
    metric = metric if metric in dashboards.METRIC_LABELS else "pce_percent"
    studies = list(scoped(StabilityStudy.objects.order_by("started_at"), request.user))
    series = aging_rows(
        StabilityStudy.objects.filter(id__in=[s.id for s in studies]), _direction(request), metric
    )
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
    metric_name = {"pce_percent": "pce", "voc_v": "voc", "jsc_ma_cm2": "jsc", "ff": "ff"}[metric]
    fig = figures.aging_figure(panels, metric=metric_name) if panels else None
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


def _jv_curve(r) -> dict:
    return {
        "label": f"{r.measurement.measured_at:%Y-%m-%d %H:%M} {r.label}",
        "voltage_v": r.curve.get("voltage_v", []),
        "current_density_ma_cm2": r.curve.get("current_density_ma_cm2", []),
        "scan_direction": r.scan_direction,
        "measured_at": r.measurement.measured_at,
        "key_points": {
            "voc_v": r.voc_v,
            "jsc_ma_cm2": r.jsc_ma_cm2,
            "vmpp_v": r.vmp_v,
            "jmpp_ma_cm2": r.jmp_ma_cm2,
        },
    }


def _mpp_trace(r) -> dict:
    duration, window = r.figures.get("duration_s"), r.figures.get("window_s")
    time_s = r.curve.get("time_s", [])
    trace = {
        "label": r.measurement.original_filename,
        "time_s": time_s,
        "pce_percent": _mpp_pce(r),
        "stabilised_pce_percent": r.stabilized_pce_percent,
    }
    if duration and window and time_s:
        end = max(t for t in time_s if t is not None)
        trace["stabilised_window_s"] = [end - window, end]
    return trace


def _intensity(rows) -> tuple[list[dict], list[dict]]:
    points, fits = [], []
    for r in rows:
        label = f"{r.measurement.measured_at:%Y-%m-%d} {r.measurement.original_filename}"
        points.append(
            {
                "label": label,
                "intensity_mw_cm2": r.curve.get("intensity_mw_cm2", []),
                "voc_v": r.curve.get("voc_v", []),
                **({"jsc_ma_cm2": r.curve["jsc_ma_cm2"]} if r.curve.get("jsc_ma_cm2") else {}),
            }
        )
        if r.figures.get("slope_v") is not None:
            fits.append(
                {
                    "label": label,
                    **{
                        k: r.figures.get(k)
                        for k in (
                            "ideality_factor",
                            "slope_v",
                            "intercept_v",
                            "alpha",
                            "jsc_prefactor_ma_cm2",
                        )
                    },
                }
            )
    return points, fits


def _device_figures(results: dict[str, list]) -> dict[str, dict]:
    figs = {}
    if results.get("jv"):
        figs["jv"] = figures.jv_figure([_jv_curve(r) for r in results["jv"]])
    if results.get("eqe"):
        figs["eqe"] = figures.eqe_figure(
            [
                {
                    "label": r.measurement.original_filename,
                    "wavelength_nm": r.curve.get("wavelength_nm", []),
                    "eqe_percent": [
                        100 * v if v is not None else None for v in r.curve.get("eqe_fraction", [])
                    ],
                    "integrated_jsc_ma_cm2": r.integrated_jsc_ma_cm2,
                }
                for r in results["eqe"]
            ]
        )
    if results.get("mpp"):
        figs["mpp"] = figures.mpp_figure([_mpp_trace(r) for r in results["mpp"]])
    if results.get("intensity"):
        figs["intensity"] = figures.intensity_figure(*_intensity(results["intensity"]))
    return figs


def _mpp_pce(row) -> list:
    curve = row.curve
    if curve.get("pce_percent"):
        return curve["pce_percent"]
    irr = row.measurement.irradiance_mw_cm2 or 100.0
    if curve.get("power_mw_cm2"):
        return [abs(p) / irr * 100 if p is not None else None for p in curve["power_mw_cm2"]]
    v, j = curve.get("voltage_v", []), curve.get("current_density_ma_cm2", [])
    return [
        abs(a * b) / irr * 100 if a is not None and b is not None else None
        for a, b in zip(v, j, strict=False)
    ]


def _lineage(device: Device) -> dict:
    variant = device.substrate.variant
    ink = variant.ink
    return {
        "batch": device.substrate.batch,
        "variant": variant,
        "substrate": device.substrate,
        "ink": ink,
        "recipe": ink.recipe if ink else None,
        "synthesis": ink.synthesis if ink else None,
        "layers": list(variant.stack.layers.select_related("ink")) if variant.stack else [],
    }


@login_required
def device_page(request: HttpRequest, pk: int) -> HttpResponse:
    device = scoped_or_404(
        Device.objects.select_related(
            "status_set_by",
            "substrate__batch",
            "substrate__variant__ink__recipe",
            "substrate__variant__ink__synthesis",
            "substrate__variant__stack",
        ),
        request.user,
        pk,
    )
    measurements = list(
        Measurement.objects.filter(device=device)
        .select_related("raw_file", "created_by")
        .order_by("-measured_at")
    )
    results = result_rows_by_kind(measurements)
    summaries = results_for(measurements, results)
    table = [
        {"kind": m.kind, "measurement": m, "figures": summaries[m.id]}
        for m in sorted(measurements, key=lambda m: m.measured_at or m.created_at)
        if summaries[m.id] is not None
    ]
    return render(
        request,
        "analysis/device.html",
        {
            "device": device,
            "measurements": measurements,
            "figs": _device_figures(results),
            "table": table,
            "lineage": _lineage(device),
            "status_ids": [m.id for m in measurements],
        },
    )


@login_required
@require_POST
def device_status(request: HttpRequest, pk: int) -> HttpResponse:
    device = scoped_or_404(Device, request.user, pk)
    if role_in(request.user, device.project_id) not in WRITE_ROLES:
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


@login_required
def synthesis_page(request: HttpRequest, pk: int) -> HttpResponse:
    synthesis = scoped_or_404(Synthesis, request.user, pk)
    films = list(Film.objects.filter(synthesis=synthesis))
    measurements = list(
        Measurement.objects.filter(Q(synthesis=synthesis) | Q(film__in=films))
        .select_related("film", "raw_file")
        .order_by("-measured_at")
    )
    results = result_rows_by_kind(measurements)
    absorbance = [
        {
            "label": f"{r.measurement.target.code}: {r.measurement.original_filename}",
            "wavelength_nm": r.curve.get("wavelength_nm", []),
            "absorbance": r.curve.get("absorbance", []),
            "exciton_peak_nm": r.exciton_peak_nm,
            "diameter_nm": r.diameter_nm,
        }
        for r in results.get("absorbance", [])
    ]
    pl = [
        {
            "label": f"{r.measurement.target.code}: {r.measurement.original_filename}",
            "wavelength_nm": r.curve.get("wavelength_nm", []),
            "intensity": r.curve.get("intensity", []),
            "peak_nm": r.peak_nm,
        }
        for r in results.get("pl", [])
    ]
    fig = figures.spectra_figure(absorbance, pl) if (absorbance or pl) else None
    trpl = results.get("trpl", [])
    trpl_fig = (
        figures.trpl_figure(
            [
                {
                    "label": f"{r.measurement.target.code}",
                    "time_ns": r.curve.get("time_ns", []),
                    "counts": r.curve.get("counts", []),
                    "tau1_ns": r.tau1_ns,
                    "tau2_ns": r.tau2_ns,
                    "tau_avg_ns": r.tau_avg_amplitude_ns,
                }
                for r in trpl
            ]
        )
        if trpl
        else None
    )
    runs = list(LigandExchangeRun.objects.filter(synthesis=synthesis).select_related("recipe"))
    devices = Device.objects.filter(substrate__variant__ink__synthesis=synthesis)
    groups = group_rows(device_rows(devices), "recipe")
    return render(
        request,
        "analysis/synthesis.html",
        {
            "synthesis": synthesis,
            "films": films,
            "runs": runs,
            "fig": fig,
            "trpl_fig": trpl_fig,
            "stats": dashboards.group_stats(groups),
            "measurements": measurements,
            "results": results,
        },
    )
