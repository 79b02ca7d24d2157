"""What every lab object shares: a project, a human code unique in it, and timestamps."""

from django.conf import settings
from django.db import models


class ProjectOwned(models.Model):
    project = models.ForeignKey("fabrication.Project", on_delete=models.PROTECT, related_name="+")
    # The name people write on vials and substrates; the API accepts it wherever an id goes.
    code = models.CharField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="%(class)s_code_unique")
        ]

    def __str__(self) -> str:
        return self.code


class Ambient(models.Model):
    """Ambient conditions where the lab records them."""

    glovebox_o2_ppm = models.FloatField("glovebox O2 (ppm)", null=True, blank=True)
    glovebox_h2o_ppm = models.FloatField("glovebox H2O (ppm)", null=True, blank=True)
    relative_humidity_percent = models.FloatField("relative humidity (%)", null=True, blank=True)
    ambient_temperature_c = models.FloatField("ambient temperature (°C)", null=True, blank=True)

    class Meta:
        abstract = True
