"""Bentham BenWin+ EQE export (`VERSION: BenWin+ Version: 4.3.0.7`).

`KEY: value` lines and `SECTION:` ... `SECTION END` blocks (scan summary, spectrum names,
integrals in mA cm-2, colorimetry), then `POINTS IN SPECTRUM END` and `wavelength  value` rows.
Lines end in CR CR LF. The file calls its values "Detector Responsivity / A W-1", but they run
to 87: they are EQE in %, and the integral they give matches the EQE reading.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._text import HC_EV_NM, number, numeric_table, parse_datetime, split, split_lines
from .base import Format, ParsedMeasurement, ParseError, Series

NAME = "bentham"
KIND = "eqe"


def sniff(text: str, filename: str = "") -> float:
    return 0.95 if text[:200].lstrip("\ufeff").startswith("VERSION: BenWin+") else 0.0


def _sections(lines: list[str]) -> tuple[dict[str, str], dict[str, list[str]], int]:
    header: dict[str, str] = {}
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped == "POINTS IN SPECTRUM END":
            return header, sections, i + 1
        if current is not None:
            # "SCAN SUMMARY START:" closes with "SCAN SUMMARY END".
            if stripped == f"{current.removesuffix(' START')} END":
                current = None
            else:
                sections[current].append(line)
            continue
        key, sep, value = stripped.partition(":")
        if sep and not value.strip() and key.isupper():
            current = key
            sections[current] = []
        elif sep:
            header[key.strip()] = value.strip()
    raise ParseError("BenWin+ export without 'POINTS IN SPECTRUM END' before the data")


def parse(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    lines = split_lines(text)
    header, sections, start = _sections(lines)
    names = [n.strip() for n in sections.get("SPECTRUM NAMES", []) if n.strip()] or ["spectrum"]
    integrals: dict[int, float] = {}
    for line in sections.get("INTEGRALS", []):
        fields = split(line, "\t")
        if len(fields) >= 3 and number(fields[0]) is not None and number(fields[2]) is not None:
            integrals[int(number(fields[0]) or 0)] = number(fields[2])  # type: ignore[assignment]
    while start < len(lines) and not lines[start].strip():
        start += 1
    width = len(split(lines[start], "\t")) if start < len(lines) else 2
    columns = ["Wavelength (nm)"] + names[: max(width - 1, 1)]
    table = numeric_table(lines, start, len(lines), columns, "\t")
    order = np.argsort(table[:, 0], kind="stable")
    table = table[order]
    wavelength = table[:, 0]

    warnings: list[str] = []
    units = header.get("MEASUREMENT TYPE/UNITS", "")
    series = []
    for col, name in enumerate(columns[1:], start=1):
        values = table[:, col]
        if float(np.max(values)) > 1.5:
            eqe = values / 100.0
            if "A W-1" in units:
                warnings.append(
                    f"{name}: the file calls the values responsivity (A/W), but they reach "
                    f"{np.max(values):.3g}; read as EQE in %"
                )
        elif "A W-1" in units:
            eqe = values * HC_EV_NM / wavelength  # responsivity (A/W) to quantum efficiency
        else:
            eqe = values
        meta: dict[str, Any] = {"instrument_figures": {}}
        if col in integrals:
            meta["instrument_figures"]["integrated_jsc_ma_cm2"] = integrals[col]
        series.append(Series(name, {"wavelength_nm": wavelength, "eqe_fraction": eqe}, meta))

    # BenWin+ appends the spectrum number to the name: "AA00_C3_20.47mAcm-2 1".
    metadata: dict[str, Any] = {"sample": names[0].rsplit(" ", 1)[0]}
    measured = parse_datetime(header.get("CREATED"), ("%A, %d %B %Y %I:%M:%S %p",))
    if measured:
        metadata["measured_at"] = measured
    for key, value in sections.items():
        header[key] = "\n".join(v.strip() for v in value)
    return ParsedMeasurement(KIND, NAME, series, metadata, header, warnings)


FORMAT = Format(NAME, KIND, sniff, parse)
