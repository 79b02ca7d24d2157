"""Measurements through parse -> context -> kind -> store. Called by the Celery tasks, by id.

Status transitions are ``measurements.lifecycle``'s (claim, succeed, fail); this module reads
the raw file, gathers the analysis context of a whole chunk in a fixed number of queries, runs
the pure kind functions, and writes their result rows inside lifecycle's storing transaction.
Slow work (reading the file, fitting) happens before that transaction. A chunk is claimed and
stored with a handful of queries for all of its measurements, but each one succeeds or fails
on its own.

When a stored result is an input of another kind's analysis (a J-V Jsc for an EQE's
cross-check, an absorbance exciton for a PL's Stokes shift), the dependent measurements of the
same device or synthesis are queued again, so results never depend on upload order.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q

from fabrication.models import Synthesis
from measurements import lifecycle, parsers, profiles
from measurements.models import Measurement
from measurements.selectors import raw_bytes

from . import compute
from .kinds import KINDS, AnalysisContext, AnalysisError, RowSpec, Thresholds, analyse_parsed
from .kinds import dependents_of as kinds_dependent_on
from .models import RESULT_MODELS, AbsorbanceResult, JVResult
from .selectors.losses import refresh_losses

log = logging.getLogger(__name__)

# The measured material's synthesis, whatever the target: one join per chunk, not a query each.
_RELATED = (
    "raw_file",
    "device__substrate__variant__ink__synthesis",
    "film__synthesis",
    "synthesis",
)


def _thresholds() -> Thresholds:
    return Thresholds(
        shorted_max_ff=settings.DEVICE_SHORTED_MAX_FF,
        shorted_max_rsh_ohm_cm2=settings.DEVICE_SHORTED_MAX_RSH_OHM_CM2,
        eqe_jsc_mismatch_fraction=settings.EQE_JSC_MISMATCH_FRACTION,
    )


def _synthesis_of(m: Measurement) -> Synthesis | None:
    if m.synthesis_id:
        return m.synthesis
    if m.film_id:
        return m.film.synthesis
    if m.device_id:
        ink = m.device.substrate.variant.ink
        return ink.synthesis if ink else None
    return None


def _reference_jsc(device_ids: set[int]) -> dict[int, float]:
    """Each device's latest light reverse-scan Jsc, else its latest light scan's: one query."""
    if not device_ids:
        return {}
    best: dict[int, tuple[bool, float]] = {}
    rows = (
        JVResult.objects.filter(device_id__in=device_ids, jsc_ma_cm2__isnull=False, is_dark=False)
        .order_by("-measured_at", "-id")
        .values_list("device_id", "scan_direction", "jsc_ma_cm2")
    )
    for device_id, direction, jsc in rows:
        reverse = direction == "reverse"
        if device_id not in best or (reverse and not best[device_id][0]):
            best[device_id] = (reverse, jsc)
    return {device_id: jsc for device_id, (_, jsc) in best.items()}


def contexts_for(measurements: list[Measurement]) -> dict[int, AnalysisContext]:
    """The analysis context of every measurement of a chunk (loaded with ``_RELATED``), in at
    most one further query (the devices' reference J-V Jsc, when an EQE needs it)."""
    thresholds = _thresholds()
    wants_jsc = {
        m.device_id
        for m in measurements
        if m.device_id and KINDS.get(m.kind) and KINDS[m.kind].needs_reference_jsc
    }
    jsc = _reference_jsc(wants_jsc)
    irfs = _irfs(measurements)
    out = {}
    for m in measurements:
        synthesis = _synthesis_of(m)
        out[m.id] = AnalysisContext(
            target_type=m.target_type,
            area_cm2=m.area_cm2,
            irradiance_mw_cm2=m.irradiance_mw_cm2,
            temperature_c=m.temperature_c,
            reference_jsc_ma_cm2=jsc.get(m.device_id) if m.device_id else None,
            exciton_peak_nm=(
                (synthesis.measured_exciton_peak_nm or synthesis.target_exciton_peak_nm)
                if synthesis is not None
                else None
            ),
            thresholds=thresholds,
            conditions=(m.metadata or {}).get("conditions") or {},
            irf=irfs.get((_irf_id(m), m.project_id)),
            pixel=str((m.metadata or {}).get("pixel") or ""),
            is_qd_material=_is_qd_material(m),
            area_provenance=(m.metadata or {}).get("area") or {},
        )
    return out


def _is_qd_material(m: Measurement) -> bool | None:
    """Dots in solution, or a film made from a synthesis or an exchanged ink, are QD material;
    a film linked to neither is a layer of something else (ZnO, a polymer) and never gets a
    dot size; a device's stack holds more than the dots, so it is not known."""
    if m.synthesis_id:
        return True
    if m.film_id:
        return bool(m.film.synthesis_id or m.film.ink_id)
    return None


def _irf_id(m: Measurement) -> int | None:
    value = ((m.metadata or {}).get("conditions") or {}).get("irf_measurement")
    return value if isinstance(value, int) else None


def _irfs(measurements: list[Measurement]) -> dict[tuple[int, int], tuple]:
    """The instrument responses the chunk's TRPL measurements name: {(id, project): (time_ns,
    counts)} of each named TRPL measurement, keyed with its own project so that a measurement
    only ever gets a curve of its project (two projects may name the same id); one query, and
    one file read each."""
    wanted = {(_irf_id(m), m.project_id) for m in measurements if _irf_id(m) is not None}
    if not wanted:
        return {}
    out = {}
    ids = {irf_id for irf_id, _ in wanted}
    for irf in Measurement.objects.select_related("raw_file").filter(id__in=ids, kind="trpl"):
        if (irf.id, irf.project_id) not in wanted:
            continue  # another project's measurement is never read
        try:
            parsed = profiles.parse_stored(irf, raw_bytes(irf))
        except (parsers.ParseError, OSError):
            continue  # the kind flags irf_not_available
        columns = parsed.series[0].columns
        out[(irf.id, irf.project_id)] = (columns["time_ns"], columns["counts"])
    return out


def _analyse(measurement: Measurement, context: AnalysisContext) -> list[RowSpec] | str:
    """The result rows, or the reason the file cannot be analysed (stored as the error)."""
    try:
        data = raw_bytes(measurement)
        # As read at upload: by the instrument profile version that read it, if one did.
        parsed = profiles.parse_stored(measurement, data)
        return analyse_parsed(parsed, context)
    except (parsers.ParseError, AnalysisError) as exc:
        return str(exc)
    except (OperationalError, InterfaceError):
        raise  # transient: the task retries with back-off
    except Exception as exc:  # noqa: BLE001 - an analysis bug must not leave the row running
        log.exception("analysis of measurement %s crashed", measurement.id)
        return f"Analysis error: {type(exc).__name__}: {exc}"


# --- storing ------------------------------------------------------------------------------------


def _result_objects(measurement: Measurement, rows: list[RowSpec]) -> list:
    model = RESULT_MODELS[measurement.kind]
    field_names = {f.name for f in model._meta.concrete_fields}
    objects = []
    for i, row in enumerate(rows):
        values = {
            k: v
            for k, v in row.figures.items()
            if k in field_names
            and k not in {"id", "measurement", "index", "label", "figures", "flags", "curve"}
        }
        extra = {}
        if model is JVResult:
            extra = {
                "device_id": measurement.device_id,
                "measured_at": measurement.measured_at,
                "pixel": row.pixel,
            }
        objects.append(
            model(
                measurement=measurement,
                index=i,
                label=row.label[:80],
                analysis_version=compute.ANALYSIS_VERSION,
                figures=row.figures,
                flags=row.flags,
                curve=row.curve,
                **{**values, **extra},
            )
        )
    return objects


def _replace_results(analysed: list[tuple[Measurement, list[RowSpec]]]) -> None:
    """Inside the storing transaction: drop earlier results, insert the new, propagate, and
    queue again what read the old ones."""
    objects: dict[type, list] = {}
    stale: dict[type, list[int]] = {}
    for measurement, rows in analysed:
        model = RESULT_MODELS[measurement.kind]
        if measurement.analysis_version:
            # Stored before (re-analysis). A first analysis has nothing to replace: results
            # and analysis_version are only ever written together, in a storing transaction.
            stale.setdefault(model, []).append(measurement.id)
        objects.setdefault(model, []).extend(_result_objects(measurement, rows))
    for model, ids in stale.items():
        model.objects.filter(measurement_id__in=ids).delete()
    for model, rows in objects.items():
        model.objects.bulk_create(rows)
    _propagate(analysed)
    _pair_hysteresis([m for m, _ in analysed if m.kind == "jv" and m.device_id])
    # Before the dependents are queued again (queued, they would not count as inputs).
    _refresh_losses([m for m, _ in analysed])
    _refresh_dependents([m for m, _ in analysed])


def _propagate(analysed: list[tuple[Measurement, list[RowSpec]]]) -> None:
    """Derived facts flow to their owners: a synthesis's measured exciton peak and size come
    from its latest absorbance measurement (by measurement date) whose exciton was found with
    confidence, unless a person pinned one; the synthesis records which (and its history,
    each change). One query per synthesis whose absorbance was stored."""
    synthesis_ids = {
        m.synthesis_id for m, _ in analysed if m.kind == "absorbance" and m.synthesis_id
    }
    for synthesis in Synthesis.objects.filter(id__in=synthesis_ids, exciton_pinned=False):
        latest = (
            AbsorbanceResult.objects.filter(
                measurement__synthesis_id=synthesis.id, exciton_peak_nm__isnull=False
            )
            .select_related("measurement")
            .order_by("-measurement__measured_at", "-measurement_id", "index")
            .first()
        )
        unchanged = latest is not None and (
            synthesis.exciton_measurement_code == latest.measurement.code
            and synthesis.measured_exciton_peak_nm == latest.exciton_peak_nm
        )
        if latest is None or unchanged:
            continue
        synthesis.measured_exciton_peak_nm = latest.exciton_peak_nm
        synthesis.diameter_nm = latest.diameter_nm
        synthesis.diameter_source = (latest.figures.get("sizing_curve") or "")[:120]
        synthesis.exciton_measurement_code = latest.measurement.code
        # save(), not update(): the synthesis's history records every change of its optics.
        synthesis.save(
            update_fields=[
                "measured_exciton_peak_nm",
                "diameter_nm",
                "diameter_source",
                "exciton_measurement_code",
                "updated_at",
            ]
        )


def _refresh_losses(stored: list[Measurement]) -> None:
    """Store again the loss rows (issue 16) of the devices whose inputs were just stored: the
    device's own measurements, and every device of a synthesis whose absorbance or PL (in
    solution or film) was stored. Once per device for the whole chunk."""
    device_ids = {m.device_id for m in stored if m.device_id}
    synthesis_ids = {m.synthesis_id for m in stored if m.synthesis_id}
    synthesis_ids |= {m.film.synthesis_id for m in stored if m.film_id and not m.device_id}
    if not device_ids and not synthesis_ids:
        return
    try:
        # A savepoint: a loss row that cannot be computed must not fail the measurements.
        with transaction.atomic():
            refresh_losses(device_ids, synthesis_ids - {None})
    except Exception:
        log.exception("loss rows of devices %s / syntheses %s", device_ids, synthesis_ids)


def _pair_hysteresis(stored: list[Measurement]) -> None:
    """Pair the light scans of the devices just measured, within their files and across
    files measured close in time (HYSTERESIS_PAIR_WINDOW_S), and store each pair's index on
    both scans. Two queries when J-V files were stored, none otherwise; only scans within the
    window of the new ones are read, however long the device's history."""
    if not stored:
        return
    window = dt.timedelta(seconds=settings.HYSTERESIS_PAIR_WINDOW_S)
    match = Q(pk__in=[])
    for m in stored:
        when = m.measured_at
        match |= Q(device_id=m.device_id, measured_at__range=(when - window, when + window))
    rows = list(
        JVResult.objects.filter(match, is_dark=False, pce_percent__isnull=False)
        .select_related("measurement")
        .only(
            "id", "device_id", "pixel", "scan_direction", "measured_at", "index", "figures",
            "hi_pce", "pce_percent", "voc_v", "jsc_ma_cm2", "ff", "measurement__scan_rate_mv_s",
        )
    )  # fmt: skip
    by_device: dict[int, list[JVResult]] = defaultdict(list)
    for row in rows:
        by_device[row.device_id].append(row)
    changed = []
    for device_rows in by_device.values():
        by_id = {r.id: r for r in device_rows}
        scans = [
            compute.jv.Scan(r.id, r.pixel, r.scan_direction, r.measured_at.timestamp(), r.index)
            for r in device_rows
        ]
        paired: dict[int, dict] = {}
        for rev_id, fwd_id in compute.jv.pair_scans(scans, window.total_seconds()):
            rev, fwd = by_id[rev_id], by_id[fwd_id]
            hi = compute.jv.hysteresis_index(rev, fwd)
            hi["scan_rate_mv_s"] = rev.measurement.scan_rate_mv_s
            hi["reverse_scan"] = {"measurement": rev.measurement_id, "index": rev.index}
            hi["forward_scan"] = {"measurement": fwd.measurement_id, "index": fwd.index}
            paired[rev_id] = paired[fwd_id] = hi
        for row in device_rows:
            hi = paired.get(row.id)
            if row.figures.get("hysteresis") != hi:
                row.figures = {**row.figures, "hysteresis": hi}
                row.hi_pce = hi["hi_pce"] if hi else None
                changed.append(row)
    if changed:
        JVResult.objects.bulk_update(changed, ["figures", "hi_pce"])


def _refresh_dependents(stored: list[Measurement]) -> None:
    """Queue again the measurements whose context read what was just stored: one query for
    a chunk, and none when nothing stored is another kind's input."""
    devices: dict[str, set[int]] = defaultdict(set)
    syntheses: dict[str, set[int]] = defaultdict(set)
    for m in stored:
        for dependent in kinds_dependent_on(m.kind):
            if m.device_id:
                devices[dependent].add(m.device_id)
            elif m.synthesis_id:
                syntheses[dependent].add(m.synthesis_id)
    if not devices and not syntheses:
        return
    match = Q(pk__in=[])
    for kind, ids in devices.items():
        match |= Q(kind=kind, device_id__in=ids)
    for kind, ids in syntheses.items():
        match |= Q(kind=kind) & (
            Q(synthesis_id__in=ids)
            | Q(film__synthesis_id__in=ids)
            | Q(device__substrate__variant__ink__synthesis_id__in=ids)
        )
    just_stored = {m.id for m in stored}
    ids = [i for i in Measurement.objects.filter(match).values_list("id", flat=True)]
    lifecycle.requeue_many([i for i in ids if i not in just_stored])


# --- runs ---------------------------------------------------------------------------------------


def run_analysis(measurement_id: int, redelivered: bool = False, worker: str = "") -> str:
    if not lifecycle.claim(measurement_id, redelivered, worker):
        return "skipped"
    if settings.ANALYSIS_DEBUG_DELAY_S:
        time.sleep(settings.ANALYSIS_DEBUG_DELAY_S)  # fault tests kill a worker in this window
    measurement = Measurement.objects.select_related(*_RELATED).get(id=measurement_id)
    context = contexts_for([measurement])[measurement.id]
    rows = _analyse(measurement, context)
    if isinstance(rows, str):
        lifecycle.fail(measurement_id, rows)
        return "failed"
    lifecycle.succeed(
        measurement_id, compute.ANALYSIS_VERSION, lambda: _replace_results([(measurement, rows)])
    )
    return "succeeded"


def run_analyses(ids: list[int], redelivered: bool = False, worker: str = "") -> dict[str, int]:
    """A chunk: claimed together, analysed one by one, stored together. About six queries for
    the chunk instead of four per measurement; each measurement still succeeds or fails alone.
    """
    won = lifecycle.claim_many(ids, redelivered, worker)
    outcomes = {"skipped": len(ids) - len(won)}
    if not won:
        return outcomes
    if settings.ANALYSIS_DEBUG_DELAY_S:
        time.sleep(settings.ANALYSIS_DEBUG_DELAY_S)
    measurements = Measurement.objects.select_related(*_RELATED).in_bulk(won)
    contexts = contexts_for(list(measurements.values()))
    analysed = []
    for measurement_id in won:
        measurement = measurements[measurement_id]
        rows = _analyse(measurement, contexts[measurement_id])
        if isinstance(rows, str):
            lifecycle.fail(measurement_id, rows)
            outcomes["failed"] = outcomes.get("failed", 0) + 1
        else:
            analysed.append((measurement, rows))
    by_id = {m.id: (m, rows) for m, rows in analysed}
    stored = lifecycle.succeed_many(
        by_id,
        compute.ANALYSIS_VERSION,
        lambda still: _replace_results([by_id[i] for i in by_id if i in still]),
    )
    outcomes["succeeded"] = len(stored)
    return outcomes
