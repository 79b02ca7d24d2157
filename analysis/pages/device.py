"""One device: lineage, figures of its measurements, results, files; its status (POST)."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.access import can_write
from fabrication import services as fabrication_services
from fabrication.models import Device

from .. import figures
from ..figures.curves import hysteresis_figure
from ..kinds import page_figures, summary_items
from ..selectors.devices import device_exclusion
from ..selectors.pages import DEVICE_LINEAGE, device_lineage, device_measurements
from ..selectors.results import result_rows_by_kind, results_for
from ._common import scoped_or_404
from .flags import flag_rows

_DIRECTION_WORDS = re.compile(r"\b(reverse|forward|rev|fwd)\b", re.IGNORECASE)


def short_label(text: str, device_code: str) -> str:
    """A curve's label without what the page already says: the device code (it heads the
    page) and the scan direction (the legend adds it once)."""
    text = (text or "").replace(device_code, "")
    text = _DIRECTION_WORDS.sub("", text)
    return re.sub(r"[\s_\-:/,()]+$|^[\s_\-:/,()]+", "", re.sub(r"\s{2,}", " ", text))


def _time_format(rows: list) -> str:
    """How a curve's time is written in its legend: not at all when the device was measured
    at one time (the heading says when), the time of day within one day, else date and time."""
    times = {
        r.measurement.measured_at.strftime("%Y-%m-%d %H:%M")
        for r in rows
        if r.measurement.measured_at
    }
    if len(times) < 2:
        return ""
    return "%H:%M" if len({t[:10] for t in times}) == 1 else "%m-%d %H:%M"


def _name(row, fmt: str, device_code: str, fallback: str) -> str:
    when = row.measurement.measured_at.strftime(fmt) if fmt and row.measurement.measured_at else ""
    parts = [when, short_label(row.label, device_code) or fallback]
    return " ".join(p for p in parts if p)


# An aged device has hundreds of scans: the page pairs its latest few, the API holds them all.
MAX_PAIRS_SHOWN = 6


def device_figures(results: dict[str, list], device_code: str) -> dict[str, dict]:
    """The device's J-V, EQE and MPP figures with short legends (no repeated code or date),
    one colour per EQE spectrum, and its forward/reverse pairs with their hysteresis index."""
    out: dict[str, dict] = {}
    jv = [r for r in results.get("jv", []) if r.curve]
    if jv:
        jv_format = _time_format(jv)
        out["jv"] = figures.jv_figure(
            [
                {
                    "label": _name(r, jv_format, device_code, f"scan {k + 1}"),
                    "voltage_v": r.curve.get("voltage_v", []),
                    "current_density_ma_cm2": r.curve.get("current_density_ma_cm2", []),
                    "scan_direction": r.scan_direction,
                    "key_points": {
                        "voc_v": r.voc_v,
                        "jsc_ma_cm2": r.jsc_ma_cm2,
                        "vmpp_v": r.vmp_v,
                        "jmpp_ma_cm2": r.jmp_ma_cm2,
                    },
                }
                for k, r in enumerate(jv)
            ]
        )
        pairs = hysteresis_pairs(jv, device_code)
        if pairs:
            out["hysteresis"] = hysteresis_figure(pairs)
    eqe = [r for r in results.get("eqe", []) if r.curve]
    if eqe:
        eqe_format = _time_format(eqe)
        out["eqe"] = figures.eqe_figure(
            [
                {
                    "label": _name(r, eqe_format, device_code, f"EQE {k + 1}")
                    if r.label
                    else short_label(r.measurement.original_filename, device_code),
                    "wavelength_nm": r.curve.get("wavelength_nm", []),
                    "eqe_percent": [
                        100 * v if v is not None else None for v in r.curve.get("eqe_fraction", [])
                    ],
                    "integrated_jsc_ma_cm2": r.integrated_jsc_ma_cm2,
                }
                for k, r in enumerate(eqe)
            ]
        )
    return out


def hysteresis_pairs(rows: list, device_code: str) -> list[dict]:
    """Reverse scans with the forward scan the analysis paired them with (figures.hysteresis)."""
    by_scan = {(r.measurement_id, r.index): r for r in rows}
    fmt = _time_format(rows)
    pairs = []
    for r in rows:
        hi = (r.figures or {}).get("hysteresis") or {}
        if r.scan_direction != "reverse" or not hi.get("forward_scan"):
            continue
        forward = by_scan.get((hi["forward_scan"]["measurement"], hi["forward_scan"]["index"]))
        if forward is None:
            continue
        pairs.append(
            {
                "title": _name(r, fmt, device_code, r.pixel or "pair"),
                "reverse": r.curve,
                "forward": forward.curve,
                "hi_pce": hi.get("hi_pce"),
                "pce_rs_percent": hi.get("pce_rs_percent"),
                "pce_fs_percent": hi.get("pce_fs_percent"),
            }
        )
    return pairs[-MAX_PAIRS_SHOWN:]


@login_required
def page(request: HttpRequest, pk: int) -> HttpResponse:
    device = scoped_or_404(Device, request.user, pk, DEVICE_LINEAGE)
    measurements = device_measurements(device)
    results = result_rows_by_kind(measurements)
    summaries = results_for(measurements, results)
    table = [
        {
            "kind": m.kind,
            "measurement": m,
            "figures": summaries[m.id],
            "summary": summary_items(m.kind, summaries[m.id]),
        }
        for m in sorted(measurements, key=lambda m: m.measured_at or m.created_at)
        if summaries[m.id] is not None
    ]
    return render(
        request,
        "analysis/device.html",
        {
            "device": device,
            "measurements": measurements,
            "figs": {**page_figures("device", results), **device_figures(results, device.code)},
            "flags": flag_rows(table),
            "table": table,
            "lineage": device_lineage(device),
            "exclusion": device_exclusion(device),
            "can_write": can_write(request.user, device.project_id),
            "statuses": Device.Status.choices,
        },
    )


@login_required
@require_POST
def status(request: HttpRequest, pk: int) -> HttpResponse:
    device = scoped_or_404(Device, request.user, pk)
    if not can_write(request.user, device.project_id):
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
