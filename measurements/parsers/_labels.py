"""What a file says about a J-V curve in words, and what its voltages say: scan direction,
illumination and pixel, read the same way by every J-V parser.

The contract each J-V series carries in ``metadata`` (see :mod:`.base`):

- ``declared_scan_direction``: "reverse" / "forward" / None, from the file's own labels
  (header, curve name, `fwd` / `rev` / `_REV` tags, file name);
- ``seen_scan_direction``: from the order of the series' own voltages, None when flat;
- ``direction_layout_reliable``: False when the stored order cannot tell the direction (one
  voltage column shared by several curves, a format that re-sorts rows);
- ``scan_direction``: the declared direction when there is one, else the seen one
  (analysis-methods 2: the file's label wins where it exists);
- ``scan_direction_source``: "label", "voltage order" or None;
- ``direction_conflict``: True when a reliable layout's voltage order contradicts the label;
- ``illumination``: "light" / "dark" / None; ``pixel`` (normalised: "1", "7", "A") and
  ``pixel_label`` (as the file writes it: "px7", "a", "Pixel 2").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np

from .base import Series

REVERSE, FORWARD = "reverse", "forward"
LIGHT, DARK = "light", "dark"

# Tags seen in curve names and file names. "for", "up", "down", "rs" are English words or
# abbreviations too, so they only count in an instrument's curve names and header values,
# never in a file name or a free-text column name (``strict``).
_REVERSE_TAGS = frozenset({"rev", "reverse", "reversed", "bwd", "backward", "backwards"})
_FORWARD_TAGS = frozenset({"fwd", "forward"})
_REVERSE_WORDS = _REVERSE_TAGS | {"rs", "back", "bw", "down", "downward", "descending"}
_FORWARD_WORDS = _FORWARD_TAGS | {"fs", "for", "fw", "up", "upward", "ascending"}
_REVERSE_PHRASES = ("voc to jsc", "voc->jsc", "voc -> jsc", "voc2jsc", "high to low")
_FORWARD_PHRASES = ("jsc to voc", "jsc->voc", "jsc -> voc", "jsc2voc", "low to high")

_DARK_TAGS = frozenset({"dark", "dk", "drk", "darkiv", "darkjv"})
_LIGHT_TAGS = frozenset({"light", "lt", "illuminated", "illum", "lightiv", "lightjv"})
# In a header value under an illumination key, a switch state says it too.
_DARK_WORDS = _DARK_TAGS | {"off", "no", "none", "unilluminated"}
_LIGHT_WORDS = _LIGHT_TAGS | {"on", "yes", "lit"}

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def tokens(text: str) -> list[str]:
    """Lower-case words of a label or file name: 'b_for' -> ['b', 'for'],
    'x_pX1_fwd_lt.jv.txt' -> ['x', 'px1', 'fwd', 'lt', 'jv', 'txt']. Whole words only:
    'DarkStorage' or 'darkroom' in a sample name is not a tag."""
    return [t for t in _NOT_ALNUM.split(text[:300].lower()) if t]


def _one_of(found: set[str]) -> str | None:
    """The one answer found; None when neither or both (a label 'For -> Rev' names an order,
    not one direction)."""
    if len(found) == 1:
        return found.pop()
    return None


def direction_in(text: str, *, strict: bool = False) -> str | None:
    """The scan direction a curve name is tagged with. ``strict`` (file names, free-text
    column names) takes only the unmistakable tags: 'rev', 'fwd', 'reverse', 'forward'..."""
    reverse, forward = (
        (_REVERSE_TAGS, _FORWARD_TAGS) if strict else (_REVERSE_WORDS, _FORWARD_WORDS)
    )
    found = set()
    for token in tokens(text):
        if token in reverse:
            found.add(REVERSE)
        elif token in forward:
            found.add(FORWARD)
    return _one_of(found)


def direction_word(text: str) -> str | None:
    """A scan direction written as a header value: 'Reverse', 'rev', 'Sweep Down',
    'Voc to Jsc', 'fwd'. None for 'Forward/Back' or 'For -> Rev' (both, in some order)."""
    lower = " ".join(text.lower().split())
    found = set()
    if any(p in lower for p in _REVERSE_PHRASES):
        found.add(REVERSE)
    if any(p in lower for p in _FORWARD_PHRASES):
        found.add(FORWARD)
    if not found:
        return direction_in(text)
    return _one_of(found)


def illumination_in(text: str) -> str | None:
    """'dark' / 'light' from the tags of a curve name or file name ('a_Forward_Dark', '_lt_')."""
    found = set()
    for token in tokens(text):
        if token in _DARK_TAGS:
            found.add(DARK)
        elif token in _LIGHT_TAGS:
            found.add(LIGHT)
    return _one_of(found)


def illumination_word(text: str) -> str | None:
    """'dark' / 'light' from a header value under an illumination key ('dark', 'lt', 'Off',
    'Illuminated')."""
    found = set()
    for token in tokens(text):
        if token in _DARK_WORDS:
            found.add(DARK)
        elif token in _LIGHT_WORDS:
            found.add(LIGHT)
    return _one_of(found)


def illumination_from_irradiance(mw_cm2: float | None) -> str | None:
    """A lamp at 0 mW/cm2 is a dark measurement; any stated light is light."""
    if mw_cm2 is None:
        return None
    return DARK if mw_cm2 == 0 else LIGHT


# --- pixels ------------------------------------------------------------------------------

_PIXEL_RE = re.compile(
    r"(?:^|[^a-z0-9])((?:pixel[ _#-]?(\d{1,3})|pixel[ _#-]([a-z])|px[ _#-]?([a-z0-9]{1,3})))"
    r"(?![a-z0-9])",
    re.I,
)
_PIXEL_WORD = re.compile(r"^(?:pixel|pix|px|pin|cell|p)?[ _#-]?(\d{1,3}|[a-z])$", re.I)


def normalise_pixel(label: str) -> str:
    """One spelling per pixel, so curves of one pixel pair up across files and formats:
    'px7' -> '7', 'pX1' -> '1', 'Pixel 02' -> '2', 'a' / 'pxA' -> 'A'. Other names
    ('top-left') are kept as written."""
    text = label.strip()
    match = _PIXEL_WORD.match(text)
    if not match:
        return text
    core = match.group(1)
    return core.upper() if core.isalpha() else str(int(core))


def pixel_label_in(text: str) -> str | None:
    """The pixel as a label or file name writes it: 'px7', 'pX1', 'Pixel 2' (not 'Pixels')."""
    match = _PIXEL_RE.search(text[:300])
    return match.group(1) if match else None


def pixel_from(text: str) -> str | None:
    """The normalised pixel named in a label or file name: 'px7' -> '7', 'pxA' -> 'A'."""
    label = pixel_label_in(text)
    return normalise_pixel(label) if label else None


# --- direction from the data, and the resolved contract -----------------------------------


def scan_direction(v: np.ndarray) -> str | None:
    """'reverse' if the voltage mostly decreases along the file, 'forward' if it mostly rises.

    Counted over steps, so a loop (down then up) goes to the longer leg; None when flat.
    """
    v = np.asarray(v, dtype=np.float64)
    steps = v[1:] - v[:-1]  # np.diff, without its Python wrapper
    down = int((steps < 0).sum())
    up = int((steps > 0).sum())
    if down > up:
        return REVERSE
    if up > down:
        return FORWARD
    return None


def direction_facts(
    voltage: np.ndarray, declared: str | None, *, layout_reliable: bool = True
) -> dict[str, Any]:
    """The direction keys of the contract for one series."""
    seen = scan_direction(voltage)
    return {
        "declared_scan_direction": declared,
        "seen_scan_direction": seen,
        "direction_layout_reliable": layout_reliable,
        # The label wins where it exists: a shared or re-sorted voltage column says nothing
        # about the order of measurement, and a reliable one that disagrees is flagged below.
        "scan_direction": declared or seen,
        "scan_direction_source": "label" if declared else ("voltage order" if seen else None),
        "direction_conflict": bool(layout_reliable and declared and seen and declared != seen),
    }


def describe_jv(
    series: Series,
    warnings: list[str],
    *,
    declared: str | None = None,
    layout_reliable: bool = True,
    illumination: str | None = None,
    pixel: str | None = None,
) -> None:
    """Write the contract's keys into ``series.metadata``; ``pixel`` as the file writes it."""
    meta = series.metadata
    meta.update(
        direction_facts(series.columns["voltage_v"], declared, layout_reliable=layout_reliable)
    )
    meta["illumination"] = illumination
    if pixel:
        meta["pixel_label"] = pixel
        meta["pixel"] = normalise_pixel(pixel)
    if meta["direction_conflict"]:
        warnings.append(
            f"{series.label}: the file labels this scan {declared}, but its voltage runs "
            f"{meta['seen_scan_direction']}; scan_direction keeps the label (direction_conflict)"
        )


def ensure_jv(series: Series) -> None:
    """Fill the keys a parser left out, so every J-V series carries the whole contract."""
    meta = series.metadata
    if "seen_scan_direction" not in meta:
        declared = meta.get("declared_scan_direction")
        reliable = meta.get("direction_layout_reliable", True)
        facts = direction_facts(series.columns["voltage_v"], declared, layout_reliable=reliable)
        for key, value in facts.items():
            meta.setdefault(key, value)
    meta.setdefault("illumination", None)
    if meta.get("pixel") and "pixel_label" not in meta:
        meta["pixel_label"] = str(meta["pixel"])
        meta["pixel"] = normalise_pixel(str(meta["pixel"]))


def shared_column_note(
    series: Iterable[Series], layout: str = "the curves share one voltage column"
) -> str | None:
    """One warning for a file whose stored voltage order cannot tell the direction: which
    curves' labels the stored order contradicts, or which carry no label at all."""
    series = list(series)
    if len(series) < 2:
        return None
    contradicted = [
        f"{s.label}: {s.metadata['declared_scan_direction']}"
        for s in series
        if s.metadata.get("declared_scan_direction")
        and s.metadata.get("seen_scan_direction")
        and s.metadata["declared_scan_direction"] != s.metadata["seen_scan_direction"]
    ]
    unlabelled = [s.label for s in series if not s.metadata.get("declared_scan_direction")]
    if contradicted:
        return (
            f"{layout}, so each scan_direction is the file's label, not the stored order "
            f"({', '.join(contradicted)})"
        )
    if unlabelled:
        return (
            f"{layout} and {', '.join(unlabelled)} carry no direction label, so their "
            "scan_direction is the stored order, not necessarily the order of measurement"
        )
    return None
