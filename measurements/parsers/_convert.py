"""Columns of the generic family to canonical arrays: which kinds a set of columns can be,
and each quantity in cqdlab's unit whatever unit the file wrote (or did not write).
"""

from __future__ import annotations

import numpy as np

from ._columns import Column
from ._text import HC_EV_NM, UNITS
from .base import ParseError

# What each kind needs: the x quantity, then alternatives for the y quantity.
X: dict[str, tuple[str, ...]] = {
    "jv": ("voltage",),
    "eqe": ("wavelength", "energy"),
    "absorbance": ("wavelength", "energy"),
    "pl": ("wavelength", "energy"),
    "trpl": ("time",),
    "mpp": ("time",),
    "tpv": ("time",),
    "intensity": ("light_intensity",),
}
Y: dict[str, tuple[str, ...]] = {
    "jv": ("current_density", "current"),
    "eqe": ("eqe",),
    "absorbance": ("absorbance", "transmittance"),
    "pl": ("pl", "counts"),
    "trpl": ("counts", "pl"),
    # A track is read around its voltage; a logger that writes only power is a track too.
    "mpp": ("voltage", "power"),
    "tpv": ("voltage",),
    "intensity": ("voc",),
}
# Columns a series of each kind takes besides its x and y.
EXTRA: dict[str, frozenset[str]] = {
    "jv": frozenset({"current"}),
    "mpp": frozenset({"current", "current_density", "power", "pce"}),
    "intensity": frozenset({"jsc"}),
    "eqe": frozenset(),
    "absorbance": frozenset(),
    "pl": frozenset(),
    "trpl": frozenset(),
    "tpv": frozenset(),
}
_NAMES = {
    "voltage": "voltage",
    "current_density": "current",
    "current": "current",
    "wavelength": "wavelength",
    "energy": "wavelength",
    "eqe": "EQE",
    "absorbance": "absorbance",
    "transmittance": "absorbance",
    "pl": "intensity",
    "counts": "counts",
    "time": "time",
    "light_intensity": "light intensity",
    "voc": "Voc",
}
# Order of preference when columns fit several kinds; the file name breaks ties.
_ORDER = ("intensity", "eqe", "absorbance", "pl", "trpl", "mpp", "tpv", "jv")


def supported(cols: list[Column]) -> list[str]:
    have = {c.quantity for c in cols}
    if "voc" in have and "pl" in have and not have & {"light_intensity", "wavelength", "energy"}:
        have.add("light_intensity")  # 'Intensity, Voc': the light, not a PL signal
    kinds = []
    for kind in _ORDER:
        if not have.intersection(X[kind]) or not have.intersection(Y[kind]):
            continue
        if kind == "mpp" and not have.intersection(("current", "current_density", "power", "pce")):
            continue
        kinds.append(kind)
    return kinds


def names_of(cols: list[Column], limit: int = 12) -> str:
    """Column names for a message, cut short for files with hundreds of columns."""
    names = [c.name or f"column {c.index + 1}" for c in cols[:limit]]
    more = f" and {len(cols) - limit} more" if len(cols) > limit else ""
    return ", ".join(names) + more


def missing(kind: str, cols: list[Column]) -> str:
    """The message for a kind whose columns are not all there."""
    have = {c.quantity for c in cols}
    names = names_of(cols)
    for need in (X[kind], Y[kind]):
        if not have.intersection(need):
            return f"no {_NAMES[need[0]]} column found; columns are: {names}"
    return f"no current or power column found; columns are: {names}"


def is_sweep(voltage: np.ndarray) -> bool:
    """A J-V sweep covers a range in one direction; an MPP track dithers around one voltage."""
    steps = np.diff(voltage)
    moving = steps[steps != 0]
    if len(moving) == 0 or np.ptp(voltage) <= 0.2 * max(float(np.max(np.abs(voltage))), 1e-12):
        return False
    dominant = max(np.count_nonzero(moving > 0), np.count_nonzero(moving < 0))
    return dominant >= 0.7 * len(moving)


def _factor(dimension: str, col: Column, default: str, warnings: list[str]) -> float:
    if col.unit:
        factor = UNITS[dimension].get(col.unit)
        if factor is None:
            raise ParseError(
                f"unknown unit '{col.unit}' for a {dimension.replace('_', ' ')}", column=col.name
            )
        return factor
    warnings.append(f"column '{col.name}' has no unit; read as {default}")
    return UNITS[dimension][default.lower().replace("µ", "u")]


def convert(
    col: Column, values: np.ndarray, kind: str, area: float | None, warnings: list[str]
) -> dict[str, np.ndarray]:
    """Canonical column(s) for one file column; empty when the kind does not use it."""
    q = col.quantity
    if q == "voltage" and kind in ("jv", "mpp", "tpv"):
        big = not col.unit and np.max(np.abs(values)) > 20.0
        unit = "mV" if big else "V"
        return {"voltage_v": values * _factor("voltage", col, unit, warnings)}
    if q == "current_density" and kind in ("jv", "mpp"):
        return {
            "current_density_ma_cm2": values * _factor("current_density", col, "mA/cm2", warnings)
        }
    if q == "current" and kind in ("jv", "mpp"):
        # A lab cell never passes 1 A: bigger numbers without a unit are mA.
        unit = "mA" if not col.unit and np.max(np.abs(values)) > 1.0 else "A"
        amps = values * _factor("current", col, unit, warnings)
        out = {"current_a": amps}
        if area:
            out["current_density_ma_cm2"] = amps * 1e3 / area
        return out
    if q in ("wavelength", "energy") and kind in ("eqe", "absorbance", "pl"):
        return {"wavelength_nm": _wavelength(col, values, warnings)}
    if q == "eqe" and kind == "eqe":
        percent = col.unit == "%" or (not col.unit and np.max(values) > 1.5)
        if not col.unit:
            warnings.append(
                f"column '{col.name}' has no unit; read as {'%' if percent else 'fraction'}"
            )
        elif col.unit not in ("%", "fraction", "frac", "1"):
            raise ParseError(f"unknown unit '{col.unit}' for an EQE", column=col.name)
        return {"eqe_fraction": values / 100.0 if percent else values.copy()}
    if q == "absorbance" and kind == "absorbance":
        return {"absorbance": values.copy()}
    if q == "transmittance" and kind == "absorbance":
        return _from_transmittance(col, values, warnings)
    if q in ("pl", "counts") and kind == "pl":
        return {"intensity": values.copy()}
    if q in ("pl", "counts") and kind == "trpl":
        return {"counts": values.copy()}
    if q == "time" and kind == "trpl":
        return {"time_ns": values * (_factor("time", col, "ns", warnings) / UNITS["time"]["ns"])}
    if q == "time" and kind in ("mpp", "tpv"):
        return {"time_s": values * _factor("time", col, "s", warnings)}
    if q == "power" and kind == "mpp":
        return _power(col, values, area, warnings)
    if q == "pce" and kind == "mpp":
        return {"pce_percent": values * (100.0 if col.unit in ("fraction", "frac") else 1.0)}
    if q == "light_intensity" and kind == "intensity":
        suns = not col.unit and np.max(values) <= 2.0
        factor = _factor("power_density", col, "suns" if suns else "mW/cm2", warnings)
        return {"intensity_mw_cm2": values * factor}
    if q == "voc" and kind == "intensity":
        unit = "mV" if not col.unit and np.max(np.abs(values)) > 5.0 else "V"
        return {"voc_v": values * _factor("voltage", col, unit, warnings)}
    if q == "jsc" and kind == "intensity":
        return {"jsc_ma_cm2": values * _factor("current_density", col, "mA/cm2", warnings)}
    return {}


def _wavelength(col: Column, values: np.ndarray, warnings: list[str]) -> np.ndarray:
    if col.quantity == "energy" or col.unit in ("ev", "mev"):
        energy = values * (1e-3 if col.unit == "mev" else 1.0)
        if np.any(energy <= 0):
            raise ParseError("a photon energy that is not positive", column=col.name)
        if not col.unit:
            warnings.append(f"column '{col.name}' has no unit; read as eV")
        return HC_EV_NM / energy
    return values * _factor("length", col, "nm", warnings)


def _from_transmittance(
    col: Column, values: np.ndarray, warnings: list[str]
) -> dict[str, np.ndarray]:
    percent = col.unit == "%" or (not col.unit and np.max(values) > 1.5)
    fraction = values / 100.0 if percent else values
    absorbance = np.full_like(fraction, np.nan)
    positive = fraction > 0
    absorbance[positive] = -np.log10(fraction[positive])
    warnings.append("transmittance converted to absorbance, A = -log10(T)")
    if not positive.all():
        warnings.append(f"{int((~positive).sum())} points with transmittance <= 0 masked")
    return {"absorbance": absorbance, "transmittance_fraction": fraction}


def _power(
    col: Column, values: np.ndarray, area: float | None, warnings: list[str]
) -> dict[str, np.ndarray]:
    if col.unit in UNITS["power"]:
        if not area:
            warnings.append(
                f"column '{col.name}' is a power, and no area is given to make it a density"
            )
            return {"power_w": values * UNITS["power"][col.unit]}
        return {"power_mw_cm2": values * UNITS["power"][col.unit] * 1e3 / area}
    return {"power_mw_cm2": values * _factor("power_density", col, "mW/cm2", warnings)}
