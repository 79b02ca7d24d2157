"""Ligand-exchange recipes (versioned) and the runs that turn dots into inks."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from core.models import ProjectOwned

from .base import Ambient
from .chemistry import Ingredient, Synthesis


class LigandFamily(models.TextChoices):
    PBI2 = "PbI2", "PbI2 (lead halide)"
    MAPBI3 = "MAPbI3", "MAPbI3 (3D perovskite)"
    BA2PBI4 = "(BA)2PbI4", "(BA)2PbI4 (2D perovskite-like)"
    QUASI_2D = "quasi-2D", "quasi-2D (BA)2(MA)n-1PbnI3n+1"
    EDT = "EDT", "EDT (1,2-ethanedithiol)"
    OTHER = "other", "Other"


class LigandExchangeRecipe(ProjectOwned):
    """One immutable-once-used version of a solution-phase ligand-exchange recipe.

    ``code`` is ``<family_code>-v<version>``. Once a run uses a version it is frozen:
    changes go into a new version (``fabrication.services.recipe_new_version``), so every
    run and device keeps pointing at the exact recipe that made it.
    """

    family_code = models.CharField(
        max_length=60, help_text="the recipe's name across versions, e.g. LX-BA2PbI4"
    )
    version = models.PositiveIntegerField(default=1)
    previous_version = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_versions"
    )
    name = models.CharField(max_length=160)
    ligand_family = models.CharField(max_length=12, choices=LigandFamily.choices)
    quasi2d_n = models.PositiveSmallIntegerField(
        "quasi-2D n", null=True, blank=True, help_text="n of (BA)2(MA)n-1PbnI3n+1"
    )
    solvent = models.CharField(max_length=60, default="DMF")
    antisolvent = models.CharField(max_length=60, blank=True, default="toluene")
    wash_count = models.PositiveSmallIntegerField("washes", default=1)
    centrifuge_rpm = models.PositiveIntegerField("centrifuge (rpm)", null=True, blank=True)
    centrifuge_time_s = models.PositiveIntegerField("centrifuge time (s)", null=True, blank=True)
    redispersion_solvent = models.CharField(max_length=60, blank=True, default="butylamine")
    redispersion_concentration_mg_ml = models.FloatField(
        "ink concentration (mg/mL)", null=True, blank=True
    )
    procedure = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta(ProjectOwned.Meta):
        ordering = ["family_code", "version"]
        constraints = ProjectOwned.Meta.constraints + [
            models.UniqueConstraint(
                fields=["project", "family_code", "version"], name="recipe_version_unique"
            )
        ]

    @property
    def is_used(self) -> bool:
        return self.runs.exists()


class RecipeComponent(Ingredient):
    class Role(models.TextChoices):
        LIGAND = "ligand", "Ligand / precursor"
        ADDITIVE = "additive", "Additive"
        SOLVENT = "solvent", "Solvent"
        ANTISOLVENT = "antisolvent", "Antisolvent"
        OTHER = "other", "Other"

    recipe = models.ForeignKey(
        LigandExchangeRecipe, on_delete=models.CASCADE, related_name="components"
    )
    unit = models.CharField(max_length=12, blank=True, help_text="M, mg/mL, mg, uL, mol %")
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.LIGAND)
    history = HistoricalRecords()

    class Meta(Ingredient.Meta):
        pass


class LigandExchangeRun(ProjectOwned, Ambient):
    """A synthesis + a recipe version -> an ink."""

    class Stability(models.TextChoices):
        STABLE = "stable", "Stable"
        GREY = "grey", "Turned grey"
        AGGREGATED = "aggregated", "Powder aggregated"
        PRECIPITATED = "precipitated", "Precipitated"
        UNKNOWN = "unknown", "Not recorded"

    synthesis = models.ForeignKey(Synthesis, on_delete=models.PROTECT, related_name="runs")
    recipe = models.ForeignKey(LigandExchangeRecipe, on_delete=models.PROTECT, related_name="runs")
    date = models.DateField(null=True, blank=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dots_volume_ml = models.FloatField("dots volume (mL)", null=True, blank=True)
    precursor_volume_ml = models.FloatField("precursor volume (mL)", null=True, blank=True)
    ratio = models.CharField(max_length=40, blank=True, help_text="e.g. 1:1 v/v")
    exchange_time_min = models.FloatField(
        "exchange time (min)",
        null=True,
        blank=True,
        help_text="from mixing the dots with the exchange solution to the end of phase transfer",
        validators=[MinValueValidator(0), MaxValueValidator(10_000)],
    )
    wash_count = models.PositiveSmallIntegerField("washes", null=True, blank=True)
    centrifuge_rpm = models.PositiveIntegerField("centrifuge (rpm)", null=True, blank=True)
    centrifuge_time_s = models.PositiveIntegerField("centrifuge time (s)", null=True, blank=True)
    phase_transfer_complete = models.BooleanField(null=True, blank=True)
    colloidal_stability = models.CharField(
        max_length=14, choices=Stability.choices, default=Stability.UNKNOWN
    )
    ink_concentration_mg_ml = models.FloatField("ink concentration (mg/mL)", null=True, blank=True)
    observations = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta(ProjectOwned.Meta):
        pass
