"""A generated project whose truth is known, in the database: batches of variants whose
absorber anneal temperature drives PCE (a smooth maximum at 100 °C), J-V results per device."""

from __future__ import annotations

import numpy as np
from django.utils import timezone

from analysis.models import JVResult
from fabrication.models import (
    Batch,
    Device,
    LigandExchangeRecipe,
    LigandExchangeRun,
    Stack,
    StackLayer,
    Substrate,
    Synthesis,
    Variant,
)
from measurements.models import Measurement, RawFile

BEST_ANNEAL_C = 100.0


def true_pce(anneal_c: float) -> float:
    return 12.0 - 6.0 * ((anneal_c - BEST_ANNEAL_C) / 30.0) ** 2


def make_project(project, user, batches: int = 5, variants: int = 2, seed: int = 0) -> dict:
    """``batches`` x ``variants`` variants of 2 substrates x 3 pixels, each with a reverse J-V
    result; the anneal is set per variant (60-140 °C), PCE = true_pce + lot-free noise."""
    rng = np.random.default_rng(seed)
    synthesis = Synthesis.objects.create(project=project, code="G-PbS-1", created_by=user)
    recipe = LigandExchangeRecipe.objects.create(
        project=project, code="G-LX-v1", family_code="G-LX", version=1, name="PbI2",
        ligand_family="PbI2", created_by=user,
    )  # fmt: skip
    ink = LigandExchangeRun.objects.create(
        project=project, code="G-RUN1", synthesis=synthesis, recipe=recipe
    )
    raw = RawFile.objects.create(sha256="1" * 64, size_bytes=1, file="raw/g")
    now = timezone.now()
    made = []
    for b in range(batches):
        batch = Batch.objects.create(
            project=project, code=f"G-B{b}", name=f"generated {b}", created_by=user
        )
        for v in range(variants):
            anneal = float(rng.uniform(60, 140))
            stack = Stack.objects.create(
                project=project, code=f"G-B{b}/V{v}-stack", name="ITO/ZnO/PbS/Au"
            )
            StackLayer.objects.create(stack=stack, order=1, role="ETL", material="ZnO")
            StackLayer.objects.create(
                stack=stack, order=2, role="absorber", material="PbS", uses_variant_ink=True,
                spin_speed_rpm=2500, anneal_temperature_c=anneal, anneal_time_min=10,
            )  # fmt: skip
            StackLayer.objects.create(stack=stack, order=3, role="electrode", material="Au")
            variant = Variant.objects.create(
                project=project, code=f"G-B{b}/V{v}", batch=batch, name=f"anneal {anneal:.0f}",
                stack=stack, ink=ink,
            )  # fmt: skip
            made.append((variant, anneal))
            for s in range(2):
                substrate = Substrate.objects.create(
                    project=project, code=f"G-B{b}/V{v}S{s}", batch=batch, variant=variant,
                    label=f"V{v}S{s}",
                )  # fmt: skip
                for p in range(3):
                    device = Device.objects.create(
                        project=project, code=f"{substrate.code}/P{p}", substrate=substrate,
                        pixel=f"P{p}", active_area_cm2=0.05,
                    )  # fmt: skip
                    add_result(device, true_pce(anneal) + rng.normal(0, 0.3), raw, now)
    return {"variants": made, "ink": ink, "raw": raw}


def add_result(device: Device, pce: float, raw: RawFile, when) -> JVResult:
    measurement = Measurement.objects.create(
        project=device.project, code=f"GM-{device.id}", kind="jv", device=device, raw_file=raw,
        original_filename="g.txt", status="succeeded", measured_at=when,
    )  # fmt: skip
    return JVResult.objects.create(
        measurement=measurement, device=device, measured_at=when, analysis_version="t",
        scan_direction="reverse", pce_percent=pce, voc_v=0.6, jsc_ma_cm2=25.0,
        ff=pce / 15.0, flags=[],
    )  # fmt: skip
