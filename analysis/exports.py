"""Dashboard tables as CSV or Excel downloads, or as JSON for scripts: every table offers all
three (`?export=csv|xlsx|json`)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from typing import Any

from django.http import HttpResponse, JsonResponse
from openpyxl import Workbook

from core.api import attachment_header

from .compute import json_safe

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx", "json")

# Excel runs a cell starting with one of these as a formula (CSV injection); a leading tab or
# carriage return hides the sign from a glance but not from Excel.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters the XML of a workbook cannot hold (openpyxl raises IllegalCharacterError).
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# U+2028/U+2029 end a line for many readers (JavaScript, some spreadsheet imports) though the
# csv module does not quote them: written as a newline, the field is quoted and stays whole.
_LINE_SEPARATORS = str.maketrans({"\u2028": "\n", "\u2029": "\n", "\x00": ""})
# Sheet titles: no : \ / ? * [ ] (openpyxl refuses them), no apostrophe at either end (Excel
# refuses those), at most 31 characters.
_NOT_IN_TITLE = re.compile(r"[:\\/?*\[\]\x00-\x1f]")


def _safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.translate(_LINE_SEPARATORS)
    return _safe_cell(value)


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, str):
        value = _NOT_IN_XML.sub("", value)
    return _safe_cell(value)


def sheet_title(name: str) -> str:
    """A worksheet title Excel and openpyxl accept, as close to ``name`` as they allow."""
    title = _NOT_IN_TITLE.sub("_", _NOT_IN_XML.sub("", name))[:31].strip("' ")
    return title or "table"


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
        ws = wb.create_sheet(sheet_title(name))
        ws.append([_xlsx_cell(c) for c in columns])
        for row in rows:
            ws.append([_xlsx_cell(v) for v in row])
        buffer = io.BytesIO()
        wb.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
        ext = "xlsx"
    else:
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(columns)
        writer.writerows([_csv_cell(v) for v in row] for row in rows)
        response = HttpResponse(text.getvalue(), content_type="text/csv; charset=utf-8")
        ext = "csv"
    response["Content-Disposition"] = attachment_header(f"{name}.{ext}")
    response["X-Content-Type-Options"] = "nosniff"
    return response
