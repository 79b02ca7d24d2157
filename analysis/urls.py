"""The analysis pages; the site includes these at its root."""

from django.urls import path

from . import origin
from .pages import aging, batch, compare, control, device, home, losses, search, synthesis

urlpatterns = [
    path("", home.page, name="home"),
    path("search/", search.page, name="search"),
    path("batches/<int:pk>/", batch.page, name="batch"),
    path("compare/", compare.page, name="compare"),
    path("control/", control.page, name="control"),
    path("export/origin/", origin.page, name="origin-export"),
    path("aging/", aging.page, name="aging"),
    path("devices/<int:pk>/", device.page, name="device"),
    path("devices/<int:pk>/status/", device.status, name="device-status"),
    path("syntheses/<int:pk>/", synthesis.page, name="synthesis"),
    path("losses/", losses.project, name="losses"),
    path("losses/references/", losses.references, name="losses-references"),
    path("devices/<int:pk>/losses/", losses.device, name="device-losses"),
    path("variants/<int:pk>/losses/", losses.variant, name="variant-losses"),
]
