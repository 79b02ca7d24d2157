"""Shimadzu UVProbe ASCII export (".txt"; UV-1800/2600/3600, "File > Save As > ASCII").

Layout (as UVProbe writes it; the layout the public readers taucauto and Till Biskup's
UVvisShimadzuASCIIRead, and UV-3600i scripts document):

    "PbS film A - RawData"          quoted sample name (UVProbe appends " - RawData")
    "Wavelength nm.","Abs."         y column: "Abs.", "%T" / "T%", "R%" (reflectance)
    1100.00,0.1234                  comma-separated; tab- or space-separated with a
    ...                             decimal comma ("1100,00<TAB>0,1234") in European locales

Several spectra exported together follow one another, each with its own two header lines.
"""

from __future__ import annotations

import re
from typing import Any

from ._text import numeric_table, split_lines
from ._uvvis import file_conversion, spectrum_columns, y_mode
from .base import Format, ParsedMeasurement, ParseError, Series

NAME = "shimadzu"
KIND = "absorbance"
_X_WORD = re.compile(r'^\s*"?wavelength\s+nm\.?"?\s*$', re.IGNORECASE)


def _header_cells(line: str) -> tuple[list[str], str | None] | None:
    """The cells of a 'Wavelength nm.' header line and its separator, else None."""
    for delim in ('","', "\t", ",", ";", None):
        if delim == '","':
            if '","' not in line:
                continue
            cells, sep = line.split(","), ","
        elif delim is None:
            # Space-separated: '"Wavelength nm." "Abs."' - split on the quotes.
            cells, sep = re.findall(r'"[^"]*"|\S+', line), None
        else:
            if delim not in line:
                continue
            cells, sep = line.split(delim), delim
        cells = [c.strip() for c in cells if c.strip()]
        if len(cells) == 2 and _X_WORD.match(cells[0]):
            return [c.strip('"').strip() for c in cells], sep
    return None


def sniff(text: str, filename: str = "") -> float:
    head = split_lines(text[:2000].lstrip("\ufeff"))[:3]
    return 0.95 if any(_header_cells(line) for line in head) else 0.0


def parse(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    lines = split_lines(text.lstrip("\ufeff"))
    starts = [i for i, line in enumerate(lines) if _header_cells(line)]
    if not starts or starts[0] > 2:
        raise ParseError('not a UVProbe export: no \'"Wavelength nm.","Abs."\' header line')
    warnings: list[str] = []
    series: list[Series] = []
    header: dict[str, str] = {}
    for number, start in enumerate(starts):
        cells, sep = _header_cells(lines[start])  # type: ignore[misc]
        name = _name(lines[start - 1]) if start > 0 else ""
        name = name or (filename.rsplit("/", 1)[-1].rsplit(".", 1)[0] if number == 0 else "")
        name = name or f"spectrum {number + 1}"
        mode = y_mode(cells[1])
        if mode is None:
            raise ParseError(
                f"the spectrum '{name}' is in '{cells[1]}'; cqdlab reads absorbance (Abs.) or "
                "transmittance (%T) from a UVProbe file",
                line=start + 1,
            )
        stop = _block_end(
            lines, start + 1, starts[number + 1] if number + 1 < len(starts) else None
        )
        table = numeric_table(lines, start + 1, stop, ["Wavelength nm.", cells[1]], sep)
        what = name if len(starts) > 1 else ""
        columns, meta = spectrum_columns(table[:, 0], table[:, 1], mode, warnings, what)
        series.append(Series(name, columns, meta))
        header[f"{name}: y"] = cells[1]
        if any("," in lines[i] and sep != "," for i in range(start + 1, stop)):
            header[f"{name}: decimal mark"] = ","
    metadata: dict[str, Any] = {
        "sample": ", ".join(s.label for s in series),
        "instrument": "Shimadzu (UVProbe)",
        **file_conversion([s.metadata for s in series]),
    }
    return ParsedMeasurement(KIND, NAME, series, metadata, header, warnings)


def _name(line: str) -> str:
    """'"PbS film A - RawData"' -> 'PbS film A'."""
    name = line.strip().strip(",;\t").strip().strip('"').strip()
    return re.sub(r"\s*-\s*RawData$", "", name, flags=re.IGNORECASE)


def _block_end(lines: list[str], first: int, next_header: int | None) -> int:
    """The data end at a blank line, the next spectrum's name line, or the end of the file."""
    stop = next_header - 1 if next_header is not None else len(lines)
    for i in range(first, stop):
        if not lines[i].strip():
            return i
    return stop


FORMAT = Format(NAME, KIND, sniff, parse)
