"""Bare two- or three-column numbers whose meaning the file name tag or the header's own words
give (`name.jv.txt`, `.abs`, `.eqe`, `.pl`, `.mpp`, `.trpl`; `XUNITS NANOMETERS` with
`YUNITS ABSORBANCE`, `Transmittance (%T)`, `Wavelength ... EQE`).

The generic family reads tagged bare numbers already; this format adds the header words, the
%T -> absorbance conversion, and an error that says how to teach cqdlab a bare file.
"""

from __future__ import annotations

import re

import numpy as np

from . import generic
from ._text import filename_kind, split_lines
from .base import Format, ParsedMeasurement, ParseError

NAME = "headerless"
_NUM = re.compile(
    r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?([\s,;]+[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?){1,2}[\s,;]*$"
)
# Header words -> kind; a phrase naming a technique or the y quantity.
_WORDS = (
    ("absorbance", r"absorbance|absorption|optical density|yunits\s+abs"),
    ("transmittance", r"transmittance|transmission|%t\b|yunits\s+%?t\b"),
    ("eqe", r"\beqe\b|\bipce\b|quantum efficiency"),
    ("pl", r"photoluminescence|\bpl spectrum\b"),
    ("trpl", r"\btrpl\b|\btcspc\b|decay"),
    ("jv", r"\bj-?v\b|\bi-?v\b|current[- ]voltage"),
    ("mpp", r"\bmppt?\b|maximum power point"),
)
_TEACH = (
    "add a header row with column names and units (e.g. 'Voltage (V)<tab>Current (A)'), or give "
    "the file name a tag like name.jv.txt (.abs, .eqe, .pl, .mpp, .trpl), or teach cqdlab this "
    "format as an instrument profile"
)


def _split(text: str) -> tuple[list[str], int] | None:
    """(lines, index of the first number row) when the file is words then bare numbers."""
    lines = split_lines(text[:20000])
    first = next((i for i, line in enumerate(lines) if _NUM.match(line)), None)
    if first is None or first > 30:
        return None
    body = [line for line in lines[first : first + 50] if line.strip()]
    if len(body) < 5 or not all(_NUM.match(line) for line in body):
        return None
    above = [line.strip() for line in lines[:first] if line.strip()]
    if above and not _descriptive(above[-1]):
        return None  # a column-names row: the generic family reads named columns
    return lines, first


def _descriptive(line: str) -> bool:
    """A header line that says something about the file, not a row of column names."""
    low = line.lower().lstrip("#%; ")
    return (
        line.lstrip().startswith(("#", "%", ";"))
        or bool(re.match(r"(x|y)units\b|title\b|origin\b|owner\b", low))
        or ":" in line
        or "=" in line
        or len(line.split()) == 1
    )


def _words(lines: list[str], first: int) -> tuple[str | None, bool]:
    text = " ".join(lines[:first]).lower()
    found = [kind for kind, pattern in _WORDS if re.search(pattern, text)]
    found = ["absorbance" if k == "transmittance" else k for k in found]
    kinds = sorted(set(found))
    transmittance = bool(re.search(_WORDS[1][1], text))
    return (kinds[0] if len(kinds) == 1 else None), transmittance


def sniff(text: str, filename: str = "") -> float:
    """At the signature level (0.9) for bare numbers that only this format can place: a kind
    named by the header's words, or no words at all (then the error says how to teach it).
    Tagged files and words the generic family reads (scope settings) stay with generic."""
    found = _split(text)
    if found is None or filename_kind(filename):
        return 0.0
    lines, first = found
    if _words(lines, first)[0] is not None:
        return 0.9
    return 0.9 if not any(line.strip() for line in lines[:first]) else 0.0


def parse(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    found = _split(text)
    if found is None:
        raise ParseError("not a file of bare numbers under a few lines of words")
    lines, first = found
    words_kind, transmittance = _words(lines, first)
    kind = kind_hint or filename_kind(filename) or words_kind
    if kind is None:
        x = (
            " (the header names a wavelength axis but not what was measured)"
            if re.search(r"nanometers|wavelength|\bnm\b", " ".join(lines[:first]).lower())
            else ""
        )
        last = len(split_lines(text.rstrip()))
        raise ParseError(
            f"unknown format: the numbers at lines {first + 1}-{last} have no column names, so "
            f"what they are is unknown{x}; {_TEACH}"
        )
    # Words above the numbers would be read as column names: blank them, keeping line numbers.
    full = split_lines(text)
    body = "\n".join([""] * first + full[first:])
    result = generic.FORMAT.parse(body, filename, kind)
    result.header.update({f"line {i + 1}": line for i, line in enumerate(full[:first]) if line})
    if words_kind and not kind_hint and not filename_kind(filename):
        # Only what the header's words decided is this format's reading; a kind from the
        # upload or the file name is the generic family's, as before.
        result.format = NAME
        result.warnings.append(f"the kind ({kind}) was read from the header's words")
    if kind == "absorbance" and transmittance:
        _to_absorbance(result)
    return result


def _to_absorbance(result: ParsedMeasurement) -> None:
    """The header says the numbers are transmittance: A = 2 - log10(%T), or -log10(T)."""
    for series in result.series:
        t = series.columns["absorbance"]
        percent = bool(np.nanmax(t) > 1.5)
        fraction = t / 100.0 if percent else t
        a = np.full_like(fraction, np.nan)
        positive = fraction > 0
        a[positive] = -np.log10(fraction[positive])
        series.columns["absorbance"] = a
        series.columns["transmittance_fraction"] = fraction
        if not positive.all():
            result.warnings.append(f"{int((~positive).sum())} points with T <= 0 masked")
    formula = "A = 2 - log10(%T)" if percent else "A = -log10(T)"
    result.warnings.append(f"the file holds transmittance; converted to absorbance, {formula}")
    result.metadata["converted_from"] = (
        "transmittance_percent" if percent else "transmittance_fraction"
    )


FORMAT = Format(NAME, None, sniff, parse)
