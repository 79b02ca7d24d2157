"""Date-time and duration cells as seconds, so logs written by clocks read like any table.

Aging racks and MPP loggers write time as ISO date-times (`2025-01-09 17:10:21`), as pandas
or Python durations (`0 days 00:10:00`, `1 day, 02:00:00`) or as `HH:MM:SS`. A column of such
cells becomes seconds from its first row, and its header cell is renamed to say so
('Timestamp' -> 'Timestamp (s)'), before the table is looked for: the rest of the generic
reader then sees an ordinary time column. The first row's date-time (or duration) is kept,
so nothing the file said is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from ._columns import base_name, is_unit
from ._text import MIN_POINTS, to_float

_DELIMITERS = ("\t", ";", ",")
# A log row with a clock in it is a few hundred characters; longer lines are left to the
# table reader, which refuses lines too wide to be a table before splitting them.
_LONGEST = 20_000
_HINT = re.compile(r"\d:\d\d")
_STAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
_DURATION = re.compile(r"(?:(\d+) days?,? ?)?(\d+):(\d{2}):(\d{2}(?:\.\d{1,9})?)")
# Units rows under a clock column name its format ('hh:mm:ss', '[yyyy-mm-dd hh:mm:ss]').
_FORMAT = re.compile(r"[\[(]?[ymdhsz:.\- /t]+[\])]?")


@dataclass
class TimeColumn:
    index: int
    name: str  # the header cell as written ('' when there is none)
    kind: str  # "timestamp" or "duration"
    origin: str | float  # the first row: an ISO date-time, or a duration in seconds
    rows: int


def _cell(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] in "\"'" and text[-1] == text[0]:
        text = text[1:-1].strip()
    return text


def clock_seconds(cell: str) -> tuple[str, float] | None:
    """('timestamp', POSIX seconds) or ('duration', seconds) for a clock cell, else None."""
    if len(cell) > 40 or ":" not in cell:
        return None
    if _STAMP.fullmatch(cell):
        try:
            when = datetime.fromisoformat(cell)
        except ValueError:
            return None
        # A zone-less stamp is read as UTC: differences within one log are what matter.
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        return "timestamp", when.timestamp()
    match = _DURATION.fullmatch(cell)
    if match:
        days, hours, minutes, seconds = match.groups()
        total = int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + float(seconds)
        return "duration", total
    return None


def _is_number_or_empty(cell: str) -> bool:
    try:
        to_float(cell)
    except ValueError:
        return False
    return True


def clock_columns(lines: list[str]) -> tuple[list[str], list[TimeColumn]]:
    """``lines`` with clock cells turned into seconds from the first row, and the columns
    that were. Unchanged (the same list) when the file has no clock column."""
    candidates = [
        i
        for i, line in enumerate(lines)
        if ":" in line and len(line) < _LONGEST and _HINT.search(line)
    ]
    if len(candidates) < MIN_POINTS:
        return lines, []
    delim = max(_DELIMITERS, key=lambda d: sum(d in lines[i] for i in candidates[:200]))
    if not any(delim in lines[i] for i in candidates[:200]):
        return lines, []  # whitespace tables split '2025-01-09 17:10:21' in two: not read

    # A data row: its clock cells parse, every other cell is a number or empty.
    found: dict[int, dict[int, tuple[str, float]]] = {}
    for i in candidates:
        fields = lines[i].split(delim)
        clocks = {}
        for j, raw in enumerate(fields):
            value = clock_seconds(_cell(raw))
            if value is not None:
                clocks[j] = value
            elif not _is_number_or_empty(raw):
                clocks = {}
                break
        if clocks:
            found[i] = clocks
    counts: dict[tuple[int, str], int] = {}
    for clocks in found.values():
        for j, (kind, _) in clocks.items():
            counts[(j, kind)] = counts.get((j, kind), 0) + 1
    columns = sorted((j, kind) for (j, kind), n in counts.items() if n >= MIN_POINTS)
    if not columns:
        return lines, []
    return _rewrite(lines, delim, found, dict(columns))


def _rewrite(
    lines: list[str],
    delim: str,
    found: dict[int, dict[int, tuple[str, float]]],
    kinds: dict[int, str],
) -> tuple[list[str], list[TimeColumn]]:
    out = list(lines)
    origins: dict[int, float] = {}
    rows: dict[int, int] = dict.fromkeys(kinds, 0)
    names: dict[int, str] = {}
    previous = -2
    for i in sorted(found):
        fields = out[i].split(delim)
        changed = False
        for j, (kind, seconds) in found[i].items():
            if kinds.get(j) != kind:
                continue
            origin = origins.setdefault(j, seconds)
            fields[j] = repr(seconds - origin)
            rows[j] += 1
            changed = True
        if not changed:
            continue
        out[i] = delim.join(fields)
        if i != previous + 1:  # the first row of a table: its header sits above it
            _rename_header(out, i - 1, delim, kinds, names)
        previous = i
    columns = []
    for j, kind in kinds.items():
        if j not in origins:
            continue
        origin: str | float = origins[j]
        if kind == "timestamp":
            origin = datetime.fromtimestamp(origins[j], UTC).replace(tzinfo=None).isoformat()
        columns.append(TimeColumn(j, names.get(j, ""), kind, origin, rows[j]))
    return out, columns


def _rename_header(
    out: list[str], h: int, delim: str, kinds: dict[int, str], names: dict[int, str]
) -> None:
    """'Timestamp' -> 'Timestamp (s)' in the header row above a table; in a units row under
    the names ('hh:mm:ss', 'date', 's') the unit cell becomes 's'."""
    if h < 0 or not out[h].strip():
        return
    fields = out[h].split(delim)
    if all(_is_number_or_empty(f) for f in fields):
        return  # a data row whose clock cell was empty, not a header
    cells = [_cell(f) for f in fields if _cell(f)]
    # A units row under the names: nothing but units and clock formats, as wide as the names.
    units_row = (
        h >= 1
        and all(is_unit(c) or _FORMAT.fullmatch(c.lower()) for c in cells)
        and len(out[h - 1].split(delim)) == len(fields)
    )
    for j in kinds:
        if j >= len(fields):
            continue
        cell = _cell(fields[j])
        if units_row:
            names.setdefault(j, _cell(out[h - 1].split(delim)[j]))
            fields[j] = "s"
        else:
            names.setdefault(j, cell)
            fields[j] = f"{base_name(cell) or 'time'} (s)"
    out[h] = delim.join(fields)
