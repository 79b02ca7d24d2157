"""Loss analysis pages (issue 16): the project's loss plots, one device's and one variant's
waterfall from the Shockley-Queisser limit, the tables as CSV/Excel/JSON, and the upload of
the two spectral-mismatch files (reference cell response, simulator spectrum).

Every figure comes from the stored loss rows (``analysis.models.DeviceLoss``), which the
analysis pipeline writes again whenever an input of the device is stored; the pages read them in
a fixed number of queries whatever the number of devices (``selectors.losses.loss_columns`` for
the plots and summaries, ``loss_rows`` for the full rows of the exports and the device page),
and compute and store a row that is missing or of an older analysis version.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.access import can_write, projects_for
from fabrication.models import Device, Variant

from ..compute.losses import METHOD
from ..compute.mismatch import METHOD as MISMATCH_METHOD
from ..compute.mismatch import read_two_columns
from ..exports import FORMATS, annotated_table_response
from ..figures.losses import (
    deficit_figure,
    exciton_figure,
    overlay_figure,
    recipe_gap_figure,
    waterfall_figure,
)
from ..models import SpectralReference
from ..selectors.losses import (
    SUMMARY_KEYS,
    figure_column,
    kept,
    loss_columns,
    loss_rows,
    overlay_panels,
    refresh_losses,
    spectral_references,
    value_of,
    variant_summaries,
)
from ._common import scoped_or_404

# The metric chooser and headings in plain text (the figures' titles carry plotly markup).
METRIC_WORDS = {
    "voc_deficit_v": "Voc deficit, Eg/q − Voc (V)",
    "delta_voc_nonrad_v": "Non-radiative Voc loss (V)",
    "pce_percent": "PCE (%)",
    "voc_v": "Voc (V)",
    "ff": "FF",
    "jsc_loss_ma_cm2": "Jsc loss against the SQ limit (mA/cm²)",
    "voc_over_sq": "Voc / Voc,SQ",
}

# Every figure a table shows: key, label, unit ("" for none), decimal places.
FIGURES: tuple[tuple[str, str, str, int], ...] = (
    ("bandgap_ev", "Bandgap Eg", "eV", 4),
    ("voc_v", "Voc", "V", 4),
    ("jsc_ma_cm2", "Jsc", "mA/cm2", 3),
    ("ff", "FF", "", 4),
    ("pce_percent", "PCE", "%", 3),
    ("sq_jsc_ma_cm2", "Jsc,SQ", "mA/cm2", 3),
    ("sq_voc_v", "Voc,SQ", "V", 4),
    ("sq_ff", "FF,SQ", "", 4),
    ("sq_pce_percent", "PCE,SQ", "%", 3),
    ("voc_deficit_v", "Voc deficit Eg/q - Voc", "V", 4),
    ("voc_over_sq", "Voc/Voc,SQ", "", 4),
    ("voc_rad_v", "Voc,rad", "V", 4),
    ("delta_voc_nonrad_v", "Non-radiative dVoc", "V", 4),
    ("urbach_mev", "Urbach energy", "meV", 1),
    ("ideality_factor", "Ideality n", "", 3),
    ("ff_ideal", "FF ideal (Voc, n)", "", 4),
    ("ff_resistive", "FF with Rs, Rsh", "", 4),
    ("jsc_loss_ma_cm2", "Jsc loss Jsc,SQ - Jsc", "mA/cm2", 3),
    ("jsc_eqe_shortfall_ma_cm2", "EQE shortfall Jsc,SQ - Jsc,EQE", "mA/cm2", 3),
    ("jsc_jv_eqe_mismatch_ma_cm2", "Jsc,EQE - Jsc,J-V", "mA/cm2", 3),
    ("mismatch_factor", "Spectral mismatch M", "", 5),
    ("jsc_corrected_ma_cm2", "Jsc corrected Jsc/M", "mA/cm2", 3),
)
assert {k for k, *_ in FIGURES} == set(SUMMARY_KEYS)
_DIGITS = {k: d for k, _, _, d in FIGURES}
_LABELS = {k: (label, unit) for k, label, unit, _ in FIGURES}
METRICS = ("voc_deficit_v", "delta_voc_nonrad_v", "pce_percent", "voc_v", "ff", "voc_over_sq")
MAX_WATERFALLS = 8
# The columns of the project page's variant table (the exports hold every figure).
SHOWN = ("bandgap_ev", "voc_deficit_v", "delta_voc_nonrad_v", "ff_ideal", "pce_percent")


def _header(label: str, unit: str) -> str:
    return f"{label} ({unit})" if unit else label


def _round(key: str, value: float | None) -> float | None:
    return None if value is None else round(value, _DIGITS.get(key, 4))


def _text(key: str, value: float | None) -> str:
    return "" if value is None else f"{value:.{_DIGITS.get(key, 4)}f}"


def _spread_text(key: str, f: dict[str, Any]) -> str:
    if not f["n"]:
        return "–"
    digits = min(_DIGITS.get(key, 4), 3)
    return f"{f['median']:.{digits}f} [{f['q1']:.{digits}f}, {f['q3']:.{digits}f}] n={f['n']}"


def _reason(row: dict[str, Any], key: str) -> str:
    return row.get(f"{key}_reason") or ("no light J-V" if key in row.get("measured", {}) else "")


def figure_table(row: dict[str, Any]) -> list[dict[str, Any]]:
    """One device's figures as the page shows them: value, unit, sources or the reason."""
    sources = row.get("sources", {})
    out = []
    for key, label, unit, _ in FIGURES:
        value = value_of(row, key)
        src = sources.get(key) or (
            row.get("mismatch_sources", []) if key.startswith(("mismatch", "jsc_corr")) else []
        )
        out.append(
            {
                "key": key,
                "label": label,
                "unit": unit,
                "value": _text(key, value),
                "reason": "" if value is not None else _reason(row, key),
                "sources": list(dict.fromkeys(src)),
            }
        )
    return out


def median_figures(summary: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """A variant's medians in the shape of one device's figures (for its waterfall), over its
    devices with an EQE when it has any (one set of gaps throughout), and what they are."""
    which = "characterised" if summary["n_characterised"] else "figures"
    out: dict[str, Any] = {k: v["median"] for k, v in summary[which].items()}
    out["measured"] = {}
    n = summary["n_characterised"] or summary["n_devices"]
    what = "devices with an EQE" if summary["n_characterised"] else "devices"
    return out, f"medians of {n} {what}"


# --- tables (CSV, Excel, JSON) ------------------------------------------------------------------


def device_table(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    columns = ["Device", "Batch", "Variant", "Recipe", "Synthesis", "Bandgap source"]
    columns += [_header(label, unit) for _, label, unit, _ in FIGURES]
    columns += ["Left out of medians and plots (why)", "Flags", "Missing figures (why)"]
    # One array per figure, rounded as _round does, instead of 220,000 per-cell lookups at
    # 10,000 devices.
    by_figure = [
        [
            None if v != v else round(v, _DIGITS.get(key, 4))
            for v in figure_column(rows, key).tolist()
        ]
        for key, *_ in FIGURES
    ]
    figures = list(zip(*by_figure, strict=True)) if rows else []
    table = []
    for r, values in zip(rows, figures, strict=True):
        missing = "; ".join(
            f"{key}: {r[f'{key}_reason']}" for key, *_ in FIGURES if r.get(f"{key}_reason")
        )
        table.append(
            [r["device"], r["batch"], r["variant"], r["recipe"], r["synthesis"]]
            + [r.get("bandgap_source") or ""]
            + list(values)
            + [r.get("excluded", ""), ", ".join(r.get("flags", [])), missing]
        )
    return columns, table


def variant_table(summaries: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    columns = ["Batch", "Variant", "Recipe", "Synthesis", "Devices (N)", "Left out (N)"]
    columns += ["Bandgap sources"]
    for _, label, unit, _ in FIGURES:
        columns += [
            _header(f"{label} median", unit),
            _header(f"{label} Q1", unit),
            _header(f"{label} Q3", unit),
            f"{label} N",
        ]
    table = []
    for s in summaries:
        line = [s["batch"], s["variant"], s["recipe"], s["synthesis"], s["n_devices"]]
        line.append(s["n_excluded"])
        line.append(", ".join(s["bandgap_sources"]))
        for key, *_ in FIGURES:
            f = s["figures"][key]
            line += [_round(key, f["median"]), _round(key, f["q1"]), _round(key, f["q3"]), f["n"]]
        table.append(line)
    return columns, table


def _export(
    request: HttpRequest, name: str, rows: list[dict[str, Any]], filters: dict[str, str]
) -> HttpResponse | None:
    fmt = request.GET.get("export")
    if fmt not in FORMATS:
        return None
    which = "variants" if request.GET.get("table") == "variants" else "devices"
    if which == "variants":
        columns, table = variant_table(variant_summaries(rows))
    else:
        columns, table = device_table(rows)
    per = "variant (median, quartiles, N)" if which == "variants" else "device"
    about = [
        ("table", f"loss figures per {per}"),
        *((f"filter {k}", v or "(all)") for k, v in filters.items()),
        ("exported", timezone.now().isoformat(timespec="seconds")),
        ("method", METHOD),
        ("spectral mismatch", MISMATCH_METHOD),
    ]
    return annotated_table_response(f"{name}-losses-{which}", columns, table, fmt, about)


# --- pages --------------------------------------------------------------------------------------


def _median_waterfall(summary: dict[str, Any], title: str) -> dict:
    figures, what = median_figures(summary)
    return waterfall_figure(figures, f"{title} ({what})")


def _variant_waterfalls(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": f"fig-waterfall-{i}",
            "summary": s,
            "fig": _median_waterfall(s, f"{s['batch']} {s['variant']}"),
        }
        for i, s in enumerate(summaries[:MAX_WATERFALLS])
    ]


@login_required
def project(request: HttpRequest) -> HttpResponse:
    projects = list(projects_for(request.user).order_by("code"))
    if not projects:
        return render(request, "analysis/losses.html", {"projects": []})
    by_code = {p.code: p for p in projects}
    chosen = by_code.get(request.GET.get("project", ""), projects[0])
    devices = Device.objects.filter(project=chosen)
    filters = {"project": chosen.code, "batch": "", "recipe": ""}
    if batch := request.GET.get("batch", "").strip():
        devices = devices.filter(substrate__variant__batch__code=batch)
        filters["batch"] = batch
    if recipe := request.GET.get("recipe", "").strip():
        devices = devices.filter(substrate__variant__ink__recipe__code=recipe)
        filters["recipe"] = recipe
    if request.GET.get("export") in FORMATS:
        # Every figure with its reasons and flags, from the stored columns.
        return _export(request, chosen.code, loss_columns(devices, reasons=True), filters)
    # The page summarises and plots only the stored columns: no JSON row decoded.
    rows = loss_columns(devices)
    metric = request.GET.get("metric", "voc_deficit_v")
    metric = metric if metric in METRICS else "voc_deficit_v"
    summaries = variant_summaries(rows)
    refs = spectral_references([chosen.pk]).get(chosen.pk, {})
    return render(
        request,
        "analysis/losses.html",
        {
            "projects": projects,
            "project": chosen,
            "filters": filters,
            "n_devices": len(rows),
            "metric": metric,
            "metrics": [(m, METRIC_WORDS[m]) for m in METRICS],
            "metric_words": METRIC_WORDS[metric],
            "summaries": summaries,
            "summary_keys": [(k, *_LABELS[k]) for k in SHOWN],
            "variant_rows": [
                {"s": s, "cells": [_spread_text(k, s["figures"][k]) for k in SHOWN]}
                for s in summaries
            ],
            "waterfalls": _variant_waterfalls(summaries),
            "fig_deficit": deficit_figure(kept(rows)),
            "fig_exciton": exciton_figure(kept(rows)),
            "fig_overlay": overlay_figure(overlay_panels(kept(rows))),
            "fig_recipes": recipe_gap_figure(kept(rows), metric),
            "references": [refs.get(k) for k in SpectralReference.Kind.values],
            "reference_kinds": SpectralReference.Kind.choices,
            "can_write": can_write(request.user, chosen.pk),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def device(request: HttpRequest, pk: int) -> HttpResponse:
    obj = scoped_or_404(Device, request.user, pk)
    rows = loss_rows(Device.objects.filter(pk=obj.pk))
    row = rows[0]
    export = _export(request, obj.code.replace("/", "_"), rows, {"device": obj.code})
    if export:
        return export
    return render(
        request,
        "analysis/losses_device.html",
        {
            "device": obj,
            "row": row,
            "table": figure_table(row),
            "fig_waterfall": waterfall_figure(row, f"{obj.code}"),
            "fig_overlay": overlay_figure(overlay_panels(rows)),
            "method": METHOD,
            "mismatch_method": MISMATCH_METHOD,
        },
    )


@login_required
def variant(request: HttpRequest, pk: int) -> HttpResponse:
    obj = scoped_or_404(Variant, request.user, pk, ("batch",))
    devices = Device.objects.filter(substrate__variant=obj)
    if request.GET.get("export") in FORMATS:
        filters = {"batch": obj.batch.code, "variant": obj.code}
        rows = loss_columns(devices, reasons=True)
        return _export(request, obj.code.replace("/", "_"), rows, filters)
    rows = loss_columns(devices)
    summary = (variant_summaries(rows) or [None])[0]
    return render(
        request,
        "analysis/losses_variant.html",
        {
            "variant": obj,
            "summary": summary,
            "rows": [
                {
                    "row": r,
                    "cells": [_text(k, value_of(r, k)) for k, *_ in FIGURES],
                }
                for r in rows
            ],
            "figures": [
                {
                    "label": label,
                    "unit": unit,
                    "median": _text(key, summary["figures"][key]["median"]),
                    "q1": _text(key, summary["figures"][key]["q1"]),
                    "q3": _text(key, summary["figures"][key]["q3"]),
                    "n": summary["figures"][key]["n"],
                }
                for key, label, unit, _ in FIGURES
            ]
            if summary
            else [],
            "headers": [_header(label, unit) for _, label, unit, _ in FIGURES],
            "fig_waterfall": _median_waterfall(summary, obj.code) if summary else None,
            "fig_deficit": deficit_figure(kept(rows)),
            "method": METHOD,
        },
    )


@login_required
@require_POST
def references(request: HttpRequest) -> HttpResponse:
    """Upload a reference cell response or a simulator spectrum into a project one writes in."""
    project = next(
        (p for p in projects_for(request.user) if str(p.pk) == request.POST.get("project", "")),
        None,
    )
    if project is None:
        # Not one of the user's projects: nothing is touched, and nothing says whether it exists.
        messages.error(request, "No such project among yours.")
        return redirect("losses")
    if not can_write(request.user, project.pk):
        return HttpResponse("Your role in this project is read-only.", status=403)
    back = f"{reverse('losses')}?project={project.code}"
    kind = request.POST.get("kind", "")
    upload = request.FILES.get("file")
    if kind not in SpectralReference.Kind.values or upload is None:
        messages.error(request, "Choose the kind of file and a file.")
        return redirect(back)
    data = upload.read(5_000_000 + 1)
    if len(data) > 5_000_000:
        messages.error(request, f"{upload.name}: larger than 5 MB; a spectrum is a small table.")
        return redirect(back)
    try:
        table = read_two_columns(data.decode("utf-8", errors="replace"), kind)
    except ValueError as exc:
        messages.error(request, f"{upload.name}: {exc}")
        return redirect(back)
    sha = hashlib.sha256(data).hexdigest()
    _, created = SpectralReference.objects.get_or_create(
        project=project,
        code=f"{kind}-{sha[:12]}",
        defaults={
            "kind": kind,
            "original_filename": upload.name[:255],
            "sha256": sha,
            "wavelength_nm": table.wavelength_nm,
            "values": table.values,
            "unit": table.unit,
            "notes": table.notes,
            "created_by": request.user,
        },
    )
    if created:
        # The project's references are an input of every device's mismatch factor.
        transaction.on_commit(lambda: refresh_losses(project_ids=[project.pk]))
    messages.success(request, f"{upload.name}: {len(table.wavelength_nm)} points read.")
    return redirect(back)
