"""Finding the table(s) of numbers in a delimited text file, and their header rows.

Data start at the first run of at least five numeric rows (analysis-methods 13). Each line is
classified once: blank, text (no numbers), mixed (numbers and words) or numeric. A mixed line
inside a run of numbers is a broken data row, reported with its line and column later; mixed
lines above the table are `key<delim>value` metadata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ._columns import is_unit
from ._text import MIN_POINTS, split, to_float
from .base import ParseError

BLANK, TEXT, MIXED, NUMERIC = 0, 1, 2, 3
_DELIMITERS: tuple[str | None, ...] = ("\t", ";", ",", None)
_NAMED_UNIT = re.compile(r"[^()\[\]]*?[\[(][^\[\]()]{0,30}[\])]")


@dataclass
class Block:
    start: int  # index of the first data line
    stop: int  # index after the last data line
    ncols: int
    names: list[str] | None = None  # None: the table has no header row
    header_line: int | None = None
    groups: list[str] = field(default_factory=list)  # 'Pixel 1,,Pixel 2,,' above the names
    context: list[int] = field(default_factory=list)  # text lines between this and the last block


@dataclass
class Layout:
    delim: str | None
    blocks: list[Block]
    codes: list[int]
    ignored: list[tuple[int, int]]  # numeric runs that are not part of the table
    values: list[list[float | None]]  # numbers of each line, parsed once while classifying


def _is_number(cell: str) -> bool:
    try:
        return to_float(cell) is not None
    except ValueError:
        return False


def _numbers(fields: list[str]) -> tuple[list[float | None], int]:
    """Values of the fields (None for empty or a word) and the count of words."""
    values: list[float | None] = []
    words = 0
    for cell in fields:
        try:
            values.append(float(cell))  # the common case, without to_float's extra work
        except ValueError:
            try:
                values.append(to_float(cell))
            except ValueError:
                values.append(None)
                words += 1
    return values, words


def pick_delimiter(lines: list[str]) -> str | None:
    """The first delimiter (tab, semicolon, comma, whitespace) that splits nearly all
    number-looking lines into two or more numbers; else the one that splits most."""
    sample = []
    for line in lines:
        s = line.strip()
        if s and (s[0].isdigit() or s[0] in "+-."):
            sample.append(line)
            if len(sample) >= 30:
                break
    best, best_score = None, 0
    for delim in _DELIMITERS:
        if delim is not None and not any(delim in line for line in sample):
            continue
        score = 0
        for line in sample:
            values, words = _numbers(split(line, delim))
            if not words and sum(v is not None for v in values) >= 2:
                score += 1
        if score >= 0.9 * len(sample) and score:
            return delim
        if score > best_score:
            best, best_score = delim, score
    return best


def classify(line: str, delim: str | None) -> tuple[int, int, bool, list[float | None]]:
    """(code, field count, first field is a number, values)."""
    if not line or line.isspace():
        return BLANK, 0, False, []
    fields = split(line, delim)
    values, words = _numbers(fields)
    numbers = sum(v is not None for v in values)
    first = bool(values) and values[0] is not None
    if numbers and not words:
        return NUMERIC, len(fields), first, values
    return (MIXED if numbers else TEXT), len(fields), first, values


def find_layout(lines: list[str]) -> Layout:
    delim = pick_delimiter(lines)
    info = [classify(line, delim) for line in lines]
    codes = [c[0] for c in info]
    runs = _runs(info)
    if not runs:
        raise ParseError("unknown format: no table of numbers found in the file")
    big = [r for r in runs if r[1] - r[0] >= MIN_POINTS]
    if not big:
        start, stop = max(runs, key=lambda r: r[1] - r[0])
        _check_row_above(lines, info, start, delim)
        raise ParseError(
            f"too few points: {stop - start} data rows, at least {MIN_POINTS} are needed",
            line=start + 1,
        )
    main = max(big, key=lambda r: r[1] - r[0])
    width = _width(info, *main)
    blocks, ignored, previous = [], [], 0
    for start, stop in runs:
        if (start, stop) in big and _width(info, start, stop) == width:
            _check_row_above(lines, info, start, delim)
            block = _header(lines, info, Block(start, stop, width), delim)
            first_text = block.header_line if block.header_line is not None else start
            first_text -= 1 if block.groups else 0
            block.context = [i for i in range(previous, first_text) if codes[i] in (TEXT, MIXED)]
            blocks.append(block)
            previous = stop
        elif stop - start >= MIN_POINTS:
            ignored.append((start, stop))
    _inherit_names(blocks)
    return Layout(delim, blocks, codes, ignored, [c[3] for c in info])


def _runs(info) -> list[tuple[int, int]]:
    """Runs of data rows. A mixed row belongs to a run when it starts with a number or sits
    between numeric rows: it is then a data row with a bad cell, reported when read."""
    runs = []
    i, n = 0, len(info)
    while i < n:
        if info[i][0] != NUMERIC:
            i += 1
            continue
        j = i + 1
        while j < n and (
            info[j][0] == NUMERIC
            or (info[j][0] == MIXED and (info[j][2] or (j + 1 < n and info[j + 1][0] == NUMERIC)))
        ):
            j += 1
        runs.append((i, j))
        i = j
    return runs


def _width(info, start: int, stop: int) -> int:
    counts: dict[int, int] = {}
    for code, nfields, _, _ in info[start:stop]:
        if code == NUMERIC:
            counts[nfields] = counts.get(nfields, 0) + 1
    return max(counts, key=lambda k: (counts[k], k)) if counts else 1


def _check_row_above(lines: list[str], info, start: int, delim: str | None) -> None:
    """'abc' in the first data row turns it into a mixed line above the numbers; report it
    when a header sits above it, as 'key<delim>value' metadata has none."""
    if start >= 2 and info[start - 1][0] == MIXED and info[start - 2][0] == TEXT:
        names = split(lines[start - 2], delim)
        row = split(lines[start - 1], delim)
        if len(names) == len(row) == info[start][1]:
            for cell, name in zip(row, names, strict=False):
                if cell.strip() and not _is_number(cell):
                    raise ParseError(f"'{cell.strip()[:40]}' is not a number", start, name.strip())


def header_fields(line: str, delim: str | None, ncols: int) -> list[str]:
    """Names of a header row; with whitespace-delimited data the names may hold spaces."""
    fields = [f.strip() for f in split(line, delim)]
    if delim is not None or len(fields) == ncols:
        return fields
    for pattern in (r"\t+", r"\s{2,}"):
        parts = [p for p in re.split(pattern, line.strip()) if p]
        if len(parts) == ncols:
            return parts
    glued = [p.strip() for p in _NAMED_UNIT.findall(line[:2000])]
    return glued if len(glued) == ncols else fields


def _header(lines: list[str], info, block: Block, delim: str | None) -> Block:
    h = block.start - 1
    if h < 0 or info[h][0] != TEXT:
        return block
    fields = header_fields(lines[h], delim, block.ncols)
    nonempty = [f for f in fields if f]
    names = header_fields(lines[h - 1], delim, block.ncols) if h >= 1 else []
    units_row = nonempty and all(is_unit(f) for f in nonempty)
    if units_row and info[h - 1][0] == TEXT and len(names) == len(fields):
        block.names = [
            f"{n} ({u.strip('[]()')})" if u else n for n, u in zip(names, fields, strict=True)
        ]
        block.header_line = h - 1
    elif len(fields) >= 2 or block.ncols == 1:
        block.names = fields
        block.header_line = h
    else:
        return block
    g = block.header_line - 1
    if g >= 0 and info[g][0] == TEXT:
        cells = [c.strip() for c in split(lines[g], delim)]
        if len(cells) >= 2 and "" in cells and len(cells) <= block.ncols:
            block.groups = cells
    return block


def _inherit_names(blocks: list[Block]) -> None:
    """Blank-line-separated repeats of a table often carry the header only once."""
    names = None
    for block in blocks:
        if block.names is None and names is not None:
            block.names = names
        names = block.names or names
