"""Ossila Solar Cell I-V Test System CSV exports.

Layout: a title line naming `Ossila`, `key,value` settings (`Device Name`, `Date`, `Start
Voltage (V)`, `End Voltage (V)`, `Voltage Increment (V)`, `Voltage Settle Time (s)`,
`Illumination (mW/cm2)`, `Device Area (cm2)`), a results table (`Results,Pixel 1,Pixel 2,...`
then one row per figure: `PCE (%)`, `FF (%)`, `Jsc (mA/cm2)`, `Voc (V)`), then a row of pixel
names over `Voltage (V),Current (A)` pairs, one pair per pixel side by side.
"""

from __future__ import annotations

from typing import Any

from . import _jv_vendor
from ._irradiance import state_irradiance
from ._labels import direction_word
from ._text import key_and_unit, numeric_table, parse_datetime, split_lines, value_and_unit
from .base import Format, ParsedMeasurement, ParseError

NAME = "ossila-iv"
KIND = "jv"


def sniff(text: str, filename: str = "") -> float:
    head = "\n".join(split_lines(text[:600])[:3]).lower()
    return 0.95 if "ossila" in head and "voltage" in text[:8000].lower() else 0.0


def parse(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    lines = split_lines(text)
    header, names_at = _jv_vendor.header_and_names(lines, ",")
    names = [n.strip().strip('"') for n in lines[names_at].split(",")]
    while names and not names[-1]:
        names.pop()
    if len(names) % 2 or any(
        not n.lower().startswith(want)
        for n, want in zip(names, ("voltage", "current") * len(names), strict=False)
    ):
        raise ParseError(
            "expected 'Voltage (V),Current (A)' pairs, one per pixel; columns are: "
            + ", ".join(names),
            line=names_at + 1,
        )
    table = numeric_table(lines, names_at + 1, len(lines), names, ",", allow_empty=True)
    pixels = _pixel_names(lines[names_at - 1] if names_at else "", len(names) // 2)
    warnings: list[str] = []
    metadata: dict[str, Any] = {"instrument": "Ossila Solar Cell I-V Test System"}
    area = None
    for raw_key, raw_value in header.items():
        key, unit = key_and_unit(raw_key)
        value = value_and_unit(raw_value.split(",")[0])[0]
        if key in ("device area", "pixel area", "area", "active area") and value:
            area = value * (0.01 if unit.lower() in ("mm2", "mm^2") else 1.0)
        elif key in ("illumination", "light intensity", "irradiance") and value is not None:
            state_irradiance(metadata, value, unit or "mW/cm2", warnings)
        elif key in ("device name", "device", "sample") and raw_value:
            metadata["sample"] = raw_value
    if area:
        metadata["area_cm2"] = area
    measured = parse_datetime(header.get("Date", ""), ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M"))
    if measured:
        metadata["measured_at"] = measured
    results = _results(lines, names_at)
    irradiance = metadata.get("irradiance_mw_cm2")
    declared = direction_word(header.get("Scan Direction", ""))
    series = []
    for n, pixel in enumerate(pixels):
        v, i = table[:, 2 * n], table[:, 2 * n + 1]
        keep = ~(v != v) & ~(i != i)  # pixels of different lengths leave empty cells
        current = _jv_vendor.current_columns(
            i[keep], key_and_unit(names[2 * n + 1])[1], area, names[2 * n + 1]
        )
        meta: dict[str, Any] = {
            "instrument_figures": _jv_vendor.figures(results.get(pixel, {}), area, pixel, warnings)
        }
        if area:
            meta["area_cm2"] = area
        series.append(
            _jv_vendor.jv_series(
                pixel,
                v[keep],
                current,
                meta,
                warnings,
                declared=declared,
                illumination="dark" if irradiance == 0 else ("light" if irradiance else None),
                pixel=pixel,
            )
        )
    return ParsedMeasurement(KIND, NAME, series, metadata, header, warnings)


def _pixel_names(line: str, count: int) -> list[str]:
    cells = [c.strip().strip('"') for c in line.split(",")]
    named = [c for c in cells if c]
    if len(named) == count:
        return named
    return [f"Pixel {n + 1}" for n in range(count)]


def _results(lines: list[str], stop: int) -> dict[str, dict[str, str]]:
    """Figure rows under `Results,Pixel 1,Pixel 2`: pixel -> {'PCE (%)': '10.2', ...}."""
    out: dict[str, dict[str, str]] = {}
    pixels: list[str] = []
    for line in lines[:stop]:
        cells = [c.strip().strip('"') for c in line.split(",")]
        if cells[0].lower() == "results":
            pixels = [c for c in cells[1:] if c]
            out = {p: {} for p in pixels}
        elif pixels and cells[0] and _jv_vendor.result_key(cells[0])[0]:
            for pixel, cell in zip(pixels, cells[1:], strict=False):
                out[pixel][cells[0]] = cell
        elif pixels and not cells[0]:
            pixels = []  # a blank line ends the results table
    return out


FORMAT = Format(NAME, KIND, sniff, parse)
