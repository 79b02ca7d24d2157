"""Colours shared by every figure, so a variant looks the same on every page.

The lab compares a target against a control in almost every experiment; those two get fixed
colours. Any other group name gets a colour picked from its name's checksum, so "MAPbI3" is the
same colour in the distribution, the aging plot and the J-V curves without a lookup table.
"""

import re
import zlib
from collections.abc import Iterable

# Okabe-Ito based: distinguishable for the common forms of colour blindness.
TARGET = "#D55E00"
CONTROL = "#0072B2"
OTHERS = (
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#8C564B",
    "#9467BD",
    "#17BECF",
    "#BCBD22",
)
# Excluded devices and reference lines are deliberately colourless: they must not read as a group.
EXCLUDED = "#8C8C8C"
REFERENCE = "#555555"

_KEYWORDS = (
    (re.compile(r"\btarget\b", re.IGNORECASE), TARGET),
    (re.compile(r"\bcontrol\b", re.IGNORECASE), CONTROL),
)


def _keyword_color(name: str) -> str | None:
    for pattern, color in _KEYWORDS:
        if pattern.search(name):
            return color
    return None


def colors_for(names: Iterable[str]) -> dict[str, str]:
    """Map each distinct name to a colour, stable across figures and distinct within one.

    The checksum picks a preferred slot; a collision inside one figure moves to the next free
    slot, so two groups never share a colour unless there are more groups than colours.
    """
    result: dict[str, str] = {}
    used: set[str] = set()
    pending: list[str] = []
    for name in dict.fromkeys(names):
        color = _keyword_color(name)
        if color is None:
            pending.append(name)
        else:
            result[name] = color
            used.add(color)
    for name in pending:
        start = zlib.crc32(name.strip().lower().encode()) % len(OTHERS)
        free = [OTHERS[(start + k) % len(OTHERS)] for k in range(len(OTHERS))]
        free = [c for c in free if c not in used] or [OTHERS[start]]
        result[name] = free[0]
        used.add(free[0])
    return result


def key_color(key: str) -> str:
    """The colour of a stable key (a variant's role or recipe family), the same on every page
    and in every export whatever else is drawn beside it.

    Unlike ``colors_for`` no collision moves a key to another slot: that move depends on the
    other groups of the figure, so the same variant could change colour between the batch and
    the comparison page. Two keys may share a slot; the legend and the x position still tell
    them apart.
    """
    color = _keyword_color(key)
    if color is not None:
        return color
    return OTHERS[zlib.crc32(key.strip().lower().encode()) % len(OTHERS)]


def variant_key(role: str | None, recipe_family: str | None, fallback: str = "") -> str:
    """What a variant's colour follows: its role when it is the target or the control of its
    batch, else its recipe family (every version of one recipe keeps one colour)."""
    role = (role or "").strip().lower()
    if role in ("target", "control"):
        return role
    return str(recipe_family or fallback)


def rgba(hex_color: str, alpha: float) -> str:
    """A translucent version of a palette colour, for bands and fills."""
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"
