"""The metadata block of a delimited text file: `key: value`, `# key = value`, `key;value`,
`key<tab>value`, and the canonical facts in it (area, irradiance, temperature, date, ...).
"""

from __future__ import annotations

from typing import Any

from ._irradiance import has_irradiance, state_irradiance
from ._labels import direction_word, illumination_word, normalise_pixel
from ._text import (
    key_and_unit,
    parse_datetime,
    temperature_c,
    unit_factor,
    value_and_unit,
)

_AREA = {
    "area",
    "cell area",
    "active area",
    "device area",
    "pixel area",
    "pixarea",
    "sample area",
    "aperture area",
    "illuminated area",
    "mask area",
}
_IRRADIANCE = {
    "irradiance",
    "intensity",
    "light intensity",
    "power density",
    "illumination",
    "illumination intensity",
    "light power",
    "incident power",
    "pin",
    "p in",
    "light",
    "light level",
}
_SUNS = {"sun", "suns", "#sun", "# suns", "number of suns"}
_TEMPERATURE = {"temperature", "temp", "cell temperature", "sample temperature"}
_DATE = {
    "date",
    "date/time",
    "datetime",
    "date time",
    "timestamp",
    "measured",
    "measured at",
    "measurement date",
    "measurement time",
    "start time",
    "created",
    "time stamp",
}
_SAMPLE = {
    "sample",
    "sample name",
    "sample id",
    "samplename",
    "device",
    "device name",
    "device id",
    "cell id",
    "cell",
    "cell name",
    "substrate",
    "name",
    "id",
}
_OPERATOR = {"operator", "user", "username", "user name", "measured by", "experimenter"}
_RATE = {"scan rate", "sweep rate", "scan speed", "sweep speed", "ramp rate"}
_DIRECTION = {"scan direction", "direction", "sweep direction", "scan"}
_PIXEL = {"pixel", "pixel id", "px", "pixel number"}
# Keys whose value may be a word ('dark', 'lt', 'Illuminated') rather than a light level.
_ILLUMINATION = {
    "illumination",
    "light",
    "illumination mode",
    "light condition",
    "lighting",
    "lamp",
    "shutter",
    "measurement condition",
}


def key_value(line: str, delim: str | None) -> tuple[str, str] | None:
    """(key, value) of a metadata line, or None for a line that is not one."""
    s = line.strip().lstrip("#%/;* ").strip()
    if not s:
        return None
    for sep in (delim if delim not in (None, ",") else None, "=", ":", delim, "\t"):
        if sep and sep in s:
            key, _, value = s.partition(sep)
            key = key.strip().rstrip(":=").strip()
            value = value.strip().strip(",;\t").strip().strip('"').strip()
            if key:
                return key, value
    return None


def read_block(
    lines: list[str], indices: list[int], delim: str | None
) -> tuple[dict[str, str], list[str]]:
    """Key/value pairs (first occurrence wins) and the lines that are not pairs."""
    header: dict[str, str] = {}
    notes: list[str] = []
    for i in indices:
        pair = key_value(lines[i], delim)
        if pair is None:
            if lines[i].strip():
                notes.append(lines[i].strip())
        elif pair[0] not in header:
            header[pair[0]] = pair[1]
    return header, notes


def canonical(header: dict[str, str], warnings: list[str]) -> dict[str, Any]:
    """Canonical facts from raw header pairs, converted to cqdlab units."""
    meta: dict[str, Any] = {}
    date_part = time_part = None
    for raw_key, raw_value in header.items():
        key, key_unit = key_and_unit(raw_key)
        value, value_unit = value_and_unit(raw_value)
        unit = key_unit or value_unit
        if key in _AREA and value is not None and "area_cm2" not in meta:
            factor = unit_factor("area", unit or "cm2")
            if factor is not None:
                meta["area_cm2"] = value * factor
        elif key in _SUNS and value is not None and not has_irradiance(meta):
            state_irradiance(meta, value, "suns", warnings)
        elif key in _IRRADIANCE and value is not None and not has_irradiance(meta):
            state_irradiance(meta, value, unit, warnings)
        elif key in _ILLUMINATION and illumination_word(raw_value) and "illumination" not in meta:
            meta["illumination"] = illumination_word(raw_value)
        elif key in _TEMPERATURE and value is not None and "temperature_c" not in meta:
            meta["temperature_c"] = temperature_c(value, unit)
        elif key in _DATE:
            if key == "date":
                date_part = raw_value
            elif "measured_at" not in meta:
                measured = parse_datetime(raw_value)
                if measured:
                    meta["measured_at"] = measured
        elif key == "time":
            time_part = raw_value
        elif key in _SAMPLE and raw_value and "sample" not in meta:
            meta["sample"] = raw_value
        elif key in _OPERATOR and raw_value and "operator" not in meta:
            meta["operator"] = raw_value
        elif key in _RATE and value is not None and "scan_rate_mv_s" not in meta:
            factor = unit_factor("rate", unit or "mV/s")
            if factor is not None:
                meta["scan_rate_mv_s"] = value * factor
        elif (
            key in _DIRECTION
            and direction_word(raw_value)
            and "declared_scan_direction" not in meta
        ):
            meta["declared_scan_direction"] = direction_word(raw_value)
        elif key in _PIXEL and raw_value and "pixel" not in meta:
            meta["pixel_label"] = raw_value
            meta["pixel"] = normalise_pixel(raw_value)
    if "measured_at" not in meta and date_part:
        measured = parse_datetime(f"{date_part} {time_part or ''}".strip()) or parse_datetime(
            date_part
        )
        if measured:
            meta["measured_at"] = measured
    return meta
