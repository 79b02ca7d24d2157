"""Reads of the fabrication model, scoped to what a user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Membership, Project

READ_ROLES = (Membership.Role.VIEWER, Membership.Role.MEMBER, Membership.Role.MANAGER)
WRITE_ROLES = (Membership.Role.MEMBER, Membership.Role.MANAGER)


def project_ids_for(user, roles=READ_ROLES) -> list[int]:
    """Ids of the projects ``user`` holds one of ``roles`` in (all projects for superusers)."""
    if not user or not user.is_authenticated:
        return []
    if user.is_superuser:
        return list(Project.objects.values_list("id", flat=True))
    return list(
        Membership.objects.filter(user=user, role__in=roles).values_list("project_id", flat=True)
    )


def projects_for(user, roles=READ_ROLES) -> QuerySet[Project]:
    return Project.objects.filter(id__in=project_ids_for(user, roles))


def scoped(queryset: QuerySet, user, roles=READ_ROLES, field: str = "project") -> QuerySet:
    """Limit ``queryset`` to objects of the user's projects."""
    if user and user.is_authenticated and user.is_superuser:
        return queryset
    return queryset.filter(**{f"{field}__in": project_ids_for(user, roles)})


def role_in(user, project_id: int) -> str | None:
    if user.is_superuser:
        return Membership.Role.MANAGER
    return (
        Membership.objects.filter(user=user, project_id=project_id)
        .values_list("role", flat=True)
        .first()
    )
