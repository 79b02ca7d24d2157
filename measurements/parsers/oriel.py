"""Newport/Oriel "IV Test Station" and "Keithley IV" CSV exports.

Layout: a first line naming the software (`Oriel IV Test Station`, `Newport`, or `Keithley IV`),
`key,value` settings (`Sample Name`, `Date`, `Time`, `Cell Area (cm^2)`, `Irradiance (W/m^2)`,
`Scan Direction`), a `Results` block (`Isc (A)`, `Voc (V)`, `Imax (A)`, `Vmax (V)`, `Pmax (W)`,
`Fill Factor (%)`, `Efficiency (%)`, `Jsc (mA/cm^2)`), then `Voltage (V),Current (A)[,...]`
and the curve. Dates are US month/day/year, as the software writes them.
"""

from __future__ import annotations

from typing import Any

from . import _jv_vendor
from ._irradiance import state_irradiance
from ._labels import direction_word, pixel_label_in
from ._text import key_and_unit, numeric_table, parse_datetime, split_lines, value_and_unit
from .base import Format, ParsedMeasurement, ParseError

NAME = "oriel-iv"
KIND = "jv"


def sniff(text: str, filename: str = "") -> float:
    head = "\n".join(split_lines(text[:400])[:3]).lower()
    signed = "oriel" in head or "newport" in head or head.lstrip("\ufeff").startswith("keithley iv")
    return 0.95 if signed and "voltage" in text[:6000].lower() else 0.0


def parse(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    lines = split_lines(text)
    delim = "," if lines and lines[0].count(",") >= lines[0].count("\t") else "\t"
    header, names_at = _jv_vendor.header_and_names(lines, delim)
    names = [n.strip().strip('"') for n in lines[names_at].split(delim)]
    table = numeric_table(lines, names_at + 1, len(lines), names, delim)
    warnings: list[str] = []
    metadata: dict[str, Any] = {"instrument": lines[0].split(delim)[0].strip().lstrip("\ufeff")}
    area = None
    for raw_key, raw_value in header.items():
        key, unit = key_and_unit(raw_key)
        value, value_unit = value_and_unit(raw_value)
        if key in ("cell area", "area", "device area") and value:
            area = value * (0.01 if (unit or value_unit).lower() == "mm^2" else 1.0)
        elif key in ("irradiance", "intensity", "light intensity") and value is not None:
            state_irradiance(metadata, value, unit or value_unit or "mW/cm2", warnings)
        elif key in ("sample name", "sample", "device name") and raw_value:
            metadata["sample"] = raw_value
    if area:
        metadata["area_cm2"] = area
    measured = parse_datetime(
        f"{header.get('Date', '')} {header.get('Time', '')}".strip(),
        ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%Y-%m-%d %H:%M:%S"),
    )
    if measured:
        metadata["measured_at"] = measured

    lower = [n.lower() for n in names]
    current_at = next((i for i, n in enumerate(lower) if n.startswith("current")), None)
    if current_at is None:
        raise ParseError(f"no Current column; columns are: {', '.join(names)}", line=names_at + 1)
    current_name = names[current_at]
    current = _jv_vendor.current_columns(
        table[:, current_at], key_and_unit(current_name)[1], area, current_name
    )
    label = header.get("Scan Direction") or "scan"
    meta: dict[str, Any] = {"instrument_figures": _jv_vendor.figures(header, area, label, warnings)}
    if area:
        meta["area_cm2"] = area
    irradiance = metadata.get("irradiance_mw_cm2")
    pixel = pixel_label_in(filename)
    curve = _jv_vendor.jv_series(
        label,
        table[:, 0],
        current,
        meta,
        warnings,
        declared=direction_word(header.get("Scan Direction", "")),
        illumination=_jv_vendor.illumination_of(header, irradiance),
        pixel=pixel,
    )
    return ParsedMeasurement(KIND, NAME, [curve], metadata, header, warnings)


FORMAT = Format(NAME, KIND, sniff, parse)
