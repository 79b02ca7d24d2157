from django.contrib import admin, messages

from core.admin import ProjectScopedAdmin

from . import lifecycle
from .models import Measurement


@admin.register(Measurement)
class MeasurementAdmin(ProjectScopedAdmin):
    list_display = [
        "code",
        "kind",
        "original_filename",
        "target_code",
        "status",
        "measured_at",
        "created_by",
        "analysis_version",
    ]
    list_filter = ["project", "kind", "status", "format"]
    search_fields = [
        "code",
        "original_filename",
        "device__code",
        "film__code",
        "synthesis__code",
        "error",
    ]
    list_select_related = ["project", "device", "film", "synthesis", "created_by"]
    date_hierarchy = "measured_at"
    actions = ["reanalyse"]
    # The raw file and what the pipeline wrote are facts, not editable fields.
    readonly_fields = [
        "raw_file",
        "original_filename",
        "format",
        "kind",
        "status",
        "error",
        "attempts",
        "queued_at",
        "started_at",
        "finished_at",
        "analysis_version",
        "metadata",
        "device",
        "film",
        "synthesis",
        "project",
        "code",
    ]

    @admin.display(description="target")
    def target_code(self, obj) -> str:
        return obj.target.code

    def has_add_permission(self, request):
        return False  # uploads go through the upload page or the API, which parse and check

    # ProjectScopedAdmin runs every action only for objects the user writes in (403 otherwise).
    @admin.action(description="Re-analyse the selected measurements", permissions=["change"])
    def reanalyse(self, request, queryset):
        queued = len(lifecycle.requeue_many(queryset.values_list("id", flat=True)))
        self.message_user(
            request, f"{queued} measurement(s) queued for analysis.", messages.SUCCESS
        )
