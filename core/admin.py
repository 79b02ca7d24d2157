"""The admin's shared pieces: project-scoped lists, forms, inlines, actions and history, and the
project admin with its memberships.

Staff status and model permissions let a user into the admin's pages; what he may do with an
object there is his role in its project (``core.access``): a viewer reads, a member or manager
writes, a manager manages the project's members. Every domain app's admin builds on
``ProjectScopedAdmin`` and ``ScopedInline``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from simple_history.admin import SimpleHistoryAdmin

from .access import (
    READ_ROLES,
    WRITE_ROLES,
    can_manage,
    can_write,
    project_ids_for,
    scoped,
)
from .models import Membership, Project

# Refusals name this many objects and count the rest.
MAX_NAMED = 10


def named(objects: Iterable[Any]) -> str:
    """'A-B1, A-B2 and 3 more': objects named in a message, briefly."""
    listed = list(objects)
    names = ", ".join(str(o) for o in listed[:MAX_NAMED])
    more = len(listed) - MAX_NAMED
    return f"{names} and {more} more" if more > 0 else names


def _scoped_choices(model, user, roles=READ_ROLES) -> QuerySet:
    if model is Project:
        return Project.objects.filter(id__in=project_ids_for(user, roles))
    if any(f.name == "project" for f in model._meta.fields):
        return scoped(model.objects.all(), user, roles)
    return model.objects.all()


# Facts the admin sets itself: shown on a change form, never an input.
AUTOMATIC_FIELDS = ("created_by", "created_at", "updated_at")


def _has_field(model, name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())


class ScopedRawIdWidget(ForeignKeyRawIdWidget):
    """A raw-id box names the object whose id it holds: only one of the field's choices, or
    typing any id into a form would show any project's object's name."""

    def __init__(self, rel, admin_site, queryset: QuerySet, **kwargs):
        super().__init__(rel, admin_site, **kwargs)
        self.queryset = queryset

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        try:
            known = self.queryset.filter(**{key: value}).exists()
        except (ValueError, ValidationError):
            known = False
        return super().label_and_url_for_value(value) if known else ("", "")


def _foreign_key_kwargs(model_admin, db_field, request, kwargs: dict) -> dict:
    """Choices of a foreign key in a form: objects the user may link (of projects he writes
    in), and a raw-id box that names only those."""
    kwargs["queryset"] = _scoped_choices(db_field.related_model, request.user, WRITE_ROLES)
    if db_field.name in model_admin.raw_id_fields and "widget" not in kwargs:
        kwargs["widget"] = ScopedRawIdWidget(
            db_field.remote_field,
            model_admin.admin_site,
            kwargs["queryset"],
            using=kwargs.get("using"),
        )
    return kwargs


def _cross_project(cleaned_data: Mapping[str, Any], project_id: int) -> dict[str, str]:
    """{field: message} for related objects that live in another project than ``project_id``."""
    errors = {}
    for name, value in cleaned_data.items():
        if isinstance(value, Model):
            related: Iterable[Any] = [value]
        elif isinstance(value, QuerySet):
            related = value
        else:
            continue
        strangers = [
            obj
            for obj in related
            if not isinstance(obj, Project) and getattr(obj, "project_id", project_id) != project_id
        ]
        if strangers:
            errors[name] = f"{named(strangers)}: belongs to another project than this object."
    return errors


class SameProjectForm(forms.ModelForm):
    """An object links only objects of its own project: a link across projects would show one
    project's data on another's pages."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        project = cleaned.get("project")
        project_id = project.pk if isinstance(project, Project) else None
        project_id = project_id or getattr(self.instance, "project_id", None)
        if project_id is not None:
            for name, message in _cross_project(cleaned, project_id).items():
                self.add_error(name, message)
        return cleaned


class SameProjectInlineFormSet(BaseInlineFormSet):
    """Rows inside an object's form live in the object's project: a row's own ``project`` is
    taken from the parent (shown, not editable), and what a row links must be there too."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if "project" in form.fields:
            # A disabled field takes its value from `initial`, whatever the POST says.
            form.initial["project"] = getattr(self.instance, "project_id", None)
        return form

    def clean(self) -> None:
        super().clean()
        project_id = getattr(self.instance, "project_id", None)
        if project_id is None:
            return
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            for name, message in _cross_project(form.cleaned_data, project_id).items():
                form.add_error(name, message)


class MissingIs404:
    """An object outside the user's projects answers 404, as in the API and on the pages,
    where the admin would redirect to its index with a message."""

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(f"No {opts.verbose_name} with id {object_id!r} in your projects.")


def _refusal(action_name: str, refused: list[Any], total: int) -> HttpResponse:
    text = (
        f"Nothing was done: '{action_name}' needs the member or manager role in the project of "
        f"every selected object, and you do not hold it for {named(refused)}"
        + (f" ({total} objects)." if total > len(refused) else ".")
    )
    return HttpResponseForbidden(text, content_type="text/plain; charset=utf-8")


def writers_only(action: Callable) -> Callable:
    """Wrap an admin action: it runs only if the user writes in the project of every selected
    object; otherwise nothing is done and the answer (403) names the objects refused."""

    @functools.wraps(action)
    def guarded(modeladmin, request: HttpRequest, queryset: QuerySet):
        model = queryset.model
        selected = model._default_manager.filter(pk__in=list(queryset.values_list("pk", flat=True)))
        writable = scoped(selected, request.user, WRITE_ROLES, field=modeladmin.project_field)
        refused = selected.exclude(pk__in=writable.values("pk"))
        total = refused.count()
        if total:
            name = getattr(action, "short_description", action.__name__)
            return _refusal(str(name), list(refused[: MAX_NAMED + 1]), total)
        return action(modeladmin, request, queryset)

    return guarded


def _is_autocomplete(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.url_name == "autocomplete"


class ScopedRelatedFilter(admin.RelatedFieldListFilter):
    """A sidebar filter that lists only objects of the user's projects."""

    def field_choices(self, field, request, model_admin):
        return [(obj.pk, str(obj)) for obj in _scoped_choices(field.related_model, request.user)]


class ProjectScopedAdmin(MissingIs404, SimpleHistoryAdmin):
    """Staff see and pick only objects of their own projects; superusers see everything.

    Model permissions let a staff user into a model's pages; the project role decides what he
    may do with each object there: in lists, change forms, inlines, actions, autocomplete and
    the history views alike (django-simple-history asks these methods before showing a
    version). A viewer reads; a member or manager writes. An object never moves to another
    project here, and links only objects of its own project.
    """

    form = SameProjectForm
    project_field = "project"
    list_select_related = ("project",)

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        if not self._keeps_versions():
            # simple-history's list of versions would fail on a model it does not track.
            self.object_history_template = None

    def _keeps_versions(self) -> bool:
        return hasattr(self.model._meta, "simple_history_manager_attribute")

    def get_urls(self):
        urls = super().get_urls()
        if self._keeps_versions():
            return urls
        return [u for u in urls if not (u.name or "").endswith("_simple_history")]

    def history_view(self, request, object_id, extra_context=None):
        if self._keeps_versions():
            return super().history_view(request, object_id, extra_context)
        # Not versioned: the admin's own log of who changed it.
        return admin.ModelAdmin.history_view(self, request, object_id, extra_context)

    def _project_id(self, obj) -> int | None:
        target = obj
        for part in self.project_field.split("__")[:-1]:
            target = getattr(target, part, None)
        return getattr(target, f"{self.project_field.split('__')[-1]}_id", None)

    def has_view_permission(self, request, obj=None):
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or self._project_id(obj) in project_ids_for(request.user)

    def has_add_permission(self, request):
        # A new object needs a project to go in, one the user writes in.
        if not super().has_add_permission(request):
            return False
        return bool(project_ids_for(request.user, WRITE_ROLES))

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
        if obj is not None and _has_field(self.model, "created_by"):
            # Who created it is a fact the admin records (save_model), never typed by hand.
            fields += [f for f in AUTOMATIC_FIELDS if f not in fields]
        return fields

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if obj is None and _has_field(self.model, "created_by"):
            exclude.append("created_by")  # a new object is created by whoever saves it
        return exclude

    def save_formset(self, request, form, formset, change):
        # Rows added inline are created by the same person as the object they are added to.
        for row in formset.save(commit=False):
            if row.pk is None and _has_field(type(row), "created_by") and not row.created_by_id:
                row.created_by = request.user
            row.save()
        for row in formset.deleted_objects:
            row.delete()
        formset.save_m2m()

    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user, field=self.project_field)

    def get_search_results(self, request, queryset, search_term):
        # Autocomplete fills a field of a form being written: it offers only what the user may
        # link, objects of projects he writes in. Lists stay scoped to the readable ones.
        roles = WRITE_ROLES if _is_autocomplete(request) else READ_ROLES
        queryset = scoped(queryset, request.user, roles, field=self.project_field)
        return super().get_search_results(request, queryset, search_term)

    def get_actions(self, request):
        return {
            name: (writers_only(func), name, description)
            for name, (func, _, description) in super().get_actions(request).items()
        }

    def get_list_filter(self, request):
        filters = []
        for entry in super().get_list_filter(request):
            if isinstance(entry, str) and get_fields_from_path(self.model, entry)[-1].is_relation:
                entry = (entry, ScopedRelatedFilter)
            filters.append(entry)
        return filters

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs = _foreign_key_kwargs(self, db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs["queryset"] = _scoped_choices(db_field.related_model, request.user, WRITE_ROLES)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history shows a version to whoever may view the object and saves a POSTed
        # revert without asking has_change_permission: a revert is a change, so it needs the
        # write role, and it may not carry the object into the project an old version was in.
        current = self.get_object(request, unquote(object_id))
        history = getattr(self.model, self.model._meta.simple_history_manager_attribute)
        try:
            version = history.filter(
                **{self.opts.pk.attname: getattr(current, "pk", None), "history_id": version_id}
            ).first()
        except (ValueError, ValidationError):
            version = None  # not a version id at all
        if current is None or version is None:
            raise Http404(f"No version {version_id!r} of {self.opts.verbose_name} {object_id!r}.")
        if request.method == "POST":
            if not self.has_change_permission(request, current):
                raise PermissionDenied
            if self._project_id(version) != self._project_id(current):
                raise PermissionDenied("This version belongs to another project.")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(self, request, obj, form, change):
        if not change and hasattr(obj, "created_by_id") and not obj.created_by_id:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class ScopedInline(admin.TabularInline):
    """Rows inside an object's change form: read by the readers of the parent's project,
    written by its writers, and kept in the parent's project."""

    extra = 0
    formset = SameProjectInlineFormSet

    def has_view_permission(self, request, obj=None):
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or obj.project_id in project_ids_for(request.user)

    def _parent_writable(self, request, obj) -> bool:
        return obj is None or can_write(request.user, obj.project_id)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._parent_writable(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._parent_writable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._parent_writable(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs = _foreign_key_kwargs(self, db_field, request, kwargs)
        if db_field.name == "project":
            kwargs["disabled"] = True  # the formset sets it from the parent
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MembershipFormSet(BaseInlineFormSet):
    """Nobody adds, changes or removes their own membership: a viewer who could would make
    himself a manager. Another manager of the project (or a superuser) does it."""

    acting_user: Any = None  # set per request by MembershipInline.get_formset

    def clean(self) -> None:
        super().clean()
        me = getattr(self.acting_user, "pk", None)
        for form in self.forms:
            if not hasattr(form, "cleaned_data"):
                continue
            chosen = form.cleaned_data.get("user")
            involved = {form.initial.get("user"), getattr(chosen, "pk", None)}
            touched = form.has_changed() or self._should_delete_form(form)
            if me in involved and touched:
                # A non-form error: Django skips the errors of rows marked for deletion.
                raise ValidationError(
                    "You cannot add, change or remove your own membership; "
                    "another manager of the project can."
                )


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    extra = 1
    autocomplete_fields = ["user"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.acting_user = request.user  # a class inlineformset_factory made for this request
        return formset

    def has_view_permission(self, request, obj=None):
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or obj.pk in project_ids_for(request.user)

    def _manages(self, request, obj) -> bool:
        # No project yet (the add form): its creator becomes its manager (ProjectAdmin).
        return obj is None or can_manage(request.user, obj.pk)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._manages(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._manages(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._manages(request, obj)


@admin.register(Project)
class ProjectAdmin(MissingIs404, admin.ModelAdmin):
    """Members read a project's page; its managers change it and its memberships."""

    list_display = ["code", "name", "created_at"]
    search_fields = ["code", "name"]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(id__in=project_ids_for(request.user))

    def has_view_permission(self, request, obj=None):
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or obj.pk in project_ids_for(request.user)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or can_manage(request.user, obj.pk)

    def has_delete_permission(self, request, obj=None):
        # A project holds a lab's work (every object protects it): only a superuser removes one.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change and not request.user.is_superuser:
            # Whoever creates a project manages it; without a role he could not even see it.
            Membership.objects.get_or_create(
                project=form.instance,
                user=request.user,
                defaults={"role": Membership.Role.MANAGER},
            )
