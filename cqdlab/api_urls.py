"""The REST API under /api/v1/ (see contract.md)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from fabrication.api import views as fab
from fabrication.api.auth import ObtainToken
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

urlpatterns = [
    path("auth/token/", ObtainToken.as_view(), name="token"),
    *router.urls,
]
