"""Selectors for dashboards: device metrics, groups and aging series.

Each function runs a fixed number of queries whatever the number of devices, and hands its rows
over as columns (numpy arrays and plain lists), not as one Python object per device: at 10,000
devices building those objects cost more than the queries did.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import BigIntegerField, F, Func, QuerySet, TextField, Window
from django.db.models.functions import Cast, RowNumber

from fabrication.models import Batch, Device, Variant

from .models import JVResult, StabilityStudy

METRICS = ("pce_percent", "voc_v", "jsc_ma_cm2", "ff")
# Analysis flags that exclude a device from the statistics as a manual status does.
AUTO_EXCLUSION_FLAGS = ("shorted", "no_voc_crossing")


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
    columns = ("device_id", "flags_json", *METRICS)
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


@dataclass
class DeviceColumns:
    """Devices ordered by code, one entry per device in every column.

    ``values`` holds NaN where a device has no value (not measured, or the analysis found
    none); ``measured`` tells the two apart.
    """

    ids: np.ndarray
    codes: list[str]
    status: list[str]
    status_reasons: list[str]
    substrate_ids: np.ndarray
    substrate_codes: list[str]
    labels: list[dict[str, Any]]  # per device, shared between the devices of one variant
    values: dict[str, np.ndarray]
    measured: np.ndarray
    flags: list[list[str]]
    excluded: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.excluded = np.array([s != "ok" for s in self.status], dtype=bool)
        for i, flags in enumerate(self.flags):
            if flags and any(f in AUTO_EXCLUSION_FLAGS for f in flags):
                self.excluded[i] = True

    def __len__(self) -> int:
        return len(self.codes)

    def reason(self, i: int) -> str:
        """Why device ``i`` is left out of the statistics ("" when it is not)."""
        if self.status[i] != "ok":
            return f"{self.status[i]}: {self.status_reasons[i] or 'no reason given'}"
        for flag in AUTO_EXCLUSION_FLAGS:
            if flag in self.flags[i]:
                return f"auto: {flag.replace('_', ' ')} (analysis flag)"
        return ""

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


def device_rows(devices: QuerySet[Device], direction: str = "reverse") -> DeviceColumns:
    """Every device (measured or not) with its first-scan metrics: four queries."""
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
        )
    )
    n = len(rows)
    columns = list(zip(*rows, strict=True)) if rows else [()] * 8
    ids = np.array(columns[0], dtype=np.int64)
    values = {m: np.full(n, np.nan) for m in METRICS}
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
        labels=[label(v, b) for v, b in zip(columns[6], columns[7], strict=True)],
        values=values,
        measured=measured,
        flags=flags,
    )


GROUPINGS = {
    "variant": ("variant_code", "variant_name"),
    "recipe": ("recipe_code", "recipe_code"),
    "ligand_family": ("ligand_family", "ligand_family"),
    "synthesis": ("synthesis_code", "synthesis_code"),
    "batch": ("batch_code", "batch_code"),
}


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


def _group_name(label: dict[str, Any], by: str) -> str:
    name = label.get(GROUPINGS[by][1]) or "(none)"
    if by == "variant":
        name = f"{label['batch_code']}: {name}"
    if by == "synthesis" and label.get("exciton_peak_nm"):
        name = f"{name} ({label['exciton_peak_nm']:.0f} nm)"
    return str(name)


def group_rows(devices: DeviceColumns, by: str) -> Groups:
    # Labels are shared per variant and batch, so each name is built once per variant.
    names: dict[int, str] = {}
    members: dict[str, list[int]] = {}
    for i, label in enumerate(devices.labels):
        name = names.get(id(label))
        if name is None:
            name = names[id(label)] = _group_name(label, by)
        members.setdefault(name, []).append(i)
    return Groups(devices, {k: np.array(v, dtype=np.intp) for k, v in members.items()})


class EpochMicroseconds(Func):
    """Microseconds since 1970 as an integer (PostgreSQL), exact: hours from it are the floats
    Python gets subtracting datetimes."""

    output_field = BigIntegerField()
    template = "ROUND(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"


@dataclass
class AgingSeries:
    """One study's points with a value, sorted by device then time; ``hours`` count from each
    device's first scan in the study."""

    device_ids: np.ndarray
    hours: np.ndarray
    values: np.ndarray
    devices: dict[int, dict[str, str]]  # device id -> code, variant


def aging_rows(
    studies: QuerySet[StabilityStudy], direction: str = "reverse", metric: str = "pce_percent"
) -> dict[int, AgingSeries]:
    """The J-V results of each study's devices since the study started: two queries.

    The study start is applied in the database and only ``metric`` is read. On PostgreSQL each
    device's series arrives as two arrays (times as integer microseconds, then values): 1,000
    rows instead of 50,000 tuples, whose allocation alone set off enough garbage collection to
    double the cost of reading them.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}")
    links = StabilityStudy.devices.through.objects.filter(stabilitystudy__in=studies)
    results = links.filter(
        device__jv_results__scan_direction=direction,
        device__jv_results__is_dark=False,
        device__jv_results__measured_at__gte=F("stabilitystudy__started_at"),
    )
    if connection.vendor == "postgresql":
        series = _aging_arrays(results, metric)
    else:
        series = _aging_tuples(results, metric)
    labels = {
        device_id: {"code": code, "variant": f"{batch}: {variant}"}
        for device_id, code, batch, variant in links.values_list(
            "device_id",
            "device__code",
            "device__substrate__batch__code",
            "device__substrate__variant__name",
        )
    }
    if series is None:
        return {}
    study_ids, device_ids, micros, values = series
    # t = 0 is each device's first scan in the study (with or without a value): pixels are
    # scanned one after another, and an offset of hours would distort a 10 h study.
    new = np.ones(study_ids.size, dtype=bool)
    new[1:] = (study_ids[1:] != study_ids[:-1]) | (device_ids[1:] != device_ids[:-1])
    starts = np.flatnonzero(new)
    first = np.repeat(micros[starts], np.diff(np.append(starts, study_ids.size)))
    # Two divisions, as timedelta.total_seconds() / 3600.0 does, for the same floats.
    hours = (micros - first).astype(float) / 1e6 / 3600.0
    out = {}
    for study_id in np.unique(study_ids).tolist():
        sel = (study_ids == study_id) & np.isfinite(values)
        ids = device_ids[sel]
        out[study_id] = AgingSeries(
            device_ids=ids,
            hours=hours[sel],
            values=values[sel],
            devices={d: labels[d] for d in np.unique(ids).tolist()},
        )
    return out


_Columns = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _aging_arrays(results: QuerySet, metric: str) -> _Columns | None:
    """(study, device, microseconds, value) per point, from one row per study and device."""
    from django.contrib.postgres.aggregates import ArrayAgg

    # Unordered aggregates take the rows in one order for both arrays, so times and values
    # stay paired; numpy sorts them after (cheaper than a sort per device in the database).
    rows = list(
        results.values_list("stabilitystudy_id", "device_id").annotate(
            times=ArrayAgg(EpochMicroseconds("device__jv_results__measured_at")),
            values=ArrayAgg(f"device__jv_results__{metric}"),
        )
    )
    if not rows:
        return None
    lengths = [len(r[2]) for r in rows]
    study_ids = np.repeat(np.array([r[0] for r in rows], dtype=np.int64), lengths)
    device_ids = np.repeat(np.array([r[1] for r in rows], dtype=np.int64), lengths)
    n = sum(lengths)
    micros = np.fromiter(chain.from_iterable(r[2] for r in rows), dtype=np.int64, count=n)
    # None (a scan without this metric) becomes NaN.
    values = np.array(list(chain.from_iterable(r[3] for r in rows)), dtype=float)
    # Stable: scans at the same instant keep the database's order, as ORDER BY left them.
    order = np.lexsort((micros, device_ids, study_ids))
    return study_ids[order], device_ids[order], micros[order], values[order]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _aging_tuples(results: QuerySet, metric: str) -> _Columns | None:
    """The same columns from one row per point, where the database has no arrays."""
    rows = list(
        results.order_by(
            "stabilitystudy_id",
            "device_id",
            "device__jv_results__measured_at",
            "device__jv_results__id",
        ).values_list(
            "stabilitystudy_id",
            "device_id",
            "device__jv_results__measured_at",
            f"device__jv_results__{metric}",
        )
    )
    if not rows:
        return None
    study_col, device_col, when_col, value_col = zip(*rows, strict=True)
    return (
        np.array(study_col, dtype=np.int64),
        np.array(device_col, dtype=np.int64),
        np.array([(w - _EPOCH) // _MICROSECOND for w in when_col], dtype=np.int64),
        np.array(value_col, dtype=float),
    )
