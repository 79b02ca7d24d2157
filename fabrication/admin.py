"""The Django admin, where recipes and batches are entered. Every list is project-scoped."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from core.access import can_write
from core.admin import ProjectScopedAdmin, ScopedInline

from . import services
from .models import (
    Batch,
    Chemical,
    Device,
    Film,
    LayerRecipe,
    LigandExchangeRecipe,
    LigandExchangeRun,
    RecipeComponent,
    Stack,
    StackLayer,
    Substrate,
    Synthesis,
    SynthesisPrecursor,
    Variant,
)
from .models.batches import PIXEL_LAYOUT


@admin.register(Chemical)
class ChemicalAdmin(ProjectScopedAdmin):
    list_display = ["code", "name", "formula", "supplier", "lot", "purity_percent", "project"]
    list_filter = ["project", "supplier"]
    search_fields = ["code", "name", "formula", "lot", "cas_number"]


class PrecursorInline(ScopedInline):
    model = SynthesisPrecursor
    fields = ["order", "chemical", "name", "amount", "unit", "role"]
    autocomplete_fields = ["chemical"]


@admin.register(Synthesis)
class SynthesisAdmin(ProjectScopedAdmin):
    list_display = [
        "code",
        "material",
        "date",
        "target_exciton_peak_nm",
        "measured_exciton_peak_nm",
        "diameter_nm",
        "concentration_mg_ml",
        "operator",
    ]
    list_filter = ["project", "method", "material", "date"]
    search_fields = ["code", "name", "notes", "material", "precursors__chemical__name"]
    list_select_related = ["project", "operator"]
    date_hierarchy = "date"
    inlines = [PrecursorInline]


class ComponentInline(ScopedInline):
    model = RecipeComponent
    fields = ["order", "chemical", "name", "amount", "unit", "role"]
    autocomplete_fields = ["chemical"]

    def _frozen(self, obj) -> bool:
        return bool(obj and obj.pk and obj.is_used)

    def has_add_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


@admin.register(LigandExchangeRecipe)
class RecipeAdmin(ProjectScopedAdmin):
    list_display = [
        "code",
        "name",
        "ligand_family",
        "version",
        "solvent",
        "antisolvent",
        "run_count",
        "frozen",
        "updated_at",
    ]
    list_filter = ["project", "ligand_family", "solvent"]
    search_fields = [
        "code",
        "family_code",
        "name",
        "components__name",
        "components__chemical__name",
    ]
    readonly_fields = ["code", "version", "previous_version", "version_state"]
    inlines = [ComponentInline]
    actions = ["new_version", "duplicate"]
    change_form_template = "admin/fabrication/recipe_change_form.html"
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "project",
                    "family_code",
                    "code",
                    "version",
                    "previous_version",
                    "version_state",
                ]
            },
        ),
        ("Chemistry", {"fields": ["name", "ligand_family", "quasi2d_n", "solvent"]}),
        (
            "Work-up",
            {
                "fields": [
                    "antisolvent",
                    "wash_count",
                    "centrifuge_rpm",
                    "centrifuge_time_s",
                    "redispersion_solvent",
                    "redispersion_concentration_mg_ml",
                ]
            },
        ),
        ("Notes", {"fields": ["procedure", "notes"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_runs=Count("runs"))

    @admin.display(description="runs", ordering="_runs")
    def run_count(self, obj) -> int:
        return obj._runs

    @admin.display(description="frozen", boolean=True)
    def frozen(self, obj) -> bool:
        return obj._runs > 0

    @admin.display(description="state")
    def version_state(self, obj) -> str:
        # A used version is history, not a fault: said plainly, with what to do instead.
        if obj is None or not obj.pk:
            return "new: editable until a run uses it"
        runs = obj.runs.count()
        if runs:
            plural = "s" if runs != 1 else ""
            return f"frozen (used by {runs} run{plural}) — create a new version to change"
        return "editable: no run uses this version yet"

    def has_change_permission(self, request, obj=None):
        # A used version is history: it can be viewed and copied into a new version, not edited.
        if obj is not None and obj.pk and obj.is_used:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.version = 1
            obj.code = services.recipe_code(obj.family_code, 1)
        else:
            services.recipe_assert_editable(obj)
        super().save_model(request, obj, form, change)

    def response_change(self, request, obj):
        if "_new_version" in request.POST:
            new = services.recipe_new_version(obj, user=request.user)
            self.message_user(request, f"Created {new.code}; edit it here.", messages.SUCCESS)
            url = reverse("admin:fabrication_ligandexchangerecipe_change", args=[new.pk])
            return HttpResponseRedirect(url)
        return super().response_change(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST" and "_new_version" in request.POST:
            if not super().has_change_permission(request):
                raise PermissionDenied
            obj = self.get_object(request, object_id)
            if obj is None:
                return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
            if not can_write(request.user, obj.project_id):
                # A frozen version is read-only for everyone; a copy of it is still a write.
                raise PermissionDenied("Creating a version needs the member or manager role.")
            return self.response_change(request, obj)
        return super().change_view(request, object_id, form_url, extra_context)

    # ProjectScopedAdmin runs every action only for objects the user writes in (403 otherwise).
    @admin.action(
        description="Create a new version of the selected recipes", permissions=["change"]
    )
    def new_version(self, request, queryset):
        for recipe in queryset:
            new = services.recipe_new_version(recipe, user=request.user)
            self.message_user(request, f"Created {new.code} from {recipe.code}.", messages.SUCCESS)

    @admin.action(
        description="Duplicate the selected recipes as new recipe families", permissions=["change"]
    )
    def duplicate(self, request, queryset):
        for recipe in queryset:
            family = f"{recipe.family_code}-copy"
            n = 2
            while LigandExchangeRecipe.objects.filter(
                project=recipe.project, family_code=family
            ).exists():
                family = f"{recipe.family_code}-copy{n}"
                n += 1
            new = services.recipe_duplicate(recipe, family_code=family, user=request.user)
            self.message_user(request, f"Duplicated {recipe.code} as {new.code}.", messages.SUCCESS)


@admin.register(LigandExchangeRun)
class RunAdmin(ProjectScopedAdmin):
    list_display = [
        "code",
        "synthesis",
        "recipe",
        "date",
        "phase_transfer_complete",
        "colloidal_stability",
        "ink_concentration_mg_ml",
    ]
    list_filter = ["project", "recipe__ligand_family", "colloidal_stability", "date"]
    date_hierarchy = "date"
    search_fields = ["code", "synthesis__code", "recipe__code", "observations"]
    list_select_related = ["project", "synthesis", "recipe"]
    autocomplete_fields = ["synthesis", "recipe"]


@admin.register(LayerRecipe)
class LayerRecipeAdmin(ProjectScopedAdmin):
    list_display = ["code", "name", "role", "material", "method", "thickness_nm", "project"]
    list_filter = ["project", "role", "method"]
    search_fields = ["code", "name", "material"]


class StackLayerInline(ScopedInline):
    model = StackLayer
    fields = [
        "order",
        "role",
        "material",
        "method",
        "layer_recipe",
        "uses_variant_ink",
        "ink",
        "spin_speed_rpm",
        "spin_time_s",
        "coats",
        "anneal_temperature_c",
        "anneal_time_min",
        "anneal_atmosphere",
        "thickness_nm",
    ]
    autocomplete_fields = ["layer_recipe", "ink"]


@admin.register(Stack)
class StackAdmin(ProjectScopedAdmin):
    list_display = ["code", "name", "layer_count", "project"]
    list_filter = ["project"]
    search_fields = ["code", "name", "layers__material"]
    inlines = [StackLayerInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_layers=Count("layers"))

    @admin.display(description="layers", ordering="_layers")
    def layer_count(self, obj) -> int:
        return obj._layers


class VariantInline(ScopedInline):
    model = Variant
    fields = ["code", "name", "role", "stack", "ink", "project"]
    autocomplete_fields = ["stack", "ink"]


@admin.register(Batch)
class BatchAdmin(ProjectScopedAdmin):
    list_display = ["code", "name", "state", "date", "operator", "variant_count", "project"]
    list_filter = ["project", "state", "date"]
    search_fields = ["code", "name", "description"]
    date_hierarchy = "date"
    inlines = [VariantInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_variants=Count("variants"))

    @admin.display(description="variants", ordering="_variants")
    def variant_count(self, obj) -> int:
        return obj._variants


@admin.register(Variant)
class VariantAdmin(ProjectScopedAdmin):
    list_display = ["code", "name", "role", "batch", "ink", "stack"]
    list_filter = ["project", "role", "ink__recipe__ligand_family", "batch"]
    search_fields = ["code", "name", "batch__code", "ink__code", "ink__recipe__ligand_family"]
    list_select_related = ["project", "batch", "ink", "stack"]
    autocomplete_fields = ["batch", "stack", "ink"]


# Help beside a device's inputs: the code scheme and the layout the form checks (Device.clean).
DEVICE_HELP = {
    "code": "batch/substrate/pixel, e.g. B2025-06-16/S1/P4: the substrate's code, a slash, "
    "the pixel",
    "pixel": f"one of {PIXEL_LAYOUT[0]}..{PIXEL_LAYOUT[-1]}, as on the substrate's mask",
    "active_area_cm2": "the pixel's active area in cm², e.g. 0.049",
    "mask_area_cm2": "the aperture of the shadow mask in cm², if one was used",
    "status_reason": "why it is kept, shorted or excluded (required unless OK)",
}


class DeviceHelp:
    """Admin mixin: the device fields' help texts (DEVICE_HELP)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and db_field.name in DEVICE_HELP:
            field.help_text = DEVICE_HELP[db_field.name]
        return field


class DeviceInline(DeviceHelp, ScopedInline):
    model = Device
    fields = [
        "code",
        "pixel",
        "active_area_cm2",
        "status",
        "status_reason",
        "status_set_by",
        "status_set_at",
        "project",
    ]
    readonly_fields = ["status_set_by", "status_set_at"]


def _record_status_change(request, device: Device, changed: list[str]) -> None:
    """Who set a device's status and when are recorded, never typed (as device_set_status)."""
    if {"status", "status_reason"} & set(changed):
        device.status_set_by = request.user
        device.status_set_at = timezone.now()


@admin.register(Substrate)
class SubstrateAdmin(ProjectScopedAdmin):
    list_display = ["code", "label", "batch", "variant", "material", "device_count"]
    list_filter = ["project", "batch", "variant__role"]
    search_fields = ["code", "label", "batch__code", "variant__code"]
    inlines = [DeviceInline]
    list_select_related = ["project", "batch", "variant"]
    autocomplete_fields = ["batch", "variant"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_devices=Count("devices"))

    @admin.display(description="devices", ordering="_devices")
    def device_count(self, obj) -> int:
        return obj._devices

    def save_formset(self, request, form, formset, change):
        if formset.model is Device:
            for row in formset.forms:
                if row.has_changed() and not formset._should_delete_form(row):
                    _record_status_change(request, row.instance, row.changed_data)
        super().save_formset(request, form, formset, change)


@admin.register(Device)
class DeviceAdmin(DeviceHelp, ProjectScopedAdmin):
    list_display = [
        "code",
        "pixel",
        "substrate",
        "active_area_cm2",
        "status",
        "status_reason",
        "status_set_by",
        "status_set_at",
    ]
    list_filter = ["project", "status", "substrate__batch", "substrate__variant__role"]
    search_fields = ["code", "substrate__code", "substrate__batch__code", "status_reason"]
    list_select_related = ["project", "substrate", "status_set_by"]
    autocomplete_fields = ["substrate"]
    readonly_fields = ["status_set_by", "status_set_at"]

    def save_model(self, request, obj, form, change):
        _record_status_change(request, obj, form.changed_data)
        super().save_model(request, obj, form, change)


@admin.register(Film)
class FilmAdmin(ProjectScopedAdmin):
    list_display = ["code", "name", "substrate_material", "synthesis", "ink", "thickness_nm"]
    list_filter = ["project", "substrate_material"]
    search_fields = ["code", "name", "notes", "synthesis__code", "ink__code"]
    list_select_related = ["project", "synthesis", "ink"]
    autocomplete_fields = ["synthesis", "ink", "batch", "stack"]
