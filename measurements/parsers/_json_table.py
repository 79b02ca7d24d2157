"""A table written as JSON, for the generic reader: a list of records, or columns as arrays.

    [{"Voltage (V)": 0.0, "Current density (mA/cm2)": -21.3}, ...]
    {"sample": "B1", "data": {"V": [0.0, 0.1, ...], "J (mA/cm2)": [-21.3, ...]}}

The table may sit at the top or under a key ("data", "table", "measurements", ...); the column
names are read with the same vocabulary as delimited text. Scalars at the top level (and in a
"metadata" / "parameters" object) are the file's metadata. Cells must be numbers (or numeric
strings, or null for a gap); a column of date-times or durations becomes seconds from its first
row; a column of words (a pixel name per record) is left out.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ._columns import base_name
from ._text import to_float
from ._timecols import TimeColumn, clock_seconds
from .base import ParseError

_TABLE_KEYS = ("data", "table", "measurements", "values", "results", "rows", "records", "points")
_META_KEYS = ("metadata", "meta", "header", "parameters", "settings", "info")
_MAX_DEPTH = 4
# The same bounds as a delimited table (_table.py): memory follows the upload, not its shape.
_MAX_COLUMNS = 1_000
_MAX_ROWS = 2_000_000


@dataclass
class JsonTable:
    names: list[str]
    columns: list[list[float]]  # NaN marks a gap
    header: dict[str, str]
    row_word: str  # "record" or "row", for messages
    notes: list[str] = field(default_factory=list)  # what was left out or converted, and why
    clocks: list[TimeColumn] = field(default_factory=list)  # columns read from date-times


def looks_like_json(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[")


def load(text: str) -> Any:
    try:
        return json.loads(text.lstrip("\ufeff"))
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        raise ParseError(f"the JSON is broken: {getattr(exc, 'msg', exc)}", line=line) from None


def read(document: Any) -> JsonTable:
    """The table in a parsed JSON document, or a ParseError saying why there is none."""
    found = _find(document, 0)
    if found is None:
        raise ParseError(
            "the JSON holds no table: expected a list of records "
            '([{"Voltage (V)": 0.1, "Current density (mA/cm2)": -20.5}, ...]) or columns as '
            'arrays ({"Voltage (V)": [...], "Current density (mA/cm2)": [...]})'
        )
    kind, table = found
    header = _scalars(document)
    raw = _from_records(table) if kind == "record" else _from_columns(table)
    return _numeric(raw, kind, header)


def _is_records(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) > 0
        and all(isinstance(item, dict) for item in value)
        and any(_scalar_values(item) for item in value[:5])
    )


def _scalar_values(item: dict) -> int:
    return sum(isinstance(v, int | float | str) or v is None for v in item.values())


def _is_columns(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    arrays = [
        v for v in value.values() if isinstance(v, list) and v and not isinstance(v[0], dict | list)
    ]
    return len(arrays) >= 2


def _find(value: Any, depth: int) -> tuple[str, Any] | None:
    if depth > _MAX_DEPTH:
        return None
    if _is_records(value):
        return "record", value
    if _is_columns(value):
        return "row", value
    if isinstance(value, dict):
        # The usual homes of a table first ('data', 'table', ...), then the others in order.
        keys = sorted(value, key=lambda k: str(k).lower() not in _TABLE_KEYS)
        for key in keys:
            if isinstance(value[key], dict | list):
                found = _find(value[key], depth + 1)
                if found is not None:
                    return found
    return None


def _scalars(document: Any) -> dict[str, str]:
    """Top-level scalars, and those of a metadata-like object, as header text."""
    header: dict[str, str] = {}
    if not isinstance(document, dict):
        return header
    sources = [document] + [
        v for k, v in document.items() if str(k).lower() in _META_KEYS and isinstance(v, dict)
    ]
    for source in sources:
        for key, value in source.items():
            if isinstance(value, bool):
                header.setdefault(str(key), str(value).lower())
            elif isinstance(value, int | float | str) and str(key) not in header:
                header[str(key)] = str(value)
    return header


def _from_records(records: list[dict]) -> dict[str, list[Any]]:
    if len(records) > _MAX_ROWS:
        raise ParseError(f"the JSON has {len(records):,} records; the limit is {_MAX_ROWS:,}")
    names: dict[str, None] = {}
    for record in records:
        for key in record:
            names.setdefault(str(key), None)
            if len(names) > _MAX_COLUMNS:
                raise ParseError(f"the JSON records have more than {_MAX_COLUMNS:,} keys")
    return {name: [record.get(name) for record in records] for name in names}


def _from_columns(table: dict) -> dict[str, list[Any]]:
    arrays = {
        str(k): v
        for k, v in table.items()
        if isinstance(v, list) and v and not isinstance(v[0], dict | list)
    }
    if len(arrays) > _MAX_COLUMNS:
        raise ParseError(f"the JSON table has more than {_MAX_COLUMNS:,} columns")
    length = max(len(v) for v in arrays.values())
    if length > _MAX_ROWS:
        raise ParseError(f"the JSON has columns of {length:,} values; the limit is {_MAX_ROWS:,}")
    # Columns of different lengths (pixels measured over different ranges) end in gaps.
    return {k: v + [None] * (length - len(v)) for k, v in arrays.items()}


def _numeric(raw: dict[str, list[Any]], row_word: str, header: dict[str, str]) -> JsonTable:
    names: list[str] = []
    columns: list[list[float]] = []
    notes: list[str] = []
    clocks: list[TimeColumn] = []
    for name, cells in raw.items():
        if any(isinstance(c, dict | list) for c in cells):
            notes.append(f"JSON column '{name}' holds nested objects, not numbers; left out")
            continue
        if all(c is None or isinstance(c, bool) for c in cells):
            notes.append(f"JSON column '{name}' holds no numbers; left out")
            continue
        words = [c for c in cells if isinstance(c, str) and _number(c) is None]
        if not words:
            values = [_value(c, name, i, row_word) for i, c in enumerate(cells)]
        elif len(words) == sum(c is not None for c in cells) and _clock(words):
            values, kind, first = _clock_values(cells)
            clocks.append(TimeColumn(len(names), name, kind, first, len(values)))
            name = f"{base_name(name) or 'time'} (s)"
        elif len(words) == sum(c is not None for c in cells):
            notes.append(f"JSON column '{name}' holds words, not numbers; left out")
            continue
        else:
            i = next(i for i, c in enumerate(cells) if isinstance(c, str) and _number(c) is None)
            raise ParseError(
                f"{row_word} {i + 1}: '{str(cells[i])[:40]}' is not a number", column=name
            )
        names.append(name)
        columns.append(values)
    if not names:
        raise ParseError("the JSON table has no column of numbers")
    return JsonTable(names, columns, header, row_word, notes, clocks)


def _number(cell: str) -> float | None:
    try:
        return to_float(cell)
    except ValueError:
        return None


def _value(cell: Any, name: str, i: int, row_word: str) -> float:
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return math.nan
    try:
        value = _number(cell) if isinstance(cell, str) else float(cell)
    except OverflowError:  # an integer of hundreds of digits
        value = math.inf
    if value is None or not math.isfinite(value) or isinstance(cell, bool):
        raise ParseError(
            f"{row_word} {i + 1}: '{str(cell)[:40]}' is not a finite number", column=name
        )
    return value


def _clock(words: list[str]) -> bool:
    return all(clock_seconds(w.strip()) is not None for w in words)


def _clock_values(cells: list[Any]) -> tuple[list[float], str, str | float]:
    """Seconds from the first cell, the kind of clock, and the first cell's reading."""
    parsed = [None if c is None else clock_seconds(str(c).strip()) for c in cells]
    kind, origin = next(p for p in parsed if p is not None)
    values = [math.nan if p is None else p[1] - origin for p in parsed]
    if kind == "timestamp":
        return values, kind, datetime.fromtimestamp(origin, UTC).replace(tzinfo=None).isoformat()
    return values, kind, origin
