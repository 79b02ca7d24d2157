"""Dashboard tables as CSV or Excel downloads, or as JSON for scripts: every table offers all
three (`?export=csv|xlsx|json`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from django.http import HttpResponse, JsonResponse
from openpyxl import Workbook

from .compute import json_safe

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx", "json")


def _safe_cell(value: Any) -> Any:
    # A cell starting with = + - @ would run as a formula in Excel (CSV injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


_PLAIN = frozenset({str, int, bool, type(None)})


def _cell(value: Any) -> Any:
    """A JSON-safe cell: the common types pass as they are (10,000-row tables); NaN and
    infinities become null; anything else goes through json_safe."""
    kind = type(value)
    if kind is float:
        return value if value - value == 0 else None  # False for NaN and +-inf
    return value if kind in _PLAIN else json_safe(value)


def table_response(
    name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str
) -> HttpResponse:
    if fmt == "json":
        # Columns once and rows as lists: half the size of one object per row, and
        # pandas.DataFrame(body["rows"], columns=body["columns"]) reads it as it is.
        body = {"name": name, "columns": list(columns), "rows": [list(map(_cell, r)) for r in rows]}
        response = JsonResponse(body, json_dumps_params={"separators": (",", ":")})
        response["X-Content-Type-Options"] = "nosniff"
        return response
    if fmt == "xlsx":
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(name[:31])
        ws.append(list(columns))
        for row in rows:
            ws.append([_safe_cell(v) for v in row])
        buffer = io.BytesIO()
        wb.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
        ext = "xlsx"
    else:
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(columns)
        writer.writerows([_safe_cell(v) for v in row] for row in rows)
        response = HttpResponse(text.getvalue(), content_type="text/csv; charset=utf-8")
        ext = "csv"
    response["Content-Disposition"] = f'attachment; filename="{name}.{ext}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
