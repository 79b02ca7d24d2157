from django.contrib import admin

from core.admin import ProjectScopedAdmin

from .models import StabilityStudy


@admin.register(StabilityStudy)
class StabilityStudyAdmin(ProjectScopedAdmin):
    list_display = [
        "code",
        "name",
        "isos_protocol",
        "atmosphere",
        "temperature_c",
        "relative_humidity_percent",
        "light",
        "started_at",
    ]
    list_filter = ["project", "atmosphere", "isos_protocol"]
    search_fields = ["code", "name", "notes"]
    filter_horizontal = ["devices"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        from core.access import scoped
        from fabrication.models import Device

        if db_field.name == "devices":
            kwargs["queryset"] = scoped(Device.objects.all(), request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)
