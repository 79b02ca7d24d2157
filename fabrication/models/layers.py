"""Layer recipes and device stacks (ITO / ZnO / PbS / PbS-EDT / Au)."""

from django.db import models
from simple_history.models import HistoricalRecords

from core.models import ProjectOwned

from .recipes import LigandExchangeRun


class LayerRole(models.TextChoices):
    SUBSTRATE = "substrate", "Substrate"
    ETL = "ETL", "Electron transport (ETL)"
    ABSORBER = "absorber", "Absorber"
    HTL = "HTL", "Hole transport (HTL)"
    ELECTRODE = "electrode", "Electrode"
    OTHER = "other", "Other"


class LayerProcess(models.Model):
    """How one layer is made; shared by reusable layer recipes and concrete stack layers."""

    role = models.CharField(max_length=10, choices=LayerRole.choices)
    material = models.CharField(max_length=80)
    method = models.CharField(
        max_length=60, blank=True, help_text="spin coating, sol-gel, thermal evaporation, ..."
    )
    spin_speed_rpm = models.PositiveIntegerField("spin speed (rpm)", null=True, blank=True)
    spin_time_s = models.PositiveIntegerField("spin time (s)", null=True, blank=True)
    coats = models.PositiveSmallIntegerField(null=True, blank=True)
    anneal_temperature_c = models.FloatField("anneal T (°C)", null=True, blank=True)
    anneal_time_min = models.FloatField("anneal time (min)", null=True, blank=True)
    anneal_atmosphere = models.CharField(max_length=40, blank=True)
    thickness_nm = models.FloatField("thickness (nm)", null=True, blank=True)

    class Meta:
        abstract = True


class LayerRecipe(ProjectOwned, LayerProcess):
    name = models.CharField(max_length=120)
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta(ProjectOwned.Meta):
        pass


class Stack(ProjectOwned):
    name = models.CharField(max_length=160, help_text="e.g. ITO/ZnO/PbS/PbS-EDT/Au")
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta(ProjectOwned.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"


class StackLayer(LayerProcess):
    stack = models.ForeignKey(Stack, on_delete=models.CASCADE, related_name="layers")
    order = models.PositiveSmallIntegerField(default=0)
    layer_recipe = models.ForeignKey(
        LayerRecipe, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A CQD layer made from a fixed ink (e.g. the PbS-EDT hole-transport layer) names it here;
    # the absorber usually takes the ink of the variant instead (uses_variant_ink).
    ink = models.ForeignKey(
        LigandExchangeRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uses_variant_ink = models.BooleanField(
        default=False, help_text="this layer is made from the variant's ink"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.order}. {self.material} ({self.get_role_display()})"
