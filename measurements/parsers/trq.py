"""`[Header]` text export of a .TRQ EQE scan (probably LOT-Oriel / Newport TracQ).

`key = "value"` header (Measurement Name, time stamp, Scan Type = "QE Scan", X/Y Units),
`//DATA//`, then `X  Y  Calculated`: X is the wavelength, Y the raw signal and Calculated
the QE in the Y unit (%). The Y column is not the QE despite `Y Units`: its values are the
detector signal, orders of magnitude below the QE.
"""

from __future__ import annotations

import numpy as np

from ._text import numeric_table, parse_datetime, split, split_lines
from .base import Format, ParsedMeasurement, ParseError, Series

NAME = "trq"
KIND = "eqe"


def sniff(text: str, filename: str = "") -> float:
    head = text[:2000].lstrip("\ufeff")
    if head.startswith("[Header]") and "//DATA//" in head:
        return 0.95
    return 0.0


def parse(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    lines = split_lines(text)
    at = next((i for i, line in enumerate(lines) if line.strip() == "//DATA//"), None)
    if at is None or at + 1 >= len(lines):
        raise ParseError("TRQ export without its '//DATA//' table")
    header: dict[str, str] = {}
    for line in lines[:at]:
        key, sep, value = line.partition("=")
        if sep:
            header[key.strip()] = value.strip().strip('"')
    names = [n.strip() for n in split(lines[at + 1], "\t")]
    table = numeric_table(lines, at + 2, len(lines), names, "\t")
    lower = [n.lower() for n in names]
    if "calculated" not in lower:
        raise ParseError(f"no 'Calculated' (QE) column; columns are: {', '.join(names)}")
    qe = table[:, lower.index("calculated")]
    y_units = header.get("Y Units", "%")
    x_units = header.get("X Units", "Wavelength (nm)")
    if "nm" not in x_units:
        raise ParseError(f"the X axis is '{x_units}'; only wavelength in nm is read")
    warnings: list[str] = []
    fraction = qe / 100.0 if "%" in y_units else qe
    order = np.argsort(table[:, 0], kind="stable")
    columns = {"wavelength_nm": table[order, 0], "eqe_fraction": fraction[order]}
    if "y" in lower:
        columns["signal"] = table[order, lower.index("y")]
    label = header.get("Measurement Name", "QE scan")
    metadata: dict[str, object] = {"sample": label}
    measured = parse_datetime(header.get("time stamp"), ("%d.%m.%Y %H:%M:%S",))
    if measured:
        metadata["measured_at"] = measured
    series = [Series(label, columns, {"instrument_figures": {}})]
    return ParsedMeasurement(KIND, NAME, series, metadata, header, warnings)


FORMAT = Format(NAME, KIND, sniff, parse)
