"""JASCO Spectra Manager text/CSV export (V-500/600/700 UV-vis-NIR; "Export > Text/CSV").

Layout (as Spectra Manager writes it; the JCAMP-like keys WrightTools' ``from_JASCO`` and
JASCOFiles.jl read, and WrightTools' datasets ``JASCO/*.txt`` show):

    TITLE<TAB>PbS film A                  key<TAB>value (',' in the .csv export)
    DATA TYPE<TAB>UV/VIS SPECTRUM
    ORIGIN<TAB>JASCO
    OWNER / DATE (yy/mm/dd) / TIME / SPECTROMETER/DATA SYSTEM<TAB>JASCO Corp., V-570, ...
    DELTAX, XUNITS<TAB>NANOMETERS, YUNITS<TAB>ABSORBANCE (or %T), FIRSTX, LASTX, NPOINTS, ...
    XYDATA
    2500.0000<TAB>0.10852                 x y rows, usually from long to short wavelength
    (blank line, then optionally '##### Extended Information' with more key/value lines)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._text import number, numeric_table, parse_datetime, split_lines
from ._uvvis import file_conversion, spectrum_columns, y_mode
from .base import Format, ParsedMeasurement, ParseError, Series

NAME = "jasco"
KIND = "absorbance"
_NM = {"nanometers", "nanometer", "nm"}
# JASCO writes the date in the Japanese order, two-digit year first (10/01/25 = 2010-01-25).
_DATE_FORMATS = ("%y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%y/%m/%d", "%Y/%m/%d")


def _key_value(line: str) -> tuple[str, str]:
    for sep in ("\t", ","):
        if sep in line:
            key, _, value = line.partition(sep)
            return key.strip().upper(), value.strip().strip(",").strip()
    return line.strip().upper(), ""


def sniff(text: str, filename: str = "") -> float:
    head = split_lines(text[:3000].lstrip("\ufeff"))[:40]
    keys = {_key_value(line)[0] for line in head}
    return 0.95 if {"XUNITS", "YUNITS", "XYDATA"} <= keys and keys & {"ORIGIN", "NPOINTS"} else 0.0


def parse(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    lines = split_lines(text.lstrip("\ufeff"))
    header: dict[str, str] = {}
    data_at = None
    for i, line in enumerate(lines[:200]):
        key, value = _key_value(line)
        if key == "XYDATA":
            data_at = i + 1
            break
        if key and key not in header:
            header[key] = value
    if data_at is None:
        raise ParseError("JASCO file without its 'XYDATA' line")
    x_unit, y_unit = header.get("XUNITS", ""), header.get("YUNITS", "")
    if x_unit.lower() not in _NM:
        raise ParseError(
            f"the x axis is in '{x_unit}'; only nanometers are read", line=_line(lines, "XUNITS")
        )
    mode = y_mode(y_unit)
    if mode is None:
        raise ParseError(
            f"the spectrum is in '{y_unit}'; cqdlab reads absorbance or transmittance (%T) "
            "from a JASCO file",
            line=_line(lines, "YUNITS"),
        )
    stop = next(
        (
            i
            for i in range(data_at, len(lines))
            if not lines[i].strip() or lines[i].lstrip().startswith("#")
        ),
        len(lines),
    )
    sep = (
        "\t"
        if "\t" in lines[data_at]
        else ("," if "," in lines[data_at] and "." in lines[data_at] else None)
    )
    table = numeric_table(lines, data_at, stop, [f"x ({x_unit})", f"y ({y_unit})"], sep)
    x, y = table[:, 0], table[:, 1]
    if mode == "%T" and y_unit.strip().upper() == "TRANSMITTANCE" and np.nanmax(y) <= 1.5:
        mode = "T"  # the word alone does not say the scale; 0-1 values are a fraction

    warnings: list[str] = []
    announced = number(header.get("NPOINTS"))
    if announced is not None and int(announced) != len(table):
        warnings.append(f"the header announces {int(announced)} points, the file has {len(table)}")
    for key, value in _extended(lines, stop).items():
        header.setdefault(key, value)
    columns, meta = spectrum_columns(x, y, mode, warnings)
    sample = header.get("TITLE") or header.get("SAMPLE NAME") or _stem(filename)
    metadata: dict[str, Any] = {"sample": sample, **file_conversion([meta])}
    instrument = header.get("SPECTROMETER/DATA SYSTEM", "")
    if instrument:
        metadata["instrument"] = instrument
    if header.get("OWNER"):
        metadata["operator"] = header["OWNER"]
    measured = parse_datetime(
        f"{header.get('DATE', '')} {header.get('TIME', '')}".strip(), _DATE_FORMATS
    )
    if measured:
        metadata["measured_at"] = measured
    return ParsedMeasurement(
        KIND, NAME, [Series(sample, columns, meta)], metadata, header, warnings
    )


def _line(lines: list[str], key: str) -> int | None:
    return next((i + 1 for i, line in enumerate(lines[:200]) if _key_value(line)[0] == key), None)


def _extended(lines: list[str], start: int) -> dict[str, str]:
    """Key/value lines after the data (Spectra Manager's 'Extended Information' block)."""
    out: dict[str, str] = {}
    for line in lines[start:]:
        if not line.strip() or line.lstrip().startswith(("#", "[")):
            continue
        key, value = _key_value(line)
        if key and value:
            out.setdefault(key, value)
    return out


def _stem(filename: str) -> str:
    return filename.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]


FORMAT = Format(NAME, KIND, sniff, parse)
