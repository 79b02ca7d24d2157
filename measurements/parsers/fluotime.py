"""PicoQuant FluoTime / EasyTau ASCII-CSV export (decays and PL spectra).

Unlike the PicoHarp histogram dump (`picoquant.py`), the FluoTime 300 / EasyTau software exports
a curve *with its axis*: a few `key: value` (or `key<TAB>value`) header lines naming the software,
instrument, sample, date and the sync (repetition) rate, then one row of column names
(`Time [ns]` or `Wavelength [nm]`, then one name per curve) and the rows. Several curves sit side
by side, sharing the axis or each with its own (`Time [ns]`, `Decay 1`, `Time [ns]`, `Decay 2`).
Tab, semicolon (with decimal commas) or comma separated.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ._meta import key_value
from ._text import (
    key_and_unit,
    numeric_table,
    parse_datetime,
    split,
    split_lines,
    to_float,
    unit_factor,
)
from .base import Format, ParsedMeasurement, ParseError, Series
from .picoquant import rate_hz, repetition_rate_from_name

NAME = "picoquant-fluotime"
KIND = None  # trpl (decays) or pl (emission spectra)

_SOFTWARE = re.compile(r"\b(FluoTime|EasyTau)\b", re.I)
_HARP = re.compile(r"^#(PicoHarp|TimeHarp|HydraHarp|MultiHarp)", re.I)
_RATE_KEY = re.compile(r"\b(sync|rep(etition)?|laser)\W*(rate|freq)", re.I)


def sniff(text: str, filename: str = "") -> float:
    head = text[:2000].lstrip("\ufeff")
    if _HARP.match(head):
        return 0.0  # the histogram dump: picoquant.py
    first_lines = "\n".join(head.split("\n")[:5])
    return 0.93 if _SOFTWARE.search(first_lines) else 0.0


def parse(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    lines = split_lines(text.lstrip("\ufeff"))
    names_at, delim = _column_row(lines)
    header: dict[str, str] = {}
    for line in lines[:names_at]:
        pair = key_value(line, "\t" if "\t" in line else None)
        if pair is not None and pair[0] not in header:
            header[pair[0]] = pair[1]
        elif line.strip() and "title" not in header:
            header["title"] = line.strip().strip('"')
    names = [c.strip().strip('"') for c in split(lines[names_at], delim)]
    table = numeric_table(lines, names_at + 1, len(lines), names, delim, allow_empty=True)
    axis = [i for i, n in enumerate(names) if _is_axis(n)]
    if not axis or axis[0] != 0:
        raise ParseError(
            f"the first column '{names[0]}' is not 'Time [ns]' or 'Wavelength [nm]'",
            line=names_at + 1,
        )
    x_base, x_unit = key_and_unit(names[0])
    kind = "trpl" if x_base.startswith("time") else "pl"
    if kind_hint is not None and kind_hint != kind:
        raise ParseError(f"this FluoTime export holds {kind} data, not {kind_hint}")
    if kind == "trpl":
        factor = unit_factor("time", x_unit or "ns")
        if factor is None:
            raise ParseError(f"time unit '{x_unit}' is not one cqdlab knows", line=names_at + 1)
        scale = factor * 1e9
    else:
        if x_unit and x_unit.lower() != "nm":
            raise ParseError(f"the wavelength is in '{x_unit}'; only nm is read", line=names_at + 1)
        scale = 1.0

    series = []
    for col, name in enumerate(names):
        if col in axis:
            continue
        x_col = max(a for a in axis if a < col)
        x, y = table[:, x_col] * scale, table[:, col]
        keep = np.isfinite(x) & np.isfinite(y)
        x, y = x[keep], y[keep]
        if kind == "trpl":
            columns = {"time_ns": x, "counts": y}
        else:
            order = np.argsort(x, kind="stable")
            columns = {"wavelength_nm": x[order], "intensity": y[order]}
        series.append(Series(name, columns, {}))
    if not series:
        raise ParseError("the table holds an axis but no curve", line=names_at + 1)

    metadata: dict[str, Any] = {}
    lowered = {key_and_unit(k)[0]: v for k, v in header.items()}
    software = _SOFTWARE.search(" ".join([*header.keys(), *header.values()]))
    instrument = lowered.get("instrument") or lowered.get("system")
    if instrument or software:
        metadata["instrument"] = f"PicoQuant {instrument or software.group(1)}"  # type: ignore[union-attr]
    sample = lowered.get("sample") or lowered.get("sample name")
    stem = filename.replace("\\", "/").rsplit("/", 1)[-1].split(".")[0]
    if sample or stem:
        metadata["sample"] = sample or stem
    measured = parse_datetime(lowered.get("date") or lowered.get("measured") or "")
    if measured:
        metadata["measured_at"] = measured
    excitation = lowered.get("excitation") or lowered.get("excitation wavelength")
    if excitation:
        try:
            value = to_float(excitation.split()[0])
        except ValueError:
            value = None
        if value is not None:
            metadata["excitation_nm"] = value
    if kind == "trpl":
        rate = _repetition_rate(header, filename)
        if rate is not None:
            metadata["repetition_rate_hz"] = rate
    return ParsedMeasurement(kind, NAME, series, metadata, header, [])


def _is_axis(name: str) -> bool:
    base = key_and_unit(name)[0]
    return base.startswith("time") or base.startswith("wavelength")


def _column_row(lines: list[str]) -> tuple[int, str]:
    """Index and delimiter of the row of column names: the last line before the first row of
    numbers."""
    for i in range(1, min(len(lines), 200)):
        for delim in ("\t", ";", ","):
            cells = split(lines[i], delim)
            if len(cells) < 2:
                continue
            try:
                values = [to_float(c) for c in cells]
            except ValueError:
                continue
            if all(v is not None for v in values):
                names = split(lines[i - 1], delim)
                if len(names) >= 2:
                    return i - 1, delim
                raise ParseError(
                    "FluoTime export without a row of column names above its numbers", line=i
                )
    raise ParseError("FluoTime export without a table of numbers")


def _repetition_rate(header: dict[str, str], filename: str) -> float | None:
    for key, value in header.items():
        if _RATE_KEY.search(key):
            # A bare number is not guessed: the unit must be in the key or the value.
            rate = rate_hz(value, key, bare=None)
            if rate is not None:
                return rate
    return repetition_rate_from_name(filename)


FORMAT = Format(NAME, KIND, sniff, parse)
