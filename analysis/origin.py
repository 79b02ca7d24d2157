"""Origin-ready wide export of every curve of a selection: ``/export/origin/``.

Origin (and Igor, and a spreadsheet) read a worksheet of columns with three header rows: the
long name, the unit and a comment. Curves that share one x grid share one x column (V, J_dev1,
J_dev2, ...); when the grids differ, each curve keeps its own x column beside its y (XY pairs),
so nothing is interpolated. The comment row names the device, the scan direction (J-V) and the
file; the curves are those the analysis stored for the pages (every point of a curve of up to
2,000 points, the extremes of each bucket beyond).

Selection: ``?devices=CODE,CODE`` (codes or ids), ``?batch=ID`` or ``?variant=ID`` (repeatable),
and ``kind=jv|eqe|mpp``; ``format=csv|xlsx``. Only the user's projects are read: a device,
batch or variant of another project is as unknown as one that does not exist.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from openpyxl import Workbook

from core.access import scoped
from core.api import attachment_header, is_id
from fabrication.models import Device

from .exports import csv_cell, sheet_title, xlsx_cell
from .models import EQEResult, JVResult, MPPResult

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A selection larger than this is cut (and says so in its last comment): a worksheet of
# thousands of columns helps nobody and Excel stops at 16,384.
MAX_CURVES = 500
MAX_CODES = 500


@dataclass(frozen=True)
class Axis:
    long_name: str
    unit: str


@dataclass(frozen=True)
class KindColumns:
    x: Axis
    y: Axis


KINDS = {
    "jv": KindColumns(Axis("Voltage", "V"), Axis("Current density", "mA/cm²")),
    "eqe": KindColumns(Axis("Wavelength", "nm"), Axis("EQE", "%")),
    "mpp": KindColumns(Axis("Time", "s"), Axis("PCE", "%")),
}


@dataclass(frozen=True)
class Curve:
    """One curve: its x and y values and what the comment row says about it."""

    device: str
    comment: str
    x: list[float | None]
    y: list[float | None]


def wide_rows(curves: Sequence[Curve], kind: str) -> list[list[Any]]:
    """The worksheet: long names, units, comments, then the values, column by column.

    One shared x column when every curve has the same x values; else an x column per curve.
    """
    columns = KINDS[kind]
    if not curves:
        return [[columns.x.long_name], [columns.x.unit], ["no curves in this selection"]]
    shared = all(c.x == curves[0].x for c in curves)
    long_names: list[str] = []
    units: list[str] = []
    comments: list[str] = []
    data: list[list[float | None]] = []
    if shared:
        long_names.append(columns.x.long_name)
        units.append(columns.x.unit)
        comments.append("")
        data.append(curves[0].x)
    for curve in curves:
        if not shared:
            long_names.append(columns.x.long_name)
            units.append(columns.x.unit)
            comments.append(curve.comment)
            data.append(curve.x)
        long_names.append(f"{columns.y.long_name} {curve.device}")
        units.append(columns.y.unit)
        comments.append(curve.comment)
        data.append(curve.y)
    length = max(len(column) for column in data)
    values = [[column[i] if i < len(column) else None for column in data] for i in range(length)]
    return [long_names, units, comments, *values]


def csv_bytes(rows: list[list[Any]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    for row in rows:
        writer.writerow(["" if v is None else csv_cell(v) for v in row])
    return text.getvalue().encode("utf-8-sig")  # Excel reads "µ" and "²" only with the BOM


def xlsx_bytes(rows: list[list[Any]], title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(title))
    for row in rows:
        sheet.append([xlsx_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading the selection ---------------------------------------------------------------------


def selected_devices(user, params) -> list[Device]:
    """The devices named by the query among the user's projects, in code order."""
    devices = scoped(Device.objects.all(), user)
    codes = [c.strip() for c in params.get("devices", "").split(",") if c.strip()][:MAX_CODES]
    batches = [int(b) for b in params.getlist("batch") if is_id(b)]
    variants = [int(v) for v in params.getlist("variant") if is_id(v)]
    if not (codes or batches or variants):
        return []
    ids = [int(c) for c in codes if is_id(c)]
    chosen = (
        Q(code__in=codes)
        | Q(id__in=ids)
        | Q(substrate__batch_id__in=batches)
        | Q(substrate__variant_id__in=variants)
    )
    return list(devices.filter(chosen).order_by("code"))


def _pce_percent(row: MPPResult) -> list[float | None]:
    """The MPP curve as PCE (%): stored as such, or from power or V and J at the irradiance."""
    curve = row.curve or {}
    if curve.get("pce_percent"):
        return list(curve["pce_percent"])
    irradiance = row.measurement.irradiance_mw_cm2 or 100.0
    if curve.get("power_mw_cm2"):
        return [abs(p) / irradiance * 100 if p is not None else None for p in curve["power_mw_cm2"]]
    v, j = curve.get("voltage_v", []), curve.get("current_density_ma_cm2", [])
    return [
        abs(a * b) / irradiance * 100 if a is not None and b is not None else None
        for a, b in zip(v, j, strict=False)
    ]


def selection_curves(devices: list[Device], kind: str) -> list[Curve]:
    """Every stored curve of ``kind`` of the devices, device by device, oldest first."""
    codes = {d.id: d.code for d in devices}
    model = {"jv": JVResult, "eqe": EQEResult, "mpp": MPPResult}[kind]
    rows = (
        model.objects.filter(measurement__device_id__in=list(codes))
        .select_related("measurement")
        .order_by("measurement__measured_at", "measurement_id", "index")
    )
    curves = []
    for row in rows:
        curve = row.curve or {}
        m = row.measurement
        device = codes[m.device_id]
        when = m.measured_at.strftime("%Y-%m-%d %H:%M") if m.measured_at else ""
        parts = [device]
        if kind == "jv":
            x, y = curve.get("voltage_v", []), curve.get("current_density_ma_cm2", [])
            parts.append(("dark " if row.is_dark else "") + (row.scan_direction or "scan"))
        elif kind == "eqe":
            x = curve.get("wavelength_nm", [])
            y = [100 * v if v is not None else None for v in curve.get("eqe_fraction", [])]
        else:
            x, y = curve.get("time_s", []), _pce_percent(row)
        if row.label:
            parts.append(row.label)
        parts += [m.original_filename or m.code, when]
        if x and y:
            curves.append(Curve(device, ", ".join(p for p in parts if p), list(x), list(y)))
    curves.sort(key=lambda c: c.device)  # stable: each device's curves stay in time order
    return curves


@login_required
def page(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "jv")
    if kind not in KINDS:
        kind = "jv"
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    devices = selected_devices(request.user, request.GET)
    if not devices:
        # Never says which of the names exist elsewhere: another project's are unknown too.
        raise Http404("No device of your projects in this selection.")
    curves = selection_curves(devices, kind)
    cut = len(curves) > MAX_CURVES
    rows = wide_rows(curves[:MAX_CURVES], kind)
    if cut:
        rows[2][-1] += f" (first {MAX_CURVES} of {len(curves)} curves)"
    name = f"origin-{kind}"
    if fmt == "xlsx":
        response = HttpResponse(xlsx_bytes(rows, name), content_type=XLSX)
    else:
        response = HttpResponse(csv_bytes(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = attachment_header(f"{name}.{fmt}")
    response["X-Content-Type-Options"] = "nosniff"
    return response
