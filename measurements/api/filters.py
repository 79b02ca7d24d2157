import datetime as dt

import django_filters as filters

from fabrication.api.filters import ProjectFilter, _code_or_id

from .. import kinds
from ..models import Measurement, Status


class UTCDateTimeFilter(filters.IsoDateTimeFilter):
    """Any ISO offset Python accepts, compared in UTC (PostgreSQL refuses offsets past 15:59)."""

    def filter(self, qs, value):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return super().filter(qs, value)


class MeasurementFilter(ProjectFilter):
    batch = filters.CharFilter(method=_code_or_id("device__substrate__batch"))
    variant = filters.CharFilter(method=_code_or_id("device__substrate__variant"))
    device = filters.CharFilter(method=_code_or_id("device"))
    film = filters.CharFilter(method=_code_or_id("film"))
    synthesis = filters.CharFilter(method=_code_or_id("synthesis"))
    kind = filters.ChoiceFilter(choices=kinds.choices)
    status = filters.ChoiceFilter(choices=Status.choices)
    measured_after = UTCDateTimeFilter(field_name="measured_at", lookup_expr="gte")
    measured_before = UTCDateTimeFilter(field_name="measured_at", lookup_expr="lte")

    class Meta:
        model = Measurement
        fields = ["code", "format"]
