"""Rows and cells as read from a sheet: bounds, loose header keys, and conversion of a cell."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from openpyxl.utils.datetime import from_excel

from core import quantities

from .plan import VARIANT_ROLES
from .problems import _Bad

# Generous for a batch (the reference paper has 60 devices); bounds memory for hostile files.
MAX_ROWS = 5000
MAX_COLUMNS = 1000
# Header rows above the data: one in the cqdlab template, two in a HySprint file.
HEADER_ROWS = 2
# An .xlsx is a zip of XML. openpyxl holds a workbook's shared strings in memory however few
# rows are read, so a small file that unpacks to gigabytes is refused before it is opened; a
# full batch sheet of MAX_ROWS rows unpacks to about 10 MB.
MAX_UNPACKED_MB = 100
# Whole-number cells (spin speed, spin time, coats) are stored in integer columns, the smallest
# of them PostgreSQL's smallint: a larger number would fail at the write, not here.
MAX_WHOLE = 32767

Rows = list[tuple]


def _cell(row: tuple, index: int) -> object:
    return row[index] if index < len(row) else None


@dataclass(frozen=True)
class _Field:
    name: str
    label: str
    kind: str = "text"  # text | code | int | float | date | role
    max_length: int | None = None
    minimum: float | None = None
    positive: bool = False
    required: bool = False
    help: str = ""
    aliases: tuple[str, ...] = ()
    # One of core.quantities' conditions: checked with the bounds every upload path uses.
    quantity: str | None = None


# Fields holding a measurement condition, by field name: the columns name them only here.
QUANTITY_OF_FIELD = {
    "active_area_cm2": "area_cm2",
    "mask_area_cm2": "area_cm2",
    "relative_humidity_percent": "relative_humidity_percent",
    "ambient_temperature_c": "temperature_c",
}


def _key(text: object) -> str:
    """Header and field names compared loosely: case, spaces, degree signs, superscripts."""
    s = str(text).casefold().strip().rstrip(":").strip()
    s = s.replace("°", "").replace("²", "2").replace("cm^2", "cm2")
    return re.sub(r"\s+", " ", s)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(
    value: object, *, whole: bool = False, minimum: float | None = None, positive: bool = False
) -> float | int | None:
    if _blank(value):
        return None
    if isinstance(value, bool) or isinstance(value, dt.date):
        raise _Bad(f"'{_text(value)}' is not a number")
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an integer cell of hundreds of digits
            raise _Bad("the number is too large to be a finite number") from None
    else:
        text = str(value).strip()
        try:
            number = float(text)
        except ValueError:
            hint = " (use a decimal point, not a comma)" if re.fullmatch(r"-?\d+,\d+", text) else ""
            raise _Bad(f"'{text}' is not a number{hint}") from None
    if not math.isfinite(number):
        raise _Bad(f"'{_text(value)}' is not a finite number")
    if positive and number <= 0:
        raise _Bad(f"{_text(value)} must be greater than 0")
    if minimum is not None and number < minimum:
        raise _Bad(f"{_text(value)} must be at least {minimum:g}")
    if whole:
        if not number.is_integer():
            raise _Bad(f"{_text(value)} must be a whole number")
        if number > MAX_WHOLE:
            raise _Bad(f"{_text(value)} is too large (at most {MAX_WHOLE})")
        return int(number)
    return number


def _date(value: object) -> dt.date | None:
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 20000 < value < 80000:
        return from_excel(value).date()  # a date typed into a cell formatted as a number
    text = _text(value)
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise _Bad(f"'{text}' is not a date (use YYYY-MM-DD)") from None


def _convert(spec: _Field, value: object) -> object:
    if spec.kind == "int":
        result = _number(value, whole=True, minimum=0)
    elif spec.kind == "float":
        result = _number(value, minimum=spec.minimum, positive=spec.positive)
        quantity = spec.quantity or QUANTITY_OF_FIELD.get(spec.name)
        if quantity is not None and result is not None:
            try:
                quantities.check(quantity, result)
            except quantities.QuantityError as exc:
                raise _Bad(str(exc)) from None
    elif spec.kind == "date":
        result = _date(value)
    elif spec.kind == "role":
        result = _text(value).casefold()
        if result and result not in VARIANT_ROLES:
            raise _Bad(f"unknown role '{_text(value)}': use one of {', '.join(VARIANT_ROLES)}")
    else:
        result = _text(value)
        if spec.max_length and len(result) > spec.max_length:
            raise _Bad(f"'{result[:40]}...' is longer than {spec.max_length} characters")
        if spec.kind == "code" and "/" in result:
            raise _Bad(f"'{result}' contains '/', which separates the parts of cqdlab codes")
    if spec.required and result in (None, ""):
        raise _Bad(f"{spec.label} is missing")
    return result


def _show(value: object) -> str:
    return "blank" if value in (None, "") else f"'{_text(value)}'"
