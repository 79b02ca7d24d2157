"""Small builders for test worlds: a lab with a synthesis, a recipe, a batch and devices."""

from __future__ import annotations

from types import SimpleNamespace

from fabrication.models import (
    Batch,
    Device,
    Film,
    LigandExchangeRecipe,
    LigandExchangeRun,
    Stack,
    Substrate,
    Synthesis,
    Variant,
)


def stored_jv(device, at, k: int, **figures):
    """A succeeded J-V measurement of ``device`` at ``at`` with one reverse result row, built
    without a file or the worker: for page tests about numbers already stored. ``k`` keeps the
    raw file and the measurement code unique per device."""
    from analysis.models import JVResult
    from measurements.models import Measurement, RawFile

    raw = RawFile.objects.create(
        sha256=f"{device.id:032x}{k:032x}", size_bytes=1, file=f"raw/{device.id}-{k}"
    )
    m = Measurement.objects.create(
        project=device.project,
        code=f"M-{device.id}-{k}",
        kind="jv",
        device=device,
        raw_file=raw,
        original_filename="x.txt",
        status="succeeded",
        measured_at=at,
    )
    figures.setdefault("scan_direction", "reverse")
    return JVResult.objects.create(
        measurement=m, device=device, measured_at=at, analysis_version="t", **figures
    )


def make_lab(project, user, prefix: str = "A", devices_per_variant: int = 4) -> SimpleNamespace:
    synthesis = Synthesis.objects.create(
        project=project, code=f"{prefix}-PbS-1180", target_exciton_peak_nm=1180, created_by=user
    )
    recipe = LigandExchangeRecipe.objects.create(
        project=project,
        code=f"{prefix}-LX-v1",
        family_code=f"{prefix}-LX",
        version=1,
        name="PbI2 control",
        ligand_family="PbI2",
        created_by=user,
    )
    run = LigandExchangeRun.objects.create(
        project=project, code=f"{prefix}-RUN1", synthesis=synthesis, recipe=recipe
    )
    stack = Stack.objects.create(project=project, code=f"{prefix}-STACK", name="ITO/ZnO/PbS/Au")
    batch = Batch.objects.create(project=project, code=f"{prefix}-B1", name="batch")
    variants, devices = [], []
    for letter, role in (("T", "target"), ("C", "control")):
        variant = Variant.objects.create(
            project=project,
            code=f"{prefix}-B1/{letter}",
            batch=batch,
            name=role,
            role=role,
            stack=stack,
            ink=run,
        )
        substrate = Substrate.objects.create(
            project=project,
            code=f"{prefix}-B1/{letter}S1",
            batch=batch,
            variant=variant,
            label=f"{letter}S1",
        )
        for p in range(1, devices_per_variant + 1):
            devices.append(
                Device.objects.create(
                    project=project,
                    code=f"{prefix}-B1/{letter}S1/P{p}",
                    substrate=substrate,
                    pixel=f"P{p}",
                    active_area_cm2=0.05,
                )
            )
        variants.append(variant)
    film = Film.objects.create(project=project, code=f"{prefix}-F1", synthesis=synthesis, ink=run)
    return SimpleNamespace(
        synthesis=synthesis,
        recipe=recipe,
        run=run,
        stack=stack,
        batch=batch,
        variants=variants,
        devices=devices,
        film=film,
    )
