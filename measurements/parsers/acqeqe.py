"""'Measure Mode AC-EQE' export (probably Enlitech QE-R style), one or many spectra.

Each spectrum is a 6-column group: a label row (spectrum number), AM1.5G / AM1.5D / AM 0
integrated Jsc rows, `Lambda(nm)  EQE (%)  SR (A/W)  Jsc (mA/cm^2)` and the data; the last two
columns of the group hold key/value facts (Measure Mode, WL-Range, Voltage Bias, Date/Time).
Groups sit side by side (one file, many spectra) and blocks of them stack vertically.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._text import number, numeric_rows, require_points, split_lines
from .base import Format, ParsedMeasurement, ParseError, Series

NAME = "ac-eqe"
KIND = "eqe"
_WIDTH = 6
_NAMES = ("Lambda(nm)", "EQE (%)", "SR (A/W)", "Jsc (mA/cm^2)")
_INTEGRALS = {
    "am1.5g": "integrated_jsc_ma_cm2",
    "am1.5d": "integrated_jsc_am15d_ma_cm2",
    "am 0": "integrated_jsc_am0_ma_cm2",
}


def sniff(text: str, filename: str = "") -> float:
    head = text[:3000]
    return 0.95 if "AC-EQE" in head and "Lambda(nm)" in head else 0.0


def parse(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    rows = [line.split("\t") for line in split_lines(text)]
    headers = [i for i, r in enumerate(rows) if r and r[0].strip() == "Lambda(nm)"]
    if not headers:
        raise ParseError("AC-EQE file without a 'Lambda(nm)' header row")
    series: list[Series] = []
    header: dict[str, str] = {}
    for n, h in enumerate(headers):
        end = headers[n + 1] - 4 if n + 1 < len(headers) else len(rows)
        groups = [g for g in range(0, len(rows[h]), _WIDTH) if rows[h][g].strip() == "Lambda(nm)"]
        for g in groups:
            series.append(_spectrum(rows, h, end, g, header))
    return ParsedMeasurement(KIND, NAME, series, {}, header, [])


def _cell(rows: list[list[str]], i: int, j: int) -> str:
    return rows[i][j].strip() if 0 <= i < len(rows) and j < len(rows[i]) else ""


def _spectrum(rows: list[list[str]], h: int, end: int, g: int, header: dict[str, str]) -> Series:
    label = _cell(rows, h - 4, g) or str(g // _WIDTH + 1)
    figures: dict[str, float] = {}
    for i in range(max(h - 3, 0), h):
        key = _INTEGRALS.get(_cell(rows, i, g).lower())
        if key and number(_cell(rows, i, g + 1)) is not None:
            figures[key] = number(_cell(rows, i, g + 1))  # type: ignore[assignment]

    data: list[list[str]] = []
    facts: dict[str, str] = {}
    for i in range(max(h - 3, 0), end):
        key = _cell(rows, i, g + 4)
        if key:
            facts[key] = _cell(rows, i, g + 5)
        if i > h:
            cells = [_cell(rows, i, g + c) for c in range(4)]
            if any(cells):
                if len(data) < i - h - 1:
                    raise ParseError("a gap inside the spectrum (ragged rows)", line=i + 1)
                data.append(cells)
    names = [f"{name} #{label}" for name in _NAMES]
    table = numeric_rows(data, h + 2, names)
    require_points(len(table), f"spectrum {label}", line=h + 2)
    order = np.argsort(table[:, 0], kind="stable")
    table = table[order]
    for key, value in facts.items():
        header[f"{label}: {key}"] = value
    meta: dict[str, Any] = {
        "instrument_figures": figures,
        "measure_mode": facts.get("Measure Mode"),
    }
    if number(facts.get("Voltage Bias")) is not None:
        meta["bias_v"] = number(facts.get("Voltage Bias"))
    if facts.get("WL-Range"):
        meta["wavelength_range"] = facts["WL-Range"]
    if facts.get("Date/Time"):
        meta["date_time_raw"] = facts["Date/Time"]  # month-day_time, no year: not an ISO date
    columns = {
        "wavelength_nm": table[:, 0],
        "eqe_fraction": table[:, 1] / 100.0,
        "spectral_response_a_w": table[:, 2],
        "jsc_increment_ma_cm2": table[:, 3],
    }
    return Series(label=label, columns=columns, metadata=meta)


FORMAT = Format(NAME, KIND, sniff, parse)
