from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from core.access import project_ids_for
from core.api import ProjectScopedViewSet, is_id
from core.models import Project

from ..models import (
    Batch,
    Device,
    Film,
    LigandExchangeRecipe,
    LigandExchangeRun,
    Stack,
    Substrate,
    Synthesis,
    Variant,
)
from . import filters, serializers


def documented(noun: str, plural: str, what: str, tag: str = "fabrication", writes: bool = True):
    """Each action of a resource with its own summary and description in the API docs."""
    docs = {
        "list": extend_schema(
            summary=f"List {plural}",
            description=f"{what} Only your projects' {plural}; filter and search by the "
            "query parameters below.",
        ),
        "retrieve": extend_schema(
            summary=f"One {noun}",
            description=f"One {noun} of your projects, by id or code (codes may hold slashes).",
        ),
    }
    if writes:
        docs |= {
            "create": extend_schema(
                summary=f"Create a {noun}",
                description=f"Create a {noun} in a project you write in (member or manager); "
                "related objects are named by code or id and must be of the same project.",
            ),
            "update": extend_schema(summary=f"Replace a {noun}", description=f"Replace a {noun}."),
            "partial_update": extend_schema(
                summary=f"Change a {noun}",
                description=f"Change some fields of a {noun}; it never moves to another project.",
            ),
            "destroy": extend_schema(
                summary=f"Delete a {noun}",
                description=f"Delete a {noun} (member or manager role).",
            ),
        }

    def decorate(cls):
        return extend_schema(tags=[tag])(extend_schema_view(**docs)(cls))

    return decorate


@documented("project", "projects", "The projects you are a member of.", "projects", False)
class ProjectViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.ProjectSerializer
    permission_classes = [IsAuthenticated]
    lookup_value_regex = r"[^/]+"

    def get_queryset(self):
        return Project.objects.filter(id__in=project_ids_for(self.request.user))

    def get_object(self):
        value = self.kwargs["pk"]
        qs = self.get_queryset()
        if is_id(value):
            return get_object_or_404(qs, pk=int(value))
        return get_object_or_404(qs, code=value)


@documented(
    "synthesis", "syntheses", "Quantum-dot syntheses with their precursors and exciton peak."
)
class SynthesisViewSet(ProjectScopedViewSet):
    queryset = Synthesis.objects.select_related("project").prefetch_related("precursors__chemical")
    serializer_class = serializers.SynthesisSerializer
    filterset_class = filters.SynthesisFilter
    search_fields = ["code", "name", "notes"]
    ordering_fields = ["code", "date", "measured_exciton_peak_nm"]


@documented(
    "recipe",
    "recipes",
    "Ligand-exchange recipe versions (written in the admin, where a used version is frozen).",
    "fabrication",
    False,
)
class RecipeViewSet(ProjectScopedViewSet):
    """Read-only: recipes are written in the admin, where versions are enforced."""

    http_method_names = ["get", "head", "options"]
    queryset = LigandExchangeRecipe.objects.select_related("project").prefetch_related(
        "components__chemical"
    )
    serializer_class = serializers.RecipeSerializer
    filterset_class = filters.RecipeFilter
    search_fields = ["code", "name", "family_code"]


@documented(
    "ligand-exchange run",
    "ligand-exchange runs",
    "Ligand exchanges of a synthesis by a recipe version: the inks of variants and films.",
)
class LigandExchangeRunViewSet(ProjectScopedViewSet):
    queryset = LigandExchangeRun.objects.select_related("project", "synthesis", "recipe")
    serializer_class = serializers.LigandExchangeRunSerializer
    filterset_class = filters.RunFilter
    search_fields = ["code", "observations"]


@documented("stack", "stacks", "Device stacks with their layers.")
class StackViewSet(ProjectScopedViewSet):
    queryset = Stack.objects.select_related("project").prefetch_related("layers")
    serializer_class = serializers.StackSerializer
    filterset_fields = ["code"]


@documented("batch", "batches", "Fabrication batches with their variants.")
class BatchViewSet(ProjectScopedViewSet):
    queryset = Batch.objects.select_related("project").prefetch_related("variants")
    serializer_class = serializers.BatchSerializer
    filterset_class = filters.BatchFilter
    search_fields = ["code", "name", "description"]
    ordering_fields = ["code", "date"]


@documented(
    "variant",
    "variants",
    "Splits of a batch (target, control, reference), each with its ink and stack.",
)
class VariantViewSet(ProjectScopedViewSet):
    queryset = Variant.objects.select_related("project", "batch")
    serializer_class = serializers.VariantSerializer
    filterset_fields = ["role", "code"]


@documented("substrate", "substrates", "Substrates of a batch, each of one variant.")
class SubstrateViewSet(ProjectScopedViewSet):
    queryset = Substrate.objects.select_related("project", "batch", "variant")
    serializer_class = serializers.SubstrateSerializer
    filterset_fields = ["code"]


@documented(
    "device",
    "devices",
    "Devices (pixels), coded batch/substrate/pixel, with active area and status.",
)
class DeviceViewSet(ProjectScopedViewSet):
    queryset = Device.objects.select_related("project", "substrate__batch", "substrate__variant")
    serializer_class = serializers.DeviceSerializer
    filterset_class = filters.DeviceFilter
    search_fields = ["code"]
    ordering_fields = ["code", "status"]


@documented("film", "films", "Films (not devices) for absorbance, PL and TRPL.")
class FilmViewSet(ProjectScopedViewSet):
    queryset = Film.objects.select_related("project")
    serializer_class = serializers.FilmSerializer
    filterset_class = filters.FilmFilter
    search_fields = ["code", "name"]
