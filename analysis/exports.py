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


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: no formula start, no line separator that splits the row."""
    if isinstance(value, str):
        value = value.translate(_LINE_SEPARATORS)
    return _safe_cell(value)


def xlsx_cell(value: Any) -> Any:
    """A value as a workbook cell: no formula start, no character the XML cannot hold."""
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


# Column key -> (header with its unit, factor, decimal places) for CSV and Excel: a person
# opens them, and `pce_mean` with 15 digits is neither a header nor a number they would quote.
# FF is shown in percent, as on every page. JSON keeps the keys and full values: scripts read it.
_QUANTITY = {
    "pce": ("PCE", "%", 1.0, 2),
    "voc": ("Voc", "V", 1.0, 3),
    "jsc": ("Jsc", "mA/cm²", 1.0, 2),
    "ff": ("FF", "%", 100.0, 1),
}
_STAT_WORDS = {"mean": "mean", "std": "std", "median": "median"}


def _quantity_column(key: str) -> tuple[str, float, int] | None:
    """`pce_mean_all_measured` -> ("PCE mean, all measured (%)", 1.0, 2)."""
    key = {"pce_percent": "pce", "voc_v": "voc", "jsc_ma_cm2": "jsc"}.get(key, key)
    parts = key.split("_")
    if parts[0] not in _QUANTITY:
        return None
    label, unit, factor, places = _QUANTITY[parts[0]]
    words = [label]
    rest = parts[1:]
    if rest and rest[0] in _STAT_WORDS:
        words.append(_STAT_WORDS[rest.pop(0)])
    text = " ".join(words)
    if rest == ["all", "measured"]:
        text += ", all measured"
    elif rest:
        return None
    return f"{text} ({unit})", factor, places


COLUMN_HEADERS = {
    "group": ("Group", 1.0, None),
    "device": ("Device", 1.0, None),
    "substrate": ("Substrate", 1.0, None),
    "status": ("Status", 1.0, None),
    "excluded": ("Excluded", 1.0, None),
    "reason": ("Reason", 1.0, None),
    "flags": ("Flags", 1.0, None),
    "n_devices": ("Devices (N)", 1.0, None),
    "n_measured": ("Measured devices (n)", 1.0, None),
    "n_excluded": ("Excluded devices (n)", 1.0, None),
    "n_substrates": ("Substrates after exclusion (n)", 1.0, None),
    "yield_percent": ("Yield, of all devices (%)", 1.0, 0),
    "yield_of_measured_percent": ("Yield, of measured devices (%)", 1.0, 0),
    "champion": ("Champion device", 1.0, None),
    "champion_pce": ("Champion PCE (%)", 1.0, 2),
    "hysteresis_index": ("Hysteresis index (PCE)", 1.0, 3),
    "study": ("Study", 1.0, None),
    "variant": ("Variant", 1.0, None),
    "state": ("State", 1.0, None),
    "t80_h": ("T80 (h)", 1.0, 0),
    "ts80_h": ("Ts80 (h)", 1.0, 0),
    "t95_h": ("T95 (h)", 1.0, 0),
    "peak_ratio": ("Peak (× first value)", 1.0, 3),
    "final_ratio": ("Final (× first value)", 1.0, 3),
    "t80_extrapolated_h": ("T80 extrapolated (h)", 1.0, 0),
    "died_h": ("Died at (h)", 1.0, 1),
    "last_h": ("Last scan (h)", 1.0, 1),
    "e_s": ("Es (× first value)", 1.0, 3),
    "ts80_es_h": ("Ts80 (Es) (h)", 1.0, 0),
    "ts80_es_extrapolated_h": ("Ts80 (Es) extrapolated (h)", 1.0, 0),
}


def column_spec(key: str) -> tuple[str, float, int | None]:
    """(header with unit, factor, decimal places or None to keep the value) of a column."""
    if key in COLUMN_HEADERS:
        return COLUMN_HEADERS[key]
    quantity = _quantity_column(key)
    if quantity is not None:
        return quantity
    return key.replace("_", " ").capitalize(), 1.0, None


def _rounded(value: Any, factor: float, places: int | None) -> Any:
    if places is None or type(value) is not float or value - value != 0:
        return value
    # No decimals: an integer ("80", not "80.0").
    return round(value * factor, places) if places else round(value * factor)


def human_table(
    columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> tuple[list[str], list[list[Any]]]:
    """Headers with units and each number at the column's precision (FF in percent)."""
    specs = [column_spec(c) for c in columns]
    return (
        [spec[0] for spec in specs],
        [[_rounded(v, f, p) for v, (_, f, p) in zip(row, specs, strict=True)] for row in rows],
    )


def table_response(
    name: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: str,
    notes: dict[str, str] | None = None,
) -> HttpResponse:
    """The table as ``fmt``; ``notes`` (the filters and scan direction it was made with) go in
    a leading "# " comment line of the CSV, a sheet "About" of the workbook, and a "filters"
    object of the JSON."""
    notes = {k: str(v) for k, v in (notes or {}).items()}
    if fmt == "json":
        # Columns once and rows as lists: half the size of one object per row, and
        # pandas.DataFrame(body["rows"], columns=body["columns"]) reads it as it is.
        body = {"name": name, "columns": list(columns), "rows": [list(map(_cell, r)) for r in rows]}
        if notes:
            body["filters"] = notes
        response = JsonResponse(body, json_dumps_params={"separators": (",", ":")})
        response["X-Content-Type-Options"] = "nosniff"
        return response
    headers, shown = human_table(columns, rows)
    if fmt == "xlsx":
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(sheet_title(name))
        ws.append([xlsx_cell(c) for c in headers])
        for row in shown:
            ws.append([xlsx_cell(v) for v in row])
        if notes:
            about = wb.create_sheet("About")
            about.append(["Setting", "Value"])
            for key, value in notes.items():
                about.append([xlsx_cell(key), xlsx_cell(value)])
        buffer = io.BytesIO()
        wb.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
        ext = "xlsx"
    else:
        text = io.StringIO()
        writer = csv.writer(text)
        if notes:
            # pandas.read_csv(..., comment="#") skips it; a person sees what was exported. As
            # wide as the table, so every row has the same number of fields.
            about = "; ".join(f"{k}: {v}" for k, v in notes.items()).translate(_LINE_SEPARATORS)
            about = "# " + about.replace("\n", " ").replace("\r", " ")
            writer.writerow([about] + [""] * (len(headers) - 1))
        writer.writerow(headers)
        writer.writerows([csv_cell(v) for v in row] for row in shown)
        response = HttpResponse(text.getvalue(), content_type="text/csv; charset=utf-8")
        ext = "csv"
    response["Content-Disposition"] = attachment_header(f"{name}.{ext}")
    response["X-Content-Type-Options"] = "nosniff"
    return response


def annotated_table_response(
    name: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: str,
    about: Sequence[tuple[str, str]],
) -> HttpResponse:
    """A table with what it was drawn from (filters, method, when): CSV gets it as leading
    ``# key: value`` lines (pandas: ``read_csv(..., comment="#")``), Excel as a second sheet
    "about", JSON as an ``about`` object. Cells are made safe as in ``table_response``."""
    if fmt == "json":
        body = {
            "name": name,
            "columns": list(columns),
            "rows": [list(map(_cell, r)) for r in rows],
            "about": dict(about),
        }
        out = JsonResponse(body, json_dumps_params={"separators": (",", ":")})
        out["X-Content-Type-Options"] = "nosniff"
        return out
    if fmt == "xlsx":
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(sheet_title(name))
        ws.append([xlsx_cell(c) for c in columns])
        for row in rows:
            ws.append([xlsx_cell(v) for v in row])
        info = wb.create_sheet("about")
        for key, value in about:
            info.append([xlsx_cell(key), xlsx_cell(value)])
        buffer = io.BytesIO()
        wb.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
        response["Content-Disposition"] = attachment_header(f"{name}.xlsx")
        response["X-Content-Type-Options"] = "nosniff"
        return response
    text = io.StringIO()
    for key, value in about:
        text.write(f"# {key}: {str(value).translate(_LINE_SEPARATORS).replace(chr(10), ' ')}\n")
    csv.writer(text).writerow(columns)
    csv.writer(text).writerows([csv_cell(v) for v in row] for row in rows)
    response = HttpResponse(text.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = attachment_header(f"{name}.csv")
    response["X-Content-Type-Options"] = "nosniff"
    return response
