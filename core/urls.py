"""Pages of the shared plumbing; the site includes these at its root."""

from django.urls import path

from . import views

urlpatterns = [
    path("tokens/", views.tokens, name="tokens"),
    path("design/", views.design, name="design"),
    path("favicon.ico", views.favicon, name="favicon"),
]
