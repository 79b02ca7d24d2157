"""Bounds of the measurement conditions: one table for every path a number comes in by.

The API's upload fields, a zip's manifest rows, the facts read from a file's header and the
batch sheets' cells all check a condition here, so a value refused on one path is refused on
all of them, with the same words. Pure: no Django, so parsers-side code may use it too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Quantity:
    name: str
    label: str
    unit: str
    minimum: float
    maximum: float

    @property
    def bounds(self) -> str:
        """'1e-6..1e4 cm2': the allowed range as messages show it."""
        span = f"{show(self.minimum)}..{show(self.maximum)}"
        return f"{span} {self.unit}" if self.unit else span


# Wide enough for any lab's real conditions, narrow enough that a typo or a hostile 1e308
# cannot reach the analysis (a PCE divided by it, an area multiplied by it).
QUANTITIES: dict[str, Quantity] = {
    q.name: q
    for q in (
        Quantity("area_cm2", "area", "cm2", 1e-6, 1e4),
        # 0 is a dark measurement; 1e4 mW/cm2 is 100 suns, beyond any concentrator in the lab.
        Quantity("irradiance_mw_cm2", "irradiance", "mW/cm2", 0.0, 1e4),
        Quantity("temperature_c", "temperature", "C", -273.15, 1000.0),
        Quantity("relative_humidity_percent", "relative humidity", "%", 0.0, 100.0),
        Quantity("scan_rate_mv_s", "scan rate", "mV/s", 1e-3, 1e6),
        Quantity("relative_permittivity", "relative permittivity", "", 1.0, 1000.0),
        Quantity("load_resistance_ohm", "load resistance", "ohm", 1e-3, 1e9),
        Quantity("repetition_rate_hz", "repetition rate", "Hz", 1e-3, 1e10),
    )
}


class QuantityError(ValueError):
    """A condition value that is not a finite number within its bounds; names the field."""

    def __init__(self, quantity: Quantity, message: str):
        super().__init__(message)
        self.quantity = quantity
        self.field = quantity.name


def show(value: float) -> str:
    """A number as short as it reads: 1e-06 -> 1e-6, 1e+308 -> 1e308, 10000 -> 1e4."""
    text = f"{value:g}"
    if "e" not in text and math.isfinite(value) and abs(value) >= 1e4:
        text = f"{value:.5e}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        if "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        text = f"{mantissa}e{int(exponent)}"
    return text


def check(name: str, value: float) -> float:
    """``value`` as a float when it is finite and within the bounds of quantity ``name``.

    Raises QuantityError naming the field, the value, the unit and the bounds otherwise.
    """
    quantity = QUANTITIES[name]
    if isinstance(value, bool):  # True is an int to Python, never an area to a lab
        raise QuantityError(quantity, f"{name} = {value} is not a number")
    number = float(value)
    if math.isnan(number):
        raise QuantityError(
            quantity, f"{name} = nan is not a number; it must be within {quantity.bounds}"
        )
    if not quantity.minimum <= number <= quantity.maximum:
        raise QuantityError(quantity, f"{name} = {show(number)} is outside {quantity.bounds}")
    return number


def parse(name: str, text: str | None) -> float | None:
    """A condition typed as text (a manifest cell): blank is None; a decimal comma is read."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        raise QuantityError(QUANTITIES[name], f"{name} = '{text[:40]}' is not a number") from None
    return check(name, number)
