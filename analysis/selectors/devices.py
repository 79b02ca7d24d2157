"""Reads of devices for the dashboards: first-scan metrics as columns, and groups of them.

Each function runs a fixed number of queries whatever the number of devices, and hands its rows
over as columns (numpy arrays and plain lists), not as one Python object per device: at 10,000
devices building those objects cost more than the queries did.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import F, QuerySet, TextField, Window
from django.db.models.functions import Cast, RowNumber

from core.access import scoped
from fabrication.models import Batch, Device, Synthesis, Variant

from ..compute.constants import HC_EV_NM
from ..compute.jv import JVThresholds
from ..compute.stats import (
    EXCLUDING_FLAGS,
    Classification,
    ExclusionThresholds,
    classify_devices,
)
from ..models import JVResult

METRICS = ("pce_percent", "voc_v", "jsc_ma_cm2", "ff")


def exclusion_thresholds() -> ExclusionThresholds:
    """The lab's exclusion rule as its settings set it, one rule set for every page.

    Apparent Rsh is judged by the analysis (the curve's "shorted" flag, from the same
    DEVICE_SHORTED_MAX_RSH_OHM_CM2): reading it here would take the first-scan query out of
    its covering index (migration 0002). The flag's limits come along so pages can say what
    it means.
    """
    return ExclusionThresholds(
        shorted_ff=settings.DEVICE_SHORTED_MAX_FF,
        shorted_voc_fraction=settings.DEVICE_SHORTED_VOC_FRACTION,
        open_jsc_fraction=settings.DEVICE_OPEN_JSC_FRACTION,
        flag_max_ff=settings.DEVICE_SHORTED_MAX_FF,
        flag_max_rsh_ohm_cm2=settings.DEVICE_SHORTED_MAX_RSH_OHM_CM2,
        flag_min_voc_v=JVThresholds().shorted_voc_v,
    )


def first_jv_per_device(devices: QuerySet[Device], direction: str) -> QuerySet:
    """Each device's first light J-V scan in ``direction``: its initial characterisation.

    Later scans belong to aging studies. One query: DISTINCT ON where PostgreSQL offers it (the
    index of migration 0002 hands it the rows presorted, without reading the table), a window
    function elsewhere. Flags come as JSON text: decoding 10,000 empty lists cost more than the
    query, and only the few non-empty ones need decoding.
    """
    rows = JVResult.objects.filter(
        device__in=devices, scan_direction=direction, is_dark=False
    ).annotate(flags_json=Cast("flags", TextField()))
    columns = ("device_id", "flags_json", *METRICS, "hi_pce")
    if connection.vendor == "postgresql":
        return (
            rows.order_by("device_id", "measured_at", F("pce_percent").desc(nulls_last=True))
            .distinct("device_id")
            .values_list(*columns)
        )
    return (
        rows.annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("device_id")],
                order_by=[F("measured_at").asc(), F("pce_percent").desc(nulls_last=True)],
            )
        )
        .filter(rank=1)
        .values_list(*columns)
    )


# Statuses that keep a device in the statistics: "ok" (the automatic rule still applies) and
# "kept" (a person checked it and overrides the rule); any other status excludes it.
KEEPING_STATUSES = ("ok", "kept")


@dataclass
class DeviceColumns:
    """Devices ordered by code, one entry per device in every column.

    ``values`` holds NaN where a device has no value (not measured, or the analysis found
    none); ``measured`` tells the two apart. A device is left out of the statistics when its
    status says so or, measured, by the lab's exclusion rule (compute.stats.classify_devices,
    against the medians of its batch among these devices).
    """

    ids: np.ndarray
    codes: list[str]
    status: list[str]
    status_reasons: list[str]
    substrate_ids: np.ndarray
    substrate_codes: list[str]
    batch_ids: np.ndarray
    labels: list[dict[str, Any]]  # per device, shared between the devices of one variant
    values: dict[str, np.ndarray]
    measured: np.ndarray
    flags: list[list[str]]
    thresholds: ExclusionThresholds = field(default_factory=ExclusionThresholds)
    # HI_PCE of the pair the device's first scan belongs to (NaN: no pair).
    hi_pce: np.ndarray | None = None
    # Pixel names ("P3") as on the mask, for the substrate map (None: not read).
    pixels: list[str] | None = None
    auto: Classification = field(init=False)
    excluded: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.auto = classify_devices(
            self.values["voc_v"],
            self.values["jsc_ma_cm2"],
            self.values["ff"],
            self.flags,
            self.batch_ids,
            self.thresholds,
        )
        manual = np.array([s not in KEEPING_STATUSES for s in self.status], dtype=bool)
        # "kept": a person checked the device and overrides the automatic rule.
        automatic = np.array([s == "ok" for s in self.status], dtype=bool)
        self.excluded = manual | (automatic & self.measured & self.auto.excluded)

    def __len__(self) -> int:
        return len(self.codes)

    def reason(self, i: int) -> str:
        """Why device ``i`` is left out of the statistics ("" when it is not)."""
        if self.status[i] not in KEEPING_STATUSES:
            return f"{self.status[i]}: {self.status_reasons[i] or 'no reason given'}"
        if not self.excluded[i]:
            return ""
        status, code = self.auto[i]
        if code in EXCLUDING_FLAGS:
            return f"auto: {code.replace('_', ' ')} (analysis flag)"
        return f"auto: {status} ({code.replace('_', ' ')})"

    def value(self, metric: str, i: int) -> float | None:
        v = float(self.values[metric][i])
        return v if np.isfinite(v) else None


def _labels(devices: QuerySet[Device]) -> Callable[[int, int], dict[str, Any]]:
    """Grouping labels per (variant, batch): two small queries instead of five joins per device.

    Returns a function of (variant id, batch id) that builds each label dict once; devices of
    one variant share it.
    """
    batches = dict(
        Batch.objects.filter(id__in=devices.values("substrate__batch_id")).values_list("id", "code")
    )
    variants = {
        v["id"]: v
        for v in Variant.objects.filter(id__in=devices.values("substrate__variant_id")).values(
            "id",
            "code",
            "name",
            "role",
            recipe_code=F("ink__recipe__code"),
            recipe_family=F("ink__recipe__family_code"),
            ligand_family=F("ink__recipe__ligand_family"),
            synthesis_code=F("ink__synthesis__code"),
            exciton_peak_nm=F("ink__synthesis__target_exciton_peak_nm"),
        )
    }
    built: dict[tuple[int, int], dict[str, Any]] = {}

    def label(variant_id: int, batch_id: int) -> dict[str, Any]:
        key = (variant_id, batch_id)
        if key not in built:
            v = variants[variant_id]
            built[key] = {
                "variant_id": variant_id,
                "variant_code": v["code"],
                "variant_name": v["name"],
                "variant_role": v["role"],
                "batch_id": batch_id,
                "batch_code": batches[batch_id],
                "recipe_code": v["recipe_code"],
                "recipe_family": v["recipe_family"],
                "ligand_family": v["ligand_family"],
                "synthesis_code": v["synthesis_code"],
                "exciton_peak_nm": v["exciton_peak_nm"],
            }
        return built[key]

    return label


def device_rows(
    devices: QuerySet[Device],
    direction: str = "reverse",
    thresholds: ExclusionThresholds | None = None,
) -> DeviceColumns:
    """Every device (measured or not) with its first-scan metrics: four queries. Devices are
    excluded by ``thresholds``, the lab's settings unless given."""
    results = list(first_jv_per_device(devices, direction))
    label = _labels(devices)
    rows = list(
        devices.order_by("code").values_list(
            "id",
            "code",
            "status",
            "status_reason",
            "substrate_id",
            "substrate__code",
            "substrate__variant_id",
            "substrate__batch_id",
            "pixel",
        )
    )
    n = len(rows)
    columns = list(zip(*rows, strict=True)) if rows else [()] * 9
    ids = np.array(columns[0], dtype=np.int64)
    values = {m: np.full(n, np.nan) for m in METRICS}
    hi_pce = np.full(n, np.nan)
    measured = np.zeros(n, dtype=bool)
    flags: list[list[str]] = [[]] * n  # one shared empty list, never mutated
    if results and n:
        found = list(zip(*results, strict=True))
        result_ids = np.array(found[0], dtype=np.int64)
        by_id = np.argsort(ids)
        at = by_id[np.searchsorted(ids, result_ids, sorter=by_id).clip(0, n - 1)]
        # A device deleted between the two queries has a result but no row.
        known = ids[at] == result_ids
        at = at[known]
        measured[at] = True
        for k, metric in enumerate(METRICS):
            values[metric][at] = np.array(found[2 + k], dtype=float)[known]  # None -> NaN
        hi_pce[at] = np.array(found[2 + len(METRICS)], dtype=float)[known]
        for i, text in zip(at.tolist(), np.array(found[1], dtype=object)[known], strict=True):
            if text and text != "[]":
                flags[i] = list(json.loads(text) or [])
    return DeviceColumns(
        ids=ids,
        codes=list(columns[1]),
        status=list(columns[2]),
        status_reasons=list(columns[3]),
        substrate_ids=np.array(columns[4], dtype=np.int64),
        substrate_codes=list(columns[5]),
        batch_ids=np.array(columns[7], dtype=np.int64),
        labels=[label(v, b) for v, b in zip(columns[6], columns[7], strict=True)],
        values=values,
        measured=measured,
        flags=flags,
        thresholds=thresholds or exclusion_thresholds(),
        hi_pce=hi_pce,
        pixels=list(columns[8]),
    )


GROUPINGS = {
    "variant": ("variant_code", "variant_name"),
    "recipe": ("recipe_code", "recipe_code"),
    "ligand_family": ("ligand_family", "ligand_family"),
    "synthesis": ("synthesis_code", "synthesis_code"),
    "batch": ("batch_code", "batch_code"),
    "bandgap": ("exciton_peak_nm", "exciton_peak_nm"),
}
# What a researcher calls each grouping (forms, headings, messages): never the field name.
GROUPING_LABELS = {
    "variant": "Variant",
    "recipe": "Recipe",
    "ligand_family": "Ligand family",
    "synthesis": "Synthesis",
    "batch": "Batch",
    "bandgap": "Dot size (bandgap)",
}
# Dots are binned by the bandgap of their target exciton peak, 0.1 eV wide: 1.0 eV and
# 1.3 eV dots differ in Voc by 0.2 V and must never share a distribution.
BANDGAP_BIN_EV = 0.1


def bandgap_bin(exciton_peak_nm: float | None) -> str:
    """The dot-size bin of a target exciton peak, as "1.3 eV" ("(size unknown)" without one)."""
    if not exciton_peak_nm or exciton_peak_nm <= 0:
        return "(size unknown)"
    ev = round(HC_EV_NM / exciton_peak_nm / BANDGAP_BIN_EV) * BANDGAP_BIN_EV
    return f"{ev:.1f} eV"


@dataclass
class Groups:
    """Named groups of devices: name -> row numbers into ``devices``, in device order.

    Groups come in the order of their first device; a mapping of names to row numbers keeps
    per-group work to numpy indexing.
    """

    devices: DeviceColumns
    members: dict[str, np.ndarray]

    def __iter__(self) -> Iterator[str]:
        return iter(self.members)

    def __len__(self) -> int:
        return len(self.members)

    def items(self) -> Iterable[tuple[str, np.ndarray]]:
        return self.members.items()

    def only(self, names: Iterable[str]) -> Groups:
        """The named groups; every group when none of the names matches one."""
        wanted = set(names)
        members = {k: v for k, v in self.members.items() if k in wanted}
        return Groups(self.devices, members) if members else self

    @property
    def n_devices(self) -> int:
        return sum(len(idx) for idx in self.members.values())


# Between the two factors of a two-factor grouping ("PbI2 · 1.3 eV").
FACTOR_JOIN = " · "


def _group_name(label: dict[str, Any], by: str, with_batch: bool = True) -> str:
    if by == "bandgap":
        return bandgap_bin(label.get("exciton_peak_nm"))
    name = label.get(GROUPINGS[by][1]) or "(none)"
    if by == "variant" and with_batch:
        # Across batches the batch tells two "control" variants apart; on one batch's own
        # page it would only repeat the heading.
        name = f"{label['batch_code']}: {name}"
    if by == "synthesis" and label.get("exciton_peak_nm"):
        name = f"{name} ({label['exciton_peak_nm']:.0f} nm)"
    return str(name)


def group_rows(
    devices: DeviceColumns, by: str, then: str | None = None, with_batch: bool = True
) -> Groups:
    """Devices grouped by ``by`` (and by ``then`` inside it: "PbI2 · 1.3 eV")."""
    # Labels are shared per variant and batch, so each name is built once per variant.
    names: dict[int, str] = {}
    members: dict[str, list[int]] = {}
    for i, label in enumerate(devices.labels):
        name = names.get(id(label))
        if name is None:
            name = _group_name(label, by, with_batch)
            if then and then != by:
                name += FACTOR_JOIN + _group_name(label, then, with_batch)
            names[id(label)] = name
        members.setdefault(name, []).append(i)
    return Groups(devices, {k: np.array(v, dtype=np.intp) for k, v in members.items()})


def device_exclusion(device: Device) -> str:
    """Why the one exclusion rule leaves this device out of its batch's statistics ("" when
    it does not): a person's status, else the automatic rule judged within its batch."""
    columns = batch_device_rows(device.substrate.batch)
    for i, device_id in enumerate(columns.ids):
        if int(device_id) == device.id:
            return columns.reason(i)
    return ""


def batch_device_rows(batch: Batch, direction: str = "reverse") -> DeviceColumns:
    """The devices of one batch (its project's only: a child is read within its parent's
    project, so a row left in another project by an old move never leaks)."""
    return device_rows(
        Device.objects.filter(substrate__batch=batch, project_id=batch.project_id), direction
    )


def compared_device_rows(user, batch_ids: list[int], direction: str = "reverse") -> DeviceColumns:
    """The devices of the user's projects, of the given batches (every batch when none)."""
    devices = scoped(Device.objects.all(), user)
    if batch_ids:
        devices = devices.filter(substrate__batch_id__in=batch_ids)
    return device_rows(devices, direction)


def synthesis_device_rows(synthesis: Synthesis, direction: str = "reverse") -> DeviceColumns:
    """The devices made from a synthesis's inks."""
    return device_rows(
        Device.objects.filter(
            substrate__variant__ink__synthesis=synthesis, project_id=synthesis.project_id
        ),
        direction,
    )
