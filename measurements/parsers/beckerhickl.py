"""Becker & Hickl SPCM ASCII export (`.asc`): one TCSPC decay.

`Key : value` header lines (`Title`, `Version`, `Revision : 12 bits ADC`, `Date` as mm-dd-yyyy,
`Time`, `Author`, `Company`, `Contents`), optionally a `*SETUP` ... `*END` section of
`#SP [SP_NAME,type,value]` parameters (the layout of SPCM's .set files), then `*BLOCK n` and one
`time , counts` row per channel (time in ns), closed by `*END`. The layout is the one
WrightTools' `from_spcm` reader documents. The file holds no repetition rate; it is read from a
`SP_SYNC_FREQ`-style setup entry where present, else from the file name (`..._20MHz_...`).
"""

from __future__ import annotations

import re
from typing import Any

from ._text import number, numeric_table, parse_datetime, split_lines
from .base import Format, ParsedMeasurement, ParseError, Series
from .picoquant import repetition_rate_from_name

NAME = "becker-hickl"
KIND = "trpl"

_BLOCK = re.compile(r"^\*BLOCK\b(.*)$", re.I)
_PARAM = re.compile(r"\[\s*(SP_\w+)\s*,\s*\w\s*,\s*([^\]]*)\]")


def sniff(text: str, filename: str = "") -> float:
    head = text[:20000].lstrip("\ufeff")
    starts = head.split("\n", 1)[0].strip().lower()
    has_block = re.search(r"^\*BLOCK\b", head, re.M | re.I) is not None
    if has_block and (starts.startswith("title") or "spc" in head[:400].lower()):
        return 0.95
    return 0.0


def parse(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    lines = split_lines(text.lstrip("\ufeff"))
    header: dict[str, str] = {}
    setup: dict[str, str] = {}
    block = None
    in_setup = False
    for i, raw in enumerate(lines):
        line = raw.strip()
        upper = line.upper()
        if upper.startswith("*SETUP"):
            in_setup = True
        elif upper.startswith("*END") and in_setup:
            in_setup = False
        elif _BLOCK.match(line):
            block = i
            break
        elif in_setup:
            for key, value in _PARAM.findall(line):
                setup[key] = value.strip()
        elif ":" in line:
            key, _, value = line.partition(":")
            header.setdefault(key.strip(), value.strip())
    if block is None:
        raise ParseError("SPCM ASCII export without its '*BLOCK' data section")
    stop = next(
        (i for i in range(block + 1, len(lines)) if lines[i].strip().upper().startswith("*END")),
        len(lines),
    )
    while stop > block + 1 and not lines[stop - 1].strip():
        stop -= 1
    first = lines[block + 1] if block + 1 < len(lines) else ""
    delim = "," if "," in first else ("\t" if "\t" in first else None)
    table = numeric_table(lines, block + 1, stop, ["Time (ns)", "Counts"], delim)

    metadata: dict[str, Any] = {"instrument": f"Becker & Hickl {header.get('Title', 'SPCM')}"}
    if header.get("Contents"):
        metadata["sample"] = header["Contents"]
    measured = parse_datetime(
        f"{header.get('Date', '')} {header.get('Time', '')}".strip(),
        ("%m-%d-%Y %H:%M:%S", "%m-%d-%Y"),
    )
    if measured:
        metadata["measured_at"] = measured
    adc = re.match(r"\s*(\d+)\s*bits", header.get("Revision", ""), re.I)
    if adc:
        metadata["adc_bits"] = int(adc.group(1))
    rate = next((number(v) for k, v in setup.items() if "SYNC_FREQ" in k or "REP_RATE" in k), None)
    rate = rate if rate is not None and rate > 0 else repetition_rate_from_name(filename)
    if rate is not None:
        metadata["repetition_rate_hz"] = rate
    header.update(setup)
    label = _BLOCK.match(lines[block].strip()).group(1).strip() or "decay"  # type: ignore[union-attr]
    columns = {"time_ns": table[:, 0], "counts": table[:, 1]}
    return ParsedMeasurement(KIND, NAME, [Series(label, columns, {})], metadata, header, [])


FORMAT = Format(NAME, KIND, sniff, parse)
