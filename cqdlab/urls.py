from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from analysis import views as pages
from measurements import views as mviews

urlpatterns = [
    path("", pages.home, name="home"),
    path("search/", pages.search, name="search"),
    path("batches/<int:pk>/", pages.batch_dashboard, name="batch"),
    path("compare/", pages.compare, name="compare"),
    path("aging/", pages.aging, name="aging"),
    path("devices/<int:pk>/", pages.device_page, name="device"),
    path("devices/<int:pk>/status/", pages.device_status, name="device-status"),
    path("syntheses/<int:pk>/", pages.synthesis_page, name="synthesis"),
    path("upload/", mviews.upload_page, name="upload"),
    path("measurements/status/", mviews.status_json, name="measurement-status"),
    path("measurements/<int:pk>/raw/", mviews.raw_download, name="measurement-raw"),
    path("", include("fabrication.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include("cqdlab.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
