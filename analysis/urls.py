"""The analysis pages; the site includes these at its root."""

from django.urls import path

from .pages import aging, batch, compare, device, home, search, synthesis

urlpatterns = [
    path("", home.page, name="home"),
    path("search/", search.page, name="search"),
    path("batches/<int:pk>/", batch.page, name="batch"),
    path("compare/", compare.page, name="compare"),
    path("aging/", aging.page, name="aging"),
    path("devices/<int:pk>/", device.page, name="device"),
    path("devices/<int:pk>/status/", device.status, name="device-status"),
    path("syntheses/<int:pk>/", synthesis.page, name="synthesis"),
]
