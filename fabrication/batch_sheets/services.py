"""Writes a validated batch-sheet plan: one transaction, all or nothing."""

from __future__ import annotations

import dataclasses

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from core.access import can_write, role_in
from core.models import Project

from ..models import Batch, Device, LigandExchangeRun, Stack, StackLayer, Substrate, Variant
from .plan import BatchPlan, LayerPlan, VariantPlan
from .problems import MAX_PROBLEMS, BatchSheetError, Problem, Where

STACK_NAME_MAX = 160


def variant_code(plan: BatchPlan, variant: VariantPlan) -> str:
    return f"{plan.code}/{variant.code}"


def stack_code(plan: BatchPlan, variant: VariantPlan) -> str:
    return f"{plan.code}/{variant.code}-stack"


def substrate_code(plan: BatchPlan, label: str) -> str:
    return f"{plan.code}/{label}"


def device_code(plan: BatchPlan, label: str, pixel: str) -> str:
    return f"{plan.code}/{label}/{pixel}"


def batch_import(*, user, project: Project, plan: BatchPlan) -> Batch:
    """Create the plan's batch, variants, stacks, substrates and devices in ``project``.

    Refuses (BatchSheetError, nothing stored) a batch code already used in the project,
    ink or operator codes the project does not know, and codes that would clash.
    Raises PermissionDenied unless ``user`` is a member or manager of the project.
    """
    if not user or not user.is_authenticated or not can_write(user, project.pk):
        raise PermissionDenied(f"You may not add batches to project {project.code}.")
    try:
        with transaction.atomic():
            return _write(user, project, plan)
    except IntegrityError as exc:
        # Someone else stored one of these codes between our check and our insert.
        message = f"a code of batch {plan.code} was taken while importing; nothing was stored"
        raise BatchSheetError([Problem(plan.code_at, message)]) from exc


def _write(user, project: Project, plan: BatchPlan) -> Batch:
    problems: list[Problem] = []
    inks = _resolve_inks(project, plan, problems)
    operator = _resolve_operator(project, plan, problems)
    _check_codes_free(project, plan, problems)
    if problems:
        raise BatchSheetError(problems[:MAX_PROBLEMS], max(0, len(problems) - MAX_PROBLEMS))
    batch = Batch.objects.create(
        project=project,
        code=plan.code,
        name=plan.name,
        date=plan.date,
        operator=operator,
        description=plan.description,
        glovebox_o2_ppm=plan.glovebox_o2_ppm,
        glovebox_h2o_ppm=plan.glovebox_h2o_ppm,
        relative_humidity_percent=plan.relative_humidity_percent,
        ambient_temperature_c=plan.ambient_temperature_c,
        created_by=user,
    )
    stacks: dict[tuple[LayerPlan, ...], Stack] = {}
    variants: dict[str, Variant] = {}
    for v in plan.variants:
        stack = None
        if v.layers:
            stack = stacks.get(v.layers) or _create_stack(user, project, plan, v)
            stacks[v.layers] = stack
        variants[v.code] = Variant.objects.create(
            project=project,
            code=variant_code(plan, v),
            batch=batch,
            name=v.name,
            role=v.role,
            stack=stack,
            ink=inks.get(v.ink),
            created_by=user,
        )
    for s in plan.substrates:
        substrate = Substrate.objects.create(
            project=project,
            code=substrate_code(plan, s.label),
            batch=batch,
            variant=variants[s.variant],
            label=s.label,
            material=s.material,
            notes=s.notes,
            created_by=user,
        )
        for d in s.devices:
            Device.objects.create(
                project=project,
                code=device_code(plan, s.label, d.pixel),
                substrate=substrate,
                pixel=d.pixel,
                active_area_cm2=d.active_area_cm2,
                mask_area_cm2=d.mask_area_cm2,
                created_by=user,
            )
    return batch


def _create_stack(user, project: Project, plan: BatchPlan, variant: VariantPlan) -> Stack:
    name = "/".join(layer.material for layer in variant.layers)
    stack = Stack.objects.create(
        project=project,
        code=stack_code(plan, variant),
        name=name[:STACK_NAME_MAX],
        description=f"From the batch sheet of {plan.code} (variant {variant.code}).",
        created_by=user,
    )
    for order, layer in enumerate(variant.layers, 1):
        StackLayer.objects.create(stack=stack, order=order, **dataclasses.asdict(layer))
    return stack


def _resolve_inks(
    project: Project, plan: BatchPlan, problems: list[Problem]
) -> dict[str, LigandExchangeRun]:
    codes = {v.ink for v in plan.variants if v.ink}
    runs = {r.code: r for r in LigandExchangeRun.objects.filter(project=project, code__in=codes)}
    problems.extend(
        Problem(v.ink_at, f"no ligand-exchange run (ink) '{v.ink}' in project {project.code}")
        for v in plan.variants
        if v.ink and v.ink not in runs
    )
    return runs


def _resolve_operator(project: Project, plan: BatchPlan, problems: list[Problem]):
    if not plan.operator:
        return None
    user = get_user_model().objects.filter(username=plan.operator).first()
    if user is None or role_in(user, project.pk) is None:
        problems.append(
            Problem(plan.operator_at, f"no user '{plan.operator}' in project {project.code}")
        )
        return None
    return user


def _check_codes_free(project: Project, plan: BatchPlan, problems: list[Problem]) -> None:
    if Batch.objects.filter(project=project, code=plan.code).exists():
        problems.append(
            Problem(plan.code_at, f"a batch {plan.code} already exists in project {project.code}")
        )
        return  # every other code starts with the batch code: no need to list them all
    wanted: list[tuple[type, str, Where]] = []
    stacked: list[tuple[LayerPlan, ...]] = []
    for v in plan.variants:
        wanted.append((Variant, variant_code(plan, v), v.at))
        if v.layers and v.layers not in stacked:
            stacked.append(v.layers)
            wanted.append((Stack, stack_code(plan, v), v.at))
    for s in plan.substrates:
        wanted.append((Substrate, substrate_code(plan, s.label), s.at))
        wanted.extend((Device, device_code(plan, s.label, d.pixel), d.at) for d in s.devices)
    taken: set[tuple[type, str]] = set()
    for model in (Variant, Stack, Substrate, Device):
        codes = [code for m, code, _ in wanted if m is model]
        found = model.objects.filter(project=project, code__in=codes).values_list("code", flat=True)
        taken.update((model, code) for code in found)
    problems.extend(
        Problem(at, f"{model._meta.verbose_name} {code} already exists in project {project.code}")
        for model, code, at in wanted
        if (model, code) in taken
    )
