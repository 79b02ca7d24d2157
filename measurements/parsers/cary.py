"""Agilent (Varian) Cary UV-vis CSV, as Cary WinUV / UV Workstation exports it.

Layout (Cary 50/60/100/300/5000 "Save as CSV", the files WrightTools' ``from_Cary`` reads and
its datasets ``Cary/filters.csv`` and ``Cary50/CuPCtS_H2O_vis.csv`` show):

    row 1   sample names, one per column pair:   ``PbS-A,,PbS-B,,``
    row 2   ``Wavelength (nm),Abs,Wavelength (nm),%T,``  (y mode per sample: Abs, %T, ...)
    rows    ``x1,y1,x2,y2,`` (trailing comma; empty cells where a sample has fewer points),
            wavelengths usually descending
    blank line, then per sample a metadata block: its name, ``Collection Time: 1/15/2014
    4:59:54 PM``, ``Operator Name  :``, ``Parameter List :``, then ``Instrument   Cary 50``,
    ``X Mode   Nanometers``, ``Y Mode   Abs`` (key and value separated by a run of spaces), ...

Each sample is one series; %T samples are converted to absorbance (``_uvvis.py``).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ._text import numeric_table, parse_datetime, split_lines, unit_factor
from ._uvvis import file_conversion, spectrum_columns, y_mode
from .base import Format, ParsedMeasurement, ParseError, Series

NAME = "cary"
KIND = "absorbance"
_X_HEADER = re.compile(r"^\s*wavelength\s*\((nm|å|angstrom|um|µm)\)\s*$", re.IGNORECASE)
_SPACED_PAIR = re.compile(r"^(\S.*?)\s{2,}(\S.*)$")  # 'Instrument      Cary 50'
_INNER_GAP = re.compile(r"\S\s{2,}\S")
# Cary writes US dates whatever the locale of the Windows it runs on.
_DATE_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M %p")


def _cells(line: str) -> list[str]:
    cells = [c.strip().strip('"').strip() for c in line.split(",")]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _pairs(names_line: str, header_line: str) -> list[tuple[str, str]] | None:
    """(sample name, y word) per column pair when the two header rows have Cary's shape."""
    header = _cells(header_line)
    if len(header) < 2 or len(header) % 2:
        return None
    if not all(_X_HEADER.match(x) for x in header[0::2]):
        return None
    if not all(y.strip() for y in header[1::2]):
        return None
    names = names_line.split(",")
    names += [""] * (len(header) - len(names))
    # Names sit over the x columns; the cell over each y column is empty.
    if any(names[i].strip() for i in range(1, len(header), 2)):
        return None
    return [
        (names[i].strip().strip('"') or f"sample {i // 2 + 1}", header[i + 1])
        for i in range(0, len(header), 2)
    ]


def sniff(text: str, filename: str = "") -> float:
    head = split_lines(text[:4000].lstrip("\ufeff"))
    if len(head) < 3 or "," not in head[0]:
        return 0.0
    return 0.95 if _pairs(head[0], head[1]) else 0.0


def parse(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    lines = split_lines(text.lstrip("\ufeff"))
    pairs = _pairs(lines[0], lines[1]) if len(lines) >= 3 else None
    if not pairs:
        raise ParseError(
            "not a Cary CSV: the first two rows must name the samples and hold "
            "'Wavelength (nm),Abs' column pairs",
            line=2,
        )
    end = next((i for i in range(2, len(lines)) if not lines[i].strip()), len(lines))
    names = [f"{word} ({name})" for name, y in pairs for word in ("Wavelength", y)]
    table = numeric_table(lines, 2, end, names, ",", allow_empty=True)
    blocks = _metadata_blocks(lines, end, [name for name, _ in pairs])

    warnings: list[str] = []
    series: list[Series] = []
    x_unit = _X_HEADER.match(_cells(lines[1])[0]).group(1)  # type: ignore[union-attr]
    factor = unit_factor("length", x_unit) or 1.0
    for index, (name, word) in enumerate(pairs):
        mode = y_mode(word)
        if mode is None:
            raise ParseError(
                f"sample '{name}' is in '{word}'; cqdlab reads absorbance (Abs) or "
                "transmittance (%T) from a Cary file",
                line=2,
            )
        x, y = table[:, 2 * index], table[:, 2 * index + 1]
        present = ~np.isnan(x)
        if np.isnan(y[present]).any():
            row = 3 + int(np.flatnonzero(present & np.isnan(y))[0])
            raise ParseError(f"sample '{name}' has a wavelength without a value", line=row)
        if present.sum() < 5:
            raise ParseError(f"sample '{name}' has fewer than 5 points", line=3)
        columns, meta = spectrum_columns(x[present] * factor, y[present], mode, warnings, name)
        meta.update({k: v for k, v in blocks.get(name, {}).items() if k != "cary_parameters"})
        series.append(Series(name, columns, meta))

    header = {
        f"{name}: {key}": value
        for name, block in blocks.items()
        for key, value in block.get("cary_parameters", {}).items()
    }
    first = series[0].metadata
    metadata: dict[str, Any] = {
        "sample": series[0].label if len(series) == 1 else ", ".join(s.label for s in series),
        **{k: first[k] for k in ("instrument", "measured_at", "operator") if first.get(k)},
        **file_conversion([s.metadata for s in series]),
    }
    return ParsedMeasurement(KIND, NAME, series, metadata, header, warnings)


def _metadata_blocks(lines: list[str], start: int, names: list[str]) -> dict[str, dict[str, Any]]:
    """Per-sample facts from the blocks after the data: each opens with the sample's name."""
    blocks: dict[str, dict[str, Any]] = {}
    current: dict[str, str] | None = None
    for line in lines[start:]:
        stripped = line.strip()
        if not stripped:
            continue
        bare = stripped.rstrip(",").strip().strip('"')
        if bare in names:
            # Cary opens a block with the name twice ('name,' then 'name').
            if bare not in blocks:
                current = {}
                blocks[bare] = {"cary_parameters": current}
            continue
        if current is None:
            continue
        key, value = _pair(stripped)
        if key and key not in current:
            current[key] = value
    for block in blocks.values():
        params = block["cary_parameters"]
        if params.get("Instrument"):
            block["instrument"] = params["Instrument"]
        if params.get("Operator Name"):
            block["operator"] = params["Operator Name"]
        measured = parse_datetime(params.get("Collection Time"), _DATE_FORMATS)
        if measured:
            block["measured_at"] = measured
    return blocks


def _pair(line: str) -> tuple[str, str]:
    """'Collection Time: 1/15/2014 ...' and 'Instrument      Cary 50' alike; the colon counts
    only when what precedes it is one key (no run of spaces inside it)."""
    before, colon, after = line.partition(":")
    if colon and not _INNER_GAP.search(before.strip()):
        return before.strip(), after.strip()
    match = _SPACED_PAIR.match(line)
    return (match.group(1).strip(), match.group(2).strip()) if match else (line, "")


FORMAT = Format(NAME, KIND, sniff, parse)
