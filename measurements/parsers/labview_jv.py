"""Lab-made LabVIEW + Keithley SMU J-V exports.

Two layouts, both tab separated, both naming LabVIEW or a Keithley source-meter model in the
head (`Keithley 2400`, `2450`, `2612B` ...):

- a header block of `Key (unit): value` lines (sample, date, area, irradiance, scan direction,
  pixel, and the program's own `Voc (V)`, `Jsc (mA/cm2)`, `FF (%)`, `PCE (%)`), then the
  `Voltage (V)<tab>Current (A)` table;
- the same table with two side columns, `Parameter<tab>Value`, whose first rows carry the
  figures (`Voc (V)<tab>0.61`) next to the curve and are empty below.
"""

from __future__ import annotations

import re
from typing import Any

from . import _jv_vendor
from ._labels import direction_in, illumination_in, pixel_label_in
from ._meta import canonical, key_value
from ._text import key_and_unit, numeric_rows, split_lines
from .base import Format, ParsedMeasurement, ParseError

NAME = "labview-keithley-jv"
KIND = "jv"
_SMU = re.compile(r"labview|keithley\s*(?:model\s*)?2[46]\d\d", re.I)


def sniff(text: str, filename: str = "") -> float:
    head = text[:3000]
    if head.lstrip("\ufeff").startswith("Keithley, SerialNo, Firmware:"):
        return 0.0  # HZB's own LabVIEW export, read by hzb_keithley
    first = head.lstrip("\ufeff")[:200].lower()
    if "oriel" in first or "newport" in first or first.startswith("keithley iv"):
        return 0.0
    if not _SMU.search(head):
        return 0.0
    return 0.92 if re.search(r"^\s*voltage[^\n]*\t[^\n]*current", head, re.I | re.M) else 0.0


def parse(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    lines = split_lines(text)
    names_at = next(
        (i for i, line in enumerate(lines[:300]) if line.strip().lower().startswith("voltage")),
        None,
    )
    if names_at is None:
        raise ParseError("no 'Voltage<tab>Current' column-names row above the J-V data")
    header: dict[str, str] = {}
    for line in lines[:names_at]:
        pair = key_value(line, "\t")
        if pair and pair[0] not in header:
            header[pair[0]] = pair[1]
    names = [n.strip() for n in lines[names_at].split("\t")]
    side = [n.lower() for n in names[2:4]]
    rows = [line.split("\t") for line in lines[names_at + 1 :]]
    while rows and not "".join(rows[-1]).strip():
        rows.pop()
    if side[:2] == ["parameter", "value"]:
        for fields in rows:
            if len(fields) >= 4 and fields[2].strip():
                header.setdefault(fields[2].strip(), fields[3].strip())
        rows = [fields[:2] for fields in rows]
    table = numeric_rows(rows, names_at + 2, names[:2])

    warnings: list[str] = []
    metadata = canonical(header, warnings)
    metadata["instrument"] = _SMU.search(text[:3000]).group(0)  # type: ignore[union-attr]
    area = metadata.get("area_cm2")
    current = _jv_vendor.current_columns(
        table[:, 1], key_and_unit(names[1])[1] or "A", area, names[1]
    )
    declared = metadata.pop("declared_scan_direction", None) or direction_in(filename, strict=True)
    pixel = metadata.pop("pixel_label", None) or pixel_label_in(filename)
    metadata.pop("pixel", None)
    illumination = (
        metadata.pop("illumination", None)
        or _jv_vendor.illumination_of(header, metadata.get("irradiance_mw_cm2"))
        or illumination_in(filename)
    )
    label = declared or "scan"
    meta: dict[str, Any] = {"instrument_figures": _jv_vendor.figures(header, area, label, warnings)}
    if area:
        meta["area_cm2"] = area
    curve = _jv_vendor.jv_series(
        label,
        table[:, 0],
        current,
        meta,
        warnings,
        declared=declared,
        illumination=illumination,
        pixel=pixel,
    )
    return ParsedMeasurement(KIND, NAME, [curve], metadata, header, warnings)


FORMAT = Format(NAME, KIND, sniff, parse)
