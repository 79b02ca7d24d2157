"""HZB HySprint J-V: LabVIEW + Keithley 2400 export.

Layout: `Keithley, SerialNo, Firmware:` line, settings (`active area [cm2]:` per pixel,
`intensity [mW/cm2]:` ...), `****`, a figures table (one column per curve: b_rev, b_for, ...),
`****`, then `Voltage` + curve names, a units row, and the curves on one shared voltage column.
"""

from __future__ import annotations

from . import _figures
from ._irradiance import state_irradiance
from ._labels import (
    describe_jv,
    direction_in,
    illumination_from_irradiance,
    illumination_in,
    normalise_pixel,
    pixel_from,
    shared_column_note,
)
from ._text import number, numeric_table, split, split_lines
from .base import Format, ParsedMeasurement, ParseError, Series

NAME = "hzb-keithley"
KIND = "jv"

# Figures-table row (its key up to '[' or ':') -> (canonical key, divisor).
_FIGURE_ROWS = {
    "j_sc": ("jsc_ma_cm2", 1.0),
    "v_oc": ("voc_v", 1.0),
    "fill factor": ("ff", 100.0),  # [pct.]
    "efficiency": ("pce_percent", 1.0),
    "p_mpp": ("pmax_mw_cm2", 1.0),
    "j_mpp": ("jmp_ma_cm2", 1.0),
    "u_mpp": ("vmp_v", 1.0),
    "r_ser": ("rs_ohm_cm2", 1.0),
    "r_par": ("rsh_ohm_cm2", 1.0),
}


def sniff(text: str, filename: str = "") -> float:
    return 0.95 if text.lstrip("\ufeff").startswith("Keithley, SerialNo, Firmware:") else 0.0


def _key(cell: str) -> str:
    return cell.split("[")[0].split(":")[0].strip().lower()


def parse(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    lines = split_lines(text)
    stars = [i for i, line in enumerate(lines) if line.startswith("****")]
    if len(stars) < 2:
        raise ParseError("HZB Keithley J-V file without its two '****' separator lines")
    header: dict[str, str] = {}
    for line in lines[: stars[1]]:
        fields = split(line, "\t")
        if fields and not line.startswith("****"):
            header[fields[0].strip().rstrip(":").strip()] = "\t".join(f.strip() for f in fields[1:])

    names_at = stars[1] + 1
    if names_at + 2 >= len(lines):
        raise ParseError("the J-V curves are missing after the second '****' line")
    names = [n.strip() for n in split(lines[names_at], "\t")]
    if len(names) < 2 or not names[0].lower().startswith("voltage"):
        raise ParseError("expected 'Voltage' and curve names", line=names_at + 1)
    curves = names[1:]
    units_row = lines[names_at + 1].lstrip().startswith("[")  # "[V]  [mA/cm2] ..."
    table = numeric_table(lines, names_at + 1 + units_row, len(lines), names, "\t")

    warnings: list[str] = []
    figures = _figure_table(lines, stars[0] + 1, stars[1], curves, warnings)
    areas = [number(a) for a in split(_value(lines, "active area"), "\t")]
    pixels = [c.split("_")[0] for c in curves]
    distinct = sorted(set(pixels), key=pixels.index)

    metadata: dict[str, object] = {"pixels": [normalise_pixel(p) for p in distinct]}
    stated = number(_value(lines, "intensity [mw/cm2]"))
    state_irradiance(metadata, stated, "mW/cm2", warnings)
    voltage = table[:, 0]
    series = []
    for col, label in enumerate(curves, start=1):
        pixel = label.split("_")[0]
        index = distinct.index(pixel)
        meta: dict[str, object] = {"instrument_figures": figures.get(label, {})}
        if index < len(areas) and areas[index] is not None:
            meta["area_cm2"] = areas[index]
        curve = Series(
            label=label,
            columns={"voltage_v": voltage, "current_density_ma_cm2": table[:, col]},
            metadata=meta,
        )
        describe_jv(
            curve,
            warnings,
            # 'b_rev', 'b_for': the tag after the pixel is how the software ran the scan.
            declared=direction_in(label.split("_", 1)[1]) if "_" in label else None,
            # Every curve is written against one voltage column, whatever its direction.
            layout_reliable=len(curves) == 1,
            illumination=illumination_in(label) or illumination_from_irradiance(stated),
            pixel=pixel,
        )
        series.append(curve)
    note = shared_column_note(series)
    if note:
        warnings.append(note)

    known = [a for a in areas if a is not None]
    if known and all(a == known[0] for a in known):
        metadata["area_cm2"] = known[0]
    for key, meta_key in (
        ("integration time [ms]", "integration_time_ms"),
        ("settling time [ms]", "settling_time_ms"),
    ):
        value = number(_value(lines, key))
        if value is not None:
            metadata[meta_key] = value
    pixel = pixel_from(filename)
    if pixel and len(distinct) == 1:
        metadata["pixel"] = pixel
    # The only date in the file is the Keithley firmware build date, not the measurement's.
    return ParsedMeasurement(KIND, NAME, series, metadata, header, warnings)


def _value(lines: list[str], key: str) -> str:
    for line in lines[:20]:
        if line.lower().startswith(key):
            return line.split("\t", 1)[1] if "\t" in line else ""
    return ""


def _figure_table(
    lines: list[str], start: int, stop: int, curves: list[str], warnings: list[str]
) -> dict[str, dict[str, float]]:
    # The figures table names its own columns; do not assume the curve table's order.
    names = curves
    for line in lines[start:stop]:
        if line.startswith("Parameter"):
            names = [n.strip() for n in split(line, "\t")[1:]]
    raw: dict[str, dict[str, float | None]] = {c: {} for c in names}
    for line in lines[start:stop]:
        fields = split(line, "\t")
        target = _FIGURE_ROWS.get(_key(fields[0])) if fields else None
        if target is None:
            continue
        key, factor = target
        for curve, cell in zip(names, fields[1:], strict=False):
            value = number(cell)
            raw[curve][key] = None if value is None else value / factor
    return {c: _figures.clean(raw[c], c, warnings) for c in names}


FORMAT = Format(NAME, KIND, sniff, parse)
