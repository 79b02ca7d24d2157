"""A demo-like project A: a synthesis with its precursors and absorbance, a versioned recipe,
an ink, a layered stack, a batch of two variants, J-V reverse and forward scans, EQE, MPP-free
aging under a stability study, and an attachment."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
JV = (DATA / "synthetic" / "jv_example_a.txt").read_bytes()


def jv_file(when: str, direction: str = "reverse", factor: float = 1.0) -> bytes:
    """The synthetic J-V file measured at ``when``, scanned ``direction``, its current scaled."""
    text = JV.decode()
    text = text.replace("2025-06-02 14:22:00", when).replace("reverse", direction)
    head, _, rows = text.partition("Voltage (V)\tCurrent (A)\n")

    def scaled(match: re.Match) -> str:
        return f"{match[1]}\t{float(match[2]) * factor:.8f}"

    rows = re.sub(r"^([-\d.]+)\t([-\deE.+]+)$", scaled, rows, flags=re.M)
    return f"{head}Voltage (V)\tCurrent (A)\n{rows}".encode()


@pytest.fixture
def filled(world, django_capture_on_commit_callbacks):
    """Project A with one object of every exported type and analysed measurements."""
    from analysis.models import StabilityStudy
    from fabrication.models import Chemical, LayerRecipe, StackLayer, SynthesisPrecursor
    from fabrication.models.recipes import RecipeComponent
    from measurements import services
    from measurements.models import Measurement, Status

    a, project, owner = world["a"], world["projects"]["a"], world["users"]["owner"]
    lead = Chemical.objects.create(
        project=project, code="A-PbO-lot7", name="lead oxide", lot="7", purity_percent=99.99
    )
    synthesis = a.synthesis
    synthesis.injection_temperature_c = 120
    synthesis.solvent = "octane"
    synthesis.save()
    SynthesisPrecursor.objects.create(
        synthesis=synthesis, chemical=lead, amount=0.45, unit="g", role="lead", order=0
    )
    SynthesisPrecursor.objects.create(
        synthesis=synthesis, name="TMS-S", amount=210, unit="uL", role="sulfur", order=1
    )
    RecipeComponent.objects.create(recipe=a.recipe, name="PbI2", amount=0.1, unit="M")
    zno = LayerRecipe.objects.create(
        project=project, code="A-ZnO", name="ZnO", role="ETL", material="ZnO"
    )
    for order, (role, material, extra) in enumerate(
        [
            ("substrate", "ITO", {}),
            ("ETL", "ZnO", {"layer_recipe": zno, "thickness_nm": 40}),
            (
                "absorber",
                "PbS",
                {"uses_variant_ink": True, "thickness_nm": 370, "method": "spin coating"},
            ),
            ("HTL", "PbS-EDT", {}),
            ("electrode", "Au", {"thickness_nm": 80}),
        ]
    ):
        StackLayer.objects.create(stack=a.stack, order=order, role=role, material=material, **extra)
    device, partner = a.devices[0], a.devices[1]
    uploads = [
        (device, jv_file("2025-06-02 14:22:00"), "p1_rev.txt"),
        (device, jv_file("2025-06-02 14:23:00", "forward", 0.97), "p1_fwd.txt"),
        (device, (DATA / "synthetic" / "eqe_example.txt").read_bytes(), "p1_eqe.txt"),
        (synthesis, (DATA / "synthetic" / "abs_example.csv").read_bytes(), "abs.csv"),
        (partner, jv_file("2025-06-02 15:00:00", "reverse", 0.9), "p2_rev.txt"),
    ]
    for hours, factor in ((24, 0.95), (100, 0.85), (300, 0.7), (500, 0.6)):
        day, hour = divmod(14 + hours, 24)
        when = f"2025-06-{2 + day:02d} {hour:02d}:22:00"
        uploads.append((device, jv_file(when, "reverse", factor), f"p1_aged_{hours}h.txt"))
    with django_capture_on_commit_callbacks(execute=True):
        for target, data, name in uploads:
            services.measurement_create(user=owner, target=target, data=data, filename=name)
        services.measurement_create(
            user=owner,
            target=device,
            data=b"\x89PNG fake picture bytes",
            filename="sem image.png",
            options=services.UploadOptions(kind="attachment"),
        )
    failed = list(Measurement.objects.exclude(status=Status.SUCCEEDED).values_list("code", "error"))
    assert not failed, failed
    first = Measurement.objects.filter(device=device).order_by("measured_at").first()
    study = StabilityStudy.objects.create(
        project=project,
        code="A-STUDY",
        name="dark storage in argon",
        isos_protocol="ISOS-D-1I",
        atmosphere="argon",
        temperature_c=25,
        started_at=first.measured_at,
    )
    study.devices.set([device])
    return world
