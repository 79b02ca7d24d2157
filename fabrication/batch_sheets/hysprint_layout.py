"""The HySprint experiment file's layout: process groups over columns, and which make layers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .cells import Rows, _blank, _cell, _key, _text
from .plan import OTHER_LAYER_ROLE

# Process groups that make a layer, and the method cqdlab records for them. Every other
# group (cleaning, laser scribing, generic processes, storage ...) is listed in the notes.
HYSPRINT_LAYER_METHODS = {
    "spin coating": "spin coating",
    "slot die coating": "slot-die coating",
    "inkjet printing": "inkjet printing",
    "dip coating": "dip coating",
    "blade coating": "blade coating",
    "spray pyrolysis": "spray pyrolysis",
    "evaporation": "thermal evaporation",
    "co-evaporation": "co-evaporation",
    "sputtering": "sputtering",
    "ald": "atomic layer deposition",
    "close space sublimation": "close-space sublimation",
}
# cqdlab layer field -> HySprint column names (after _key), first found wins.
HYSPRINT_LAYER_COLUMNS = {
    "spin_speed_rpm": ("rotation speed 1 [rpm]", "rotation speed [rpm]"),
    "spin_time_s": ("rotation time 1 [s]", "rotation time [s]"),
    "anneal_temperature_c": ("annealing temperature [c]",),
    "anneal_time_min": ("annealing time [min]",),
    "anneal_atmosphere": ("annealing athmosphere", "annealing atmosphere"),
    "thickness_nm": ("thickness [nm]",),
}
_INFO = "experiment info"
_GROUP_RE = re.compile(r"^\s*(\d+)\s*:\s*(.+?)\s*$")


@dataclass(frozen=True)
class _Group:
    header: str  # as written, e.g. "2: Spin Coating"
    process: str  # _key of the name, e.g. "spin coating"
    columns: dict[str, int]  # _key(column name) -> index


def _hysprint_groups(rows: Rows) -> list[_Group]:
    groups: list[_Group] = []
    current = ""
    columns: dict[str, int] = {}
    for index in range(max(len(rows[0]), len(rows[1]))):
        group, name = _cell(rows[0], index), _cell(rows[1], index)
        if not _blank(group):
            if current:
                groups.append(_hysprint_group(current, columns))
            current, columns = _text(group), {}
        if current and not _blank(name):
            columns.setdefault(_key(name), index)
    if current:
        groups.append(_hysprint_group(current, columns))
    return groups


def _hysprint_group(header: str, columns: dict[str, int]) -> _Group:
    match = _GROUP_RE.match(header)
    return _Group(header, _key(match.group(2) if match else header), columns)


def _hysprint_role(layer_type: str) -> str:
    t = _key(layer_type)
    if "absorber" in t:
        return "absorber"
    if "electron" in t or t in ("etl", "esl"):
        return "ETL"
    if "hole" in t or t in ("htl", "hsl"):
        return "HTL"
    if "electrode" in t or "contact" in t or "metal" in t:
        return "electrode"
    if "substrate" in t:
        return "substrate"
    return OTHER_LAYER_ROLE


def is_hysprint_header(rows: Rows) -> bool:
    if len(rows) < 2 or not rows[0]:
        return False
    return _key(rows[0][0] or "") == "experiment info" and any(
        _key(v) == "nomad id" for v in rows[1] if v is not None
    )
