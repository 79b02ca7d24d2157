"""Text plumbing shared by all parsers: decoding, lines, numbers, tables, dates, names.

Kept free of format knowledge so each instrument module reads as a description of its format.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

import numpy as np

from .base import ParseError

MIN_POINTS = 5

# Magic numbers of files people upload by mistake, so the error can say what the file is.
_MAGIC = (
    (b"PK\x03\x04", "a zip archive or an Office file (e.g. .xlsx); export the data as text or CSV"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\xd0\xcf\x11\xe0", "an old Office file (e.g. .xls); export the data as text or CSV"),
    (b"PQTTTR", "a PicoQuant binary file (.ptu); export the histogram as ASCII"),
    (b"PQHISTO", "a PicoQuant binary file (.phu); export the histogram as ASCII"),
)

_MAGIC_STARTS = tuple(magic for magic, _ in _MAGIC)


def decode_head(data: bytes, limit: int) -> str:
    """The first ``limit`` bytes as text, cut at a character boundary: a UTF-8 character (or a
    UTF-16 code unit) split by the cut would otherwise fail UTF-8 and turn the whole head into
    cp1252, garbling the µ, ° and Å a header's words are matched on."""
    if len(data) <= limit:
        return decode(data)
    head = data[:limit]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return decode(head[: limit - limit % 2])
    cut = len(head)
    while cut > 0 and head[cut - 1] & 0xC0 == 0x80:  # continuation bytes of the last character
        cut -= 1
    if cut > 0 and head[cut - 1] >= 0xC0:  # its lead byte
        cut -= 1
    return decode(head[:cut])


def decode(data: bytes) -> str:
    """Bytes to text: utf-8 (with or without BOM), then cp1252, then latin-1.

    Rejects empty and binary input, since every later step assumes lines of text.
    """
    if not data or data.isspace():  # (isspace: the same test as strip(), without a copy)
        raise ParseError("the file is empty")
    if data.startswith(_MAGIC_STARTS):
        for magic, what in _MAGIC:
            if data.startswith(magic):
                raise ParseError(f"this is a binary file, not text: it looks like {what}")
    # Windows tools sometimes write UTF-16 with a BOM; its NUL bytes are not binary content.
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return _check_text(data.decode("utf-16"))
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:65536]:
        raise ParseError("this is a binary file, not text (it contains NUL bytes)")
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return _check_text(text)
    raise ParseError("the file is not text in any known encoding")  # pragma: no cover


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_CONTROL_ASCII = bytes(range(0x00, 0x09)) + bytes(range(0x0E, 0x20)) + b"\x7f"


def _check_text(text: str) -> str:
    sample = text[:65536]
    if sample.isascii():  # the usual file: count by deleting bytes, ~5x faster than the regex
        raw = sample.encode("ascii")
        control = len(raw) - len(raw.translate(None, _CONTROL_ASCII))
    else:
        control = len(_CONTROL.findall(sample))
    if control > 0.05 * len(sample):
        raise ParseError("this is a binary file, not text (too many control characters)")
    return text


def split_lines(text: str) -> list[str]:
    """Lines without terminators; CR CR LF (Bentham), CR LF and lone CR all end one line."""
    if "\r" in text:
        text = text.replace("\r\r\n", "\n").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def to_float(cell: str) -> float | None:
    """A number from a cell; None when empty. Accepts a decimal comma and quotes.

    Raises ValueError when the cell is not a number.
    """
    cell = cell.strip()
    if len(cell) >= 2 and cell[0] in "\"'" and cell[-1] == cell[0]:
        cell = cell[1:-1].strip()  # one pair of quotes, as spreadsheets write them
    if not cell:
        return None
    try:
        return float(cell)
    except ValueError:
        pass
    if "," in cell and "." not in cell:
        return float(cell.replace(",", "."))  # decimal comma; ValueError propagates
    raise ValueError(cell)


def number(cell: str | None) -> float | None:
    """Lenient number for header values: None when empty or not a finite number."""
    if cell is None:
        return None
    try:
        value = to_float(str(cell))
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def split(line: str, delim: str | None) -> list[str]:
    """Fields of a line (whitespace when delim is None), trailing empty fields dropped."""
    fields = line.split(delim) if delim is not None else line.split()
    while fields and not fields[-1].strip():
        fields.pop()
    return fields


def numeric_table(
    lines: Sequence[str],
    start: int,
    stop: int,
    names: Sequence[str],
    delim: str | None,
    *,
    allow_empty: bool = False,
    min_rows: int = MIN_POINTS,
) -> np.ndarray:
    """Rows ``lines[start:stop]`` as a float array (rows x len(names)).

    Errors name the 1-based line and the column. With ``allow_empty`` an empty or missing cell
    becomes NaN (side-by-side spectra of different lengths); otherwise it is an error.
    """
    if len(names) == 1 and delim in ("\t", None) and stop - start >= min_rows:
        fast = _single_column(lines, start, stop)
        if fast is not None:
            return fast
    rows = [split(lines[i], delim) for i in range(start, stop)]
    return numeric_rows(rows, start + 1, names, allow_empty=allow_empty, min_rows=min_rows)


def _single_column(lines: Sequence[str], start: int, stop: int) -> np.ndarray | None:
    """TCSPC histograms run to 65536 one-number lines: split them in one C call. Exactly one
    token per line is guaranteed when the token count equals the line count (none is blank).
    Anything unusual returns None and takes the careful path, which reports errors."""
    tokens = "\n".join(lines[start:stop]).split()
    if len(tokens) != stop - start:
        return None
    try:
        values = np.array(tokens, dtype=np.float64)
    except ValueError:
        return None
    return values.reshape(-1, 1) if np.isfinite(values).all() else None


def numeric_rows(
    rows: Sequence[Sequence[str]],
    first_line: int,
    names: Sequence[str],
    *,
    allow_empty: bool = False,
    min_rows: int = MIN_POINTS,
) -> np.ndarray:
    """Already split rows (row i is on line ``first_line + i``) as a float array."""
    ncols = len(names)
    out: list[list[float]] = []
    for offset, fields in enumerate(rows):
        line = first_line + offset
        if len(fields) > ncols:
            raise ParseError(f"{len(fields)} values, but the table has {ncols} columns", line=line)
        if len(fields) < ncols and not allow_empty:
            raise ParseError(f"only {len(fields)} of {ncols} values (ragged row)", line=line)
        row = [math.nan] * ncols
        for col, cell in enumerate(fields):
            try:
                value = to_float(cell)
            except ValueError:
                raise ParseError(
                    f"'{_short(cell)}' is not a number", line=line, column=names[col]
                ) from None
            if value is None:
                if not allow_empty:
                    raise ParseError("missing value", line=line, column=names[col])
                continue
            if not math.isfinite(value):
                raise ParseError(
                    f"'{_short(cell)}' is not a finite number", line=line, column=names[col]
                )
            row[col] = value
        out.append(row)
    if len(out) < min_rows:
        raise ParseError(
            f"too few points: {len(out)} data rows, at least {min_rows} are needed",
            line=first_line,
        )
    return np.array(out, dtype=np.float64).reshape(len(out), ncols)


def _short(cell: str, limit: int = 40) -> str:
    cell = cell.strip()
    return cell if len(cell) <= limit else cell[: limit - 3] + "..."


def require_points(n: int, what: str, line: int | None = None) -> None:
    if n < MIN_POINTS:
        raise ParseError(
            f"too few points: {what} has {n} data rows, at least {MIN_POINTS} are needed",
            line=line,
        )


def check_finite(values: np.ndarray, what: str) -> None:
    """For arrays not read through numeric_table (JSON): reject NaN and infinity."""
    bad = ~np.isfinite(values)
    if bad.any():
        raise ParseError(f"{what} holds a value that is not a finite number")


# --- dates -------------------------------------------------------------------------------

_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %I:%M %p",
    "%Y-%m-%d %I:%M:%S %p",
    "%Y/%m/%d %H:%M:%S",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%H:%M:%S - %d.%m.%Y",
    "%a %b %d %H:%M:%S %Y",
    "%A, %d %B %Y %I:%M:%S %p",
    "%Y%m%dT%H%M%S",
)


_ISO_T = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?)?"
)


def parse_datetime(text: str | None, formats: Sequence[str] = ()) -> str | None:
    """An ISO 8601 string from a date written by an instrument, or None.

    Ambiguous slashed dates (01/02/03) are only read with an explicit format from the
    caller, who knows the instrument's convention.
    """
    if not text:
        return None
    text = " ".join(str(text).split())
    if len(text) > 60:
        return None
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).isoformat()
        except ValueError:
            continue
    if _ISO_T.fullmatch(text):
        # ISO 8601 with a 'T' (what cqdlab and most software write) or a bare date: no format
        # below matches these, so the result is the one the last resort gave, without a dozen
        # failing strptime calls (~10 us each) first.
        try:
            return datetime.fromisoformat(text).isoformat()
        except ValueError:
            return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).isoformat()
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        return None


# --- file names --------------------------------------------------------------------------

# Technique tags in `<sample>.<notes>.<technique>.<ext>` and words in free-form names.
TECHNIQUE_TAGS = {
    "jv": "jv",
    "iv": "jv",
    "liv": "jv",
    "eqe": "eqe",
    "ipce": "eqe",
    "qe": "eqe",
    "mpp": "mpp",
    "mppt": "mpp",
    "spp": "mpp",
    "intensity": "intensity",
    "sunsvoc": "intensity",
    "trpl": "trpl",
    "tcspc": "trpl",
    "tpv": "tpv",
    "tpc": "tpc",
    "cv": "cv",
    "c-v": "cv",
    "mott-schottky": "cv",
    "uvvis": "absorbance",
    "uv-vis": "absorbance",
    "abs": "absorbance",
    "absorbance": "absorbance",
    "absorption": "absorbance",
    "pl": "pl",
}


def filename_kind(filename: str) -> str | None:
    """The kind named by the file-name tag (`x.notes.jv.txt`), else by a word in the name."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].lower()
    parts = name.split(".")
    if len(parts) >= 3 and parts[-2] in TECHNIQUE_TAGS:
        return TECHNIQUE_TAGS[parts[-2]]
    stem = ".".join(parts[:-1]) if len(parts) > 1 else name
    for word in re.split(r"[^a-z0-9-]+", stem):
        if word in TECHNIQUE_TAGS:
            return TECHNIQUE_TAGS[word]
    return None


# --- units -------------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def norm_unit(unit: str) -> str:
    """A unit written any way ('mA cm-2', 'mA/cm^2', 'µA', 'W m⁻²') in one spelling."""
    u = unit.strip().strip("[]()").strip().lower()
    for a, b in (("µ", "u"), ("μ", "u"), ("²", "2"), ("≤", "2"), ("⁻", "-"), ("^", "")):
        u = u.replace(a, b)
    u = u.replace("per", "/").replace(" ", "").replace("*", "")
    u = re.sub(r"([a-z])(cm|m)-2$", r"\1/\g<2>2", u)  # "macm-2" -> "ma/cm2"
    u = re.sub(r"/?(cm|m)-2$", r"/\g<1>2", u)
    u = re.sub(r"s-1$", "/s", u)
    return u


# Factor to the canonical unit, per dimension.
UNITS: dict[str, dict[str, float]] = {
    "voltage": {"v": 1.0, "mv": 1e-3, "uv": 1e-6, "kv": 1e3},
    "current": {"a": 1.0, "ma": 1e-3, "ua": 1e-6, "na": 1e-9, "pa": 1e-12},
    "current_density": {  # -> mA/cm2
        "ma/cm2": 1.0,
        "a/cm2": 1e3,
        "ua/cm2": 1e-3,
        "na/cm2": 1e-6,
        "a/m2": 0.1,
        "ma/m2": 1e-4,
    },
    "length": {"nm": 1.0, "um": 1e3, "micron": 1e3, "microns": 1e3, "å": 0.1, "angstrom": 0.1},
    "time": {  # -> s
        "s": 1.0,
        "sec": 1.0,
        "ms": 1e-3,
        "us": 1e-6,
        "ns": 1e-9,
        "ps": 1e-12,
        "fs": 1e-15,
        "min": 60.0,
        "h": 3600.0,
        "hr": 3600.0,
    },
    "power_density": {  # -> mW/cm2
        "mw/cm2": 1.0,
        "w/m2": 0.1,
        "w/cm2": 1e3,
        "uw/cm2": 1e-3,
        "kw/m2": 100.0,
        "sun": 100.0,
        "suns": 100.0,
        "%sun": 1.0,
        "%": 1.0,  # % of one sun
    },
    "power": {"w": 1.0, "mw": 1e-3, "uw": 1e-6},
    "fraction": {"%": 0.01, "fraction": 1.0, "frac": 1.0, "1": 1.0, "": 1.0},
    "area": {"cm2": 1.0, "mm2": 0.01, "m2": 1e4},
    "temperature": {"c": 0.0, "°c": 0.0, "degc": 0.0, "'c": 0.0, "k": -273.15, "°k": -273.15},
    "rate": {"mv/s": 1.0, "v/s": 1e3},
    "capacitance": {"f": 1.0, "mf": 1e-3, "uf": 1e-6, "nf": 1e-9, "pf": 1e-12},  # -> F
    # -> Hz. Units arrive lower-cased, so 'MHz' and 'mHz' meet as 'mhz': read as MHz, since LCR
    # meters test C-V at 1 kHz-2 MHz and a millihertz C-V point would take minutes.
    "frequency": {"hz": 1.0, "khz": 1e3, "mhz": 1e6},
    # -> ohm, for a load resistor named in a header ('Load: 50 Ohm', 'R_load (kOhm): 1').
    "resistance": {
        "ohm": 1.0,
        "ohms": 1.0,
        "ω": 1.0,
        "kohm": 1e3,
        "kω": 1e3,
        "mohm": 1e6,  # 'MOhm' lower-cased: a milliohm load is not a thing
        "mω": 1e6,
    },
}

HC_EV_NM = 1239.841984  # photon energy (eV) x wavelength (nm)


def unit_factor(dimension: str, unit: str) -> float | None:
    """Factor from ``unit`` to the canonical unit of ``dimension``, or None if unknown."""
    return UNITS[dimension].get(norm_unit(unit))


def dimension_of(unit: str) -> str | None:
    """The dimension a unit belongs to (first match), for telling columns apart by unit."""
    u = norm_unit(unit)
    if u in ("ev", "mev"):
        return "energy"
    for dim in ("current_density", "power_density", "voltage", "current", "length", "time"):
        if u in UNITS[dim] and not (dim == "power_density" and u == "%"):
            return dim
    if u in UNITS["power"]:
        return "power"
    if u in ("%", "fraction"):
        return "fraction"
    if u in UNITS["capacitance"]:
        return "capacitance"
    if u in UNITS["frequency"]:
        return "frequency"
    return None


def temperature_c(value: float | None, unit: str = "") -> float | None:
    """Temperature in °C; a bare value above 150 is kelvin (no lab runs cells at 150 °C)."""
    if value is None:
        return None
    u = norm_unit(unit)
    # Rounded so 295.86 K reads 22.71 °C, not 22.710000000000036.
    if u in ("k", "°k"):
        return round(value - 273.15, 9)
    if u in ("f", "°f"):
        return round((value - 32.0) / 1.8, 9)
    if not u and value > 150.0:
        return round(value - 273.15, 9)
    return value


_VALUE_UNIT_RE = re.compile(r"^\s*([-+]?[0-9][0-9.,eE+-]*)\s*([^\d\s].{0,20})?\s*$")


@lru_cache(maxsize=1024)
def value_and_unit(text: str) -> tuple[float | None, str]:
    """'0.05 cm2' -> (0.05, 'cm2'); '100' -> (100.0, '')."""
    match = _VALUE_UNIT_RE.match(text[:80])
    if not match:
        return None, ""
    return number(match.group(1)), (match.group(2) or "").strip()


_KEY_UNIT_RE = re.compile(r"^(.*?)[\s_]*[\[(]([^\[\]()]{0,30})[\])]\s*:?\s*$")


@lru_cache(maxsize=1024)  # header keys repeat from file to file
def key_and_unit(key: str) -> tuple[str, str]:
    """'Area (cm2):' -> ('area', 'cm2'); 'Irradiance [mW/cm2]' -> ('irradiance', 'mW/cm2')."""
    key = key.strip().rstrip(":=").strip()
    match = _KEY_UNIT_RE.match(key)
    if match:
        return " ".join(match.group(1).lower().split()), match.group(2).strip()
    return " ".join(key.lower().split()), ""
