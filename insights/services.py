"""Insights that read or write the database: suggestion rounds, planned batches, and planned
versus actual. The numbers come from the pure modules in ``insights.compute``."""

from __future__ import annotations

import dataclasses
import math
from io import BytesIO
from typing import Any

import pandas as pd
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from openpyxl import load_workbook

from analysis.selectors.devices import KEEPING_STATUSES, METRICS
from core.access import can_write
from core.models import Project
from fabrication.batch_sheets.columns import BATCH_FIELDS, DEVICE_COLUMNS, DEVICES_SHEET
from fabrication.batch_sheets.plan import (
    LAYER_ROLES,
    LAYOUT_CQDLAB,
    BatchPlan,
    DevicePlan,
    LayerPlan,
    SubstratePlan,
    VariantPlan,
)
from fabrication.batch_sheets.problems import Where
from fabrication.batch_sheets.services import batch_import
from fabrication.batch_sheets.template import template_workbook
from fabrication.models import Batch, Device, LigandExchangeRun, StackLayer, Variant

from . import reports
from .compute.suggest import (
    MAX_SUGGESTIONS,
    OBJECTIVES,
    T80,
    Categorical,
    Continuous,
    Space,
    calibration,
    objective_table,
    suggest,
)
from .models import SuggestedVariant, SuggestionRound
from .selectors import parameter_columns, parameter_table, t80_per_device

LAYER_FIELD_NAMES = [f.name for f in dataclasses.fields(LayerPlan) if f.name != "role"]
ROLE_BY_PREFIX = {role.lower(): role for role, _ in LAYER_ROLES}
DEFAULT_PIXELS = 4
DEFAULT_SUBSTRATES = 2
DEFAULT_AREA_CM2 = 0.05


class SuggestionRefused(ValueError):
    """The request cannot be answered as asked (too little data, a bad range): the message
    says why, in words for the page and the API."""


def kept_devices(project: Project) -> pd.DataFrame:
    """The parameter table without the devices a person excluded (shorted, excluded)."""
    table = parameter_table(project)
    return table[table["status"].isin(KEEPING_STATUSES)].reset_index(drop=True)


def parameter_choices(table: pd.DataFrame) -> list[dict[str, Any]]:
    """What the suggestion form offers: every parameter that varies or has a value, numeric
    ones with their observed range, text ones with their observed values."""
    out = []
    for name in parameter_columns(table):
        column = table[name].dropna()
        if column.empty:
            continue
        if pd.api.types.is_numeric_dtype(column):
            out.append(
                {
                    "name": name,
                    "kind": "continuous",
                    "low": float(column.min()),
                    "high": float(column.max()),
                    "integer": bool((column == column.round()).all()),
                }
            )
        else:
            out.append(
                {"name": name, "kind": "categorical", "choices": sorted(map(str, column.unique()))}
            )
    return out


def space_from(spec: dict[str, Any], table: pd.DataFrame) -> Space:
    """A ``Space`` from a request: {"continuous": [{"name", "low", "high", "integer"}],
    "categorical": [{"name", "choices"}], "fixed": {name: value}}; names must be parameters
    of the project's table."""
    known = set(parameter_columns(table))
    try:
        continuous = tuple(
            Continuous(
                str(c["name"]), float(c["low"]), float(c["high"]), bool(c.get("integer", False))
            )
            for c in spec.get("continuous", [])
        )
        categorical = tuple(
            Categorical(str(c["name"]), tuple(str(v) for v in c["choices"]))
            for c in spec.get("categorical", [])
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SuggestionRefused(f"a parameter range could not be read: {exc}") from exc
    given = spec.get("fixed") or {}
    if not isinstance(given, dict):
        raise SuggestionRefused("fixed: an object of parameter name to value")
    fixed = []
    for name, value in given.items():
        if name in table and pd.api.types.is_numeric_dtype(table[name]):
            try:
                value = float(value)
            except (TypeError, ValueError) as exc:
                raise SuggestionRefused(f"{name}: the fixed value must be a number") from exc
        fixed.append((str(name), value if isinstance(value, float) else str(value)))
    space = Space(continuous, categorical, tuple(fixed))
    unknown = [name for name in space.names if name not in known]
    if unknown:
        raise SuggestionRefused(f"not parameters of this project: {', '.join(unknown)}")
    if len(set(space.names)) != len(space.names):
        raise SuggestionRefused("a parameter is named twice")
    if not continuous and not categorical:
        raise SuggestionRefused("choose at least one parameter to vary")
    return space


def space_to_json(space: Space) -> dict[str, Any]:
    return {
        "continuous": [[c.name, c.low, c.high, c.integer] for c in space.continuous],
        "categorical": [[c.name, list(c.choices)] for c in space.categorical],
        "fixed": [[name, value] for name, value in space.fixed],
    }


def space_from_json(data: dict[str, Any]) -> Space:
    return Space(
        tuple(Continuous(n, lo, hi, i) for n, lo, hi, i in data.get("continuous", [])),
        tuple(Categorical(n, tuple(c)) for n, c in data.get("categorical", [])),
        tuple((n, v) for n, v in data.get("fixed", [])),
    )


def _objective_frame(project: Project, table: pd.DataFrame, objective: str, metric: str):
    """The device table with the column the objective reads, and that column's name."""
    if objective == T80:
        t80 = t80_per_device(project)
        return table.assign(t80_h=table["device_id"].map(t80)), "t80_h"
    return table, metric


def compute_round(
    *,
    user,
    project: Project,
    metric: str,
    objective: str,
    spec: dict[str, Any],
    n: int,
    seed: int = 0,
) -> SuggestionRound:
    """Run the optimiser on ``project``'s variants and store the round with its proposals.

    Raises PermissionDenied unless ``user`` writes in the project, SuggestionRefused when the
    request or the data do not allow an answer."""
    if not user or not user.is_authenticated or not can_write(user, project.pk):
        raise PermissionDenied(f"You may not plan batches in project {project.code}.")
    if metric not in METRICS:
        raise SuggestionRefused(f"unknown metric; one of {', '.join(METRICS)}")
    if objective not in OBJECTIVES:
        raise SuggestionRefused(f"unknown objective; one of {', '.join(OBJECTIVES)}")
    if not 1 <= n <= MAX_SUGGESTIONS:
        raise SuggestionRefused(f"between 1 and {MAX_SUGGESTIONS} variants can be proposed")
    table = kept_devices(project)
    space = space_from(spec, table)
    frame, value = _objective_frame(project, table, objective, metric)
    observed = objective_table(frame, objective, value, space.names)
    maximise = OBJECTIVES[objective][1]
    answer = suggest(observed, space, n, maximise=maximise, seed=seed)
    if not answer.ok:
        raise SuggestionRefused(answer.summary)
    base = observed.loc[observed["y"].idxmax() if maximise else observed["y"].idxmin(), "variant"]
    with transaction.atomic():
        count = SuggestionRound.objects.filter(project=project).count()
        for attempt in range(5):
            code = f"SUG-{count + 1 + attempt:03d}"
            try:
                with transaction.atomic():
                    round_ = SuggestionRound.objects.create(
                        project=project,
                        code=code,
                        created_by=user,
                        metric=metric,
                        objective=objective,
                        maximise=maximise,
                        space={**space_to_json(space), "base_variant": str(base)},
                        seed=seed,
                        n_observations=answer.n_observations,
                        best_observed=answer.best_observed,
                        model=answer.model,
                        method=answer.method,
                        summary=answer.summary,
                    )
                break
            except IntegrityError:
                continue  # another round took the code in the meantime
        else:
            raise SuggestionRefused("could not number the round; try again")
        SuggestedVariant.objects.bulk_create(
            SuggestedVariant(
                round=round_,
                index=i,
                values=p.values,
                predicted_mean=p.mean,
                predicted_sd=p.sd,
                expected_improvement=p.expected_improvement,
            )
            for i, p in enumerate(answer.proposals, 1)
        )
    return round_


# --- the planned batch ----------------------------------------------------------------------


def _text(values: dict[str, Any]) -> str:
    parts = []
    for name, value in values.items():
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        parts.append(f"{name} = {shown}")
    return "; ".join(parts)


def _base_variant(round_: SuggestionRound) -> Variant | None:
    """The observed variant the round scored best: its stack and ink are the starting point."""
    code = round_.space.get("base_variant")
    return (
        Variant.objects.filter(project=round_.project, code=code)
        .select_related("ink", "stack")
        .first()
    )


def _ink_for(round_: SuggestionRound, values: dict[str, Any], base: Variant | None) -> str:
    """The ink code of a proposal: the newest run of the chosen recipe or ligand family when
    the proposal chose one, else the base variant's ink."""
    runs = LigandExchangeRun.objects.filter(project=round_.project).order_by("-date", "-id")
    if "recipe_family" in values:
        runs = runs.filter(recipe__family_code=values["recipe_family"])
    if "ligand_family" in values:
        runs = runs.filter(recipe__ligand_family=values["ligand_family"])
    if "recipe_family" in values or "ligand_family" in values:
        run = runs.first()
        if run is not None:
            return run.code
    return base.ink.code if base and base.ink else ""


def _layers(base: Variant | None, values: dict[str, Any]) -> tuple[LayerPlan, ...]:
    """The base variant's stack with the proposal's layer parameters (``<role>_<field>``)."""
    if base is None or base.stack_id is None:
        return ()
    layers = []
    for layer in StackLayer.objects.filter(stack_id=base.stack_id).order_by("order", "id"):
        fields = {name: getattr(layer, name) for name in LAYER_FIELD_NAMES}
        for name, value in values.items():
            prefix, _, field = name.partition("_")
            if ROLE_BY_PREFIX.get(prefix) == layer.role and field in fields:
                integer = field in ("spin_speed_rpm", "spin_time_s", "coats")
                fields[field] = int(round(value)) if integer else value
        for name in ("method", "anneal_atmosphere"):
            fields[name] = fields[name] or ""
        layers.append(LayerPlan(role=layer.role, **fields))
    return tuple(layers)


def batch_plan(
    round_: SuggestionRound,
    code: str,
    substrates_per_variant: int = DEFAULT_SUBSTRATES,
    pixels: int = DEFAULT_PIXELS,
) -> BatchPlan:
    """The planned batch: one variant per proposal (the best observed variant's stack and ink
    with the proposal's values), ``substrates_per_variant`` substrates of ``pixels`` devices."""
    if not 1 <= substrates_per_variant <= 20 or not 1 <= pixels <= 12:
        raise SuggestionRefused("1-20 substrates per variant and 1-12 pixels per substrate")
    base = _base_variant(round_)
    area = DEFAULT_AREA_CM2
    if base is not None:
        first = Device.objects.filter(substrate__variant=base).order_by("id").first()
        area = first.active_area_cm2 if first else area
    variants, substrates = [], []
    label = 0
    for proposal in round_.proposals.all():
        short = f"V{proposal.index}"
        variants.append(
            VariantPlan(
                code=short,
                name=f"{round_.code} #{proposal.index}"[:120],
                role="other",
                ink=_ink_for(round_, proposal.values, base),
                layers=_layers(base, proposal.values),
                rows=(),
                at=Where(""),
                ink_at=Where(""),
            )
        )
        for _ in range(substrates_per_variant):
            label += 1
            devices = tuple(
                DevicePlan(f"P{p}", area, None, Where("")) for p in range(1, pixels + 1)
            )
            substrates.append(
                SubstratePlan(
                    f"S{label}", short, "ITO glass", _text(proposal.values), devices, Where("")
                )
            )
    return BatchPlan(
        layout=LAYOUT_CQDLAB,
        code=code,
        name=f"Planned from {round_.code}",
        description=(
            f"Planned from suggestion round {round_.code} ({round_.objective} of "
            f"{round_.metric}); base variant {round_.space.get('base_variant', '-')}."
        ),
        variants=tuple(variants),
        substrates=tuple(substrates),
    )


def plan_sheet(plan: BatchPlan) -> bytes:
    """The cqdlab batch sheet (the template itself) filled in with ``plan``'s rows: it can be
    printed for the glovebox, edited, and imported as any sheet."""
    wb = load_workbook(BytesIO(template_workbook()))
    batch_ws = wb.worksheets[0]
    batch_values = {"code": plan.code, "name": plan.name, "description": plan.description}
    for row, spec in enumerate(BATCH_FIELDS, 2):
        if spec.name in batch_values:
            batch_ws.cell(row, 2, batch_values[spec.name])
    ws = wb[DEVICES_SHEET]
    ws.delete_rows(2, ws.max_row)
    variants = {v.code: v for v in plan.variants}
    row = 2
    for substrate in plan.substrates:
        variant = variants[substrate.variant]
        layers = {layer.role: layer for layer in variant.layers}
        for device in substrate.devices:
            values = {
                "variant": variant.code,
                "variant_name": variant.name,
                "role": variant.role,
                "ink": variant.ink,
                "substrate": substrate.label,
                "pixel": device.pixel,
                "active_area_cm2": device.active_area_cm2,
                "mask_area_cm2": device.mask_area_cm2,
                "notes": substrate.notes,
            }
            for col, spec in enumerate(DEVICE_COLUMNS, 1):
                if "." in spec.name:
                    role, field = spec.name.split(".", 1)
                    value = getattr(layers[role], field) if role in layers else None
                else:
                    value = values.get(spec.name)
                if value not in (None, ""):
                    ws.cell(row, col, value)
            row += 1
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def confirm_round(*, user, round_: SuggestionRound, plan: BatchPlan) -> Batch:
    """Create the planned batch (state "planned") and link each proposal to its variant.

    Refuses a round already made into a batch; the batch sheet checks (codes free, inks known)
    raise BatchSheetError with nothing stored."""
    if not user or not user.is_authenticated or not can_write(user, round_.project_id):
        raise PermissionDenied(f"You may not plan batches in project {round_.project.code}.")
    with transaction.atomic():
        locked = SuggestionRound.objects.select_for_update().get(pk=round_.pk)
        if locked.batch_id is not None:
            raise SuggestionRefused(f"{locked.code} is already planned as a batch")
        batch = batch_import(user=user, project=locked.project, plan=plan)
        batch.state = Batch.State.PLANNED
        batch.save(update_fields=["state", "updated_at"])
        variants = {v.code: v for v in batch.variants.all()}
        for proposal in locked.proposals.all():
            variant = variants[f"{plan.code}/V{proposal.index}"]
            variant.description = (
                f"From suggestion {locked.code} #{proposal.index}: {_text(proposal.values)}. "
                f"Predicted {locked.objective} of {locked.metric}: "
                f"{proposal.predicted_mean:.3g} ± {proposal.predicted_sd:.2g}."
            )
            variant.save(update_fields=["description", "updated_at"])
            proposal.variant = variant
            proposal.save(update_fields=["variant"])
        locked.batch = batch
        locked.save(update_fields=["batch", "updated_at"])
    return batch


# --- planned versus actual ------------------------------------------------------------------

PLANNED_COLUMNS = (
    "round",
    "index",
    "variant",
    "batch",
    "objective",
    "metric",
    "predicted_mean",
    "predicted_sd",
    "measured",
    "n_devices",
    "within_68",
    "within_95",
)


def planned_vs_actual(
    project: Project, table: pd.DataFrame | None = None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every proposal made into a variant: predicted against measured (None until measured),
    and the calibration over all measured ones."""
    proposals = list(
        SuggestedVariant.objects.filter(round__project=project, variant__isnull=False)
        .select_related("round", "variant__batch")
        .order_by("round__created_at", "round_id", "index")
    )
    if not proposals:
        return [], calibration([], [], [])
    table = kept_devices(project) if table is None else table
    measured: dict[tuple[str, str], pd.DataFrame] = {}
    rows = []
    for p in proposals:
        key = (p.round.objective, p.round.metric)
        if key not in measured:
            frame, value = _objective_frame(project, table, *key)
            measured[key] = objective_table(frame, key[0], value, []).set_index("variant")
        observed = measured[key]
        value = n = None
        if p.variant.code in observed.index:
            value = float(observed.loc[p.variant.code, "y"])
            n = int(observed.loc[p.variant.code, "n_devices"])
        z = None if value is None else abs(value - p.predicted_mean) / p.predicted_sd
        rows.append(
            {
                "round": p.round.code,
                "index": p.index,
                "variant": p.variant.code,
                "batch": p.variant.batch.code,
                "objective": p.round.objective,
                "metric": p.round.metric,
                "predicted_mean": p.predicted_mean,
                "predicted_sd": p.predicted_sd,
                "measured": value,
                "n_devices": n,
                "within_68": None if z is None else bool(z <= 1.0),
                "within_95": None if z is None else bool(z <= 1.96),
            }
        )
    summary = calibration(
        [r["predicted_mean"] for r in rows],
        [r["predicted_sd"] for r in rows],
        [math.nan if r["measured"] is None else r["measured"] for r in rows],
    )
    return rows, summary


# --- the page's analyses, cached per data ----------------------------------------------------

CACHE_SECONDS = 24 * 3600


def fingerprint(table: pd.DataFrame) -> str:
    """A digest of the table's contents: a changed device, result or lineage changes it, so
    a cached analysis is never served for data it was not computed on."""
    hashed = pd.util.hash_pandas_object(table.astype(str), index=False)
    return f"{len(table)}-{int(hashed.sum()) & 0xFFFFFFFFFFFF:x}"


def analyses(project: Project, metric: str, table: pd.DataFrame) -> dict[str, Any]:
    """Variance attribution, importance and partial dependence of ``metric``: computed once
    per content of the table (seconds at thousands of devices), then from the cache."""
    key = f"insights:v1:{project.pk}:{metric}:{fingerprint(table)}"
    found = cache.get(key)
    if found is not None:
        return found
    importance = reports.importance_report(table, metric)
    result = {
        "variance": reports.variance_report(table, metric),
        "importance": importance,
        "partial": reports.partial_dependence_report(
            table, metric, reports.top_parameters(importance)
        ),
    }
    cache.set(key, result, CACHE_SECONDS)
    return result
