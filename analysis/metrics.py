"""Selectors for dashboards: device metrics, groups and aging series, aggregated in the database.

Each function runs a fixed number of queries whatever the number of devices.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber

from fabrication.models import Device

from .models import JVResult

METRICS = ("pce_percent", "voc_v", "jsc_ma_cm2", "ff")

DEVICE_FIELDS = {
    "device_id": "id",
    "code": "code",
    "status": "status",
    "status_reason": "status_reason",
    "substrate_code": "substrate__code",
    "variant_id": "substrate__variant_id",
    "variant_code": "substrate__variant__code",
    "variant_name": "substrate__variant__name",
    "variant_role": "substrate__variant__role",
    "batch_id": "substrate__batch_id",
    "batch_code": "substrate__batch__code",
    "recipe_code": "substrate__variant__ink__recipe__code",
    "recipe_family": "substrate__variant__ink__recipe__family_code",
    "ligand_family": "substrate__variant__ink__recipe__ligand_family",
    "synthesis_code": "substrate__variant__ink__synthesis__code",
    "exciton_peak_nm": "substrate__variant__ink__synthesis__target_exciton_peak_nm",
}


@dataclass
class DeviceRow:
    device_id: int
    code: str
    status: str
    status_reason: str
    values: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    measured: bool = False

    @property
    def excluded(self) -> bool:
        return self.status != "ok" or "shorted" in self.flags or "no_voc_crossing" in self.flags

    @property
    def reason(self) -> str:
        if self.status != "ok":
            return f"{self.status}: {self.status_reason or 'no reason given'}"
        for flag in ("shorted", "no_voc_crossing"):
            if flag in self.flags:
                return f"auto: {flag.replace('_', ' ')} (analysis flag)"
        return ""


def first_jv_per_device(devices: QuerySet[Device], direction: str) -> QuerySet:
    """Each device's first light J-V scan in ``direction``: its initial characterisation.

    Later scans belong to aging studies. One query: DISTINCT ON where PostgreSQL offers it,
    a window function elsewhere.
    """
    rows = JVResult.objects.filter(device__in=devices, scan_direction=direction, is_dark=False)
    if connection.vendor == "postgresql":
        return (
            rows.order_by("device_id", "measured_at", F("pce_percent").desc(nulls_last=True))
            .distinct("device_id")
            .values("device_id", "flags", "measured_at", *METRICS)
        )
    return (
        JVResult.objects.filter(device__in=devices, scan_direction=direction, is_dark=False)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("device_id")],
                order_by=[F("measured_at").asc(), F("pce_percent").desc(nulls_last=True)],
            )
        )
        .filter(rank=1)
        .values("device_id", "flags", "measured_at", *METRICS)
    )


def device_rows(devices: QuerySet[Device], direction: str = "reverse") -> list[DeviceRow]:
    """Every device (measured or not) with its metrics: two queries."""
    results = {r["device_id"]: r for r in first_jv_per_device(devices, direction)}
    rows = []
    for d in devices.values(*DEVICE_FIELDS.values()).order_by("code"):
        info = {name: d[path] for name, path in DEVICE_FIELDS.items()}
        r = results.get(info["device_id"])
        rows.append(
            DeviceRow(
                device_id=info["device_id"],
                code=info["code"],
                status=info["status"],
                status_reason=info["status_reason"],
                info=info,
                values={m: (r or {}).get(m) for m in METRICS},
                flags=list((r or {}).get("flags") or []),
                measured=r is not None,
            )
        )
    return rows


GROUPINGS = {
    "variant": ("variant_code", "variant_name"),
    "recipe": ("recipe_code", "recipe_code"),
    "ligand_family": ("ligand_family", "ligand_family"),
    "synthesis": ("synthesis_code", "synthesis_code"),
    "batch": ("batch_code", "batch_code"),
}


def group_rows(rows: list[DeviceRow], by: str) -> dict[str, list[DeviceRow]]:
    key, label = GROUPINGS[by]
    groups: dict[str, list[DeviceRow]] = defaultdict(list)
    for row in rows:
        name = row.info.get(label) or "(none)"
        if by == "variant":
            name = f"{row.info['batch_code']}: {name}"
        if by == "synthesis" and row.info.get("exciton_peak_nm"):
            name = f"{name} ({row.info['exciton_peak_nm']:.0f} nm)"
        groups[str(name)].append(row)
    return dict(groups)


def aging_rows(studies: QuerySet, direction: str = "reverse") -> dict[int, list[dict]]:
    """J-V results of each study's devices since the study started: one query for all studies.

    Returns study id -> [{device_id, code, variant, hours, metrics...}] ordered by time.
    """
    from .models import StabilityStudy

    links = StabilityStudy.devices.through.objects.filter(stabilitystudy__in=studies).values(
        "stabilitystudy_id", "device_id", "stabilitystudy__started_at"
    )
    by_device: dict[int, list[tuple[int, Any]]] = defaultdict(list)
    for link in links:
        by_device[link["device_id"]].append(
            (link["stabilitystudy_id"], link["stabilitystudy__started_at"])
        )
    results = (
        JVResult.objects.filter(
            device_id__in=list(by_device), scan_direction=direction, is_dark=False
        )
        .order_by("device_id", "measured_at")
        .values(
            "device_id",
            "measured_at",
            "device__code",
            "device__substrate__variant__name",
            "device__substrate__batch__code",
            *METRICS,
        )
    )
    out: dict[int, list[dict]] = defaultdict(list)
    # t = 0 is each device's first scan in the study: pixels are scanned one after another,
    # and an offset of hours would distort a 10 h study.
    first: dict[tuple[int, int], Any] = {}
    for r in results:
        for study_id, started in by_device[r["device_id"]]:
            if r["measured_at"] is None or r["measured_at"] < started:
                continue
            t0 = first.setdefault((study_id, r["device_id"]), r["measured_at"])
            out[study_id].append(
                {
                    "device_id": r["device_id"],
                    "code": r["device__code"],
                    "variant": f"{r['device__substrate__batch__code']}: "
                    f"{r['device__substrate__variant__name']}",
                    "hours": (r["measured_at"] - t0).total_seconds() / 3600.0,
                    **{m: r[m] for m in METRICS},
                }
            )
    return dict(out)
