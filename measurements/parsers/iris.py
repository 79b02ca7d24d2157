"""HZB IRIS multi-channel J-V: the glovebox text export and two JSON generations.

Text ("Location HYDIRIS05"): `key\\tvalue` header to `--`, a figures table (one column per light
curve), `--`, then `Voltage (V)_<pixel>_<Forward|Reverse>_<Dark|Light>` / `Current Density...`
column pairs. JSON: `{"parameters", "data": [{card, channel, direction, ..., "measurements"}]}`;
the newer one carries `curve_parameters` with units in the keys, the older `parameters`
with FF and efficiency as fractions.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from . import _figures
from ._irradiance import state_irradiance
from ._labels import (
    describe_jv,
    direction_in,
    direction_word,
    illumination_from_irradiance,
    illumination_in,
    illumination_word,
    shared_column_note,
)
from ._text import (
    check_finite,
    number,
    numeric_table,
    parse_datetime,
    require_points,
    split,
    split_lines,
)
from .base import Format, ParsedMeasurement, ParseError, Series

KIND = "jv"

_TXT_FIGURES = {
    "voc": ("voc_v", 1.0),
    "jsc": ("jsc_ma_cm2", 1.0),
    "ff": ("ff", 100.0),
    "pce": ("pce_percent", 1.0),
    "v_mpp": ("vmp_v", 1.0),
    "j_mpp": ("jmp_ma_cm2", 1.0),
    "p_mpp": ("pmax_mw_cm2", 1.0),
    "r_series": ("rs_ohm_cm2", 1.0),
    "r_shunt": ("rsh_ohm_cm2", 1.0),
}


def sniff_txt(text: str, filename: str = "") -> float:
    head = text[:3000]
    if "\nLocation\tHYDIRIS" in head or ("Cell area(cm^2)" in head and "\n--\n" in head):
        return 0.95
    return 0.0


def parse_txt(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    lines = split_lines(text)
    dashes = [i for i, line in enumerate(lines) if line.strip() == "--"]
    if len(dashes) < 2:
        raise ParseError("IRIS J-V file without its two '--' separator lines")
    header: dict[str, str] = {}
    for line in lines[: dashes[0]]:
        key, _, value = line.partition("\t")
        if key.strip():
            header[key.strip()] = value.strip()
    lower = {k.lower(): v for k, v in header.items()}

    warnings: list[str] = []
    figures, facts = _txt_figures(lines, dashes[0] + 1, dashes[1], warnings)
    names_at = dashes[1] + 1
    if names_at >= len(lines):
        raise ParseError("the J-V curves are missing after the second '--' line")
    names = [n.strip() for n in split(lines[names_at], "\t")]
    if len(names) < 2 or len(names) % 2:
        raise ParseError("expected voltage / current density column pairs", line=names_at + 1)
    table = numeric_table(lines, names_at + 1, len(lines), names, "\t")
    areas = [number(a) for a in lower.get("cell area(cm^2)", "").strip("[]").split(",")]

    metadata: dict[str, Any] = {"sample": header.get("Sample", ""), "operator": header.get("User")}
    stated = number(lower.get("power density (mw/cm^2)"))
    state_irradiance(metadata, stated, "mW/cm2", warnings)
    series = []
    for col in range(0, len(names), 2):
        label = names[col].split(")_", 1)[-1]
        parts = label.split("_")
        pixel = parts[0]
        meta: dict[str, Any] = {
            "instrument_figures": figures.get(label, {}),
            **facts.get(label, {}),
        }
        index = ord(pixel.lower()) - ord("a") if len(pixel) == 1 and pixel.isalpha() else -1
        if 0 <= index < len(areas) and areas[index] is not None:
            meta["area_cm2"] = areas[index]
        columns = {"voltage_v": table[:, col], "current_density_ma_cm2": table[:, col + 1]}
        curve = Series(label=label, columns=columns, metadata=meta)
        describe_jv(
            curve,
            warnings,
            # '<pixel>_<Forward|Reverse>_<Dark|Light>'; each curve has its own voltage column.
            declared=direction_in("_".join(parts[1:])),
            illumination=illumination_in("_".join(parts[1:]))
            or illumination_from_irradiance(stated),
            pixel=pixel,
        )
        series.append(curve)

    known = [a for a in areas if a is not None]
    if known and all(a == known[0] for a in known):
        metadata["area_cm2"] = known[0]
    temperature = number(lower.get("temperature ('c)"))
    if temperature is not None:
        metadata["temperature_c"] = temperature
    measured = parse_datetime(lower.get("date"))
    if measured:
        metadata["measured_at"] = measured
    soak = number(lower.get("light soaking (s)"))
    if soak is not None:
        metadata["light_soaking_s"] = soak
    return ParsedMeasurement(KIND, "iris-txt", series, metadata, header, warnings)


def _txt_figures(
    lines: list[str], start: int, stop: int, warnings: list[str]
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, Any]]]:
    if start >= stop:
        return {}, {}
    curves = [c.strip() for c in lines[start].split("\t")[1:]]
    raw: dict[str, dict[str, float | None]] = {c: {} for c in curves}
    facts: dict[str, dict[str, Any]] = {c: {} for c in curves}
    for line in lines[start + 1 : stop]:
        fields = line.split("\t")
        key = fields[0].split("(")[0].strip().lower()
        for curve, cell in zip(curves, fields[1:], strict=False):
            if key in _TXT_FIGURES:
                name, divisor = _TXT_FIGURES[key]
                value = number(cell)
                raw[curve][name] = None if value is None else value / divisor
            elif key == "temperature" and number(cell) is not None:
                facts[curve]["temperature_c"] = number(cell)
            elif key == "time" and parse_datetime(cell, ("%d.%m.%Y %H:%M:%S",)):
                facts[curve]["measured_at"] = parse_datetime(cell, ("%d.%m.%Y %H:%M:%S",))
    return {c: _figures.clean(raw[c], c, warnings) for c in curves}, facts


# --- JSON ----------------------------------------------------------------------------------


def sniff_json(text: str, filename: str = "") -> float:
    head = text[:4000].lstrip("\ufeff \t\r\n")
    if not head.startswith("{") or '"measurements"' not in text:
        return 0.0
    if '"curve_parameters"' in text:
        return 0.95
    # The newer generation copies the curve's figures into every point instead.
    if '"J [mA/cm2]"' in text and '"data"' in text and '"Voc [V]"' in text:
        return 0.95
    return 0.0


def sniff_json_legacy(text: str, filename: str = "") -> float:
    head = text[:4000].lstrip("\ufeff \t\r\n")
    if (
        head.startswith("{")
        and '"curve_parameters"' not in text
        and '"measurements"' in text
        and '"current_density"' in text
        and '"data"' in text
        and '"pin"' in text
    ):
        return 0.9
    return 0.0


def _load(text: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        line = getattr(exc, "lineno", None)
        raise ParseError(f"the JSON is broken: {getattr(exc, 'msg', exc)}", line=line) from None
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise ParseError("the JSON has no 'data' list of curves")
    return document


def _column(points: list[Any], key: str, label: str) -> np.ndarray:
    try:
        values = np.array([float(p[key]) for p in points], dtype=np.float64)
    except (KeyError, TypeError, ValueError):
        raise ParseError(f"curve {label}: a point without a numeric '{key}'") from None
    check_finite(values, f"curve {label}, '{key}'")
    return values


_VOLTAGE_KEYS = ("V_corr [V]", "V_meas [V]", "V_set [V]")
_EXTRA_COLUMNS = (
    ("I_corr [mA]", "current_a", 1e-3),
    ("V_set [V]", "voltage_set_v", 1.0),
    ("V_raw [V]", "voltage_raw_v", 1.0),
)
# What a point of the newer generation measures; every other key in it is the curve's.
_POINT_KEYS = frozenset(
    {
        "V_set [V]",
        "V_corr [V]",
        "V_meas [V]",
        "V_raw [V]",
        "I_corr [mA]",
        "I_raw [mA]",
        "J [mA/cm2]",
        "P [mW]",
        "p [mW/cm2]",
    }
)
# This format writes every curve with its voltage ascending, whatever the sweep's direction.
_STORED = "this IRIS JSON stores each curve in voltage order"


def _curve_parameters(
    curve: dict[str, Any], points: list[Any], label: str, warnings: list[str]
) -> dict[str, Any]:
    """The curve's settings and figures: its `curve_parameters`, or (newer generation) the
    keys every point repeats, taken once from the first point."""
    if isinstance(curve.get("curve_parameters"), dict):
        return curve["curve_parameters"]
    first = points[0] if isinstance(points[0], dict) else {}
    params = {k: v for k, v in first.items() if k not in _POINT_KEYS}
    differing = sorted(
        {
            k
            for p in points[1:]
            if isinstance(p, dict)
            for k, v in params.items()
            if p.get(k, v) != v
        }
    )
    if differing:
        warnings.append(
            f"curve {label}: the figures copied into each point differ between points "
            f"({', '.join(differing[:5])}); the first point's are used"
        )
    return params


def parse_json(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    document = _load(text)
    params = document.get("parameters") if isinstance(document.get("parameters"), dict) else {}
    warnings: list[str] = []
    series = []
    generation = "curve_parameters"
    for index, curve in enumerate(document["data"]):
        if not isinstance(curve, dict) or not isinstance(curve.get("measurements"), list):
            raise ParseError(f"curve {index + 1} of the JSON has no 'measurements' list")
        label = f"{curve.get('cell', index + 1)}_{curve.get('direction', '')}".strip("_")
        points = curve["measurements"]
        require_points(len(points), f"curve {label}")
        if not isinstance(curve.get("curve_parameters"), dict):
            generation = "figures in every point"
        cp = _curve_parameters(curve, points, label, warnings)
        series.append(_json_curve(curve, points, cp, label, warnings))
    if not series:
        raise ParseError("the JSON holds no curves")
    note = shared_column_note(series, _STORED)
    if note:
        warnings.append(note)

    metadata = _common(series, ("area_cm2", "measured_at", "irradiance_mw_cm2"))
    metadata["sample"] = str(document["data"][0].get("sample", ""))
    metadata["json_generation"] = generation
    if number(params.get("irradiance")) is not None:
        metadata.pop("irradiance_mw_cm2", None)
        state_irradiance(metadata, number(params.get("irradiance")), "mW/cm2", warnings)
    if number(params.get("temperature")) is not None:
        metadata["temperature_c"] = number(params.get("temperature"))
    warnings = list(dict.fromkeys(warnings))  # one line for a problem every curve repeats
    return ParsedMeasurement(KIND, "iris-json", series, metadata, _flat(params), warnings)


def _json_curve(
    curve: dict[str, Any], points: list[Any], cp: dict[str, Any], label: str, warnings: list[str]
) -> Series:
    first = points[0] if isinstance(points[0], dict) else {}
    # V_corr is what the instrument's own Voc/Jsc were computed from; older files: V_meas.
    v_key = next((k for k in _VOLTAGE_KEYS if k in first), _VOLTAGE_KEYS[0])
    columns = {
        "voltage_v": _column(points, v_key, label),
        "current_density_ma_cm2": _column(points, "J [mA/cm2]", label),
    }
    for key, name, factor in _EXTRA_COLUMNS:
        if key in first:
            columns[name] = _column(points, key, label) * factor
    raw = {
        "voc_v": number(cp.get("Voc [V]")),
        "jsc_ma_cm2": number(cp.get("Jsc [mA/cm2]")),
        "ff": _figures.ff_fraction(number(cp.get("FF [%]")), percent=True),
        "pce_percent": number(cp.get("Eff [%]")),
        "pmax_mw_cm2": number(cp.get("p_mpp [mW/cm2]")),
        "vmp_v": number(cp.get("V_mpp [V]")),
        "jmp_ma_cm2": number(cp.get("J_mpp [mA/cm2]")),
        # The ohm sign is written as U+2126 or U+03A9 depending on the version.
        "rs_ohm_cm2": number(_prefixed(cp, "Rs [")),
        "rsh_ohm_cm2": number(_prefixed(cp, "Rp [")),
    }
    meta: dict[str, Any] = {
        "instrument_figures": _figures.clean(raw, label, warnings),
        "card": curve.get("card"),
        "channel": curve.get("channel"),
    }
    for key, meta_key in (("area [cm2]", "area_cm2"), ("T_meas [°C]", "temperature_c")):
        if number(cp.get(key)) is not None:
            meta[meta_key] = number(cp.get(key))
    state_irradiance(meta, number(cp.get("irradiance [mW/cm2]")), "mW/cm2", warnings)
    measured = parse_datetime(f"{cp.get('date', '')} {cp.get('time', '')}")
    if measured:
        meta["measured_at"] = measured
    lamp = number(cp.get("light_intensity [%]"))
    series = Series(label=label, columns=columns, metadata=meta)
    direction = str(curve.get("direction", ""))
    describe_jv(
        series,
        warnings,
        declared=direction_in(direction) or direction_word(str(cp.get("sweep_sequence", ""))),
        layout_reliable=False,
        illumination=illumination_in(direction)
        or illumination_word(str(cp.get("illumination", "")))
        or illumination_from_irradiance(lamp),
        pixel=str(curve.get("cell", "")) or None,
    )
    return series


def parse_json_legacy(
    text: str, filename: str = "", kind_hint: str | None = None
) -> ParsedMeasurement:
    document = _load(text)
    params = document.get("parameters") if isinstance(document.get("parameters"), dict) else {}
    warnings: list[str] = []
    light = illumination_word(str(params.get("illumination_mode", "")))
    series = []
    for index, curve in enumerate(document["data"]):
        if not isinstance(curve, dict) or not isinstance(curve.get("measurements"), list):
            raise ParseError(f"curve {index + 1} of the JSON has no 'measurements' list")
        cp = curve.get("parameters") if isinstance(curve.get("parameters"), dict) else {}
        label = f"{curve.get('pin', index + 1)}_{curve.get('direction', '')}".strip("_")
        points = curve["measurements"]
        require_points(len(points), f"curve {label}")
        columns = {
            "voltage_v": _column(points, "voltage", label),
            "current_density_ma_cm2": _column(points, "current_density", label),
            "current_a": _column(points, "current", label) * 1e-3,  # written in mA
        }
        eff = number(cp.get("Eff"))
        raw = {
            "voc_v": number(cp.get("V_oc")),
            "jsc_ma_cm2": number(cp.get("J_sc")),
            "ff": number(cp.get("FF")),  # a fraction in this generation
            "pce_percent": None if eff is None else eff * 100.0,  # also a fraction
            "pmax_mw_cm2": number(cp.get("PjMpp")),
            "vmp_v": number(cp.get("V_Mpp")),
            "jmp_ma_cm2": number(cp.get("J_Mpp")),
            "rs_ohm_cm2": number(cp.get("R_s")),
            "rsh_ohm_cm2": number(cp.get("R_p")),
        }
        meta: dict[str, Any] = {
            "instrument_figures": _figures.clean(raw, label, warnings),
            "card": curve.get("card"),
            "channel": curve.get("channel"),
        }
        if number(cp.get("area")) is not None:
            meta["area_cm2"] = number(cp.get("area"))
        s = Series(label=label, columns=columns, metadata=meta)
        direction = str(curve.get("direction", ""))
        describe_jv(
            s,
            warnings,
            declared=direction_in(direction),
            layout_reliable=False,
            illumination=illumination_in(direction) or light,
            pixel=str(curve.get("pin", "")) or None,
        )
        series.append(s)
    if not series:
        raise ParseError("the JSON holds no curves")
    note = shared_column_note(series, _STORED)
    if note:
        warnings.append(note)

    metadata = _common(series, ("area_cm2",))
    meta_doc = document.get("metadata") if isinstance(document.get("metadata"), dict) else {}
    metadata["sample"] = str(meta_doc.get("cellname", "") or series[0].metadata.get("pixel"))
    irradiance = number(params.get("irradiance"))
    if irradiance is not None:
        # This generation writes W/m2 (1000 at one sun); a value near 100 is already mW/cm2.
        unit = "W/m2" if irradiance > 200 else "mW/cm2"
        state_irradiance(metadata, irradiance, unit, warnings)
    if number(params.get("temperature")) is not None:
        metadata["temperature_c"] = number(params.get("temperature"))
    return ParsedMeasurement(KIND, "iris-json-legacy", series, metadata, _flat(params), warnings)


def _prefixed(params: dict[str, Any], prefix: str) -> Any:
    return next((v for k, v in params.items() if k.startswith(prefix)), None)


def _common(series: list[Series], keys: tuple[str, ...]) -> dict[str, Any]:
    """File-level facts that every curve shares."""
    common: dict[str, Any] = {}
    for key in keys:
        values = {s.metadata.get(key) for s in series}
        if len(values) == 1 and None not in values:
            common[key] = values.pop()
    return common


def _flat(params: dict[str, Any]) -> dict[str, str]:
    return {
        str(k): json.dumps(v) if isinstance(v, dict | list) else str(v) for k, v in params.items()
    }


FORMATS = (
    Format("iris-txt", KIND, sniff_txt, parse_txt),
    Format("iris-json", KIND, sniff_json, parse_json),
    Format("iris-json-legacy", KIND, sniff_json_legacy, parse_json_legacy),
)
