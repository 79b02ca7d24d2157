"""Ocean Optics OceanView / SpectraSuite text export (`.txt`).

OceanView writes `Data from <file> Node`, a key/value block (`Date`, `User`, `Spectrometer`,
`Integration Time (sec)` or `(usec)`, `Scans to average`, `Number of Pixels in Spectrum`, ...),
then `>>>>>Begin Spectral Data<<<<<` and one `wavelength<TAB>value` row per pixel; SpectraSuite
starts with `SpectraSuite Data File` and brackets its rows with `>>>>>Begin Processed Spectral
Data<<<<<` / `>>>>>End Processed Spectral Data<<<<<`. A locale with a decimal comma writes
`339,23`. The file does not say what was processed: a PL spectrum (kind pl) unless the kind hint,
the file-name tag (`.abs.txt`) or a word in the node or file name says absorbance or
transmission; a transmission spectrum (in %) is converted, A = 2 - log10(%T).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ._meta import key_value
from ._text import filename_kind, number, numeric_table, parse_datetime, split_lines
from .base import Format, ParsedMeasurement, ParseError, Series

NAME = "oceanoptics"
KIND = None  # pl or absorbance: the file itself does not say which

_BEGIN = re.compile(r"^>{3,}\s*Begin\b.*Spectral Data\s*<{3,}\s*$", re.I)
_END = re.compile(r"^>{3,}\s*End\b.*<{3,}\s*$", re.I)
_TITLE = re.compile(r"^(Data from .* Node|SpectraSuite Data File)\s*$", re.I)
# Java's Date.toString(): 'Tue Mar 05 14:22:10 CET 2024'; the zone name is dropped.
_JAVA_DATE = re.compile(r"^\w{3}\s+(\w{3})\s+(\d{1,2})\s+(\d{2}:\d{2}:\d{2})\s+\S+\s+(\d{4})$")
_ABSORBANCE_WORDS = re.compile(r"absorb", re.I)
_TRANSMISSION_WORDS = re.compile(r"transmi", re.I)


def sniff(text: str, filename: str = "") -> float:
    head = text[:6000].lstrip("\ufeff")
    first = head.split("\n", 1)[0].strip()
    if _TITLE.match(first) and any(_BEGIN.match(x.strip()) for x in head.split("\n")[:80]):
        return 0.95
    return 0.0


def parse(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    lines = split_lines(text.lstrip("\ufeff"))
    begin = next((i for i, x in enumerate(lines[:200]) if _BEGIN.match(x.strip())), None)
    if begin is None:
        raise ParseError("Ocean Optics file without its '>>>>>Begin Spectral Data<<<<<' line")
    stop = next((i for i in range(begin + 1, len(lines)) if _END.match(lines[i].strip())), None)
    stop = len(lines) if stop is None else stop
    while stop > begin + 1 and not lines[stop - 1].strip():
        stop -= 1  # trailing blank lines are not rows
    header: dict[str, str] = {"title": lines[0].strip()}
    for line in lines[1:begin]:
        pair = key_value(line, None)
        if pair is not None and pair[0] not in header:
            header[pair[0]] = pair[1]
    table = numeric_table(lines, begin + 1, stop, ["Wavelength (nm)", "Value"], "\t")
    order = np.argsort(table[:, 0], kind="stable")
    wavelength, y = table[order, 0], table[order, 1]

    warnings: list[str] = []
    pixels = number(_first(header, "Number of Pixels"))
    if pixels is not None and int(pixels) != len(table):
        warnings.append(f"the header announces {int(pixels)} pixels, the file has {len(table)}")
    names = f"{header['title']} {filename}"
    kind = _kind(kind_hint, filename, names)
    metadata: dict[str, Any] = {}
    label = "spectrum"
    if kind == "pl":
        columns = {"wavelength_nm": wavelength, "intensity": y}
    elif _TRANSMISSION_WORDS.search(names):
        columns = {
            "wavelength_nm": wavelength,
            "transmittance_percent": y,
            "absorbance": absorbance_from_percent(y, warnings),
        }
        metadata["converted_from"] = "transmittance_percent"
    else:
        columns = {"wavelength_nm": wavelength, "absorbance": y}

    spectrometer = _first(header, "Spectrometer")
    if spectrometer:
        metadata["instrument"] = f"Ocean Optics {spectrometer}"
        metadata["spectrometer_serial"] = spectrometer
        label = spectrometer
    if header.get("User"):
        metadata["operator"] = header["User"]
    measured = java_date(header.get("Date", ""))
    if measured:
        metadata["measured_at"] = measured
    integration = _integration_s(header)
    if integration is not None:
        metadata["integration_time_s"] = integration
    scans = number(_first(header, "Scans to average") or _first(header, "Spectra Averaged"))
    if scans is not None:
        metadata["scans_averaged"] = int(scans)
    stem = filename.replace("\\", "/").rsplit("/", 1)[-1].split(".")[0]
    if stem:
        metadata["sample"] = stem
    series = [Series(label, columns, {})]
    return ParsedMeasurement(kind, NAME, series, metadata, header, warnings)


def absorbance_from_percent(percent: np.ndarray, warnings: list[str]) -> np.ndarray:
    """A = 2 - log10(%T), stated in ``warnings``; a %T at or below 0 is masked (NaN)."""
    warnings.append("transmittance (%T) converted to absorbance, A = 2 - log10(%T)")
    absorbance = np.full_like(percent, np.nan)
    positive = percent > 0
    absorbance[positive] = 2.0 - np.log10(percent[positive])
    if not positive.all():
        warnings.append(f"{int((~positive).sum())} points with transmittance <= 0: masked")
    return absorbance


def java_date(text: str) -> str | None:
    """ISO date from Java's 'Tue Mar 05 14:22:10 CET 2024' (OceanView), else any ISO date."""
    match = _JAVA_DATE.match(" ".join(text.split()))
    if match:
        month, day, clock, year = match.groups()
        return parse_datetime(f"{day} {month} {year} {clock}", ("%d %b %Y %H:%M:%S",))
    return parse_datetime(text)


def _kind(kind_hint: str | None, filename: str, names: str) -> str:
    if kind_hint in ("pl", "absorbance"):
        return kind_hint
    if kind_hint is not None:
        raise ParseError(f"an Ocean Optics spectrum holds pl or absorbance data, not {kind_hint}")
    tag = filename_kind(filename)
    if tag in ("pl", "absorbance"):
        return tag
    if _ABSORBANCE_WORDS.search(names) or _TRANSMISSION_WORDS.search(names):
        return "absorbance"
    return "pl"


def _first(header: dict[str, str], prefix: str) -> str:
    """The value of the first key starting with ``prefix`` (SpectraSuite adds units and
    '(USB4C01234)' to its keys and values)."""
    for key, value in header.items():
        if key.lower().startswith(prefix.lower()):
            return value.split("(")[0].strip()
    return ""


def _integration_s(header: dict[str, str]) -> float | None:
    for key, value in header.items():
        if key.lower().startswith("integration time"):
            amount = number(value.split("(")[0].strip())
            if amount is None:
                return None
            unit = key.lower()
            if "usec" in unit or "µs" in unit or "(us)" in unit:
                return amount * 1e-6
            if "msec" in unit or "(ms)" in unit:
                return amount * 1e-3
            return amount
    return None


FORMAT = Format(NAME, KIND, sniff, parse)
