"""HZB "SoSim PVcomB" single-curve J-V.

Layout: `key:\\tvalue` settings (Sample, Setup, Comments, Timestamp, area, Intensity [W/m2],
scan direction, start/step/stop), `****`, the instrument's figures (I_sc [A], V_oc [V], FF [%],
Efficiency [%], J_sc [mA/cm2], R_ser/R_par [Ohmcm2]), `****`, then V [V], I [mA], P [mW],
J [mA/cm2], P [mW/cm2].
"""

from __future__ import annotations

import re

from . import _figures
from ._irradiance import state_irradiance
from ._labels import (
    describe_jv,
    direction_in,
    direction_word,
    illumination_from_irradiance,
    pixel_label_in,
)
from ._text import number, numeric_table, parse_datetime, split, split_lines
from .base import Format, ParsedMeasurement, ParseError, Series

NAME = "pvcomb"
KIND = "jv"

# Header key (lower case, as written) -> canonical figure key and divisor.
_FIGURES = {
    "v_oc [v]": ("voc_v", 1.0),
    "j_sc [ma/cm2]": ("jsc_ma_cm2", 1.0),
    "fill factor [%]": ("ff", 100.0),
    "efficiency [%]": ("pce_percent", 1.0),
    "p_mpp [mw/cm2]": ("pmax_mw_cm2", 1.0),
    "v_mpp [v]": ("vmp_v", 1.0),
    "j_mpp [ma/cm2]": ("jmp_ma_cm2", 1.0),
    "r_ser [ohmcm2]": ("rs_ohm_cm2", 1.0),
    "r_par [ohmcm2]": ("rsh_ohm_cm2", 1.0),
}


def sniff(text: str, filename: str = "") -> float:
    return 0.95 if "Setup:\tSoSim PVcomB" in text[:1000] else 0.0


def parse(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    lines = split_lines(text)
    stars = [i for i, line in enumerate(lines) if line.startswith("****")]
    if len(stars) < 2:
        raise ParseError("PVcomB J-V file without its two '****' separator lines")
    header: dict[str, str] = {}
    for line in lines[: stars[1]]:
        key, _, value = line.partition("\t")
        if key.strip() and not line.startswith("****"):
            header[key.strip().rstrip(":").strip()] = value.strip()
    lower = {k.lower(): v for k, v in header.items()}

    names_at = stars[1] + 1
    if names_at >= len(lines):
        raise ParseError("the J-V curve is missing after the second '****' line")
    names = [n.strip() for n in split(lines[names_at], "\t")]
    table = numeric_table(lines, names_at + 1, len(lines), names, "\t")
    columns = {n.lower(): table[:, i] for i, n in enumerate(names)}
    voltage = columns.get("v [v]")
    density = columns.get("j [ma/cm2]")
    if voltage is None or density is None:
        raise ParseError(
            f"no 'V [V]' and 'J [mA/cm2]' columns; columns are: {', '.join(names)}",
            line=names_at + 1,
        )

    warnings: list[str] = []
    raw = {key: _scaled(lower.get(name), div) for name, (key, div) in _FIGURES.items()}
    sample = header.get("Sample", "")
    label = re.sub(r"\.txt$", "", sample) or "curve"
    meta: dict[str, object] = {"instrument_figures": _figures.clean(raw, label, warnings)}
    cols = {"voltage_v": voltage, "current_density_ma_cm2": density}
    if "i [ma]" in columns:
        cols["current_a"] = columns["i [ma]"] * 1e-3

    metadata: dict[str, object] = {"sample": label}
    area = number(lower.get("active area [cm2]"))
    if area is not None:
        metadata["area_cm2"] = meta["area_cm2"] = area
    intensity = number(lower.get("intensity [w/m2]"))
    state_irradiance(metadata, intensity, "W/m2", warnings)
    curve = Series(label=label, columns=cols, metadata=meta)
    describe_jv(
        curve,
        warnings,
        # The header's 'Scan direction', else the '_rev' tag the software puts in the name.
        declared=direction_word(lower.get("scan direction", ""))
        or direction_in(sample, strict=True)
        or direction_in(filename, strict=True),
        illumination=illumination_from_irradiance(intensity),
        pixel=pixel_label_in(sample) or pixel_label_in(filename),
    )
    measured = parse_datetime(lower.get("timestamp"), ("%d.%m.%Y %H:%M:%S",))
    if measured:
        metadata["measured_at"] = meta["measured_at"] = measured
    step = number(lower.get("step [v]"))
    if step is not None:
        metadata["voltage_step_v"] = step
    soak = re.search(r"LS(\d+)min", sample + filename)
    if soak:
        metadata["light_soaking_s"] = int(soak.group(1)) * 60.0
    return ParsedMeasurement(KIND, NAME, [curve], metadata, header, warnings)


def _scaled(text: str | None, divisor: float) -> float | None:
    value = number(text)
    return None if value is None else value / divisor


FORMAT = Format(NAME, KIND, sniff, parse)
