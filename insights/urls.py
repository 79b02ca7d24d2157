"""The Insights page; the site includes it at its root."""

from django.urls import path

from . import views

urlpatterns = [path("insights/", views.page, name="insights")]
