"""The REST API under /api/v1/ (see contract.md)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from analysis.api.views import DeviceLossesView, ResultViewSet, VariantLossesView
from core.api_auth import ObtainToken
from exchange import api as exchange
from fabrication.api import views as fab
from insights import api as insights
from measurements.api.profiles import InstrumentProfileViewSet
from measurements.api.views import MeasurementViewSet
from notebook.api import NoteViewSet

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
router.register("notes", NoteViewSet, basename="note")
router.register("instrument-profiles", InstrumentProfileViewSet, basename="instrument-profile")

urlpatterns = [
    path("auth/token/", ObtainToken.as_view(), name="token"),
    # Exchange (.eln, NOMAD): before the router, whose detail routes would take "x/eln/".
    path("batches/<path:code>/eln/", exchange.BatchElnView.as_view(), name="batch-eln"),
    path("projects/<str:code>/eln/", exchange.ProjectElnView.as_view(), name="project-eln"),
    path(
        "projects/<str:code>/eln/import/",
        exchange.ProjectElnImportView.as_view(),
        name="project-eln-import",
    ),
    path("eln-imports/", exchange.ElnImportView.as_view(), name="eln-import"),
    path("projects/<str:code>/nomad/", exchange.ProjectNomadView.as_view(), name="project-nomad"),
    path(
        "devices/<path:code>/losses/",
        DeviceLossesView.as_view({"get": "retrieve"}),
        name="device-losses",
    ),
    path(
        "variants/<path:code>/losses/",
        VariantLossesView.as_view({"get": "retrieve"}),
        name="variant-losses",
    ),
    path("insights/variance/", insights.VarianceView.as_view(), name="insights-variance"),
    path("insights/importance/", insights.ImportanceView.as_view(), name="insights-importance"),
    path("insights/parameters/", insights.ParametersView.as_view(), name="insights-parameters"),
    path(
        "insights/partial-dependence/",
        insights.PartialDependenceView.as_view(),
        name="insights-partial_dependence",
    ),
    path("insights/planned/", insights.PlannedView.as_view(), name="insights-planned"),
    path("insights/suggestions/", insights.SuggestionsView.as_view(), name="insights-suggestions"),
    path(
        "insights/suggestions/<int:pk>/",
        insights.SuggestionDetailView.as_view(),
        name="insights_suggestion-detail",
    ),
    path(
        "insights/suggestions/<int:pk>/sheet/",
        insights.SuggestionSheetView.as_view(),
        name="insights_suggestion-sheet",
    ),
    path(
        "insights/suggestions/<int:pk>/confirm/",
        insights.SuggestionConfirmView.as_view(),
        name="insights_suggestion-confirm",
    ),
    *router.urls,
]
