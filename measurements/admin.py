from django import forms
from django.contrib import admin, messages

from core.admin import ProjectScopedAdmin

from . import lifecycle, profiles
from .models import InstrumentProfile, InstrumentProfileVersion, Measurement
from .parsers.profile import ProfileError


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


class InstrumentProfileForm(forms.ModelForm):
    class Meta:
        model = InstrumentProfile
        fields = ["project", "code", "name", "definition"]

    def clean(self):
        data = super().clean()
        code = data.get("code") or (self.instance.code if self.instance.pk else "")
        try:
            data["definition"] = profiles.validate({**(data.get("definition") or {}), "name": code})
        except ProfileError as exc:
            self.add_error("definition", str(exc))
        return data


@admin.register(InstrumentProfile)
class InstrumentProfileAdmin(ProjectScopedAdmin):
    """Profiles are data: editing the definition here makes a new version, as in the API."""

    form = InstrumentProfileForm
    list_display = ["code", "project", "kind", "version", "updated_at"]
    list_filter = ["project", "kind"]
    search_fields = ["code", "name"]
    list_select_related = ["project"]
    readonly_fields = ["kind", "version"]
    fields = ["project", "code", "name", "kind", "version", "definition"]

    def save_model(self, request, obj, form, change):
        definition = obj.definition
        if not change:
            obj.kind, obj.version = definition["kind"], 1
            super().save_model(request, obj, form, change)
            InstrumentProfileVersion.objects.create(
                profile=obj, version=1, definition=definition, created_by=request.user
            )
            return
        stored = InstrumentProfile.objects.get(pk=obj.pk)
        obj.definition, obj.version = stored.definition, stored.version
        super().save_model(request, obj, form, change)
        profiles.update(obj, definition, user=request.user)
