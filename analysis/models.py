"""Typed result tables: one row per analysed curve, numeric columns the dashboards query.

Each row keeps its full result (``figures``) and flags too, and a down-sampled ``curve`` for
plots, so pages never re-read raw files. Rows are replaced, never duplicated, per measurement.
"""

from __future__ import annotations

from django.db import models
from django.db.models.signals import post_save
from django.dispatch import receiver

from core.models import ProjectOwned
from fabrication.models import Device, Synthesis
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


class SpectralReference(ProjectOwned):
    """One of the two files the IEC 60904-7 spectral mismatch factor needs, uploaded once per
    project (docs/loss-analysis.md): the reference cell's spectral response, or the solar
    simulator's measured spectrum. The latest of each kind in a project applies to its devices;
    the file is kept as parsed (wavelength and value), with its name and sha256."""

    class Kind(models.TextChoices):
        REFERENCE_SR = "reference_sr", "Reference cell spectral response"
        LAMP_SPECTRUM = "lamp_spectrum", "Solar simulator spectrum"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    original_filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    wavelength_nm = models.JSONField(default=list)
    values = models.JSONField(default=list, help_text="A/W for a response, any scale for a lamp")
    unit = models.CharField(max_length=12, blank=True)
    notes = models.JSONField(default=list, help_text="how the file was read")

    class Meta(ProjectOwned.Meta):
        ordering = ["-created_at", "-id"]


class DeviceLoss(models.Model):
    """A device's stored loss analysis (issue 16): what ``selectors.losses`` computes from its
    lineage (first light J-V, latest EQE and ideality, its synthesis's 1S and PL, the project's
    spectral references), written by the analysis pipeline whenever one of those inputs is
    stored, so the loss pages read 10,000 rows instead of computing 10,000 analyses. The figures
    the pages summarise and plot are columns (units in their names); ``figures`` is the full
    row, the API's answer. Scoped through its device (every read filters devices first)."""

    device = models.OneToOneField(
        Device, on_delete=models.CASCADE, primary_key=True, related_name="loss"
    )
    analysis_version = models.CharField(max_length=40)
    computed_at = models.DateTimeField()
    figures = models.JSONField(default=dict, help_text="the full loss row, as the API answers")
    # The device's EQE, whose curve the EQE-over-absorbance plot reads for the best device.
    eqe_result = models.ForeignKey(
        EQEResult, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the device table export lists beside the figures, without decoding ``figures``.
    flags = models.JSONField(default=list)
    reasons = models.JSONField(default=dict, help_text="<key>_reason of each missing figure")
    bandgap_source = models.CharField(max_length=20, blank=True)
    absorbance_1s_nm = models.FloatField(null=True)
    bandgap_ev = models.FloatField(null=True)
    sq_pce_percent = models.FloatField(null=True)
    sq_voc_v = models.FloatField(null=True)
    sq_ff = models.FloatField(null=True)
    sq_jsc_ma_cm2 = models.FloatField(null=True)
    voc_deficit_v = models.FloatField(null=True)
    voc_over_sq = models.FloatField(null=True)
    voc_rad_v = models.FloatField(null=True)
    delta_voc_nonrad_v = models.FloatField(null=True)
    urbach_mev = models.FloatField(null=True)
    ff_ideal = models.FloatField(null=True)
    ff_resistive = models.FloatField(null=True)
    jsc_loss_ma_cm2 = models.FloatField(null=True)
    jsc_eqe_shortfall_ma_cm2 = models.FloatField(null=True)
    jsc_jv_eqe_mismatch_ma_cm2 = models.FloatField(null=True)
    mismatch_factor = models.FloatField(null=True)
    jsc_corrected_ma_cm2 = models.FloatField(null=True)
    voc_v = models.FloatField(null=True)
    jsc_ma_cm2 = models.FloatField(null=True)
    ff = models.FloatField(null=True)
    pce_percent = models.FloatField(null=True)
    ideality_factor = models.FloatField(null=True)


@receiver(post_save, sender=Synthesis)
def _synthesis_optics_changed(sender, instance: Synthesis, update_fields=None, **kwargs) -> None:
    """A synthesis's 1S (pinned by a person, or propagated from its absorbance) is an input of
    its devices' losses: their stored rows are marked outdated (one UPDATE), rebuilt when read
    or by the pipeline's refresh."""
    if kwargs.get("created") or kwargs.get("raw"):
        return
    if update_fields is not None and not set(update_fields) & _SYNTHESIS_LOSS_INPUTS:
        return
    DeviceLoss.objects.filter(device__substrate__variant__ink__synthesis=instance).update(
        analysis_version=""
    )


_SYNTHESIS_LOSS_INPUTS = {"measured_exciton_peak_nm", "exciton_measurement_code", "code"}
