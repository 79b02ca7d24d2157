"""KIT LTI LabVIEW exports: J-V ("LTI @ KIT PV cell J-V measurement") and MPP tracking
("SPP measurement @ LTI"). Tab-separated, trailing tabs, figures in `key:\\tvalue` rows.
"""

from __future__ import annotations

from typing import Any

from . import _figures
from ._labels import (
    FORWARD,
    REVERSE,
    describe_jv,
    pixel_from,
    pixel_label_in,
    shared_column_note,
)
from ._text import number, numeric_table, parse_datetime, split, split_lines
from .base import Format, ParsedMeasurement, ParseError, Series

_JV_FIGURES = {
    "jsc [ma/cm^2]:": "jsc_ma_cm2",
    "voc [v]:": "voc_v",
    "fill factor:": "ff",
    "efficiency:": "pce_percent",
}


def sniff_jv(text: str, filename: str = "") -> float:
    first = text[:200].lstrip("\ufeff")
    return 0.95 if first.startswith("LTI @ KIT") and "J-V measurement" in first else 0.0


def sniff_mpp(text: str, filename: str = "") -> float:
    return 0.95 if text[:100].lstrip("\ufeff").startswith("SPP measurement @ LTI") else 0.0


def _table_start(lines: list[str], first_name: str) -> int:
    for i, line in enumerate(lines[:60]):
        if line.split("\t", 1)[0].strip().startswith(first_name) and line.count("\t") >= 2:
            return i
    raise ParseError(f"no data table: the line starting with '{first_name}' is missing")


def _date(lines: list[str]) -> str | None:
    # The date line is the only one that starts with a digit before the table.
    for line in lines[:15]:
        fields = split(line, "\t")
        if fields and fields[0][:4].isdigit() and "-" in fields[0]:
            return parse_datetime(" ".join(f.strip() for f in fields[:2]))
    return None


def parse_jv(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    lines = split_lines(text)
    names_at = _table_start(lines, "Voltage")
    header = {
        f[0].strip().rstrip(":").strip(): "\t".join(x.strip() for x in f[1:])
        for f in (split(line, "\t") for line in lines[:names_at])
        if f
    }
    names = [n.strip() for n in split(lines[names_at], "\t")]
    table = numeric_table(lines, names_at + 1, len(lines), names, "\t")

    per_sweep: list[dict[str, float | None]] = [{}, {}]
    for line in lines[:names_at]:
        fields = split(line, "\t")
        key = _JV_FIGURES.get(fields[0].strip().lower()) if fields else None
        for i, cell in enumerate(fields[1:3]):
            if key:
                value = number(cell)
                per_sweep[i][key] = _figures.ff_fraction(value) if key == "ff" else value

    warnings: list[str] = []
    voltage = table[:, 0]
    lit = number(header.get("Cell illuminated"))
    area = number(header.get("Cell area [cm^2]"))
    pixel = pixel_label_in(filename)
    sweeps = [n for n in names[1:] if not n.lower().startswith("average")]
    # With 'Hysteresis 1' the program sweeps Voc -> Jsc, then back, and writes both against
    # the first sweep's voltage column: sweep 1 is the reverse scan, sweep 2 the forward one
    # (nomad-perotf's KIT reader takes them so). Without it the file names no direction.
    hysteresis = number(header.get("Hysteresis")) == 1 and len(sweeps) == 2
    series = []
    for col in range(1, len(names)):
        name = names[col]
        average = name.lower().startswith("average")
        label = "average" if average else f"sweep {len(series) + 1}"
        own = per_sweep[len(series)] if not average and len(series) < 2 else {}
        meta: dict[str, Any] = {"instrument_figures": _figures.clean(own, label, warnings)}
        if average:
            # Not a measured curve: the software's mean of the sweeps, kept as written.
            meta["derived"] = "average of the sweeps"
        if area is not None:
            meta["area_cm2"] = area
        curve = Series(label, {"voltage_v": voltage, "current_density_ma_cm2": table[:, col]}, meta)
        describe_jv(
            curve,
            warnings,
            declared=(REVERSE, FORWARD)[len(series)] if hysteresis and not average else None,
            layout_reliable=len(names) == 2,
            illumination=None if lit is None else ("dark" if lit == 0 else "light"),
            pixel=pixel,
        )
        if average:
            # A mean of a reverse and a forward sweep is neither: it must not count as either.
            meta["scan_direction"] = meta["scan_direction_source"] = None
        series.append(curve)
    note = shared_column_note(
        [s for s in series if "derived" not in s.metadata], "the sweeps share one voltage column"
    )
    if note:
        warnings.append(note)
    metadata: dict[str, Any] = {"sample": header.get("Cell ID", "")}
    if area is not None:
        metadata["area_cm2"] = area
    measured = _date(lines[:names_at])
    if measured:
        metadata["measured_at"] = measured
    if pixel:
        metadata["pixel"] = pixel_from(pixel)
    return ParsedMeasurement("jv", "kit-jv", series, metadata, header, warnings)


# MPP column names (lower case) -> canonical column.
_MPP_COLUMNS = {
    "time difference": "time_s",
    "voltage": "voltage_v",
    "current density": "current_density_ma_cm2",
    "power": "power_mw_cm2",
    "pce": "pce_percent",
}


def parse_mpp(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    lines = split_lines(text)
    names_at = _table_start(lines, "Time Difference")
    header = {
        f[0].strip(): "\t".join(x.strip() for x in f[1:])
        for f in (split(line, "\t") for line in lines[:names_at])
        if f
    }
    names = [n.strip() for n in split(lines[names_at], "\t")]
    units = (
        [u.strip() for u in split(lines[names_at + 1], "\t")] if names_at + 1 < len(lines) else []
    )
    if [u.lower() for u in units[:2]] != ["s", "v"]:
        raise ParseError("expected the units row 's  V  mA/cm^2 ...'", line=names_at + 2)
    labels = [f"{n} ({u})" for n, u in zip(names, units, strict=False)]
    table = numeric_table(lines, names_at + 2, len(lines), labels, "\t")
    columns = {}
    for i, name in enumerate(names):
        key = _MPP_COLUMNS.get(name.lower())
        if key:
            columns[key] = table[:, i]
    missing = [k for k in ("time_s", "voltage_v", "current_density_ma_cm2") if k not in columns]
    if missing:
        raise ParseError(f"no {missing[0]} column; columns are: {', '.join(names)}")

    warnings: list[str] = []
    raw = {
        "pce_percent": number(header.get("Last PCE [%]")),
        "vmp_v": number(header.get("Last VMPP [V]")),
    }
    meta: dict[str, Any] = {"instrument_figures": _figures.clean(raw, "MPP track", warnings)}
    metadata: dict[str, Any] = {}
    measured = _mpp_date(lines[1] if len(lines) > 1 else "")
    if measured:
        metadata["measured_at"] = measured
    duration = number(header.get("Time [s]"))
    if duration is not None:
        metadata["duration_s"] = duration
    pixel = pixel_from(filename)
    if pixel:
        metadata["pixel"] = meta["pixel"] = pixel
    series = [Series("MPP track", columns, meta)]
    return ParsedMeasurement("mpp", "kit-mpp", series, metadata, header, warnings)


def _mpp_date(line: str) -> str | None:
    fields = [f.strip() for f in split(line, "\t")]
    return parse_datetime(" ".join(fields[:2])) if fields else None


FORMATS = (
    Format("kit-jv", "jv", sniff_jv, parse_jv),
    Format("kit-mpp", "mpp", sniff_mpp, parse_mpp),
)
