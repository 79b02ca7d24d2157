"""Measurement pages (upload, live status, raw files); the site includes these at its root."""

from django.urls import path

from . import views

urlpatterns = [
    path("upload/", views.upload_page, name="upload"),
    path("measurements/status/", views.status_json, name="measurement-status"),
    path("measurements/<int:pk>/raw/", views.raw_download, name="measurement-raw"),
    path("profiles/", views.profile_list, name="profiles"),
    path("profiles/teach/", views.profile_teach, name="profile-teach"),
    path("profiles/<int:pk>/", views.profile_teach, name="profile-edit"),
]
