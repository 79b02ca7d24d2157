"""The irradiance a file states, checked before anything divides by it.

PCE = P_max / P_in, so a unit slip in P_in (W/m2 written where mW/cm2 is meant, lux, a sensor
count) moves every efficiency by a factor of ten or more without anyone noticing. A value
outside 1-500 mW/cm2 (0.01 to 5 suns) is therefore never put in ``irradiance_mw_cm2``: it is
kept as ``irradiance_raw`` with an ``irradiance_problem`` and a warning, and the analysis falls
back to its stated default with a visible flag. Nothing is converted on a guess.
"""

from __future__ import annotations

from typing import Any

from ._text import UNITS, norm_unit

PLAUSIBLE_MW_CM2 = (1.0, 500.0)
_LUX = {"lux", "lx", "klux", "klx"}


def _hint(mw: float) -> str:
    """What the number may have been, for the person reading the warning."""
    low, high = PLAUSIBLE_MW_CM2
    if low <= mw / 10.0 <= high:
        return f" (as W/m2 it would be {mw / 10.0:g} mW/cm2)"
    if mw > high * 10:
        return " (it looks like lux or a sensor reading, not an irradiance)"
    if 0 < mw < low and low <= mw * 100.0 <= high:
        return f" (as suns it would be {mw * 100.0:g} mW/cm2)"
    return ""


def state_irradiance(
    meta: dict[str, Any],
    value: float | None,
    unit: str,
    warnings: list[str],
    *,
    where: str = "",
) -> None:
    """Put a stated irradiance into ``meta``: ``irradiance_mw_cm2`` when plausible, else
    ``irradiance_raw`` and ``irradiance_problem`` plus a line in ``warnings``.

    ``unit`` as written ('mW/cm2', 'W/m2', 'suns', '%' of one sun, 'lux'; '' for a bare
    number: mW/cm2, or suns when it is 2 or less, as no J-V runs at 2 mW/cm2). A value of 0
    is a lamp switched off: ``illumination`` "dark", no irradiance. ``where`` names the
    curve for a per-curve value.
    """
    if value is None:
        return
    if value == 0:
        meta.setdefault("illumination", "dark")
        return
    u = norm_unit(unit)
    written = f"{value:g}" + (f" {unit.strip()}" if unit.strip() else "")
    prefix = f"{where}: " if where else ""
    if u in _LUX:
        _refuse(
            meta,
            value,
            f"{written} is an illuminance, not an irradiance; not used",
            prefix,
            warnings,
        )
        return
    if not u:
        if value <= 2.0:
            warnings.append(f"{prefix}irradiance {value:g} has no unit; read as suns")
            factor = 100.0
        else:
            factor = 1.0
    else:
        factor = UNITS["power_density"].get(u)
        if factor is None:
            _refuse(
                meta,
                value,
                f"{written}: '{unit.strip()}' is not a unit of irradiance; not used",
                prefix,
                warnings,
            )
            return
    mw = value * factor
    low, high = PLAUSIBLE_MW_CM2
    if low <= mw <= high:
        meta["irradiance_mw_cm2"] = mw
        return
    shown = f"{value:g}" if u in ("", "mw/cm2") else f"{written} ({mw:g} mW/cm2)"
    _refuse(
        meta,
        value,
        f"{shown} is not a plausible irradiance in mW/cm2{_hint(mw)}; not used",
        prefix,
        warnings,
    )


def _refuse(
    meta: dict[str, Any], value: float, problem: str, prefix: str, warnings: list[str]
) -> None:
    meta["irradiance_raw"] = value
    meta["irradiance_problem"] = problem
    warnings.append(f"{prefix}{problem}; the analysis uses its default irradiance and flags it")


def has_irradiance(meta: dict[str, Any]) -> bool:
    """Whether a stated irradiance was already read (used, or refused with a problem)."""
    return "irradiance_mw_cm2" in meta or "irradiance_problem" in meta
