"""PerkinElmer UV WinLab ASCII (`PE UV  SUBTECH  SPECTRUM  ASCII  PEDS  4.00`).

Positional header: file name, yy/mm/dd date and time (twice), operator, sample description,
instrument, serial, software, ~60 setting lines, `#HDR`, `#GR` (x unit, y unit, scale, offset,
first x, step, point count, ...), `#DATA` and `x\\ty` rows with x descending. Absorbance
(`A`) is read as is; transmittance (`%T`) is converted, A = 2 - log10(%T).

Settings lines 42-44 (1-based) hold the monochromator (grating), lamp and detector changeover
wavelengths (the layout FAIRmat's nomad-measurements reader documents; 860.8, 319.2 and 860.8 nm
on the Lambda 950/1050 files in tests/data/real/uvvis). Each changeover can leave a step in the
spectrum, so the series carries them for the absorbance analysis (``changeover_nm``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._text import number, numeric_table, parse_datetime, split_lines
from .base import Format, ParsedMeasurement, ParseError, Series

NAME = "perkinelmer"
KIND = "absorbance"
SATURATED = 10.0  # absorbance the detector cannot resolve; PE writes large values there
# 0-based header line of each changeover: monochromator (grating), lamp, detector(s).
CHANGEOVER_LINES = {
    "monochromator_change_nm": 41,
    "lamp_change_nm": 42,
    "detector_change_nm": 43,
}


def sniff(text: str, filename: str = "") -> float:
    first = text[:120].lstrip("\ufeff")
    return 0.95 if first.startswith("PE UV") and "SPECTRUM" in first else 0.0


def parse(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    lines = split_lines(text)
    marks = {line.strip(): i for i, line in enumerate(lines[:400]) if line.startswith("#")}
    if "#DATA" not in marks or "#GR" not in marks:
        raise ParseError("PerkinElmer file without its '#GR' and '#DATA' sections")
    gr = [line.strip() for line in lines[marks["#GR"] + 1 : marks["#DATA"]]]
    x_unit, y_unit = (gr + ["", ""])[:2]
    if x_unit.lower() != "nm":
        raise ParseError(f"the x axis is in '{x_unit}'; only nm is read", line=marks["#GR"] + 2)
    mode = y_unit.upper()
    if mode not in ("A", "%T"):
        raise ParseError(
            f"the spectrum is in '{y_unit}'; cqdlab reads absorbance (A) or transmittance (%T)",
            line=marks["#GR"] + 3,
        )
    names = ["Wavelength (nm)", "Absorbance (A)" if mode == "A" else "Transmittance (%T)"]
    table = numeric_table(lines, marks["#DATA"] + 1, len(lines), names, "\t")
    order = np.argsort(table[:, 0], kind="stable")
    wavelength, y = table[order, 0], table[order, 1]

    warnings: list[str] = []
    announced = number(gr[6]) if len(gr) > 6 else None
    if announced is not None and int(announced) != len(table):
        warnings.append(f"the header announces {int(announced)} points, the file has {len(table)}")
    columns: dict[str, np.ndarray] = {"wavelength_nm": wavelength}
    if mode == "A":
        absorbance = y.copy()
        masked = absorbance >= SATURATED
        if masked.any():
            absorbance[masked] = np.nan
            warnings.append(
                f"{int(masked.sum())} points at or above A = {SATURATED:g} are saturated; masked"
            )
    else:
        warnings.append("transmittance (%T) converted to absorbance, A = 2 - log10(%T)")
        columns["transmittance_percent"] = y
        absorbance = np.full_like(y, np.nan)
        positive = y > 0
        absorbance[positive] = 2.0 - np.log10(y[positive])
        if not positive.all():
            warnings.append(
                f"{int((~positive).sum())} points with transmittance <= 0: absorbance masked"
            )
    columns["absorbance"] = absorbance

    info = [line.strip() for line in lines[1:16]]
    header: dict[str, str] = {
        "file": info[1] if len(info) > 1 else "",
        "date": info[2] if len(info) > 2 else "",
        "time": info[3] if len(info) > 3 else "",
        "operator": info[6] if len(info) > 6 else "",
        "description": info[7] if len(info) > 7 else "",
        "instrument": info[10] if len(info) > 10 else "",
        "serial": info[11] if len(info) > 11 else "",
        "software": info[12] if len(info) > 12 else "",
        "x unit": x_unit,
        "y unit": y_unit,
    }
    metadata: dict[str, Any] = {
        "sample": header["file"].split(".")[0],
        "operator": header["operator"],
        "instrument": header["instrument"],
        "y_mode": y_unit,
    }
    measured = parse_datetime(f"{header['date']} {header['time']}", ("%y/%m/%d %H:%M:%S.%f",))
    if measured:
        metadata["measured_at"] = measured.split(".")[0]
    label = header["description"] or metadata["sample"]
    series_meta: dict[str, Any] = {"y_mode": y_unit, **_changeovers(lines, marks.get("#HDR"))}
    series = [Series(label, columns, series_meta)]
    return ParsedMeasurement(KIND, NAME, series, metadata, header, warnings)


def _changeovers(lines: list[str], hdr: int | None) -> dict[str, Any]:
    """The changeover wavelengths the header states, each a list (the detector line may name
    two), plus their union as ``changeover_nm``; nothing when the header is shorter than this
    layout or a line holds something other than plausible wavelengths."""
    if hdr is None or hdr <= max(CHANGEOVER_LINES.values()):
        return {}
    out: dict[str, Any] = {}
    for key, index in CHANGEOVER_LINES.items():
        values = [number(cell) for cell in lines[index].split()]
        if values and all(v is not None and 150.0 <= v <= 3500.0 for v in values):
            out[key] = values
    if out:
        out["changeover_nm"] = sorted({v for values in out.values() for v in values})
    return out


FORMAT = Format(NAME, KIND, sniff, parse)
