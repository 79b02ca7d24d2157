import django_filters as filters

from core.api import is_id

from ..models import Batch, Device, Film, LigandExchangeRecipe, LigandExchangeRun, Synthesis


class ProjectFilter(filters.FilterSet):
    """``?project=`` takes the project's code or id."""

    project = filters.CharFilter(method="filter_project")

    def filter_project(self, queryset, name, value):
        if is_id(value):
            return queryset.filter(project_id=int(value))
        return queryset.filter(project__code=value)


def _code_or_id(field: str):
    def method(queryset, name, value):
        if is_id(value):
            return queryset.filter(**{f"{field}_id": int(value)})
        return queryset.filter(**{f"{field}__code": value})

    return method


class SynthesisFilter(ProjectFilter):
    class Meta:
        model = Synthesis
        fields = {"date": ["exact", "gte", "lte"], "material": ["exact"], "code": ["exact"]}


class RecipeFilter(ProjectFilter):
    class Meta:
        model = LigandExchangeRecipe
        fields = ["ligand_family", "family_code", "version", "code"]


class RunFilter(ProjectFilter):
    synthesis = filters.CharFilter(method=_code_or_id("synthesis"))
    recipe = filters.CharFilter(method=_code_or_id("recipe"))

    class Meta:
        model = LigandExchangeRun
        fields = ["code"]


class BatchFilter(ProjectFilter):
    class Meta:
        model = Batch
        fields = {"date": ["exact", "gte", "lte"], "code": ["exact"]}


class DeviceFilter(ProjectFilter):
    batch = filters.CharFilter(method=_code_or_id("substrate__batch"))
    variant = filters.CharFilter(method=_code_or_id("substrate__variant"))
    substrate = filters.CharFilter(method=_code_or_id("substrate"))

    class Meta:
        model = Device
        fields = ["status", "code"]


class FilmFilter(ProjectFilter):
    synthesis = filters.CharFilter(method=_code_or_id("synthesis"))

    class Meta:
        model = Film
        fields = ["code"]
