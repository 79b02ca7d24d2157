import django_filters as filters

from fabrication.api.filters import ProjectFilter, _code_or_id

from ..models import Kind, Measurement, Status


class MeasurementFilter(ProjectFilter):
    batch = filters.CharFilter(method=_code_or_id("device__substrate__batch"))
    variant = filters.CharFilter(method=_code_or_id("device__substrate__variant"))
    device = filters.CharFilter(method=_code_or_id("device"))
    film = filters.CharFilter(method=_code_or_id("film"))
    synthesis = filters.CharFilter(method=_code_or_id("synthesis"))
    kind = filters.ChoiceFilter(choices=Kind.choices)
    status = filters.ChoiceFilter(choices=Status.choices)
    measured_after = filters.IsoDateTimeFilter(field_name="measured_at", lookup_expr="gte")
    measured_before = filters.IsoDateTimeFilter(field_name="measured_at", lookup_expr="lte")

    class Meta:
        model = Measurement
        fields = ["code", "format"]
