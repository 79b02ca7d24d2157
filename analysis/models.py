"""Typed result tables: one row per analysed curve, numeric columns the dashboards query.

Each row keeps its full result (``figures``) and flags too, and a down-sampled ``curve`` for
plots, so pages never re-read raw files. Rows are replaced, never duplicated, per measurement.
"""

from __future__ import annotations

from django.db import models

from core.models import ProjectOwned
from fabrication.models import Device
from measurements.models import Measurement

from .kinds import KINDS


class ResultBase(models.Model):
    measurement = models.ForeignKey(Measurement, on_delete=models.CASCADE, related_name="+")
    index = models.PositiveSmallIntegerField(default=0, help_text="curve number in the file")
    label = models.CharField(max_length=80, blank=True)
    analysis_version = models.CharField(max_length=20)
    figures = models.JSONField(default=dict, help_text="every figure computed, with units")
    flags = models.JSONField(default=list)
    curve = models.JSONField(default=dict, help_text="down-sampled arrays for plots")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["measurement_id", "index"]
        constraints = [
            models.UniqueConstraint(fields=["measurement", "index"], name="%(class)s_unique")
        ]


class JVResult(ResultBase):
    # Denormalised from the measurement so dashboards aggregate without joins.
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="jv_results")
    measured_at = models.DateTimeField(null=True, db_index=True)
    pixel = models.CharField(max_length=20, blank=True)
    scan_direction = models.CharField(max_length=8, blank=True, db_index=True)
    is_dark = models.BooleanField(default=False)
    voc_v = models.FloatField(null=True)
    jsc_ma_cm2 = models.FloatField(null=True)
    ff = models.FloatField(null=True)
    pce_percent = models.FloatField(null=True, db_index=True)
    pmax_mw_cm2 = models.FloatField(null=True)
    vmp_v = models.FloatField(null=True)
    jmp_ma_cm2 = models.FloatField(null=True)
    rs_ohm_cm2 = models.FloatField(null=True)
    rsh_ohm_cm2 = models.FloatField(null=True)
    irradiance_mw_cm2 = models.FloatField(null=True)
    irradiance_assumed = models.BooleanField(default=False)
    instrument_consistent = models.BooleanField(null=True)
    # (PCE_RS - PCE_FS) / PCE_RS of the pair this scan belongs to (both scans carry it).
    hi_pce = models.FloatField(null=True)

    class Meta(ResultBase.Meta):
        # The dashboards' reads use a covering index that migration 0002 creates on
        # PostgreSQL only (NULLS LAST and INCLUDE are beyond Django's portable Index).
        indexes = [models.Index(fields=["device", "measured_at"])]


class EQEResult(ResultBase):
    integrated_jsc_ma_cm2 = models.FloatField(null=True)
    bandgap_ev = models.FloatField(null=True)
    jsc_mismatch = models.BooleanField(null=True)


class MPPResult(ResultBase):
    stabilized_pce_percent = models.FloatField(null=True)
    duration_s = models.FloatField(null=True)


class IntensityResult(ResultBase):
    ideality_factor = models.FloatField(null=True)
    alpha = models.FloatField(null=True)


class TRPLResult(ResultBase):
    tau1_ns = models.FloatField(null=True)
    tau2_ns = models.FloatField(null=True)
    a1 = models.FloatField(null=True)
    a2 = models.FloatField(null=True)
    tau_avg_amplitude_ns = models.FloatField(null=True)
    tau_avg_intensity_ns = models.FloatField(null=True)


class TPVResult(ResultBase):
    tau_us = models.FloatField(null=True)


class AbsorbanceResult(ResultBase):
    exciton_peak_nm = models.FloatField(null=True)
    bandgap_ev = models.FloatField(null=True)
    diameter_nm = models.FloatField(null=True)
    tauc_bandgap_ev = models.FloatField(null=True)


class PLResult(ResultBase):
    peak_nm = models.FloatField(null=True)
    fwhm_nm = models.FloatField(null=True)


class CVResult(ResultBase):
    vbi_v = models.FloatField(null=True)
    doping_cm3 = models.FloatField(null=True)
    depletion_width_0v_nm = models.FloatField(null=True)


class TPCResult(ResultBase):
    tau_us = models.FloatField(null=True)
    charge_nc = models.FloatField(null=True)


# kind -> table, from the kind registry (each KindSpec names its result model).
RESULT_MODELS: dict[str, type[ResultBase]] = {
    name: globals()[spec.result_model] for name, spec in KINDS.items()
}


class StabilityStudy(ProjectOwned):
    """Devices aged under one condition; their repeated J-V/MPP results form aging curves."""

    class Atmosphere(models.TextChoices):
        ARGON = "argon", "Argon"
        NITROGEN = "nitrogen", "Nitrogen"
        AIR = "air", "Air"
        OTHER = "other", "Other"

    name = models.CharField(max_length=160)
    isos_protocol = models.CharField(
        "ISOS protocol", max_length=12, blank=True, help_text="e.g. ISOS-D-1I, ISOS-D-2, ISOS-L-1"
    )
    atmosphere = models.CharField(max_length=10, choices=Atmosphere.choices)
    temperature_c = models.FloatField("temperature (°C)", null=True, blank=True)
    relative_humidity_percent = models.FloatField("RH (%)", null=True, blank=True)
    light = models.CharField(max_length=60, default="dark", help_text="dark, 1 sun, ...")
    bias = models.CharField(max_length=20, default="open circuit")
    encapsulated = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    devices = models.ManyToManyField(Device, related_name="stability_studies")
    notes = models.TextField(blank=True)

    class Meta(ProjectOwned.Meta):
        verbose_name_plural = "stability studies"
