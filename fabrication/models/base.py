"""Abstract pieces of the lab's models (the project-owned base is core.models.ProjectOwned)."""

from django.db import models


class Ambient(models.Model):
    """Ambient conditions where the lab records them."""

    glovebox_o2_ppm = models.FloatField("glovebox O2 (ppm)", null=True, blank=True)
    glovebox_h2o_ppm = models.FloatField("glovebox H2O (ppm)", null=True, blank=True)
    relative_humidity_percent = models.FloatField("relative humidity (%)", null=True, blank=True)
    ambient_temperature_c = models.FloatField("ambient temperature (°C)", null=True, blank=True)

    class Meta:
        abstract = True
