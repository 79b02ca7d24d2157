"""One batch: its variants' statistics, distributions and tests, the champion of each variant
with its curves, the substrate map, and its downloads."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fabrication.models import Batch

from .. import dashboards, figures
from ..figures.substrates import substrate_map
from ..kinds.mpp import _trace as mpp_trace
from ..selectors.devices import Groups, batch_device_rows, group_rows
from ..selectors.results import champion_rows
from ._common import direction, export_or_none, scoped_or_404, statistics_context


@login_required
def page(request: HttpRequest, pk: int) -> HttpResponse:
    batch = scoped_or_404(Batch, request.user, pk)
    scan = direction(request)
    # On the batch's own page the batch code heads the page: variants go by their name.
    groups = group_rows(batch_device_rows(batch, scan), "variant", with_batch=False)
    export = export_or_none(
        request,
        batch.code.replace("/", "_"),
        groups,
        {"batch": batch.code, "grouped by": "variant"},
    )
    if export:
        return export
    # Tests on substrate means unless ?per= asks for another unit (compute.stats.UNITS).
    context = statistics_context(groups, request.GET.get("per", ""))
    context["direction"] = scan
    if not context["empty"]:
        context["champions"], context["champion_figs"] = champions(
            context["stats"], groups, batch.project_id, scan
        )
        context["substrate_fig"] = substrate_map(substrates(groups))
    return render(request, "analysis/batch.html", {"batch": batch, **context})


def substrates(groups: Groups) -> list[dict[str, Any]]:
    """Each substrate with its pixels' PCE, in the order of the groups (variants)."""
    d = groups.devices
    url = dashboards.device_url_template()
    out: dict[int, dict[str, Any]] = {}
    for name, idx in groups.items():
        for i in idx.tolist():
            substrate = out.setdefault(
                int(d.substrate_ids[i]),
                {"code": d.substrate_codes[i], "group": name, "pixels": []},
            )
            device_id = int(d.ids[i])
            substrate["pixels"].append(
                {
                    "pixel": d.pixels[i] if d.pixels else "",
                    "code": d.codes[i],
                    "url": url.format(device_id),
                    "pce": d.value("pce_percent", i) if d.measured[i] else None,
                    "excluded": bool(d.excluded[i]),
                }
            )
    return list(out.values())


def _best(rows: list, scan: str) -> Any:
    """The device's J-V scan in the page's direction with the highest PCE."""
    candidates = [r for r in rows if r.scan_direction == scan and r.pce_percent is not None]
    return max(candidates, key=lambda r: r.pce_percent) if candidates else None


def champions(
    stats: list[dict], groups: Groups, project_id: int, scan: str
) -> tuple[list[dict], dict[str, dict]]:
    """One row per variant for its champion (best PCE after exclusion) and its J-V, EQE and
    MPP curves side by side, each variant in its own colour: three queries."""
    d = groups.devices
    chosen = [s for s in stats if s.get("champion_id")]
    rows = champion_rows([s["champion_id"] for s in chosen], project_id)
    by_device: dict[str, dict[int, list]] = {
        kind: {s["champion_id"]: [] for s in chosen} for kind in rows
    }
    for kind, kind_rows in rows.items():
        for r in kind_rows:
            by_device[kind].setdefault(r.measurement.device_id, []).append(r)
    table, jv, eqe, mpp = [], [], [], []
    index = {int(i): k for k, i in enumerate(d.ids.tolist())}
    for s in chosen:
        device_id, name, color = s["champion_id"], s["name"], s["color"]
        i = index[device_id]
        best = _best(by_device["jv"][device_id], scan)
        eqe_rows = [r for r in by_device["eqe"][device_id] if r.curve]
        mpp_rows = [r for r in by_device["mpp"][device_id] if r.curve]
        table.append(
            {
                "group": name,
                "color": color,
                "device": s["champion"],
                "device_id": device_id,
                **{m: d.value(m, i) for m in ("pce_percent", "voc_v", "jsc_ma_cm2", "ff")},
                "eqe_jsc": eqe_rows[-1].integrated_jsc_ma_cm2 if eqe_rows else None,
                "stabilised_pce": mpp_rows[-1].stabilized_pce_percent if mpp_rows else None,
            }
        )
        # The device code without the batch code the page is headed with: "TS1/P3".
        label = f"{name}: {s['champion'].split('/', 1)[-1]}"
        if best is not None and best.curve:
            jv.append(
                {
                    "label": label,
                    "color": color,
                    "voltage_v": best.curve.get("voltage_v", []),
                    "current_density_ma_cm2": best.curve.get("current_density_ma_cm2", []),
                    "scan_direction": best.scan_direction,
                }
            )
        if eqe_rows:
            r = eqe_rows[-1]
            eqe.append(
                {
                    "label": label,
                    "color": color,
                    "wavelength_nm": r.curve.get("wavelength_nm", []),
                    "eqe_percent": [
                        100 * v if v is not None else None for v in r.curve.get("eqe_fraction", [])
                    ],
                    "integrated_jsc_ma_cm2": r.integrated_jsc_ma_cm2,
                }
            )
        if mpp_rows:
            mpp.append({**mpp_trace(mpp_rows[-1]), "label": label, "color": color})
    # Only the curves some champion has: an empty EQE panel would be a blank plot with -1..4 axes.
    figs = {
        key: build(items)
        for key, build, items in (
            ("jv", figures.jv_figure, jv),
            ("eqe", figures.eqe_figure, eqe),
            ("mpp", figures.mpp_figure, mpp),
        )
        if items
    }
    return table, figs
