"""Oscilloscope CSV exports for transient photovoltage / photocurrent (TPV, TPC).

Tektronix TDS/TBS (`F0000CH1.CSV`): six columns per row; the first three hold the settings
(`Record Length`, `Sample Interval`, `Trigger Point`, `Source`, `Vertical Units`, `Horizontal
Units`, ..., value, blank), the 4th and 5th the time and the signal, on every row from the
first. (The newer MDO/MSO export, `Model,...` then `TIME,CH1`, is read by the generic reader.)

Keysight/Agilent InfiniiVision: `x-axis,1[,2...]` (the channels), `second,Volt[,Volt...]` (the
units), then `time,value[,value...]` rows.

A trace is TPV (time_s, voltage_v) unless the kind hint or the `.tpc.` tag says TPC, or the
vertical unit is a current (a current probe: current_a). A load resistor named in the file name
(`..._50ohm_...`) is stated as ``load_resistance_ohm`` for a TPC voltage trace.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ._text import filename_kind, number, numeric_rows, split, split_lines, unit_factor
from .base import Format, ParsedMeasurement, ParseError, Series

_LOAD = re.compile(r"(?:^|[_\-\s.])(\d+(?:[.,]\d+)?)\s*(k|M)?(?:ohm|Ω)(?=$|[_\-\s.])", re.I)
_UNIT_WORDS = {
    "volt": "V",
    "volts": "V",
    "ampere": "A",
    "amp": "A",
    "amps": "A",
    "second": "s",
    "seconds": "s",
}


# --- Tektronix TDS ----------------------------------------------------------------------------


def sniff_tek(text: str, filename: str = "") -> float:
    head = text[:1500].lstrip("\ufeff")
    if not head.startswith("Record Length,"):
        return 0.0
    return 0.95 if "\nSample Interval," in head and "\nTrigger Point," in head else 0.0


def parse_tek(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    lines = split_lines(text.lstrip("\ufeff"))
    header: dict[str, str] = {}
    rows = []
    for line in lines:
        cells = [c.strip() for c in line.split(",")]
        if len(cells) >= 2 and cells[0]:
            header.setdefault(cells[0], cells[1])
        if len(cells) < 5 or not (cells[3] or cells[4]):
            if rows:
                break  # the trace ends at the first row without its two values
            continue
        rows.append(cells[3:5])
    if not rows:
        raise ParseError("Tektronix CSV without time and signal values in columns 4 and 5")
    table = numeric_rows(rows, 1, ["Time", header.get("Source", "CH1")])
    h_unit = header.get("Horizontal Units", "s")
    v_unit = header.get("Vertical Units", "V")
    label = header.get("Source", "CH1")
    series, kind, metadata, warnings = _traces(
        table[:, 0], [(label, table[:, 1], v_unit)], h_unit, filename, kind_hint, "Tektronix"
    )
    announced = number(header.get("Record Length"))
    if announced is not None and int(announced) != len(table):
        warnings.append(f"the header announces {int(announced)} points, the file has {len(table)}")
    interval = number(header.get("Sample Interval"))
    if interval is not None:
        metadata["sample_interval_s"] = interval * (unit_factor("time", h_unit) or 1.0)
    model = header.get("Model Number") or header.get("Model")
    metadata["instrument"] = f"Tektronix {model}" if model else "Tektronix oscilloscope"
    return ParsedMeasurement(kind, "tektronix-csv", series, metadata, header, warnings)


# --- Keysight / Agilent InfiniiVision ---------------------------------------------------------


def sniff_keysight(text: str, filename: str = "") -> float:
    head = text[:400].lstrip("\ufeff").split("\n", 2)
    if len(head) < 2:
        return 0.0
    first, second = head[0].strip().lower(), head[1].strip().lower()
    return 0.95 if first.startswith("x-axis,") and second.startswith("second,") else 0.0


def parse_keysight(
    text: str, filename: str = "", kind_hint: str | None = None
) -> ParsedMeasurement:
    lines = split_lines(text.lstrip("\ufeff"))
    if len(lines) < 3:
        raise ParseError("Keysight CSV without data rows under its two header lines")
    channels = [c.strip() for c in split(lines[0], ",")][1:]
    units = [c.strip() for c in split(lines[1], ",")]
    if len(units) != len(channels) + 1:
        raise ParseError(
            f"{len(channels)} channels in line 1 but {len(units) - 1} units in line 2", line=2
        )
    names = ["x-axis"] + [f"channel {c}" for c in channels]
    rows = [split(line, ",") for line in lines[2:] if line.strip()]
    table = numeric_rows(rows, 3, names)
    traces = [(names[i + 1], table[:, i + 1], units[i + 1]) for i in range(len(channels))]
    series, kind, metadata, warnings = _traces(
        table[:, 0], traces, units[0], filename, kind_hint, "Keysight"
    )
    metadata["instrument"] = "Keysight InfiniiVision oscilloscope"
    header = {"channels": ",".join(channels), "units": ",".join(units)}
    return ParsedMeasurement(kind, "keysight-csv", series, metadata, header, warnings)


# --- shared ------------------------------------------------------------------------------------


def _traces(
    time: np.ndarray,
    traces: list[tuple[str, np.ndarray, str]],
    time_unit: str,
    filename: str,
    kind_hint: str | None,
    vendor: str,
) -> tuple[list[Series], str, dict[str, Any], list[str]]:
    t_factor = unit_factor("time", _unit(time_unit) or "s")
    if t_factor is None:
        raise ParseError(f"horizontal unit '{time_unit}' is not a time unit")
    currents = [unit_factor("current", _unit(u)) is not None for _, _, u in traces]
    tag = filename_kind(filename)
    if kind_hint is not None:
        kind = kind_hint
    elif tag in ("tpv", "tpc"):
        kind = tag
    else:
        kind = "tpc" if any(currents) else "tpv"
    if kind not in ("tpv", "tpc"):
        raise ParseError(f"a {vendor} scope trace holds tpv or tpc data, not {kind}")
    series = []
    for (label, values, unit), is_current in zip(traces, currents, strict=True):
        if is_current:
            if kind == "tpv":
                raise ParseError(f"'{label}' is a current ({unit}); a TPV trace is a voltage")
            columns = {
                "time_s": time * t_factor,
                "current_a": values * unit_factor("current", _unit(unit)),
            }  # type: ignore[operator]
        else:
            v_factor = unit_factor("voltage", _unit(unit) or "V")
            if v_factor is None:
                raise ParseError(f"vertical unit '{unit}' of '{label}' is not a voltage or current")
            columns = {"time_s": time * t_factor, "voltage_v": values * v_factor}
        series.append(Series(label, columns, {}))
    metadata: dict[str, Any] = {}
    load = _LOAD.search(filename.replace("\\", "/").rsplit("/", 1)[-1])
    if kind == "tpc" and load and not all(currents):
        scale = {"k": 1e3, "K": 1e3, "M": 1e6}.get(load.group(2) or "", 1.0)
        metadata["load_resistance_ohm"] = float(load.group(1).replace(",", ".")) * scale
    return series, kind, metadata, []


def _unit(text: str) -> str:
    word = text.strip().strip('"')
    return _UNIT_WORDS.get(word.lower(), word)


FORMATS = (
    Format("tektronix-csv", None, sniff_tek, parse_tek),
    Format("keysight-csv", None, sniff_keysight, parse_keysight),
)
