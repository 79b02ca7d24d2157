"""Where a measurement's conditions come from, when several places state them.

The area of a J-V measurement can be stated by the upload, the device's mask aperture, the
device's active area and the file's header. The one used is the first of those, in that order:
the upload speaks for this file, the mask defines the lit area, the device records what the
lab drew, and a header often carries an instrument default. Every source is kept, and
disagreement beyond a tolerance is flagged, never silent.
"""

from __future__ import annotations

from typing import Any

AREA_SOURCES = ("upload", "mask", "device", "file")


def area_provenance(sources: dict[str, float | None], tolerance_fraction: float) -> dict[str, Any]:
    """{"used_cm2", "source", "sources", "disagree", "tolerance_fraction"} for the stated
    areas (cm2, by source name of ``AREA_SOURCES``); ``used_cm2`` None when none is stated."""
    stated = {k: float(v) for k, v in sources.items() if k in AREA_SOURCES and v}
    source = next((k for k in AREA_SOURCES if k in stated), None)
    values = list(stated.values())
    disagree = bool(values) and (max(values) - min(values)) > tolerance_fraction * min(values)
    return {
        "used_cm2": stated.get(source) if source else None,
        "source": source or "",
        "sources": stated,
        "disagree": disagree,
        "tolerance_fraction": tolerance_fraction,
    }
