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
    search_fields = ["code", "name", "notes", "devices__code"]
    # Devices offered are those of the user's writable projects (ProjectScopedAdmin); the form
    # refuses a device of another project than the study's.
    autocomplete_fields = ["devices"]  # a study picks a few pixels among thousands
