"""Instrument profiles: a file layout a lab member described, applied to bytes.

A profile is DATA (a dict, usually loaded from YAML or JSON), never code: the kind, how lines
split into cells, where the data start and stop, which column holds which quantity in which
unit (from closed lists), how repeated blocks split, which header fields to read by key or by
pattern, and the match rule that selects it for later uploads. Nothing in it is evaluated:
regular expressions are length-limited, checked for nested repetition (the pattern shape that
backtracks without end) and only ever applied to bounded header lines.

``validate(definition)`` answers the cleaned profile or raises :class:`ProfileError` naming
the field; ``read(data, filename, definition)`` answers the same :class:`ParsedMeasurement`
the built-in readers do, or raises :class:`ParseError` naming the line.

Pure: no Django (the pure-parsers import contract).
"""

from __future__ import annotations

import fnmatch
import math
import re
from typing import Any

import numpy as np

from ._irradiance import state_irradiance
from ._labels import direction_word, normalise_pixel
from ._text import decode, parse_datetime, split_lines
from .base import KINDS, ParsedMeasurement, ParseError, Series

FORMAT_NAME = "profile"
MAX_REGEX = 200  # characters of one pattern
MAX_LINE = 500  # characters of a line a pattern is applied to
MAX_HEADER_LINES = 200  # lines searched for header fields and fingerprints
MAX_COLUMNS = 20
MIN_POINTS = 3

# quantity -> {unit: (factor, offset) to the canonical unit}; special units are handled below.
UNITS: dict[str, dict[str, tuple[float, float]]] = {
    "voltage": {"V": (1, 0), "mV": (1e-3, 0), "uV": (1e-6, 0)},
    "current": {"A": (1, 0), "mA": (1e-3, 0), "uA": (1e-6, 0), "nA": (1e-9, 0)},
    "current_density": {
        "mA/cm2": (1, 0),
        "A/cm2": (1e3, 0),
        "uA/cm2": (1e-3, 0),
        "A/m2": (0.1, 0),
    },
    "wavelength": {"nm": (1, 0), "um": (1e3, 0), "A": (0.1, 0), "eV": (1, 0)},
    "eqe": {"%": (0.01, 0), "fraction": (1, 0)},
    "absorbance": {"OD": (1, 0)},
    "transmittance": {"%": (0.01, 0), "fraction": (1, 0)},
    "time": {
        "s": (1, 0),
        "ms": (1e-3, 0),
        "us": (1e-6, 0),
        "ns": (1e-9, 0),
        "ps": (1e-12, 0),
        "min": (60, 0),
        "h": (3600, 0),
    },  # fmt: skip
    "counts": {"counts": (1, 0)},
    "power": {"mW/cm2": (1, 0), "W/m2": (0.1, 0), "W/cm2": (1e3, 0)},
    "temperature": {"C": (1, 0), "K": (1, -273.15)},
    "intensity": {
        "a.u.": (1, 0),
        "counts": (1, 0),
        "mW/cm2": (1, 0),
        "W/m2": (0.1, 0),
        "suns": (100, 0),
    },  # fmt: skip
    "capacitance": {"F": (1, 0), "uF": (1e-6, 0), "nF": (1e-9, 0), "pF": (1e-12, 0)},
}
QUANTITIES = tuple(UNITS)
# Units people type for the same thing, mapped onto the closed list (µ, ², 'percent').
_UNIT_ALIASES = {
    "µa": "uA", "μa": "uA", "ua": "uA", "µv": "uV", "ma/cm²": "mA/cm2", "µa/cm2": "uA/cm2",
    "µm": "um", "μm": "um", "µs": "us", "μs": "us", "percent": "%", "mw/cm²": "mW/cm2",
    "w/m²": "W/m2", "°c": "C", "degc": "C", "a/m²": "A/m2", "a.u": "a.u.", "au": "a.u.",
}  # fmt: skip

# Per kind: quantity -> canonical column. Which kinds a profile may read and what each needs.
KIND_COLUMNS: dict[str, dict[str, str]] = {
    "jv": {"voltage": "voltage_v", "current_density": "current_density_ma_cm2",
           "current": "current_a", "time": "time_s", "temperature": "temperature_c"},
    "eqe": {"wavelength": "wavelength_nm", "eqe": "eqe_fraction"},
    "absorbance": {"wavelength": "wavelength_nm", "absorbance": "absorbance",
                   "transmittance": "absorbance"},
    "pl": {"wavelength": "wavelength_nm", "intensity": "intensity", "counts": "intensity"},
    "trpl": {"time": "time_ns", "counts": "counts", "intensity": "counts"},
    "tpv": {"time": "time_s", "voltage": "voltage_v"},
    "tpc": {"time": "time_s", "current": "current_a", "current_density": "current_density_ma_cm2",
            "voltage": "voltage_v"},
    "mpp": {"time": "time_s", "voltage": "voltage_v", "current_density": "current_density_ma_cm2",
            "power": "power_mw_cm2", "temperature": "temperature_c"},
    "intensity": {"intensity": "intensity_mw_cm2", "voltage": "voc_v",
                  "current_density": "jsc_ma_cm2", "temperature": "temperature_c"},
    "cv": {"voltage": "voltage_v", "capacitance": "capacitance_f"},
}  # fmt: skip
# Each tuple: quantities of which one must be given.
KIND_NEEDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "jv": (("voltage",), ("current_density", "current")),
    "eqe": (("wavelength",), ("eqe",)),
    "absorbance": (("wavelength",), ("absorbance", "transmittance")),
    "pl": (("wavelength",), ("intensity", "counts")),
    "trpl": (("time",), ("counts", "intensity")),
    "tpv": (("time",), ("voltage",)),
    "tpc": (("time",), ("current", "current_density", "voltage")),
    "mpp": (("time",), ("voltage",), ("current_density",)),
    "intensity": (("intensity",), ("voltage",)),
    "cv": (("voltage",), ("capacitance",)),
}
SPECTRA = ("eqe", "absorbance", "pl")
DELIMITERS = {"auto": None, "tab": "\t", "comma": ",", "semicolon": ";", "whitespace": " "}
DECIMALS = (".", ",")
HEADER_FIELDS = ("area", "irradiance", "date", "device", "pixel", "scan_direction", "temperature")
FIELD_UNITS = {
    "area": {"cm2": 1.0, "mm2": 0.01, "m2": 1e4},
    "irradiance": {"mW/cm2": 1.0, "W/m2": 0.1, "suns": 100.0},
    "temperature": {"C": 1.0},
}
BLOCK_SPLITS = ("none", "blank", "marker")
BLOCK_PER = ("scan", "pixel")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,79}$")
# A repeated group that itself repeats or alternates, e.g. (a+)+, (\w*)* or (a|aa)+: the
# shapes that backtrack exponentially on a line that almost matches.
_NESTED = re.compile(r"\((?:[^()\\]|\\.)*[+*}|](?:[^()\\]|\\.)*\)\s*[+*{]")
_TOP_KEYS = {"name", "kind", "instrument", "delimiter", "decimal", "data", "columns", "blocks",
             "header", "match", "notes", "code", "version"}  # fmt: skip


class ProfileError(ValueError):
    """A profile that cannot be used, with the field it is about (``columns[2].unit``)."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def unit_name(quantity: str, unit: str) -> str | None:
    """The unit as the closed list spells it, or None when the quantity has no such unit."""
    units = UNITS.get(quantity, {})
    text = str(unit).strip()
    if text in units:
        return text
    alias = _UNIT_ALIASES.get(text.lower())
    if alias in units:
        return alias
    lowered = {u.lower(): u for u in units}
    return lowered.get(text.lower())


def compile_pattern(pattern: object, field: str) -> re.Pattern[str]:
    """A user's regular expression, refused when long, invalid or of a backtracking shape."""
    if not isinstance(pattern, str) or not pattern:
        raise ProfileError(field, "give a regular expression as text")
    if len(pattern) > MAX_REGEX:
        raise ProfileError(field, f"the pattern is longer than {MAX_REGEX} characters")
    if _NESTED.search(pattern):
        raise ProfileError(
            field,
            "a repeated group that itself repeats or alternates (like (a+)+ or (a|aa)+) can take "
            "forever; simplify it",
        )
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ProfileError(field, f"not a valid regular expression ({exc})") from None


def _line_or_pattern(value: object, field: str) -> int | str | None:
    """A 1-based line number, or a marker pattern (checked), or None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ProfileError(field, "give a line number or a pattern")
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        number = int(value)
        if number < 1:
            raise ProfileError(field, "line numbers start at 1")
        return number
    compile_pattern(value, field)
    return str(value)


def validate(definition: object) -> dict[str, Any]:
    """The profile with defaults filled in, or ProfileError naming the first bad field."""
    if not isinstance(definition, dict):
        raise ProfileError("profile", "a profile is a mapping of fields (YAML or JSON object)")
    unknown = sorted(set(map(str, definition)) - _TOP_KEYS)
    if unknown:
        raise ProfileError(unknown[0], f"unknown field; fields are: {', '.join(sorted(_TOP_KEYS))}")
    out: dict[str, Any] = {}
    kind = definition.get("kind")
    if kind not in KIND_COLUMNS:
        raise ProfileError("kind", f"'{kind}' is no kind a profile reads; kinds are: "
                           f"{', '.join(k for k in KINDS if k in KIND_COLUMNS)}")  # fmt: skip
    out["kind"] = kind
    name = definition.get("name", definition.get("code"))
    if name is not None:
        if not isinstance(name, str) or not _NAME.match(name):
            raise ProfileError("name", "use letters, digits, '.', '_', '-' or spaces (at most 80)")
        out["name"] = name
    out["instrument"] = str(definition.get("instrument") or "")[:120]
    out["notes"] = str(definition.get("notes") or "")[:2000]
    delimiter = definition.get("delimiter", "auto")
    if delimiter not in DELIMITERS:
        raise ProfileError("delimiter", f"choose one of {', '.join(DELIMITERS)}")
    out["delimiter"] = delimiter
    decimal = str(definition.get("decimal", "."))
    if decimal not in DECIMALS:
        raise ProfileError("decimal", "the decimal mark is '.' or ','")
    if decimal == "," and delimiter == "comma":
        raise ProfileError("decimal", "a decimal comma cannot be read from comma-separated cells")
    out["decimal"] = decimal
    out["data"] = _validate_data(definition.get("data") or {})
    out["columns"] = _validate_columns(definition.get("columns"), kind)
    out["blocks"] = _validate_blocks(definition.get("blocks") or {})
    out["header"] = _validate_header(definition.get("header") or {})
    out["match"] = _validate_match(definition.get("match") or {})
    return out


def _validate_data(data: object) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ProfileError("data", "give start and stop (line numbers or marker patterns)")
    extra = set(map(str, data)) - {"start", "stop", "header_row"}
    if extra:
        raise ProfileError(f"data.{sorted(extra)[0]}", "unknown field; use start, stop, header_row")
    out = {
        "start": _line_or_pattern(data.get("start"), "data.start"),
        "stop": _line_or_pattern(data.get("stop"), "data.stop"),
        "header_row": None,
    }
    row = data.get("header_row")
    if row not in (None, ""):
        if isinstance(row, bool) or not str(row).strip().isdigit() or int(row) < 1:
            raise ProfileError("data.header_row", "give the line number of the column names")
        out["header_row"] = int(row)
    start, stop = out["start"], out["stop"]
    if isinstance(start, int) and isinstance(stop, int) and stop < start:
        raise ProfileError("data.stop", f"line {stop} is before the data start (line {start})")
    return out


def _validate_columns(columns: object, kind: str) -> list[dict[str, Any]]:
    if not isinstance(columns, list) or not columns:
        raise ProfileError("columns", "say which column holds which quantity")
    if len(columns) > MAX_COLUMNS:
        raise ProfileError("columns", f"at most {MAX_COLUMNS} columns")
    allowed = KIND_COLUMNS[kind]
    out, seen = [], set()
    for i, column in enumerate(columns, start=1):
        where = f"columns[{i}]"
        if not isinstance(column, dict):
            raise ProfileError(where, "give column, quantity and unit")
        ref = column.get("column")
        if isinstance(ref, bool) or ref in (None, ""):
            raise ProfileError(f"{where}.column", "give the column number (1 = first) or its name")
        if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit()):
            ref = int(ref)
            if ref < 1 or ref > 200:
                raise ProfileError(f"{where}.column", "column numbers run from 1 to 200")
        else:
            ref = str(ref).strip()[:80]
        quantity = column.get("quantity")
        if quantity not in UNITS:
            raise ProfileError(f"{where}.quantity", f"'{quantity}' is not one of "
                               f"{', '.join(QUANTITIES)}")  # fmt: skip
        if quantity not in allowed:
            raise ProfileError(
                f"{where}.quantity",
                f"a {kind} file has no {quantity} column; use {', '.join(allowed)}",
            )
        if quantity in seen:
            raise ProfileError(f"{where}.quantity", f"{quantity} is given twice")
        seen.add(quantity)
        unit = column.get("unit")
        if unit in (None, "") and len(UNITS[quantity]) == 1:
            unit = next(iter(UNITS[quantity]))
        spelled = unit_name(quantity, str(unit or ""))
        if spelled is None:
            raise ProfileError(f"{where}.unit", f"'{unit}' is no unit of {quantity}; units are: "
                               f"{', '.join(UNITS[quantity])}")  # fmt: skip
        out.append({"column": ref, "quantity": quantity, "unit": spelled})
    for needed in KIND_NEEDS[kind]:
        if not seen.intersection(needed):
            raise ProfileError("columns", f"a {kind} file needs a {' or '.join(needed)} column")
    return out


def _validate_blocks(blocks: object) -> dict[str, Any]:
    if not isinstance(blocks, dict):
        raise ProfileError("blocks", "give split (none, blank, marker), marker and per")
    split = blocks.get("split", "none") or "none"
    if split not in BLOCK_SPLITS:
        raise ProfileError("blocks.split", f"choose one of {', '.join(BLOCK_SPLITS)}")
    per = blocks.get("per", "scan") or "scan"
    if per not in BLOCK_PER:
        raise ProfileError("blocks.per", "a block is one 'scan' or one 'pixel'")
    marker = blocks.get("marker") or ""
    if split == "marker":
        compile_pattern(marker, "blocks.marker")
    elif marker:
        raise ProfileError("blocks.marker", "a marker is only used with split: marker")
    return {"split": split, "per": per, "marker": marker}


def _validate_header(header: object) -> dict[str, dict[str, str]]:
    if not isinstance(header, dict):
        raise ProfileError("header", f"give fields among {', '.join(HEADER_FIELDS)}")
    out = {}
    for name, spec in header.items():
        where = f"header.{name}"
        if name not in HEADER_FIELDS:
            raise ProfileError(
                where, f"unknown header field; fields are {', '.join(HEADER_FIELDS)}"
            )
        if spec in (None, "", {}):
            continue
        if isinstance(spec, str):
            spec = {"key": spec}
        if not isinstance(spec, dict):
            raise ProfileError(where, "give key (the text before the value) or regex")
        key, pattern = str(spec.get("key") or "").strip(), spec.get("regex") or ""
        if bool(key) == bool(pattern):
            raise ProfileError(where, "give either key or regex, one of them")
        if pattern:
            compiled = compile_pattern(pattern, f"{where}.regex")
            if compiled.groups < 1:
                raise ProfileError(f"{where}.regex", "put the value in a group: (...)")
        if len(key) > 80:
            raise ProfileError(f"{where}.key", "at most 80 characters")
        clean = {"key": key} if key else {"regex": str(pattern)}
        unit = str(spec.get("unit") or "").strip()
        if name in FIELD_UNITS:
            units = FIELD_UNITS[name]
            unit = unit or next(iter(units))
            if unit not in units:
                raise ProfileError(f"{where}.unit", f"units are {', '.join(units)}")
            clean["unit"] = unit
        elif unit:
            raise ProfileError(f"{where}.unit", "this field has no unit")
        out[name] = clean
    return out


def _validate_match(match: object) -> dict[str, Any]:
    if not isinstance(match, dict):
        raise ProfileError("match", "give filename, filename_regex, fingerprint or instrument")
    extra = set(map(str, match)) - {"filename", "filename_regex", "fingerprint", "lines",
                                    "instrument"}  # fmt: skip
    if extra:
        raise ProfileError(f"match.{sorted(extra)[0]}", "unknown match rule")
    out: dict[str, Any] = {}
    glob = str(match.get("filename") or "").strip()
    if len(glob) > 120:
        raise ProfileError("match.filename", "at most 120 characters")
    if glob:
        out["filename"] = glob
    for key in ("filename_regex", "fingerprint"):
        if match.get(key):
            compile_pattern(match[key], f"match.{key}")
            out[key] = str(match[key])
    lines = match.get("lines", 20)
    if isinstance(lines, bool) or not str(lines).isdigit() or not 1 <= int(lines) <= 100:
        raise ProfileError("match.lines", "the fingerprint is looked for in the first 1-100 lines")
    out["lines"] = int(lines)
    instrument = str(match.get("instrument") or "").strip()
    if instrument:
        out["instrument"] = instrument[:120]
    return out


# --- matching ----------------------------------------------------------------------------------


def match_score(profile: dict[str, Any], text_head: str, filename: str) -> int:
    """How many of the profile's match rules the file meets (0 when one of them fails or it
    has none: a profile without a rule is only applied when named)."""
    rules = profile.get("match") or {}
    score = 0
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    if rules.get("filename"):
        if not fnmatch.fnmatch(base.lower(), rules["filename"].lower()):
            return 0
        score += 1
    if rules.get("filename_regex"):
        if not compile_pattern(rules["filename_regex"], "match").search(base[:MAX_LINE]):
            return 0
        score += 1
    head = [line[:MAX_LINE] for line in split_lines(text_head)[: rules.get("lines", 20)]]
    if rules.get("fingerprint"):
        pattern = compile_pattern(rules["fingerprint"], "match.fingerprint")
        if not any(pattern.search(line) for line in head):
            return 0
        score += 1
    if rules.get("instrument"):
        name = rules["instrument"].lower()
        if not any(name in line.lower() for line in head):
            return 0
        score += 1
    return score


# --- reading -------------------------------------------------------------------------------------


def read(data: bytes, filename: str, definition: dict[str, Any]) -> ParsedMeasurement:
    """The file read as the profile says: ParsedMeasurement, or ParseError naming the line."""
    try:
        profile = validate(definition)
    except ProfileError as exc:
        raise ParseError(f"the instrument profile is not usable: {exc}") from None
    text = decode(data)
    lines = split_lines(text)
    start, stop = _region(lines, profile["data"])
    delim = _delimiter(profile, lines[start:stop])
    blocks = _blocks(lines, start, stop, profile, delim)
    if not blocks:
        raise ParseError(f"no rows of numbers between line {start + 1} and line {stop}")
    warnings: list[str] = []
    # The header: every line above the first row of numbers (a data start may sit above a
    # title or the column names), bounded.
    header_lines = lines[: min(blocks[0][2][0], MAX_HEADER_LINES)]
    header, file_fields = _fields(header_lines, profile["header"], delim)
    series = []
    for number, (block_lines, rows, row_lines) in enumerate(blocks, start=1):
        names = _names(lines, block_lines, rows, row_lines, profile, delim)
        columns = _columns(rows, row_lines, names, profile, warnings, number)
        own = _own_lines(lines, block_lines, profile, first=number == 1)
        _, block_fields = _fields(own, profile["header"], delim)
        meta = {**file_fields, **block_fields}
        label = f"block {number}" if len(blocks) > 1 else "data"
        smeta: dict[str, Any] = {}
        if profile["blocks"]["per"] == "pixel" and len(blocks) > 1:
            smeta["pixel"] = str(meta.get("pixel") or number)
            label = f"pixel {smeta['pixel']}"
        elif meta.get("pixel"):
            smeta["pixel"] = str(meta["pixel"])
        if meta.get("scan_direction"):
            smeta["declared_scan_direction"] = meta["scan_direction"]
            label += f" {meta['scan_direction']}"
        if isinstance(block_fields.get("area_cm2"), float):
            smeta["area_cm2"] = block_fields["area_cm2"]
        if "pixel" in smeta:
            smeta["pixel_label"] = smeta["pixel"]
            smeta["pixel"] = normalise_pixel(smeta["pixel"])
        series.append(Series(label=label, columns=columns, metadata=smeta))
    metadata: dict[str, Any] = {"profile": profile.get("name") or ""}
    if isinstance(file_fields.get("area_cm2"), float):
        metadata["area_cm2"] = file_fields["area_cm2"]
    if file_fields.get("irradiance") is not None:
        state_irradiance(metadata, file_fields["irradiance"], "mW/cm2", warnings)
    if file_fields.get("measured_at"):
        metadata["measured_at"] = file_fields["measured_at"]
    if file_fields.get("device"):
        metadata["sample"] = file_fields["device"]
    if isinstance(file_fields.get("temperature_c"), float):
        metadata["temperature_c"] = file_fields["temperature_c"]
    return ParsedMeasurement(
        kind=profile["kind"],
        format=FORMAT_NAME,
        series=series,
        metadata=metadata,
        header=header,
        warnings=warnings,
    )


def _own_lines(
    lines: list[str], text: list[int], profile: dict[str, Any], first: bool
) -> list[str]:
    """A block's own text lines (its marker line and below), read for per-block fields; the
    first block's lines above its marker belong to the file's header."""
    marker = profile["blocks"]["marker"]
    if marker:
        pattern = compile_pattern(marker, "blocks.marker")
        begin = next((i for i in text if pattern.search(lines[i][:MAX_LINE])), None)
        if begin is not None:
            return [lines[i] for i in text if i >= begin]
    return [] if first else [lines[i] for i in text]


def _find(lines: list[str], pattern: str, begin: int, field: str) -> int | None:
    compiled = compile_pattern(pattern, field)
    for i in range(begin, len(lines)):
        if compiled.search(lines[i][:MAX_LINE]):
            return i
    return None


def _region(lines: list[str], data: dict[str, Any]) -> tuple[int, int]:
    """[start, stop) as 0-based line indexes. A start marker's own line is not data."""
    start_spec, stop_spec = data["start"], data["stop"]
    if start_spec is None:
        start = 0
    elif isinstance(start_spec, int):
        if start_spec > len(lines):
            raise ParseError(f"the profile's data start at line {start_spec}, but the file "
                             f"has {len(lines)} lines")  # fmt: skip
        start = start_spec - 1
    else:
        found = _find(lines, start_spec, 0, "data.start")
        if found is None:
            raise ParseError(f"no line matches the profile's data start marker '{start_spec}'")
        start = found + 1
    if stop_spec is None:
        stop = len(lines)
    elif isinstance(stop_spec, int):
        stop = min(stop_spec, len(lines))  # the stop line is the last data line
        if stop <= start:
            raise ParseError(f"the data stop (line {stop_spec}) is before the data start "
                             f"(line {start + 1})")  # fmt: skip
    else:
        found = _find(lines, stop_spec, start, "data.stop")
        stop = len(lines) if found is None else found
    return start, stop


def _delimiter(profile: dict[str, Any], sample: list[str]) -> str | None:
    """The cell separator: the profile's, or for 'auto' the one the data lines use."""
    chosen = profile["delimiter"]
    if chosen != "auto":
        return None if chosen == "whitespace" else DELIMITERS[chosen]
    # Judged on the lines that start like a number: the rows, not a title or a marker.
    body = [line for line in sample[:400] if re.match(r"\s*[-+.\d]", line)][:50]
    for candidate in ("\t", ";"):
        if body and all(candidate in line for line in body[:10]):
            return candidate
    if profile["decimal"] != "," and body and all("," in line for line in body[:10]):
        return ","
    return None


def _cells(line: str, delim: str | None) -> list[str]:
    cells = line.split(delim) if delim is not None else line.split()
    return [c.strip().strip("\"'") for c in cells]


def _number(cell: str, decimal: str) -> float | None:
    """A cell as a number, or None when it is not one (empty cells are not numbers)."""
    if decimal == ",":
        cell = cell.replace(".", "").replace(",", ".") if "," in cell else cell
    try:
        value = float(cell)
    except ValueError:
        return None
    return value


def _indexes(profile: dict[str, Any]) -> list[int]:
    return [c["column"] - 1 for c in profile["columns"] if isinstance(c["column"], int)]


def _blocks(
    lines: list[str], start: int, stop: int, profile: dict[str, Any], delim: str | None
) -> list[tuple[list[int], list[list[str]], list[int]]]:
    """Blocks of (its text line indexes, its rows of cells, the rows' line indexes).

    A row is a line whose cells are all numbers, at least as many as the profile's column
    numbers need. split none: one block; a line of the rows' width with a word in it is an
    error naming it, a line of another shape ends the data (a footer). split blank: rows
    separated by blank or text lines form blocks; split marker: a line matching the marker
    starts one (the marker line is read for the block's header fields).
    """
    decimal = profile["decimal"]
    split = profile["blocks"]["split"]
    marker = (
        compile_pattern(profile["blocks"]["marker"], "blocks.marker") if split == "marker" else None
    )
    need = max(2, max(_indexes(profile), default=0) + 1)
    blocks: list[tuple[list[int], list[list[str]], list[int]]] = []
    text: list[int] = []
    rows: list[list[str]] = []
    at: list[int] = []
    width = None
    for i in range(start, stop):
        line = lines[i]
        if marker is not None and marker.search(line[:MAX_LINE]):
            if rows:
                blocks.append((text, rows, at))
                text, rows, at = [], [], []
            text.append(i)
            continue
        if not line.strip():
            if split == "blank" and rows:
                blocks.append((text, rows, at))
                text, rows, at = [], [], []
            continue
        cells = _cells(line, delim)
        numbers = [_number(c, decimal) for c in cells]
        if len(cells) >= need and all(n is not None for n in numbers):
            width = width or len(cells)
            rows.append(cells)
            at.append(i)
            continue
        if not rows:
            text.append(i)  # text before the rows: a title, column names, a marker
            continue
        if split == "none":
            if len(cells) == width and any(n is not None for n in numbers):
                bad = next(c for c, n in zip(cells, numbers, strict=True) if n is None)
                raise ParseError(f"'{bad[:40]}' is not a number", line=i + 1)
            break  # another shape: the data ended (a footer or a summary)
        blocks.append((text, rows, at))
        text, rows, at = [i], [], []
    if rows:
        blocks.append((text, rows, at))
    return blocks


def _names(lines, block_lines, rows, row_lines, profile, delim) -> list[str]:
    """The column names a block's rows sit under: the profile's header row, else the last
    text line above the block's first row."""
    row = profile["data"]["header_row"]
    if row is not None:
        if row > len(lines):
            raise ParseError(f"the profile's header row is line {row}, but the file has "
                             f"{len(lines)} lines")  # fmt: skip
        return _cells(lines[row - 1], delim)
    first = row_lines[0]
    above = [i for i in block_lines if i < first and lines[i].strip()]
    if not above:
        above = [i for i in range(first - 1, max(-1, first - 5), -1) if lines[i].strip()][:1]
    return _cells(lines[max(above)], delim) if above else []


def _column_index(ref: int | str, names: list[str], block: int) -> int:
    if isinstance(ref, int):
        return ref - 1
    wanted = ref.strip().lower()
    for i, name in enumerate(names):
        if name.strip().lower() == wanted:
            return i
    shown = ", ".join(f"'{n[:30]}'" for n in names[:12]) or "no names"
    raise ParseError(f"no column named '{ref}' above the data of block {block} (found {shown})")


def _columns(rows, row_lines, names, profile, warnings, block) -> dict[str, np.ndarray]:
    kind = profile["kind"]
    decimal = profile["decimal"]
    out: dict[str, np.ndarray] = {}
    order = None
    for column in profile["columns"]:
        index = _column_index(column["column"], names, block)
        values = []
        for cells, line in zip(rows, row_lines, strict=True):
            if index >= len(cells):
                raise ParseError(f"the row has {len(cells)} cells, no column {index + 1}",
                                 line=line + 1)  # fmt: skip
            value = _number(cells[index], decimal)
            if value is None:
                raise ParseError(f"'{cells[index][:40]}' is not a number in column {index + 1}",
                                 line=line + 1)  # fmt: skip
            values.append(value)
        array = _convert(np.asarray(values, dtype=np.float64), column, kind, warnings)
        out[KIND_COLUMNS[kind][column["quantity"]]] = array
    if len(rows) < MIN_POINTS:
        raise ParseError(f"block {block} holds {len(rows)} rows of numbers; at least "
                         f"{MIN_POINTS} are needed", line=row_lines[0] + 1)  # fmt: skip
    if kind in SPECTRA and "wavelength_nm" in out:
        order = np.argsort(out["wavelength_nm"], kind="stable")
        out = {k: v[order] for k, v in out.items()}
    return out


def _convert(values: np.ndarray, column: dict, kind: str, warnings: list[str]) -> np.ndarray:
    quantity, unit = column["quantity"], column["unit"]
    if quantity == "wavelength" and unit == "eV":
        with np.errstate(divide="ignore"):
            values = np.where(values > 0, 1239.841984 / values, np.nan)
        return values
    factor, offset = UNITS[quantity][unit]
    values = values * factor + offset
    if quantity == "time" and kind == "trpl":
        values = values * 1e9  # TRPL decays are in ns
    if quantity == "transmittance":
        note = "absorbance computed from transmittance as -log10(T)"
        if note not in warnings:
            warnings.append(note)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(values > 0, -np.log10(values), np.nan)
    return values


def _fields(
    lines: list[str], spec: dict[str, dict[str, str]], delim: str | None
) -> tuple[dict[str, str], dict[str, Any]]:
    """(the raw header as key -> text, the fields the profile asks for in canonical form)."""
    header: dict[str, str] = {}
    for line in lines[:MAX_HEADER_LINES]:
        line = line[:MAX_LINE]
        key, sep, value = _key_value(line, delim)
        if sep and key and len(header) < 200:
            header.setdefault(key, value)
    found: dict[str, Any] = {}
    for name, rule in spec.items():
        raw = None
        if "key" in rule:
            want = rule["key"].lower()
            for line in lines[:MAX_HEADER_LINES]:
                key, sep, value = _key_value(line[:MAX_LINE], delim)
                if sep and key.lower().rstrip(" :=") == want.rstrip(" :="):
                    raw = value
                    break
        else:
            pattern = compile_pattern(rule["regex"], f"header.{name}.regex")
            for line in lines[:MAX_HEADER_LINES]:
                hit = pattern.search(line[:MAX_LINE])
                if hit:
                    raw = hit.group(1)
                    break
        if raw is None:
            continue
        _field_value(name, raw.strip(), rule, found)
    return header, found


def _key_value(line: str, delim: str | None) -> tuple[str, str, str]:
    stripped = line.strip().lstrip("#%;* ").strip()
    for sep in (":", "=", "\t", ";", ","):
        key, found, value = stripped.partition(sep)
        if found and key.strip():
            return key.strip(), found, value.strip().strip("\"'")
    return "", "", ""


_LEADING_NUMBER = re.compile(r"[-+]?(?:\d+[.,]?\d*|[.,]\d+)(?:[eE][-+]?\d+)?")


def _field_value(name: str, raw: str, rule: dict[str, str], found: dict[str, Any]) -> None:
    if name in FIELD_UNITS:
        hit = _LEADING_NUMBER.search(raw)
        if hit is None:
            return
        value = float(hit.group(0).replace(",", "."))
        if not math.isfinite(value):
            return
        factor = FIELD_UNITS[name][rule.get("unit") or next(iter(FIELD_UNITS[name]))]
        key = {"area": "area_cm2", "irradiance": "irradiance", "temperature": "temperature_c"}[name]
        found[key] = value * factor
    elif name == "date":
        when = parse_datetime(raw)
        if when:
            found["measured_at"] = when
    elif name == "scan_direction":
        direction = direction_word(raw)
        if direction:
            found["scan_direction"] = direction
    elif name in ("device", "pixel"):
        found[name] = raw[:80]
