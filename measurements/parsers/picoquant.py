"""PicoQuant ASCII histogram (`#PicoHarp 300  Histogram Data`, `#TimeHarp 260 ...`).

`#key` lines each followed by a value line (one tab-separated value per curve), then
`#counts` and one row per channel. Time of channel k is k x ns/bin (`#ns/bin` or
`#ns/channel`). Filter and power are not in the file; lab members put them in the file name
(`..._10kHz-ND1-0.40uW-300s.dat`), so they are read from there. The repetition rate is read
from a sync-rate header line where the software wrote one (`#Sync rate`, `#SyncRate [Hz]`,
...), else from the name; the TRPL analysis checks the decay against its period.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ._text import number, numeric_table, parse_datetime, split, split_lines
from .base import Format, ParsedMeasurement, ParseError, Series

NAME = "picoquant"
KIND = "trpl"

_TITLE = re.compile(r"^#(PicoHarp|TimeHarp|HydraHarp|MultiHarp)\b[^\t]*Histogram", re.I)
_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}\s+\d{1,2}:\d{2}:\d{2}")


def sniff(text: str, filename: str = "") -> float:
    return 0.95 if _TITLE.match(text[:200].lstrip("\ufeff")) else 0.0


def parse(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    lines = split_lines(text)
    header: dict[str, str] = {"title": lines[0].lstrip("#").split("\t")[0].strip()}
    start = None
    for i in range(1, min(len(lines), 100)):
        line = lines[i].strip()
        if line.lower() == "#counts":
            start = i + 1
            break
        if line.startswith("#") and i + 1 < len(lines) and not lines[i + 1].startswith("#"):
            header[line.lstrip("#").strip()] = lines[i + 1].strip()
    if start is None or start >= len(lines):
        raise ParseError("PicoQuant histogram without its '#counts' data")
    resolution = header.get("ns/bin") or header.get("ns/channel")
    if resolution is None:
        raise ParseError("PicoQuant histogram without '#ns/bin' (time per channel)")
    width = len(split(lines[start], "\t"))
    names = [f"counts, curve {c + 1}" for c in range(max(width, 1))]
    table = numeric_table(lines, start, len(lines), names, "\t")
    steps = [number(v) for v in split(resolution.replace(" ", "\t"), "\t")]
    if not steps or any(s is None or s <= 0 for s in steps):
        raise ParseError(f"'{resolution}' is not a time per channel in ns", line=None)

    warnings: list[str] = []
    channels = number(header.get("channels per curve"))
    if channels is not None and int(channels) != len(table):
        warnings.append(f"the header announces {int(channels)} channels, the file has {len(table)}")
    curves = split(header.get("display curve no.", "").replace(" ", "\t"), "\t")
    series = []
    k = np.arange(len(table), dtype=np.float64)
    for col in range(table.shape[1]):
        step = steps[col] if col < len(steps) else steps[0]
        label = f"curve {curves[col].strip()}" if col < len(curves) else f"curve {col}"
        meta: dict[str, Any] = {"ns_per_bin": step}
        columns = {"time_ns": k * step, "counts": table[:, col]}  # type: ignore[operator]
        series.append(Series(label, columns, meta))
    metadata: dict[str, Any] = {"instrument": header["title"], **_from_name(filename)}
    header_rate = _rate_from_header(header)
    if header_rate is not None:
        metadata["repetition_rate_hz"] = header_rate  # measured by the instrument: wins
    match = _DATE.search(lines[0])
    measured = (
        parse_datetime(match.group(0), ("%m/%d/%y %H:%M:%S", "%m/%d/%Y %H:%M:%S"))
        if match
        else None
    )
    if measured:
        metadata["measured_at"] = measured
    return ParsedMeasurement(KIND, NAME, series, metadata, header, warnings)


_NAME_FACTS = (
    (re.compile(r"(\d+(?:[.,]\d+)?)(k|M)?Hz", re.I), "repetition_rate_hz"),
    (re.compile(r"(\d+(?:[.,]\d+)?)(n|u|µ|m)?W"), "excitation_power_w"),
    (re.compile(r"(\d+(?:[.,]\d+)?)(s|min)"), "acquisition_time_s"),
)
_SCALE = {
    "": 1.0,
    "k": 1e3,
    "K": 1e3,
    "M": 1e6,
    "n": 1e-9,
    "u": 1e-6,
    "µ": 1e-6,
    "m": 1e-3,
    "s": 1.0,
    "min": 60.0,
}


_RATE_KEY = re.compile(r"\b(sync|rep(etition)?)\W*(rate|freq)", re.I)
_RATE_VALUE = re.compile(r"^\s*([-+]?\d+(?:[.,]\d+)?(?:[eE][-+]?\d+)?)\s*([kKM]?Hz)?", re.I)
_RATE_UNIT = re.compile(r"[\[(]\s*([kKM]?Hz)\s*[\])]", re.I)
_HZ = {"hz": 1.0, "khz": 1e3, "mhz": 1e6}


def rate_hz(value: str, key: str = "", bare: str | None = "Hz") -> float | None:
    """A repetition rate in Hz from a header value ('10 MHz', '1.0E+7', '39,9'), its unit in
    the value or the key ('Sync rate [MHz]'); a bare number is read in ``bare`` units, or
    not at all when ``bare`` is None (too ambiguous to guess)."""
    match = _RATE_VALUE.match(value.split("\t")[0])  # one value per curve: the first
    if not match:
        return None
    unit_in_key = _RATE_UNIT.search(key)
    unit = match.group(2) or (unit_in_key.group(1) if unit_in_key else bare)
    amount = number(match.group(1))
    if unit is None or amount is None or amount <= 0:
        return None
    return amount * _HZ[unit.lower()]


def _rate_from_header(header: dict[str, str]) -> float | None:
    for key, value in header.items():
        if _RATE_KEY.search(key):
            rate = rate_hz(value, key)
            if rate is not None:
                return rate
    return None


def repetition_rate_from_name(filename: str) -> float | None:
    """The repetition rate a file name states (`..._10kHz_...`), for other TCSPC formats."""
    return _from_name(filename).get("repetition_rate_hz")


def _from_name(filename: str) -> dict[str, Any]:
    """Facts lab members write into TCSPC file names, token by token."""
    stem = filename.replace("\\", "/").rsplit("/", 1)[-1]
    facts: dict[str, Any] = {}
    for token in re.split(r"[_\-\s]+", stem.rsplit(".", 2)[0])[:30]:
        if re.fullmatch(r"ND\d+(?:[.,]\d+)?", token, re.I):
            facts["nd_filter"] = token.upper()
            continue
        for pattern, key in _NAME_FACTS:
            match = pattern.fullmatch(token)
            if match and key not in facts:
                value = number(match.group(1)) or 0.0
                facts[key] = value * _SCALE[match.group(2) or ""]
                break
    return facts


FORMAT = Format(NAME, KIND, sniff, parse)
