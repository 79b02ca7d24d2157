"""The REST API under /api/v1/ (see contract.md)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from analysis.api.views import DeviceLossesView, ResultViewSet
from core.api_auth import ObtainToken
from fabrication.api import views as fab
from insights.api import ImportanceView, VarianceView
from measurements.api.views import MeasurementViewSet

app_name = "api"

router = DefaultRouter()
router.register("projects", fab.ProjectViewSet, basename="project")
router.register("syntheses", fab.SynthesisViewSet, basename="synthesis")
router.register("recipes", fab.RecipeViewSet, basename="recipe")
router.register("ligand-exchanges", fab.LigandExchangeRunViewSet, basename="ligand-exchange")
router.register("stacks", fab.StackViewSet, basename="stack")
router.register("batches", fab.BatchViewSet, basename="batch")
router.register("variants", fab.VariantViewSet, basename="variant")
router.register("substrates", fab.SubstrateViewSet, basename="substrate")
router.register("devices", fab.DeviceViewSet, basename="device")
router.register("films", fab.FilmViewSet, basename="film")
router.register("measurements", MeasurementViewSet, basename="measurement")
router.register("results", ResultViewSet, basename="result")

urlpatterns = [
    path("auth/token/", ObtainToken.as_view(), name="token"),
    path(
        "devices/<path:code>/losses/",
        DeviceLossesView.as_view({"get": "retrieve"}),
        name="device-losses",
    ),
    path("insights/variance/", VarianceView.as_view(), name="insights-variance"),
    path("insights/importance/", ImportanceView.as_view(), name="insights-importance"),
    *router.urls,
]
