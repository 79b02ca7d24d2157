"""The site's routes plus fabrication's, as cqdlab/urls.py will include them."""

from django.urls import include, path

urlpatterns = [
    path("", include("fabrication.urls")),
    path("", include("cqdlab.urls")),
]
