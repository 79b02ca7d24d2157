"""Measurements: a raw file kept as uploaded, attached to one device, film or synthesis."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.models import ProjectOwned
from fabrication.models import Device, Film, Synthesis

from . import kinds


def _raw_path(instance: RawFile, filename: str) -> str:
    # Content-addressed: the name is the hash, so a stored file can never be overwritten
    # by different content, and identical uploads share one blob.
    return f"raw/{instance.sha256[:2]}/{instance.sha256}"


class RawFile(models.Model):
    """Bytes exactly as uploaded. Never modified; results are always recomputable from them."""

    sha256 = models.CharField(max_length=64, unique=True)
    size_bytes = models.PositiveBigIntegerField()
    file = models.FileField(upload_to=_raw_path, max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.sha256[:12]


class InstrumentProfile(ProjectOwned):
    """A file layout a lab member taught cqdlab (``parsers.profile``): data, never code.

    ``code`` is its name; ``definition`` the current version's profile, kept also in its
    :class:`InstrumentProfileVersion` row. Editing the definition makes a new version; the old
    ones stay, as the measurements they read point at them."""

    name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=12, blank=True, help_text="kind of data it reads")
    version = models.PositiveIntegerField(default=1)
    definition = models.JSONField(default=dict)
    history = HistoricalRecords()

    class Meta(ProjectOwned.Meta):
        pass


class InstrumentProfileVersion(models.Model):
    """One version of a profile, frozen: what a measurement it read was read with."""

    profile = models.ForeignKey(
        InstrumentProfile, on_delete=models.CASCADE, related_name="versions"
    )
    version = models.PositiveIntegerField()
    definition = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["profile", "version"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "version"], name="profile_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.profile.code} v{self.version}"


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Measurement(ProjectOwned):
    kind = models.CharField(max_length=12, choices=kinds.choices, db_index=True)
    device = models.ForeignKey(
        Device, null=True, blank=True, on_delete=models.PROTECT, related_name="measurements"
    )
    film = models.ForeignKey(
        Film, null=True, blank=True, on_delete=models.PROTECT, related_name="measurements"
    )
    synthesis = models.ForeignKey(
        Synthesis, null=True, blank=True, on_delete=models.PROTECT, related_name="measurements"
    )
    raw_file = models.ForeignKey(RawFile, on_delete=models.PROTECT, related_name="measurements")
    original_filename = models.CharField(max_length=255)
    format = models.CharField(max_length=40, blank=True, help_text="parser that read the file")
    # The instrument profile version that read the file (None: a built-in reader did).
    profile_version = models.ForeignKey(
        InstrumentProfileVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="measurements",
    )
    measured_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Conditions: stated by the upload, else read from the file's header.
    area_cm2 = models.FloatField("area (cm²)", null=True, blank=True)
    irradiance_mw_cm2 = models.FloatField("irradiance (mW/cm²)", null=True, blank=True)
    temperature_c = models.FloatField("temperature (°C)", null=True, blank=True)
    relative_humidity_percent = models.FloatField("RH (%)", null=True, blank=True)
    atmosphere = models.CharField(max_length=40, blank=True)
    scan_rate_mv_s = models.FloatField("scan rate (mV/s)", null=True, blank=True)
    notes = models.TextField(blank=True)
    metadata = models.JSONField(default=dict, blank=True, help_text="header facts read")

    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    analysis_version = models.CharField(max_length=20, blank=True)
    analysed_by = models.CharField(max_length=120, blank=True, help_text="worker node")
    history = HistoricalRecords(excluded_fields=["metadata", "started_at", "attempts"])

    class Meta(ProjectOwned.Meta):
        ordering = ["-measured_at", "-id"]
        constraints = ProjectOwned.Meta.constraints + [
            models.CheckConstraint(
                condition=(
                    Q(device__isnull=False, film__isnull=True, synthesis__isnull=True)
                    | Q(device__isnull=True, film__isnull=False, synthesis__isnull=True)
                    | Q(device__isnull=True, film__isnull=True, synthesis__isnull=False)
                ),
                name="measurement_exactly_one_target",
            ),
            # The duplicate-content rule: the same bytes for the same target are one measurement.
            models.UniqueConstraint(
                fields=["raw_file", "device"],
                condition=Q(device__isnull=False),
                name="measurement_unique_device_content",
            ),
            models.UniqueConstraint(
                fields=["raw_file", "film"],
                condition=Q(film__isnull=False),
                name="measurement_unique_film_content",
            ),
            models.UniqueConstraint(
                fields=["raw_file", "synthesis"],
                condition=Q(synthesis__isnull=False),
                name="measurement_unique_synthesis_content",
            ),
        ]
        indexes = [models.Index(fields=["project", "kind", "status"])]

    @property
    def target(self):
        return self.device or self.film or self.synthesis

    @property
    def target_type(self) -> str:
        if self.device_id:
            return "device"
        return "film" if self.film_id else "synthesis"
