"""Filters for pages with thousands of numbers: the same output as Django's, faster.

``{{ fig|plot_json:"fig-id" }}`` embeds a figure as ``json_script`` would; ``{{ x|fixed:2 }}``
writes what ``floatformat:2`` writes, and ``fixed_column`` does so for pages that format a
whole table column at once. ``{% for key, fig in figs|without:"jv eqe" %}`` draws the figures
a template does not place itself (a new kind's). ``{{ p|pvalue }}`` writes a p-value.
``{{ x|num:"voc" }}`` writes a quantity with the lab's precision (units in the column header),
``{{ x|qty:"voc" }}`` the same with its unit ("0.612 V"); FF is shown in percent everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from django import template
from django.conf import settings
from django.template.defaultfilters import floatformat
from django.utils.formats import get_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from analysis.figures import to_json

register = template.Library()


@register.filter
def plot_json(figure: dict, element_id: str) -> SafeString:
    """What ``json_script`` writes, compact and escaped with three ``str.replace`` passes:
    its ``str.translate`` took 70 ms on a 10,000-device comparison's 1.4 MB of JSON."""
    return format_html(
        '<script id="{}" type="application/json">{}</script>',
        element_id,
        mark_safe(to_json(figure)),
    )


def _plain_numbers() -> bool:
    """True where floatformat writes a '.' and no thousands separator, as format() does."""
    return not settings.USE_THOUSAND_SEPARATOR and get_format("DECIMAL_SEPARATOR") == "."


def _fixed(value: Any, places: int, plain: bool) -> str:
    if value is None:
        return ""
    if not plain or type(value) is not float or not value >= 0.0 or places < 0:
        return floatformat(value, places)
    text = repr(value)
    whole, _, fraction = text.partition(".")
    if not whole.isdigit() or "e" in fraction or (len(fraction) == places + 1 and text[-1] == "5"):
        return floatformat(value, places)
    return f"{value:.{places}f}"


@register.filter(is_safe=True)
def fixed(value: Any, places: int) -> str:
    """``floatformat:places`` (places >= 0) in a fraction of its time.

    floatformat rounds the shortest decimal text of a float half up, with Decimal, then
    localises it (11 us a number: 60 ms for the aging table of 1,000 devices). ``format()``
    rounds the float itself, which gives the same digits unless that text ends in a 5 exactly
    one place past the last kept one (a tie, which ``format()`` resolves half to even). Ties,
    anything but a plain non-negative float, and locales that write another decimal mark or
    group thousands go through floatformat itself.
    """
    return _fixed(value, int(places), _plain_numbers())


def fixed_column(values: Iterable[Any], places: int) -> list[str]:
    """``fixed`` for a column of numbers, with the locale looked up once, not per number."""
    plain = _plain_numbers()
    return [_fixed(v, places, plain) for v in values]


@register.filter
def without(mapping: Mapping[str, Any], keys: str) -> list[tuple[str, Any]]:
    """The (key, value) pairs of ``mapping`` whose key is not one of the space-separated
    ``keys``, in order."""
    placed = set(keys.split())
    return [(k, v) for k, v in mapping.items() if k not in placed]


@register.filter
def sig(value: Any, digits: int = 3) -> str:
    """A number to ``digits`` significant digits (3e+16, 0.452, 1.2e+03); text as it is."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "" if value is None else str(value)
    return f"{value:.{int(digits)}g}"


P_FLOOR = 1e-4


def format_pvalue(value: Any) -> str:
    """A p-value as a paper prints it: three significant digits ("0.0321", "0.500"),
    "< 0.0001" below that (never "0.0000", never "1e-4"), "–" when there is none."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return "–"
    if value < P_FLOOR:
        return "< 0.0001"
    return f"{value:#.3g}".rstrip(".")


@register.filter
def pvalue(value: Any) -> str:
    """``format_pvalue`` with a no-break space: "<" alone on a line reads as noise."""
    return format_pvalue(value).replace(" ", "\u00a0")


# Quantity -> (decimal places, unit, factor): the lab's precision, one table for every page
# and export. FF is stored as a fraction and shown in percent everywhere.
QUANTITIES: dict[str, tuple[int, str, float]] = {
    "pce": (2, "%", 1.0),
    "voc": (3, "V", 1.0),
    "jsc": (2, "mA/cm²", 1.0),
    "ff": (1, "%", 100.0),
    "vmp": (3, "V", 1.0),
    "jmp": (2, "mA/cm²", 1.0),
    "rs": (2, "Ω cm²", 1.0),
    "rsh": (0, "Ω cm²", 1.0),
    "hi": (3, "", 1.0),
    "percent": (0, "%", 1.0),
    "hours": (0, "h", 1.0),
    "nm": (0, "nm", 1.0),
    "ev": (2, "eV", 1.0),
}


def format_quantity(value: Any, quantity: str, unit: bool = False) -> str:
    """``value`` with the quantity's precision (and unit); "–" when there is none. An FF above
    1 was already typed in percent and is not scaled again."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return "–"
    places, symbol, factor = QUANTITIES[quantity]
    if quantity == "ff" and abs(value) > 1.0:
        factor = 1.0
    text = f"{value * factor:.{places}f}"
    if text.startswith("-") and not text.strip("-0."):
        text = text[1:]  # "-0.00" reads as a sign that is not there
    return f"{text}\u00a0{symbol}" if unit and symbol else text


@register.filter
def num(value: Any, quantity: str) -> str:
    """A quantity's number as the lab writes it; its unit sits in the column header."""
    return format_quantity(value, quantity)


@register.filter
def qty(value: Any, quantity: str) -> str:
    """A quantity with its unit: "0.612 V", "62.0 %"."""
    return format_quantity(value, quantity, unit=True)
