"""Edinburgh Instruments FLS / F980 / Fluoracle CSV (emission scans and time scans).

Key/value rows (`Labels`, `Type`, `Start`, `Stop`, `Step`, `Fixed/Offset`, `Xaxis`, `Yaxis`,
`Temp`, ...), a blank line, then `x,y,` rows with a trailing delimiter; one y column per label.
An emission scan is a PL spectrum (Fixed/Offset is the excitation wavelength); a time scan
(`Xaxis Time(ns)`) is a decay, whose repetition rate comes from a rate row where the software
wrote one (`Rep Rate`, `Sync Rate`, ...), else from the file name (`..._2MHz_...`).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ._text import number, numeric_table, split, split_lines, temperature_c
from .base import Format, ParsedMeasurement, ParseError, Series
from .picoquant import rate_hz, repetition_rate_from_name

_RATE_KEY = re.compile(r"\b(sync|rep(etition)?|laser)\W*(rate|freq)", re.I)

NAME = "edinburgh"
KIND = None  # emission scans are pl, time scans trpl


def _delimiter(text: str) -> str | None:
    head = text[:400].lstrip("\ufeff")
    for delim in (",", "\t"):
        if head.startswith(f"Labels{delim}") and f"\nType{delim}" in head:
            return delim
    return None


def sniff(text: str, filename: str = "") -> float:
    return 0.95 if _delimiter(text) else 0.0


def parse(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    delim = _delimiter(text) or ","
    lines = split_lines(text)
    header: dict[str, str] = {}
    start = None
    for i, line in enumerate(lines):
        fields = split(line, delim)
        if not fields:
            start = i + 1
            break
        header[fields[0].strip()] = delim.join(f.strip() for f in fields[1:])
    if start is None or start >= len(lines):
        raise ParseError("Edinburgh export without the blank line before its data")
    labels = [x.strip() for x in header.get("Labels", "").split(delim) if x.strip()] or ["scan"]
    x_axis = header.get("Xaxis", header.get("XAxis", "Wavelength")).lower()
    timescan = "time" in x_axis or "time" in header.get("Type", "").lower()
    x_name = "Time (ns)" if timescan else "Wavelength (nm)"
    width = len(split(lines[start], delim))
    if width == 2 * len(labels) and len(labels) > 1:
        names = [n for label in labels for n in (f"{x_name} {label}", label)]
        pairs = [(2 * i, 2 * i + 1) for i in range(len(labels))]
    else:
        names = [x_name] + (labels + [f"y{i}" for i in range(len(labels), width)])[: width - 1]
        pairs = [(0, i) for i in range(1, width)]
    table = numeric_table(lines, start, len(lines), names, delim)

    kind = "trpl" if timescan else "pl"
    series = []
    for x_col, y_col in pairs:
        x, y = table[:, x_col], table[:, y_col]
        if timescan:
            columns = {"time_ns": x, "counts": y}
        else:
            order = np.argsort(x, kind="stable")
            columns = {"wavelength_nm": x[order], "intensity": y[order]}
        series.append(Series(names[y_col], columns, {"scan_type": header.get("Type")}))

    metadata: dict[str, Any] = {"sample": labels[0]}
    excitation = number(header.get("Fixed/Offset", "").split(delim)[0])
    if excitation is not None and not timescan:
        metadata["excitation_nm"] = excitation
    temperature = temperature_c(number(header.get("Temp", "").split(delim)[0]))
    if temperature is not None:
        metadata["temperature_c"] = temperature
    dwell = number(header.get("Dwell Time", "").split(delim)[0])
    if dwell is not None:
        metadata["dwell_time_s"] = dwell
    rate = _repetition_rate(header, delim, filename) if timescan else None
    if rate is not None:
        metadata["repetition_rate_hz"] = rate
    return ParsedMeasurement(kind, NAME, series, metadata, header, [])


def _repetition_rate(header: dict[str, str], delim: str, filename: str) -> float | None:
    for key, value in header.items():
        if _RATE_KEY.search(key):
            # A bare number here may be Hz or MHz depending on the software: not guessed.
            rate = rate_hz(value.split(delim)[0], key, bare=None)
            if rate is not None:
                return rate
    return repetition_rate_from_name(filename)


FORMAT = Format(NAME, KIND, sniff, parse)
