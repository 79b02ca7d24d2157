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

import logging
import time
from collections import defaultdict

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import Q

from fabrication.models import Synthesis
from measurements import lifecycle, parsers
from measurements.models import Measurement
from measurements.selectors import raw_bytes

from . import compute
from .kinds import KINDS, AnalysisContext, AnalysisError, RowSpec, Thresholds, analyse_parsed
from .kinds import dependents_of as kinds_dependent_on
from .models import RESULT_MODELS, JVResult

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
        )
    return out


def _analyse(measurement: Measurement, context: AnalysisContext) -> list[RowSpec] | str:
    """The result rows, or the reason the file cannot be analysed (stored as the error)."""
    try:
        data = raw_bytes(measurement)
        parsed = parsers.parse(
            data,
            filename=measurement.original_filename,
            kind=measurement.kind,
            format=measurement.format or None,
        )
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
                **values,
                **extra,
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
    for measurement, rows in analysed:
        _propagate(measurement, rows)
    _refresh_dependents([m for m, _ in analysed])


def _propagate(measurement: Measurement, rows: list[RowSpec]) -> None:
    """Derived facts flow to their owners: an absorbance result sizes the synthesis."""
    if measurement.kind != "absorbance" or not measurement.synthesis_id or not rows:
        return
    figures = rows[0].figures
    if figures.get("exciton_peak_nm") is None:
        return
    Synthesis.objects.filter(id=measurement.synthesis_id).update(
        measured_exciton_peak_nm=figures["exciton_peak_nm"],
        diameter_nm=figures.get("diameter_nm"),
        diameter_source=figures.get("sizing_curve", "")[:120],
    )


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
