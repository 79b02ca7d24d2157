"""Fabrication pages; the site includes these at its root."""

from django.urls import path

from . import views

urlpatterns = [
    path("batches/sheet/template.xlsx", views.batch_sheet_template, name="batch-sheet-template"),
    path("batches/sheet/import/", views.batch_sheet_import, name="batch-sheet-import"),
]
