"""Who may see and change what: a user's roles per project, scoping of querysets, and the one
write rule (``can_write``). Viewers read; members and managers write; managers manage members."""

from __future__ import annotations

from contextvars import ContextVar

from django.core.signals import request_finished, request_started
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save

from .models import Membership, Project

READ_ROLES = (Membership.Role.VIEWER, Membership.Role.MEMBER, Membership.Role.MANAGER)
WRITE_ROLES = (Membership.Role.MEMBER, Membership.Role.MANAGER)

# A user's roles, read once per request: an API upload asks for them twice (which projects may
# the target be found in, may the user write there) and every query costs ingestion throughput.
# None outside a request (Celery, shell): there every call reads the database.
_roles_cache: ContextVar[dict[int, dict[int, str]] | None] = ContextVar(
    "cqdlab_roles", default=None
)


def _request_started(**kwargs) -> None:
    _roles_cache.set({})


def _forget_roles(**kwargs) -> None:
    # A membership written during the request (a project created, a member added) must show.
    if _roles_cache.get() is not None:
        _roles_cache.set({})


def _request_finished(**kwargs) -> None:
    _roles_cache.set(None)


request_started.connect(_request_started, dispatch_uid="cqdlab_roles_start")
request_finished.connect(_request_finished, dispatch_uid="cqdlab_roles_finish")
post_save.connect(_forget_roles, sender=Membership, dispatch_uid="cqdlab_roles_save")
post_delete.connect(_forget_roles, sender=Membership, dispatch_uid="cqdlab_roles_delete")


def roles_of(user) -> dict[int, str]:
    """{project id: role} for a (non-superuser) user; one query per request."""
    cache = _roles_cache.get()
    if cache is not None and user.pk in cache:
        return cache[user.pk]
    roles = dict(Membership.objects.filter(user=user).values_list("project_id", "role"))
    if cache is not None:
        cache[user.pk] = roles
    return roles


def project_ids_for(user, roles=READ_ROLES) -> list[int]:
    """Ids of the projects ``user`` holds one of ``roles`` in (all projects for superusers)."""
    if not user or not user.is_authenticated:
        return []
    if user.is_superuser:
        return list(Project.objects.values_list("id", flat=True))
    return [project_id for project_id, role in roles_of(user).items() if role in roles]


def projects_for(user, roles=READ_ROLES) -> QuerySet[Project]:
    return Project.objects.filter(id__in=project_ids_for(user, roles))


def scoped(queryset: QuerySet, user, roles=READ_ROLES, field: str = "project") -> QuerySet:
    """Limit ``queryset`` to objects of the user's projects."""
    if user and user.is_authenticated and user.is_superuser:
        return queryset
    return queryset.filter(**{f"{field}__in": project_ids_for(user, roles)})


def role_in(user, project_id: int) -> str | None:
    if not user or not user.is_authenticated:
        return None
    if user.is_superuser:
        return Membership.Role.MANAGER
    return roles_of(user).get(project_id)


def can_write(user, project_id: int) -> bool:
    """The one write rule: a member or a manager of the project (a superuser everywhere)."""
    return role_in(user, project_id) in WRITE_ROLES


def can_manage(user, project_id: int) -> bool:
    """Managers (and superusers) decide who is in a project and with which role."""
    return role_in(user, project_id) == Membership.Role.MANAGER
