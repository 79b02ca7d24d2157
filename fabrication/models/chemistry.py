"""Chemicals and the hot-injection syntheses of PbS dots."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from core.models import ProjectOwned

from .base import Ambient


class Chemical(ProjectOwned):
    """A precursor lot on the shelf: what a recipe or synthesis actually used."""

    name = models.CharField(max_length=120)
    formula = models.CharField(max_length=80, blank=True)
    supplier = models.CharField(max_length=120, blank=True)
    lot = models.CharField(max_length=80, blank=True)
    purity_percent = models.FloatField("purity (%)", null=True, blank=True)
    cas_number = models.CharField("CAS number", max_length=20, blank=True)
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta(ProjectOwned.Meta):
        pass

    def __str__(self) -> str:
        lot = f", lot {self.lot}" if self.lot else ""
        return f"{self.name}{lot}"


class Synthesis(ProjectOwned, Ambient):
    """A CQD synthesis batch (hot injection), e.g. PbS-OA with its first exciton at 1180 nm."""

    class Method(models.TextChoices):
        HOT_INJECTION = "hot_injection", "Hot injection"
        HEAT_UP = "heat_up", "Heat-up"
        CATION_EXCHANGE = "cation_exchange", "Cation exchange"
        OTHER = "other", "Other"

    name = models.CharField(max_length=120, blank=True)
    material = models.CharField(max_length=40, default="PbS")
    capping_ligand = models.CharField(max_length=40, default="oleic acid")
    method = models.CharField(max_length=20, choices=Method.choices, default=Method.HOT_INJECTION)
    date = models.DateField(null=True, blank=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    injection_temperature_c = models.FloatField("injection temperature (°C)", null=True, blank=True)
    growth_time_s = models.FloatField("growth time (s)", null=True, blank=True)
    solvent = models.CharField(max_length=60, blank=True, help_text="e.g. octane, hexane")
    target_exciton_peak_nm = models.FloatField("target exciton peak (nm)", null=True, blank=True)
    # Filled from the latest absorbance analysis (analysis -> owner), or typed in by hand.
    measured_exciton_peak_nm = models.FloatField(
        "measured exciton peak (nm)", null=True, blank=True
    )
    diameter_nm = models.FloatField("diameter (nm)", null=True, blank=True)
    diameter_source = models.CharField(
        max_length=120, blank=True, help_text="sizing curve or TEM, e.g. 'Moreels 2009'"
    )
    # Which absorbance measurement (its code) the measured peak and size come from: the latest
    # by measurement date with a confident exciton, unless a person pinned one.
    exciton_measurement_code = models.CharField(
        "exciton from measurement",
        max_length=80,
        blank=True,
        help_text="code of the absorbance measurement that defines the peak and size",
    )
    exciton_pinned = models.BooleanField(
        "pinned",
        default=False,
        help_text="keep this measurement's peak even when newer absorbance files arrive",
    )
    concentration_mg_ml = models.FloatField("concentration (mg/mL)", null=True, blank=True)
    yield_mg = models.FloatField("yield (mg)", null=True, blank=True)
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta(ProjectOwned.Meta):
        verbose_name_plural = "syntheses"


class Ingredient(models.Model):
    """One line of a recipe or synthesis: a chemical lot (or a name) and how much of it."""

    order = models.PositiveSmallIntegerField(default=0)
    chemical = models.ForeignKey(
        Chemical, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=120, blank=True, help_text="when no chemical lot is set")
    amount = models.FloatField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["order", "id"]

    def __str__(self) -> str:
        label = self.chemical or self.name
        amount = self.amount if self.amount is not None else ""
        return f"{label} {amount} {getattr(self, 'unit', '')}".strip()


class SynthesisPrecursor(Ingredient):
    class Role(models.TextChoices):
        LEAD = "lead", "Lead source"
        SULFUR = "sulfur", "Sulfur source"
        LIGAND = "ligand", "Ligand"
        SOLVENT = "solvent", "Solvent"
        OTHER = "other", "Other"

    synthesis = models.ForeignKey(Synthesis, on_delete=models.CASCADE, related_name="precursors")
    unit = models.CharField(max_length=12, blank=True, help_text="g, mg, mL, uL, mmol")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.OTHER)
    history = HistoricalRecords()

    class Meta(Ingredient.Meta):
        pass
