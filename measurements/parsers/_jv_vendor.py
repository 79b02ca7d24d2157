"""What the solar-cell testers' exports have in common: a results block that names Voc, Jsc,
FF and PCE with their units, and a curve of current (A or mA) or current density.

Shared by the LabVIEW/Keithley, ISFH, Oriel and Ossila readers, so each of them only describes
where its format keeps these things.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from . import _figures
from ._labels import describe_jv, direction_in, illumination_in, illumination_word
from ._text import key_and_unit, norm_unit, number, value_and_unit
from .base import ParseError, Series

# Result key (lower case, unit removed) -> quantity. Spellings from the exports' results blocks.
_RESULT_KEYS = {
    "voc": "voc",
    "v_oc": "voc",
    "uoc": "voc",
    "open circuit voltage": "voc",
    "jsc": "jsc",
    "j_sc": "jsc",
    "short circuit current density": "jsc",
    "isc": "isc",
    "i_sc": "isc",
    "short circuit current": "isc",
    "ff": "ff",
    "fill factor": "ff",
    "pce": "pce",
    "efficiency": "pce",
    "eff": "pce",
    "eff.": "pce",
    "eta": "pce",
    "vmp": "vmp",
    "vmpp": "vmp",
    "v_mpp": "vmp",
    "jmp": "jmp",
    "jmpp": "jmp",
    "imp": "imp",
    "impp": "imp",
    "imax": "imp",
    "vmax": "vmp",
    "pmax": "pmax",
    "pmpp": "pmax",
    "rs": "rs",
    "rser": "rs",
    "series resistance": "rs",
    "rsh": "rsh",
    "rshunt": "rsh",
    "shunt resistance": "rsh",
}


def result_key(raw_key: str) -> tuple[str | None, str]:
    """('voc', 'mV') for 'Voc (mV):', 'Voc [mV]' or 'Voc_mV'; (None, '') for other keys."""
    key, unit = key_and_unit(raw_key)
    quantity = _RESULT_KEYS.get(key)
    if quantity is None and "_" in key:  # 'Voc_mV', 'Jsc_mA/cm2'
        head, _, tail = key.partition("_")
        if head in _RESULT_KEYS and norm_unit(tail):
            quantity, unit = _RESULT_KEYS[head], tail
    return quantity, unit


def figures(
    results: dict[str, str], area_cm2: float | None, label: str, warnings: list[str]
) -> dict[str, float]:
    """Canonical instrument figures from 'key (unit)' -> 'value [unit]' pairs.

    Voltages in mV become V; currents in A or mA become mA/cm2 with the cell area (and are
    dropped, with a warning, without one); FF in % becomes a fraction.
    """
    raw: dict[str, float | None] = {}
    for raw_key, raw_value in results.items():
        quantity, key_unit = result_key(raw_key)
        if quantity is None:
            continue
        value, value_unit = value_and_unit(raw_value.strip().replace("[", " ").replace("]", ""))
        if value is None:
            continue
        unit = norm_unit(key_unit or value_unit)
        converted = _canonical(quantity, value, unit, area_cm2, label, warnings)
        if converted is not None and converted[0] not in raw:
            raw[converted[0]] = converted[1]
    return _figures.clean(raw, label, warnings)


def _canonical(
    quantity: str,
    value: float,
    unit: str,
    area: float | None,
    label: str,
    warnings: list[str],
) -> tuple[str, float] | None:
    if quantity in ("voc", "vmp"):
        # Header voltages are V unless marked mV; a bare number above 5 can only be mV.
        scale = 1e-3 if unit == "mv" or (not unit and abs(value) > 5.0) else 1.0
        return f"{quantity}_v", value * scale
    if quantity in ("jsc", "jmp"):
        if unit in ("a", "ma", "ua"):  # a current written under a density's name
            quantity = "isc" if quantity == "jsc" else "imp"
        else:
            factor = {"": 1.0, "ma/cm2": 1.0, "a/cm2": 1e3, "a/m2": 0.1}.get(unit)
            return (f"{quantity}_ma_cm2", value * factor) if factor is not None else None
    if quantity in ("isc", "imp", "pmax"):
        key = {"isc": "jsc_ma_cm2", "imp": "jmp_ma_cm2", "pmax": "pmax_mw_cm2"}[quantity]
        if quantity == "pmax" and unit in ("mw/cm2", "w/m2"):
            return key, value * (0.1 if unit == "w/m2" else 1.0)
        to_milli = {"a": 1e3, "ma": 1.0, "ua": 1e-3, "w": 1e3, "mw": 1.0, "": 1e3}.get(unit)
        if to_milli is None:
            return None
        if not area:
            warnings.append(
                f"{label}: the instrument's {quantity.capitalize()} is a current or power and "
                "the file gives no cell area; not used"
            )
            return None
        return key, value * to_milli / area
    if quantity == "ff":
        return "ff", _figures.ff_fraction(value, percent=unit == "%" if unit else None)  # type: ignore[return-value]
    if quantity == "pce":
        return "pce_percent", value * (100.0 if unit in ("fraction", "frac") else 1.0)
    if quantity in ("rs", "rsh"):
        if unit in ("", "ohmcm2", "ohm.cm2", "ωcm2", "ohm-cm2"):
            return f"{quantity}_ohm_cm2", value
        if unit in ("ohm", "ohms", "ω") and area:
            return f"{quantity}_ohm_cm2", value * area
    return None


def current_columns(
    values: np.ndarray, unit: str, area: float | None, what: str
) -> dict[str, np.ndarray]:
    """current_a (and current_density_ma_cm2 with an area) from a current in A/mA/uA, or the
    density itself from a column in mA/cm2 or A/cm2."""
    u = norm_unit(unit)
    amps = {"a": 1.0, "ma": 1e-3, "ua": 1e-6, "na": 1e-9}.get(u)
    if amps is not None:
        out = {"current_a": values * amps}
        if area:
            out["current_density_ma_cm2"] = values * amps * 1e3 / area
        return out
    density = {"ma/cm2": 1.0, "a/cm2": 1e3, "ua/cm2": 1e-3, "a/m2": 0.1}.get(u)
    if density is not None:
        return {"current_density_ma_cm2": values * density}
    raise ParseError(f"unknown unit '{unit}' for a current", column=what)


def jv_series(
    label: str,
    voltage: np.ndarray,
    current: dict[str, np.ndarray],
    meta: dict[str, Any],
    warnings: list[str],
    *,
    declared: str | None = None,
    illumination: str | None = None,
    pixel: str | None = None,
    layout_reliable: bool = True,
) -> Series:
    """One J-V curve carrying the whole direction/illumination/pixel contract."""
    series = Series(label, {"voltage_v": voltage, **current}, meta)
    describe_jv(
        series,
        warnings,
        declared=declared or direction_in(label),
        layout_reliable=layout_reliable,
        illumination=illumination or illumination_in(label),
        pixel=pixel,
    )
    return series


def illumination_of(header: dict[str, str], irradiance: float | None) -> str | None:
    """'light'/'dark' from a Mode/Illumination word, else from the stated lamp power."""
    for key in ("mode", "illumination", "light", "measurement mode", "lamp", "shutter"):
        for raw_key, value in header.items():
            if key_and_unit(raw_key)[0] == key and illumination_word(value):
                return illumination_word(value)
    if irradiance is not None:
        return "dark" if irradiance == 0 else "light"
    return None


def header_and_names(lines: list[str], delim: str, limit: int = 200) -> tuple[dict[str, str], int]:
    """`key<delim>value` pairs above the table, and the index of the column-names row: the
    first row whose first cell starts with 'Voltage'."""
    header: dict[str, str] = {}
    for i, line in enumerate(lines[:limit]):
        fields = [f.strip().strip('"') for f in line.split(delim)]
        # 'Voltage Increment (V),0.05' is a setting; the names row names its second column too.
        if fields[0].lower().startswith("voltage") and len(fields) > 1 and not number(fields[1]):
            return header, i
        if len(fields) >= 2 and fields[0]:
            header.setdefault(fields[0].rstrip(":").strip(), delim.join(fields[1:]).strip(delim))
    raise ParseError("no column-names row starting with 'Voltage' above the J-V data")


_NUMBER = re.compile(r"[-+]?\d")


def first_number(text: str) -> float | None:
    """The number at the start of a header value ('3.96\t[cm²]' -> 3.96)."""
    cell = text.strip().split("\t")[0].split()[0] if text.strip() else ""
    return number(cell) if _NUMBER.match(cell) else None
