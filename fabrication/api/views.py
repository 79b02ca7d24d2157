from django.shortcuts import get_object_or_404
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


class SynthesisViewSet(ProjectScopedViewSet):
    queryset = Synthesis.objects.select_related("project").prefetch_related("precursors__chemical")
    serializer_class = serializers.SynthesisSerializer
    filterset_class = filters.SynthesisFilter
    search_fields = ["code", "name", "notes"]
    ordering_fields = ["code", "date", "measured_exciton_peak_nm"]


class RecipeViewSet(ProjectScopedViewSet):
    """Read-only: recipes are written in the admin, where versions are enforced."""

    http_method_names = ["get", "head", "options"]
    queryset = LigandExchangeRecipe.objects.select_related("project").prefetch_related(
        "components__chemical"
    )
    serializer_class = serializers.RecipeSerializer
    filterset_class = filters.RecipeFilter
    search_fields = ["code", "name", "family_code"]


class LigandExchangeRunViewSet(ProjectScopedViewSet):
    queryset = LigandExchangeRun.objects.select_related("project", "synthesis", "recipe")
    serializer_class = serializers.LigandExchangeRunSerializer
    filterset_class = filters.RunFilter
    search_fields = ["code", "observations"]


class StackViewSet(ProjectScopedViewSet):
    queryset = Stack.objects.select_related("project").prefetch_related("layers")
    serializer_class = serializers.StackSerializer
    filterset_fields = ["code"]


class BatchViewSet(ProjectScopedViewSet):
    queryset = Batch.objects.select_related("project").prefetch_related("variants")
    serializer_class = serializers.BatchSerializer
    filterset_class = filters.BatchFilter
    search_fields = ["code", "name", "description"]
    ordering_fields = ["code", "date"]


class VariantViewSet(ProjectScopedViewSet):
    queryset = Variant.objects.select_related("project", "batch")
    serializer_class = serializers.VariantSerializer
    filterset_fields = ["role", "code"]


class SubstrateViewSet(ProjectScopedViewSet):
    queryset = Substrate.objects.select_related("project", "batch", "variant")
    serializer_class = serializers.SubstrateSerializer
    filterset_fields = ["code"]


class DeviceViewSet(ProjectScopedViewSet):
    queryset = Device.objects.select_related("project", "substrate__batch", "substrate__variant")
    serializer_class = serializers.DeviceSerializer
    filterset_class = filters.DeviceFilter
    search_fields = ["code"]
    ordering_fields = ["code", "status"]


class FilmViewSet(ProjectScopedViewSet):
    queryset = Film.objects.select_related("project")
    serializer_class = serializers.FilmSerializer
    filterset_class = filters.FilmFilter
    search_fields = ["code", "name"]
