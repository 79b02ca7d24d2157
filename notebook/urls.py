"""The notebook's pages; the site includes these at its root."""

from django.urls import path

from . import views

urlpatterns = [
    path("labels/", views.labels, name="labels"),
    path("scan/", views.scan, name="scan"),
    # Codes hold slashes (B2025-06-16/S1/P4): the rest of the path is the code.
    path("scan/<path:code>", views.scan_code, name="scan-code"),
    path("notes/add/", views.note_add, name="note-add"),
    path("notes/photos/<int:pk>/", views.attachment_file, name="note-photo"),
    path("notes/photos/<int:pk>/thumbnail/", views.attachment_thumbnail, name="note-thumbnail"),
]
