"""Filters for pages with thousands of numbers: the same output as Django's, faster.

``{{ fig|plot_json:"fig-id" }}`` embeds a figure as ``json_script`` would; ``{{ x|fixed:2 }}``
writes what ``floatformat:2`` writes, and ``fixed_column`` does so for pages that format a
whole table column at once. ``{% for key, fig in figs|without:"jv eqe" %}`` draws the figures
a template does not place itself (a new kind's). ``{{ p|pvalue }}`` writes a p-value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import template
from django.conf import settings
from django.template.defaultfilters import floatformat
from django.utils.formats import get_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from analysis.compute.stats import format_p
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


@register.filter
def pvalue(value: Any) -> str:
    """A p-value as a scientist writes it: "0.032", "0.50", "< 1e-4"; "–" when there is none
    (compute.stats.format_p). The space is a no-break one: "<" alone on a line reads as noise."""
    return format_p(value if isinstance(value, (int, float)) else None).replace(" ", "\u00a0")
