"""'#Singapore Solar Simulator, Python' exports: LIV (J-V) and MPPT.

`key:\\tvalue` header with `#section` lines; header voltages (minvoltage, Voc, Vmpp,
InitialVoltage) are in mV. The J-V table is V / mA cm-2 / A; the MPPT table writes its
voltage in mV as well, which the power column confirms (P = V x J / 1000).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _figures
from ._irradiance import state_irradiance
from ._labels import (
    describe_jv,
    direction_in,
    direction_word,
    illumination_in,
    illumination_word,
    normalise_pixel,
    pixel_label_in,
)
from ._text import number, numeric_table, parse_datetime, split, split_lines
from .base import Format, ParsedMeasurement, ParseError, Series

_SIGNATURE = "#Singapore Solar Simulator"


def _kind_of(text: str) -> str | None:
    head = text[:1500]
    if not head.lstrip("\ufeff").startswith(_SIGNATURE):
        return None
    if "Meas. type:\tMPPT" in head or "#MPPT data" in text[:4000]:
        return "mpp"
    return "jv"


def sniff_jv(text: str, filename: str = "") -> float:
    return 0.95 if _kind_of(text) == "jv" else 0.0


def sniff_mpp(text: str, filename: str = "") -> float:
    return 0.95 if _kind_of(text) == "mpp" else 0.0


def _read(text: str, marker: str) -> tuple[list[str], dict[str, str], int]:
    lines = split_lines(text)
    at = next((i for i, line in enumerate(lines) if line.strip() == marker), None)
    if at is None or at + 1 >= len(lines):
        raise ParseError(f"the '{marker}' section with the data table is missing")
    header: dict[str, str] = {}
    for line in lines[:at]:
        key, sep, value = line.partition("\t")
        if sep and key.strip():
            header[key.strip().rstrip(":")] = value.strip()
    return lines, header, at + 1


def _file_metadata(header: dict[str, str], filename: str, warnings: list[str]) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "sample": header.get("SampleName", ""),
        "operator": header.get("UserName"),
    }
    measured = parse_datetime(header.get("DateTime"), ("%a %b %d %H:%M:%S %Y",))
    if measured:
        metadata["measured_at"] = measured
    for key, meta_key in (("PixArea", "area_cm2"), ("temperature", "temperature_c")):
        if number(header.get(key)) is not None:
            metadata[meta_key] = number(header.get(key))
    state_irradiance(metadata, number(header.get("#sun")), "suns", warnings)
    pixel = header.get("PixelNow") or pixel_label_in(filename)
    if pixel:
        metadata["pixel_label"] = pixel
        metadata["pixel"] = normalise_pixel(pixel)
    return metadata


def _illumination(header: dict[str, str], filename: str) -> str | None:
    """'Illumination: lt' / 'dk' in the header, else the '_lt_' / '_dk_' tag of the name."""
    return illumination_word(header.get("Illumination", "")) or illumination_in(filename)


def _mv(value: float | None) -> float | None:
    """Header voltages are in mV; a value that is already volts (|V| < 5) is left alone."""
    if value is None:
        return None
    return value / 1000.0 if abs(value) > 5.0 else value


def parse_jv(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    lines, header, names_at = _read(text, "#IV data")
    names = [n.strip() for n in split(lines[names_at], "\t")]
    table = numeric_table(lines, names_at + 1, len(lines), names, "\t")
    index = {n.lower(): i for i, n in enumerate(names)}
    if "voltage" not in index or "currentdensity" not in index:
        raise ParseError(f"no Voltage and CurrentDensity columns; columns are: {', '.join(names)}")
    voltage = table[:, index["voltage"]]
    columns = {"voltage_v": voltage, "current_density_ma_cm2": table[:, index["currentdensity"]]}
    if "current" in index:
        columns["current_a"] = table[:, index["current"]]

    warnings: list[str] = []
    raw = {
        "voc_v": _mv(number(header.get("Voc"))),
        "jsc_ma_cm2": number(header.get("Jsc")),
        "ff": _figures.ff_fraction(number(header.get("FF"))),
        "pce_percent": number(header.get("Eff")),
        "pmax_mw_cm2": number(header.get("Pmpp")),
        "vmp_v": _mv(number(header.get("Vmpp"))),
        "jmp_ma_cm2": number(header.get("Jmpp")),
        # Slopes at Voc and at Jsc, the instrument's estimates of Rs and Rsh.
        "rs_ohm_cm2": number(header.get("Roc")),
        "rsh_ohm_cm2": number(header.get("Rsc")),
    }
    metadata = _file_metadata(header, filename, warnings)
    label = header.get("scandirection") or "scan"
    meta: dict[str, Any] = {"instrument_figures": _figures.clean(raw, label, warnings)}
    for key in ("area_cm2", "measured_at"):
        if key in metadata:
            meta[key] = metadata[key]
    curve = Series(label, columns, meta)
    describe_jv(
        curve,
        warnings,
        declared=direction_word(header.get("scandirection", ""))
        or direction_in(filename, strict=True),
        illumination=_illumination(header, filename),
        pixel=metadata.get("pixel_label"),
    )
    return ParsedMeasurement("jv", "singapore-jv", [curve], metadata, header, warnings)


def parse_mpp(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    lines, header, names_at = _read(text, "#MPPT data")
    names = [n.strip() for n in split(lines[names_at], "\t")]
    table = numeric_table(lines, names_at + 1, len(lines), names, "\t")
    index = {n.lower(): i for i, n in enumerate(names)}
    for need in ("time", "voltage", "currentdensity"):
        if need not in index:
            raise ParseError(f"no {need} column; columns are: {', '.join(names)}")
    voltage = table[:, index["voltage"]]
    density = table[:, index["currentdensity"]]
    warnings: list[str] = []
    columns = {"time_s": table[:, index["time"]]}
    columns["voltage_v"] = voltage * _voltage_scale(voltage, density, table, index, warnings)
    columns["current_density_ma_cm2"] = density
    if "power" in index:
        columns["power_mw_cm2"] = table[:, index["power"]]
    if "current" in index:
        columns["current_a"] = table[:, index["current"]]
    metadata = _file_metadata(header, filename, warnings)
    meta: dict[str, Any] = {"illumination": _illumination(header, filename)}
    for key in ("pixel", "pixel_label"):
        if key in metadata:
            meta[key] = metadata[key]
    start = _mv(number(header.get("InitialVoltage")))
    if start is not None:
        metadata["initial_voltage_v"] = start
    series = [Series("MPP track", columns, meta)]
    return ParsedMeasurement("mpp", "singapore-mpp", series, metadata, header, warnings)


def _voltage_scale(
    voltage: np.ndarray,
    density: np.ndarray,
    table: np.ndarray,
    index: dict[str, int],
    warnings: list[str],
) -> float:
    """1e-3 when the voltage column is in mV: checked against P = V x J where power is given."""
    if "power" in index:
        power = table[:, index["power"]]
        ok = np.abs(power) > 1e-9
        if ok.any():
            ratio = float(np.median(np.abs(voltage[ok] * density[ok] / power[ok])))
            if 300.0 < ratio < 3000.0:
                return 1e-3
            if 0.3 < ratio < 3.0:
                return 1.0
    millivolts = float(np.max(np.abs(voltage))) > 5.0
    warnings.append(
        "could not confirm the MPPT voltage unit from the power column; "
        f"took {'mV' if millivolts else 'V'} from the size of the values"
    )
    return 1e-3 if millivolts else 1.0


FORMATS = (
    Format("singapore-jv", "jv", sniff_jv, parse_jv),
    Format("singapore-mpp", "mpp", sniff_mpp, parse_mpp),
)
