"""Reads of stability studies: each study's J-V series, as columns."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import chain

import numpy as np
from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    F,
    Func,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.db.models.lookups import Contains

from core.access import scoped

from ..compute.aging import failed_scans
from ..figures import palette
from ..models import StabilityStudy
from .devices import METRICS


def studies_for(user, study: str = "", batch: str = "") -> list[StabilityStudy]:
    """The user's stability studies, oldest first: the one coded ``study``, or those holding a
    device of the batch coded ``batch``, when asked (none when nothing matches)."""
    studies = scoped(StabilityStudy.objects.order_by("started_at"), user)
    if study:
        studies = studies.filter(code=study)
    if batch:
        studies = studies.filter(devices__substrate__batch__code=batch).distinct()
    return list(studies)


class EpochMicroseconds(Func):
    """Microseconds since 1970 as an integer (PostgreSQL), exact: hours from it are the floats
    Python gets subtracting datetimes."""

    output_field = BigIntegerField()
    template = "ROUND(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"


@dataclass
class AgingSeries:
    """One study's points with a value or a failed scan (compute.aging.failed_scans: a dead
    pixel's scans have no value to show), sorted by device then time; ``hours`` count from
    each device's first scan in the study, ``study_hours`` from the study's first scan."""

    device_ids: np.ndarray
    hours: np.ndarray
    values: np.ndarray  # NaN where a failed scan has no value
    failed: np.ndarray
    study_hours: np.ndarray
    devices: dict[int, dict[str, str]]  # device id -> code, variant


def aging_rows(
    studies: Iterable[StabilityStudy],
    direction: str = "reverse",
    metric: str = "pce_percent",
    batch: str = "",
) -> dict[int, AgingSeries]:
    """The J-V results of each study's devices since the study started: two queries.

    The study start is applied in the database; ``metric``, PCE and whether the curve was
    flagged shorted are read (the last two tell a dead pixel's scans). On PostgreSQL each
    device's series arrives as arrays (times as integer microseconds, then values): 1,000
    rows instead of 50,000 tuples, whose allocation alone set off enough garbage collection to
    double the cost of reading them.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}")
    links = StabilityStudy.devices.through.objects.filter(stabilitystudy__in=studies)
    if batch:
        # One batch's aging: only its devices, in every study they age in.
        links = links.filter(device__substrate__batch__code=batch)
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
        device_id: {
            "code": code,
            "variant": f"{batch_code}: {variant}",
            # What the variant's colour follows on every page (figures.palette.variant_key).
            "color_key": palette.variant_key(role, family, variant or ""),
        }
        for device_id, code, batch_code, variant, role, family in links.values_list(
            "device_id",
            "device__code",
            "device__substrate__batch__code",
            "device__substrate__variant__name",
            "device__substrate__variant__role",
            "device__substrate__variant__ink__recipe__family_code",
        )
    }
    if series is None:
        return {}
    study_ids, device_ids, micros, values, pce, shorted = series
    # One series per study and device (a device may age in two studies).
    failed = failed_scans(study_ids * (device_ids.max() + 1) + device_ids, pce, shorted)
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
        in_study = study_ids == study_id
        sel = in_study & (np.isfinite(values) | failed)
        ids = device_ids[sel]
        out[study_id] = AgingSeries(
            device_ids=ids,
            hours=hours[sel],
            values=values[sel],
            failed=failed[sel],
            study_hours=(micros[sel] - micros[in_study].min()).astype(float) / 1e6 / 3600.0,
            devices={d: labels[d] for d in np.unique(ids).tolist()},
        )
    return out


def _shorted() -> Case:
    """Whether the J-V analysis flagged the curve shorted: its flags as JSON text, the same
    test on every database (flags are a short list of words)."""
    flags = Cast("device__jv_results__flags", TextField())
    return Case(
        When(Contains(flags, '"shorted"'), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


# (study, device, microseconds, metric, PCE, shorted) per point.
_Columns = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _aging_arrays(results: QuerySet, metric: str) -> _Columns | None:
    """The columns per point, from one row per study and device."""
    # Unordered aggregates take the rows in one order for every array, so times and values
    # stay paired; numpy sorts them after (cheaper than a sort per device in the database).
    aggregates = {
        "times": ArrayAgg(EpochMicroseconds("device__jv_results__measured_at")),
        "values": ArrayAgg(f"device__jv_results__{metric}"),
        "shorted": ArrayAgg(_shorted()),
    }
    if metric != "pce_percent":
        aggregates["pce"] = ArrayAgg("device__jv_results__pce_percent")
    rows = list(results.values_list("stabilitystudy_id", "device_id").annotate(**aggregates))
    if not rows:
        return None
    lengths = [len(r[2]) for r in rows]
    study_ids = np.repeat(np.array([r[0] for r in rows], dtype=np.int64), lengths)
    device_ids = np.repeat(np.array([r[1] for r in rows], dtype=np.int64), lengths)
    n = sum(lengths)
    micros = np.fromiter(chain.from_iterable(r[2] for r in rows), dtype=np.int64, count=n)
    # None (a scan without this metric) becomes NaN.
    values = np.array(list(chain.from_iterable(r[3] for r in rows)), dtype=float)
    shorted = np.fromiter(chain.from_iterable(r[4] for r in rows), dtype=bool, count=n)
    if metric == "pce_percent":
        pce = values
    else:
        pce = np.array(list(chain.from_iterable(r[5] for r in rows)), dtype=float)
    # Stable: scans at the same instant keep the database's order, as ORDER BY left them.
    order = np.lexsort((micros, device_ids, study_ids))
    return (
        study_ids[order],
        device_ids[order],
        micros[order],
        values[order],
        pce[order],
        shorted[order],
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _aging_tuples(results: QuerySet, metric: str) -> _Columns | None:
    """The same columns from one row per point, where the database has no arrays."""
    rows = list(
        results.annotate(shorted=_shorted())
        .order_by(
            "stabilitystudy_id",
            "device_id",
            "device__jv_results__measured_at",
            "device__jv_results__id",
        )
        .values_list(
            "stabilitystudy_id",
            "device_id",
            "device__jv_results__measured_at",
            f"device__jv_results__{metric}",
            "device__jv_results__pce_percent",
            "shorted",
        )
    )
    if not rows:
        return None
    study_col, device_col, when_col, value_col, pce_col, shorted_col = zip(*rows, strict=True)
    return (
        np.array(study_col, dtype=np.int64),
        np.array(device_col, dtype=np.int64),
        np.array([(w - _EPOCH) // _MICROSECOND for w in when_col], dtype=np.int64),
        np.array(value_col, dtype=float),
        np.array(pce_col, dtype=float),
        np.array(shorted_col, dtype=bool),
    )
