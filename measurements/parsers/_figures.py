"""The instrument's own figures (Voc, Jsc, FF, ...), brought to cqdlab's units and signs.

Every instrument reports these differently: Jsc negative or positive, FF as % or fraction,
Voc in V or mV. Analysis compares its own figures against these, so they must be canonical:
magnitudes for currents, FF as a fraction, voltages in volts.
"""

from __future__ import annotations

import math

FIGURE_KEYS = (
    "voc_v",
    "jsc_ma_cm2",
    "ff",
    "pce_percent",
    "pmax_mw_cm2",
    "vmp_v",
    "jmp_ma_cm2",
    "rs_ohm_cm2",
    "rsh_ohm_cm2",
    "integrated_jsc_ma_cm2",
)

# Magnitudes only: the sign of a current says nothing but the instrument's convention.
_MAGNITUDES = ("jsc_ma_cm2", "jmp_ma_cm2", "pmax_mw_cm2")


def clean(raw: dict[str, float | None], label: str, warnings: list[str]) -> dict[str, float]:
    """Drop missing values, take magnitudes, and drop figures no device can have.

    Test rigs write sentinels (FF = 1e7, efficiency 6250 %) for shorted or empty channels;
    passing those on would make the comparison with computed figures meaningless.
    """
    figures: dict[str, float] = {}
    for key, value in raw.items():
        if value is None or not math.isfinite(value):
            continue
        if key in _MAGNITUDES:
            value = abs(value)
        if key == "ff" and not 0.0 <= value <= 1.0:
            warnings.append(
                f"{label}: the instrument's fill factor {value:g} is impossible; ignored"
            )
            continue
        if key == "pce_percent" and not -1.0 <= value <= 100.0:
            warnings.append(
                f"{label}: the instrument's efficiency {value:g} % is impossible; ignored"
            )
            continue
        if key == "pmax_mw_cm2" and value > 1000.0:  # more than ten suns of light
            warnings.append(
                f"{label}: the instrument's Pmax {value:g} mW/cm2 is impossible; ignored"
            )
            continue
        figures[key] = float(value)
    return figures


def ff_fraction(value: float | None, percent: bool | None = None) -> float | None:
    """FF as a fraction. ``percent=None`` decides by size, as files rarely say."""
    if value is None:
        return None
    if percent is None:
        percent = abs(value) > 1.5
    return value / 100.0 if percent else value
