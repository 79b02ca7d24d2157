"""Horiba FluorEssence ASCII/CSV export (Fluorolog, FluoroMax: emission scans and decays).

FluorEssence exports the Origin worksheet behind a graph: the first column names each header
row (`Short Name`, `Long Name`, `Units`, sometimes `Comments`, `SourceName`, `TimeStamp`), the
other columns are the worksheet's X (`Wavelength`, nm; `Time`, ns) and Y columns (`S1c / R1c`,
the corrected, lamp-referenced signal; `S1c`; `S1`; `R1`), each Y belonging to the X on its
left. Then one row per point, its first cell the row number. Tab- or comma-separated.
An emission scan is a PL spectrum (one series per Y column, the corrected `S1c / R1c` first);
a time axis makes it a decay (trpl, time in ns).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ._text import (
    key_and_unit,
    number,
    numeric_table,
    parse_datetime,
    split,
    split_lines,
    unit_factor,
)
from .base import Format, ParsedMeasurement, ParseError, Series

NAME = "horiba-fluoressence"
KIND = None  # pl (emission scans) or trpl (decays)

_FIRST = re.compile(r"^\ufeff?\"?Short Name\"?([\t,;])")
_PREFERRED = ("s1c / r1c", "s1c/r1c", "s1c", "s1")


def sniff(text: str, filename: str = "") -> float:
    head = text[:3000]
    match = _FIRST.match(head)
    if match and re.search(rf"\n\"?Long Name\"?{re.escape(match.group(1))}", head):
        return 0.95
    return 0.0


def parse(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    match = _FIRST.match(text[:200])
    if match is None:
        raise ParseError("FluorEssence export without its 'Short Name' row", line=1)
    delim = match.group(1)
    lines = split_lines(text.lstrip("\ufeff"))
    rows: dict[str, list[str]] = {}
    start = None
    for i, line in enumerate(lines[:50]):
        cells = [c.strip().strip('"') for c in split(line, delim)]
        if cells and number(cells[0]) is not None:
            start = i
            break
        if cells:
            rows[cells[0]] = cells[1:]
    if start is None or "Long Name" not in rows:
        raise ParseError("FluorEssence export without 'Long Name' row or data rows")
    long_names = rows["Long Name"]
    units = rows.get("Units", [])
    padded = (units + [""] * len(long_names))[: len(long_names)]
    names = ["row"] + [f"{n} ({u})" if u else n for n, u in zip(long_names, padded, strict=True)]
    table = numeric_table(lines, start, len(lines), names, delim, allow_empty=True)
    pairs = _pairs(long_names)
    if not pairs:
        raise ParseError(
            "FluorEssence export without an X column ('Wavelength' or 'Time') before its signals",
            line=2,
        )
    x_name = long_names[pairs[0][0]].lower()
    kind = "trpl" if x_name.startswith("time") else "pl"
    if kind_hint is not None and kind_hint != kind:
        raise ParseError(f"this FluorEssence export holds {kind} data, not {kind_hint}")

    warnings: list[str] = []
    series = []
    for x_col, y_col in sorted(pairs, key=lambda p: _rank(long_names[p[1]])):
        x, y = table[:, x_col + 1], table[:, y_col + 1]
        keep = np.isfinite(x) & np.isfinite(y)  # columns of different lengths end in blanks
        x, y = x[keep], y[keep]
        unit = units[x_col] if x_col < len(units) else ""
        if kind == "trpl":
            factor = unit_factor("time", unit or "ns")
            if factor is None:
                raise ParseError(f"time unit '{unit}' is not one cqdlab knows", line=3)
            columns = {"time_ns": x * factor * 1e9, "counts": y}
        else:
            if unit and unit.lower() != "nm":
                raise ParseError(f"the wavelength is in '{unit}'; only nm is read", line=3)
            order = np.argsort(x, kind="stable")
            columns = {"wavelength_nm": x[order], "intensity": y[order]}
        y_unit = units[y_col] if y_col < len(units) else ""
        meta: dict[str, Any] = {"signal": long_names[y_col], "signal_unit": y_unit}
        series.append(Series(long_names[y_col], columns, meta))

    header = {f"{key} {i + 1}": cell for key, cells in rows.items() for i, cell in enumerate(cells)}
    metadata: dict[str, Any] = {"instrument": "Horiba FluorEssence"}
    sources = [c for c in rows.get("SourceName", []) if c]
    stem = filename.replace("\\", "/").rsplit("/", 1)[-1].split(".")[0]
    if sources or stem:
        metadata["sample"] = sources[0] if sources else stem
    stamps = [c for c in rows.get("TimeStamp", []) if c]
    measured = parse_datetime(stamps[0], ("%m/%d/%Y %H:%M:%S",)) if stamps else None
    if measured:
        metadata["measured_at"] = measured
    for cell in rows.get("Comments", []):
        key, unit = key_and_unit(cell.split(":")[0]) if ":" in cell else ("", "")
        if key.startswith("excitation") or key.startswith("ex "):
            value = number(cell.split(":", 1)[1].strip().split()[0])
            if value is not None:
                metadata["excitation_nm"] = value
                break
    return ParsedMeasurement(kind, NAME, series, metadata, header, warnings)


def _pairs(long_names: list[str]) -> list[tuple[int, int]]:
    """(x, y) column pairs: every signal column with the X column on its left."""
    pairs = []
    x = None
    for i, name in enumerate(long_names):
        low = name.lower()
        if low.startswith("wavelength") or low.startswith("time"):
            x = i
        elif x is not None and name:
            pairs.append((x, i))
    return pairs


def _rank(name: str) -> int:
    low = " ".join(name.lower().split())
    return _PREFERRED.index(low) if low in _PREFERRED else len(_PREFERRED)


FORMAT = Format(NAME, KIND, sniff, parse)
