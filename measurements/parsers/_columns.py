"""What a column holds, from its header name: 'Current density (mA/cm2)', 'J_mA_cm2', 't/ns'.

A column is a quantity plus a unit. The quantity comes from words in the name, the unit from
brackets, an underscore suffix, a '/unit' suffix or a trailing unit word; when the name is
silent the unit decides (a column in nm is a wavelength).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ._text import UNITS, dimension_of, norm_unit

_BRACKET_UNIT = re.compile(r"[\[(]([^\[\]()]{0,30})[\])]\s*$")
_BRACKETS = re.compile(r"[\[(][^\[\]()]{0,30}[\])]")
_EXTRA_UNITS = {"ev", "mev", "a.u.", "au", "arb.u.", "a.u", "counts", "cts", "cps", "od", "k"}


@dataclass(frozen=True)
class Column:
    index: int
    name: str  # as written, for messages
    quantity: str | None
    unit: str  # normalised ('' when the file gives none)


@lru_cache(maxsize=1024)
def is_unit(text: str) -> bool:
    u = norm_unit(text)
    return bool(u) and (
        dimension_of(u) is not None or u in _EXTRA_UNITS or u in ("%", "sun", "suns")
    )


def _split_unit(name: str) -> tuple[str, str]:
    """(name without unit, unit) for the spellings lab files use."""
    match = _BRACKET_UNIT.search(name)
    if match and (is_unit(match.group(1)) or not match.group(1).strip()):
        return name[: match.start()].strip(), match.group(1).strip()
    for inner in _BRACKETS.finditer(name):  # 'Voltage (V)_a_Forward_Dark'
        if is_unit(inner.group(0)):
            return (name[: inner.start()] + " " + name[inner.end() :]).strip(), inner.group(0)
    bare = _BRACKETS.sub(" ", name).strip()
    tokens = bare.split("_")
    for i in range(1, len(tokens)):
        unit = "/".join(tokens[i:])
        if is_unit(unit) and norm_unit(unit) != "f":  # 'J_F' is a forward scan, not farads
            return "_".join(tokens[:i]), unit
    if "/" in bare:
        head, _, tail = bare.partition("/")
        if head.strip() and is_unit(tail):
            return head.strip(), tail.strip()
    words = bare.split()
    if len(words) >= 2 and is_unit(words[-1]) and norm_unit(words[-1]) not in ("a", "k", "f"):
        return " ".join(words[:-1]), words[-1]
    return bare, ""


def base_name(name: str) -> str:
    """A column name without its unit: 'Duration_h' -> 'Duration', 'Time (s)' -> 'Time'."""
    return _split_unit(name.strip().strip("\"'"))[0]


# Loggers prefix every column with the tracker's name ('MPPT_V', 'MPPT_I', 'MPPT_P'): the
# prefix says nothing about the quantity, so 'I' alone is left to name it.
_PREFIXES = frozenset({"mppt", "mpp", "spp"})


def _words(name: str) -> list[str]:
    text = _BRACKETS.sub(" ", name.lower()).replace("λ", " lambda ")
    words = re.split(r"[^a-z%]+", re.sub(r"(?<=[a-z])\d+\b", " ", text))
    words = [w for w in words if w]
    if len(words) > 1 and words[0] in _PREFIXES:
        words = words[1:]
    return words


# (quantity, words that name it), tried in order: specific names before generic ones.
_NAMES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("voc", ("voc", "uoc", "open circuit voltage", "v oc")),
    ("jsc", ("jsc", "isc", "j sc", "short circuit current")),
    ("ff", ("ff", "fill factor")),
    ("pce", ("pce", "efficiency", "eff")),
    ("iqe", ("iqe",)),
    ("eqe", ("eqe", "ipce", "qe", "quantum efficiency")),
    ("temperature", ("temperature", "temp")),
    ("wavelength", ("wavelength", "lambda", "wl", "wave length")),
    ("energy", ("photon energy", "energy", "hv", "hnu")),
    ("absorbance", ("absorbance", "abs", "od", "optical density", "absorption", "a")),
    ("transmittance", ("transmittance", "transmission", "%t", "t%")),
    ("light_intensity", ("light intensity", "irradiance", "illumination", "suns", "sun")),
    # LCR meters name the equivalent circuit: Cp (parallel) or Cs (series) with D, Q, G or R.
    ("capacitance", ("capacitance", "cap", "c", "cp", "cs", "c p", "c s", "cpar", "cser")),
    ("frequency", ("frequency", "freq", "f")),
    (
        "current_density",
        ("current density", "j", "jph", "cd", "curr dens", "jmeas", "j meas", "density"),
    ),
    ("current", ("current", "i", "imeas", "imeasure", "i meas", "curr", "ameas")),
    (
        "voltage",
        (
            "voltage",
            "v",
            "u",
            "bias",
            "potential",
            "vsource",
            "vset",
            "v set",
            "vmeas",
            "v meas",
            "v corr",
            "volt",
        ),
    ),
    ("power", ("power", "p", "pmeas")),
    ("counts", ("counts", "count", "cts", "photon counts")),
    ("pl", ("pl", "intensity", "emission", "signal", "cps", "photoluminescence")),
    ("time", ("time", "t", "timestamp", "duration", "elapsed", "time difference")),
)

# A unit that says what the column is when the name does not.
_BY_DIMENSION = {
    "voltage": "voltage",
    "current": "current",
    "current_density": "current_density",
    "length": "wavelength",
    "energy": "energy",
    "time": "time",
    "power_density": "power",
    "capacitance": "capacitance",
    "frequency": "frequency",
}


def _names(key: str, words: list[str], text: str) -> bool:
    if " " in key:
        return f" {key} " in f" {text} "
    # One letter ('a', 'j', 'v', 't') names a quantity only when it is the whole name:
    # in 'Voltage a Forward' the 'a' is a pixel.
    return key in words and (len(key) > 1 or len(words) == 1)


@lru_cache(maxsize=1024)
def classify(index: int, name: str) -> Column:
    base, unit = _split_unit(name.strip().strip("\"'"))
    unit_n = norm_unit(unit)
    dim = dimension_of(unit_n) if unit_n else None
    words = _words(base)
    text = " ".join(words)
    quantity = None
    for candidate, keys in _NAMES:
        if any(_names(k, words, text) for k in keys):
            quantity = candidate
            break
    quantity = _refine(quantity, dim, unit_n)
    return Column(index, name.strip(), quantity, unit_n)


def _refine(quantity: str | None, dim: str | None, unit: str) -> str | None:
    """Let the unit settle what the words leave open."""
    if unit in ("k", "°c", "degc", "'c") and quantity in (None, "time", "voltage"):
        return "temperature"  # 'T (K)'
    if quantity == "time" and unit == "%":
        return "transmittance"  # 'T (%)'
    if quantity is None:
        return _BY_DIMENSION.get(dim or "")
    if quantity == "current" and dim == "current_density":
        return "current_density"
    if quantity in ("current_density", "power") and dim == "current":
        return "current"
    if quantity == "pl" and dim == "power_density" and unit != "%":
        return "light_intensity"
    if quantity == "wavelength" and dim == "energy":
        return "energy"
    if quantity == "absorbance" and dim is not None and dim != "fraction":
        return _BY_DIMENSION.get(dim)  # "A (mA)" is a current, not an absorbance
    if quantity == "time" and unit == "f":
        return "temperature"  # 'T (F)': Fahrenheit, although 'F' alone is farads
    if quantity in ("capacitance", "frequency") and dim is not None and dim != quantity:
        return _BY_DIMENSION.get(dim)  # 'C (V)', 'f (s)' follow their unit
    if unit in ("k", "°c", "degc", "'c") and quantity in (None, "time", "voltage"):
        return "temperature"  # 'T (K)'
    return quantity


def factor(dimension: str, unit: str) -> float | None:
    return UNITS[dimension].get(unit)
