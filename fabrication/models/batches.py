"""Fabrication batches, their variants, substrates, devices (pixels) and films."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from core.models import ProjectOwned

from .base import Ambient
from .chemistry import Synthesis
from .layers import Stack
from .recipes import LigandExchangeRun


class Batch(ProjectOwned, Ambient):
    class State(models.TextChoices):
        # A batch planned (e.g. from an Insights suggestion) is not made yet; batches entered
        # or imported as before are made, so their behaviour is unchanged.
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        MADE = "made", "Made"

    name = models.CharField(max_length=160, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.MADE)
    date = models.DateField(null=True, blank=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta(ProjectOwned.Meta):
        verbose_name_plural = "batches"
        ordering = ["-date", "code"]


class Variant(ProjectOwned):
    """A split of a batch, e.g. target ((BA)2PbI4 ink) vs control (PbI2 ink)."""

    class Role(models.TextChoices):
        TARGET = "target", "Target"
        CONTROL = "control", "Control"
        REFERENCE = "reference", "Reference"
        OTHER = "other", "Other"

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="variants")
    name = models.CharField(max_length=120)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.OTHER)
    stack = models.ForeignKey(
        Stack, null=True, blank=True, on_delete=models.PROTECT, related_name="variants"
    )
    # The absorber ink; through it the device knows its synthesis and exact recipe version.
    ink = models.ForeignKey(
        LigandExchangeRun, null=True, blank=True, on_delete=models.PROTECT, related_name="variants"
    )
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta(ProjectOwned.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"


class Substrate(ProjectOwned):
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="substrates")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="substrates")
    label = models.CharField(max_length=20, help_text="e.g. S3")
    material = models.CharField(max_length=60, default="ITO glass")
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta(ProjectOwned.Meta):
        pass


# The lab's substrate: 8 pixels in two rows of four, named P1..P8 as on the mask. A pixel
# outside it is a typo (P9, "2"), and a device named so would never meet its files.
PIXEL_LAYOUT: tuple[str, ...] = tuple(f"P{n}" for n in range(1, 9))


def device_code_for(substrate: Substrate, pixel: str) -> str:
    """The code scheme of every device: batch/substrate/pixel, e.g. B2025-06-16/S1/P4."""
    return f"{substrate.code}/{pixel}"


def device_code_problems(substrate: Substrate | None, pixel: str, code: str) -> dict[str, str]:
    """{field: message} for a device code or pixel that breaks the lab's scheme; empty if fine.

    The admin form (Device.clean) and the API serializer both ask this, so the two refuse the
    same devices with the same words.
    """
    problems: dict[str, str] = {}
    if substrate is None:
        return problems
    if pixel not in PIXEL_LAYOUT:
        problems["pixel"] = (
            f"Substrate {substrate.code} has pixels {PIXEL_LAYOUT[0]}..{PIXEL_LAYOUT[-1]}; "
            f"'{pixel}' is none of them."
        )
    elif code and code != device_code_for(substrate, pixel):
        problems["code"] = (
            f"A device's code is batch/substrate/pixel: pixel {pixel} of substrate "
            f"{substrate.code} is '{device_code_for(substrate, pixel)}', not '{code}'."
        )
    return problems


class Device(ProjectOwned):
    """One pixel of one substrate, with its own active area."""

    class Status(models.TextChoices):
        OK = "ok", "OK"
        # A person checked a device the automatic exclusion rule would leave out, and keeps it.
        KEPT = "kept", "Kept (checked; overrides the automatic exclusion)"
        SHORTED = "shorted", "Shorted"
        EXCLUDED = "excluded", "Excluded"

    substrate = models.ForeignKey(Substrate, on_delete=models.CASCADE, related_name="devices")
    pixel = models.CharField(max_length=20, help_text="e.g. P2")
    active_area_cm2 = models.FloatField("active area (cm²)")
    mask_area_cm2 = models.FloatField("mask aperture (cm²)", null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OK)
    status_reason = models.CharField(max_length=240, blank=True)
    status_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status_set_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta(ProjectOwned.Meta):
        indexes = [models.Index(fields=["project", "status"])]

    def clean(self) -> None:
        super().clean()
        substrate = self.substrate if self.substrate_id else None
        problems = device_code_problems(substrate, self.pixel or "", self.code or "")
        if problems:
            raise ValidationError(problems)


class Film(ProjectOwned):
    """A sample that is not a device: for absorbance, PL, TRPL, AFM on glass or quartz."""

    name = models.CharField(max_length=160, blank=True)
    substrate_material = models.CharField(max_length=60, default="glass")
    synthesis = models.ForeignKey(
        Synthesis, null=True, blank=True, on_delete=models.PROTECT, related_name="films"
    )
    ink = models.ForeignKey(
        LigandExchangeRun, null=True, blank=True, on_delete=models.PROTECT, related_name="films"
    )
    stack = models.ForeignKey(
        Stack, null=True, blank=True, on_delete=models.PROTECT, related_name="films"
    )
    batch = models.ForeignKey(
        Batch, null=True, blank=True, on_delete=models.SET_NULL, related_name="films"
    )
    thickness_nm = models.FloatField("thickness (nm)", null=True, blank=True)
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta(ProjectOwned.Meta):
        pass
