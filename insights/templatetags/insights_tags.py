"""Numbers of the Insights page as it writes them."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def percent(share: Any, places: int = 0) -> str:
    """A share (0-1) as a percentage; empty for None."""
    if share is None:
        return ""
    return f"{100 * float(share):.{int(places)}f} %"


@register.filter
def g3(value: Any) -> str:
    """Three significant digits; empty for None."""
    if value is None:
        return ""
    return f"{float(value):.3g}"
