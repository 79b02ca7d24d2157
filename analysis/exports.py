"""Tables as CSV or Excel downloads: every dashboard table offers both."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from django.http import HttpResponse
from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _safe_cell(value: Any) -> Any:
    # A cell starting with = + - @ would run as a formula in Excel (CSV injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def table_response(
    name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str
) -> HttpResponse:
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
