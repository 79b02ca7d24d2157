"""Finding the table(s) of numbers in a delimited text file, and their header rows.

Data start at the first run of at least five numeric rows (analysis-methods 13). Each line is
classified once: blank, text (no numbers), mixed (numbers and words) or numeric. A mixed line
inside a run of numbers is a broken data row, reported with its line and column later; mixed
lines above the table are `key<delim>value` metadata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import repeat

import numpy as np

from ._columns import is_unit
from ._text import MIN_POINTS, split, to_float
from .base import ParseError

BLANK, TEXT, MIXED, NUMERIC = 0, 1, 2, 3
# Bounds on one file's table, so the memory a parse takes follows the upload limit and not
# the file's shape: a line of millions of fields is refused before it is split (a 48 MB line
# of "1," took 1.6 GB), and so is a file of more lines than any instrument writes.
MAX_ROWS = 2_000_000  # lines in the file, header included
MAX_COLUMNS = 1_000  # fields in one line, whichever delimiter splits it
# Rows converted to floats at a time in the bulk read: the strings of one chunk live at once,
# not those of the whole table.
_CHUNK_CELLS = 1 << 16
_DELIMITERS: tuple[str | None, ...] = ("\t", ";", ",", None)
_NAMED_UNIT = re.compile(r"[^()\[\]]*?[\[(][^\[\]()]{0,30}[\])]")
Info = tuple[int, int, bool, list[float | None] | None]  # what classify answers, per line
Bulk = tuple[int, int, np.ndarray]  # lines [start, stop) read as one float array


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
    values: list[list[float | None] | None]  # numbers of each line, parsed once (None: bulk)
    # Lines [start, stop) read in one go as a float array (rows x fields), see _bulk_numeric.
    bulk: Bulk | None = None


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
            if "," not in cell and '"' not in cell and "'" not in cell and cell.strip():
                values.append(None)  # a word: to_float reads only quotes and decimal commas
                words += 1
                continue
            try:
                values.append(to_float(cell))
            except ValueError:
                values.append(None)
                words += 1
    return values, words


def _plain_numbers(sample: list[str], delim: str | None) -> bool:
    """Every line splits into two or more fields that ``float()`` reads: the common case,
    checked in a few C calls instead of a Python loop over every cell."""
    if delim is None:
        tokens = " ".join(sample).split()
        if len(tokens) < 2 * len(sample) or any(len(line.split()) < 2 for line in sample):
            return False
    else:
        if not all(delim in line for line in sample):
            return False
        tokens = delim.join(sample).split(delim)
    try:
        list(map(float, tokens))
    except ValueError:
        return False
    return True


def _number_like(line: str) -> bool:
    """The line starts like a number (after blanks): a candidate data row."""
    s = line.lstrip()
    return bool(s) and (s[0].isdigit() or s[0] in "+-.")


def pick_delimiter(lines: list[str]) -> str | None:
    """The first delimiter (tab, semicolon, comma, whitespace) that splits nearly all
    number-looking lines into two or more numbers; else the one that splits most."""
    sample = []
    for line in lines:
        if _number_like(line):
            sample.append(line)
            if len(sample) >= 30:
                break
    best, best_score = None, 0
    for delim in _DELIMITERS:
        if delim is not None and not any(delim in line for line in sample):
            continue
        if sample and _plain_numbers(sample, delim):
            return delim  # every sampled line scores: the loop below would return it too
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


def _bulk_numeric(
    lines: list[str], start: int, stop: int, delim: str | None
) -> tuple[int, np.ndarray] | None:
    """(fields per line, values) when every line in [start, stop) has the same number of
    fields and ``float()`` reads each of them; else None.

    Then ``classify`` would call each of these lines NUMERIC with those values, so they are
    read in a few C calls (join, split, map) instead of cell by cell. Anything else (a word,
    an empty cell, a decimal comma, a ragged row) returns None and takes the careful path,
    which reports the line and column of the problem.
    """
    block = lines[start:stop]
    if len(block) < MIN_POINTS:
        return None
    if delim is None:
        counts = list(map(len, map(str.split, block)))
        nfields = counts[0]
        if nfields == 0 or counts.count(nfields) != len(counts):
            return None
    else:
        per_line = block[0].count(delim)
        if list(map(str.count, block, repeat(delim, len(block)))).count(per_line) != len(block):
            return None
        nfields = per_line + 1
    values = np.empty((len(block), nfields), dtype=np.float64)
    step = max(1, _CHUNK_CELLS // nfields)
    try:
        for at in range(0, len(block), step):
            part = block[at : at + step]
            tokens = " ".join(part).split() if delim is None else delim.join(part).split(delim)
            flat = np.fromiter(map(float, tokens), dtype=np.float64, count=len(tokens))
            values[at : at + len(part)] = flat.reshape(len(part), nfields)
    except ValueError:
        return None
    return nfields, values


def _delimiter_and_bulk(lines: list[str]) -> tuple[str | None, Bulk | None]:
    """``pick_delimiter(lines)``, and the table at the end of the file read in bulk.

    The common file is a header block, then rows of numbers to the end (trailing blank lines
    aside). When those rows are all tab-separated numbers, the delimiter is known without
    ``pick_delimiter``: its sample is the first 30 number-like lines, all of them among these
    rows (no earlier line is number-like), and each splits on tabs into two or more numbers,
    so it would answer tab. Otherwise it is asked, and the rows are tried with its answer.
    """
    stop = len(lines)
    while stop > 0 and (not lines[stop - 1] or lines[stop - 1].isspace()):
        stop -= 1
    start = 0
    while start < stop and not _number_like(lines[start]):
        start += 1
    tried_tab = start < stop and "\t" in lines[start]
    if tried_tab:
        tab = _bulk_numeric(lines, start, stop, "\t")
        if tab is not None:  # two or more fields each: lines[start] holds a tab
            return "\t", (start, stop, tab[1])
    delim = pick_delimiter(lines)
    if delim == "\t" and tried_tab:
        return delim, None  # just tried, and failed
    found = _bulk_numeric(lines, start, stop, delim)
    return delim, (start, stop, found[1]) if found is not None else None


def _classify_lines(
    lines: list[str], delim: str | None, bulk: Bulk | None
) -> tuple[list[Info], list[int], list]:
    """``classify`` for every line, and its codes and values as lists of their own. Lines
    read in bulk are numeric, with their values (None here) in the bulk array, and only
    blank lines follow them: their entries are repeated, not built one by one."""
    if bulk is None:
        info = [classify(line, delim) for line in lines]
        return info, [c[0] for c in info], [c[3] for c in info]
    start, stop, array = bulk
    head = [_classify_head(line, delim) for line in lines[:start]]
    rows, blank = stop - start, len(lines) - stop
    info = head + [(NUMERIC, array.shape[1], True, None)] * rows + [(BLANK, 0, False, [])] * blank
    codes = [c[0] for c in head] + [NUMERIC] * rows + [BLANK] * blank
    values = [c[3] for c in head] + [None] * rows + [[] for _ in range(blank)]
    return info, codes, values


def _classify_head(line: str, delim: str | None) -> Info:
    """``classify`` for a line above the table; a metadata line without the delimiter
    ('Area (cm2): 0.05' in a tab file) is one word, known without splitting it."""
    if delim is not None and delim not in line and "," not in line and line.strip():
        if '"' not in line and "'" not in line:
            if ":" in line or "=" in line:  # never in a number: no float() to fail
                return TEXT, 1, False, [None]  # what classify answers for one word
            try:
                float(line)
            except ValueError:
                return TEXT, 1, False, [None]
    return classify(line, delim)


def check_size(lines: list[str]) -> None:
    """Refuse a file past MAX_ROWS lines, or with a line of more than MAX_COLUMNS fields,
    before any line is split: a split is where the memory of a hostile file would go."""
    if len(lines) > MAX_ROWS:
        raise ParseError(
            f"the file has {len(lines):,} lines; the limit is {MAX_ROWS:,} lines "
            "(split the measurement into several files)"
        )
    # A line of L characters splits into at most L + 1 fields, whatever the delimiter: only
    # lines at least MAX_COLUMNS long are counted (in C, never split whole).
    if not lines or max(map(len, lines)) < MAX_COLUMNS:
        return
    for index, line in enumerate(lines):
        if len(line) >= MAX_COLUMNS and _too_wide(line):
            raise ParseError(
                f"more than {MAX_COLUMNS:,} fields in one line; the limit is "
                f"{MAX_COLUMNS:,} columns",
                line=index + 1,
            )


def _too_wide(line: str) -> bool:
    if any(line.count(delim) >= MAX_COLUMNS for delim in _DELIMITERS if delim is not None):
        return True
    return len(line.split(None, MAX_COLUMNS)) > MAX_COLUMNS  # at most MAX_COLUMNS + 1 parts


def find_layout(lines: list[str]) -> Layout:
    check_size(lines)
    delim, bulk = _delimiter_and_bulk(lines)
    info, codes, values = _classify_lines(lines, delim, bulk)
    runs = _runs(info, bulk)
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
    width = _width(info, *main, bulk)
    blocks, ignored, previous = [], [], 0
    for start, stop in runs:
        if (start, stop) in big and _width(info, start, stop, bulk) == width:
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
    return Layout(delim, blocks, codes, ignored, values, bulk)


def _runs(info: list[Info], bulk: Bulk | None = None) -> list[tuple[int, int]]:
    """Runs of data rows. A mixed row belongs to a run when it starts with a number or sits
    between numeric rows: it is then a data row with a bad cell, reported when read."""
    runs = []
    i, n = 0, len(info)
    # Lines read in bulk are all numeric: a run reaching them takes them in one step.
    skip_from, skip_to = (bulk[0], bulk[1]) if bulk is not None else (n, n)
    while i < n:
        if info[i][0] != NUMERIC:
            i += 1
            continue
        j = i + 1
        while j < n and (
            skip_from <= j < skip_to
            or info[j][0] == NUMERIC
            or (info[j][0] == MIXED and (info[j][2] or (j + 1 < n and info[j + 1][0] == NUMERIC)))
        ):
            j = skip_to if skip_from <= j < skip_to else j + 1
        runs.append((i, j))
        i = j
    return runs


def _width(info: list[Info], start: int, stop: int, bulk: Bulk | None = None) -> int:
    """The most common field count of the numeric rows in [start, stop)."""
    if bulk is not None and bulk[0] <= start and stop <= bulk[1]:
        return bulk[2].shape[1]  # every line read in bulk has the same count
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
