"""The admin's shared pieces: project-scoped lists, choices and inlines, and the project admin.

Every domain app's admin builds on ``ProjectScopedAdmin``.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from simple_history.admin import SimpleHistoryAdmin

from .access import WRITE_ROLES, can_write, project_ids_for, scoped
from .models import Membership, Project


def _scoped_choices(model, user):
    if model is Project:
        return Project.objects.filter(id__in=project_ids_for(user))
    if any(f.name == "project" for f in model._meta.fields):
        return scoped(model.objects.all(), user)
    return model.objects.all()


class ScopedRelatedFilter(admin.RelatedFieldListFilter):
    """A sidebar filter that lists only objects of the user's projects."""

    def field_choices(self, field, request, model_admin):
        return [(obj.pk, str(obj)) for obj in _scoped_choices(field.related_model, request.user)]


class ProjectScopedAdmin(SimpleHistoryAdmin):
    """Staff see and pick only objects of their own projects; superusers see everything.

    Model permissions let a staff user into a model's pages; the project role decides what he
    may do with each object there, in the change form and in the history views alike
    (django-simple-history asks these methods before showing or reverting a version): a
    viewer reads, a member or manager writes. An object never moves to another project here.
    """

    project_field = "project"
    list_select_related = ("project",)

    def _project_id(self, obj) -> int | None:
        target = obj
        for part in self.project_field.split("__")[:-1]:
            target = getattr(target, part, None)
        return getattr(target, f"{self.project_field.split('__')[-1]}_id", None)

    def has_view_permission(self, request, obj=None):
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or self._project_id(obj) in project_ids_for(request.user)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or can_write(request.user, self._project_id(obj))

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or can_write(request.user, self._project_id(obj))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and self.project_field == "project" and "project" not in fields:
            fields.append("project")  # moving an object would leave its children behind
        return fields

    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user, field=self.project_field)

    def get_list_filter(self, request):
        filters = []
        for entry in super().get_list_filter(request):
            if isinstance(entry, str) and get_fields_from_path(self.model, entry)[-1].is_relation:
                entry = (entry, ScopedRelatedFilter)
            filters.append(entry)
        return filters

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        model = db_field.related_model
        if model is Project:
            kwargs["queryset"] = Project.objects.filter(
                id__in=project_ids_for(request.user, WRITE_ROLES)
            )
        else:
            kwargs["queryset"] = _scoped_choices(model, request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change and hasattr(obj, "created_by_id") and not obj.created_by_id:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class ScopedInline(admin.TabularInline):
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs["queryset"] = _scoped_choices(db_field.related_model, request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "created_at"]
    search_fields = ["code", "name"]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(id__in=project_ids_for(request.user))
