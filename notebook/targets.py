"""The lab objects that carry notes, photos and labels, by a short type name, and the page each
one opens on (the /scan/ redirect and the notes panel's links)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model, QuerySet
from django.urls import reverse

from core.access import READ_ROLES, scoped
from fabrication.models import Batch, Device, Film, LigandExchangeRun, Substrate, Synthesis, Variant


def _admin_url(obj: Model) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def _film_page(film: Film) -> str:
    # A film has no page of its own: its synthesis's page lists it with its files.
    if film.synthesis_id:
        return reverse("synthesis", args=[film.synthesis_id])
    if film.batch_id:
        return reverse("batch", args=[film.batch_id])
    return _admin_url(film)


@dataclass(frozen=True)
class Target:
    name: str  # the type name in forms, URLs and the API ("device", "ink", ...)
    model: type[Model]
    label: str
    page: Callable[[Model], str]
    # What the scan and label views read with it (the short label line names these).
    related: tuple[str, ...] = ()


TARGETS: dict[str, Target] = {
    target.name: target
    for target in (
        Target("batch", Batch, "Batch", lambda o: reverse("batch", args=[o.pk])),
        Target(
            "variant", Variant, "Variant", lambda o: reverse("batch", args=[o.batch_id]), ("batch",)
        ),
        Target(
            "substrate",
            Substrate,
            "Substrate",
            lambda o: reverse("batch", args=[o.batch_id]),
            ("batch", "variant"),
        ),
        Target(
            "device",
            Device,
            "Device",
            lambda o: reverse("device", args=[o.pk]),
            ("substrate__variant", "substrate__batch"),
        ),
        Target("film", Film, "Film", _film_page, ("synthesis",)),
        Target("synthesis", Synthesis, "Synthesis", lambda o: reverse("synthesis", args=[o.pk])),
        Target(
            "ink",
            LigandExchangeRun,
            "Ink (ligand-exchange run)",
            lambda o: reverse("synthesis", args=[o.synthesis_id]),
            ("recipe", "synthesis"),
        ),
    )
}
BY_MODEL: dict[type[Model], Target] = {t.model: t for t in TARGETS.values()}


def target_of(obj: Model) -> Target | None:
    return BY_MODEL.get(type(obj))


def page_url(obj: Model) -> str:
    """The page a lab object opens on (its own, or the page that lists it)."""
    return BY_MODEL[type(obj)].page(obj)


def readable(target: Target, user, roles=READ_ROLES) -> QuerySet:
    """The target type's objects in the user's projects (with what its label line names)."""
    queryset = target.model.objects.select_related("project", *target.related)
    return scoped(queryset, user, roles)


def find_by_code(user, code: str, types: list[str] | None = None) -> list[tuple[Target, Model]]:
    """Every object of the user's projects whose code is ``code`` (exactly; case-insensitive
    when nothing matches exactly), over all or the named target types."""
    code = code.strip()
    if not code or len(code) > 200 or any(ord(ch) < 32 for ch in code):
        return []
    found: list[tuple[Target, Model]] = []
    for name in types or list(TARGETS):
        target = TARGETS[name]
        found += [(target, obj) for obj in readable(target, user).filter(code=code)[:20]]
    if not found:
        for name in types or list(TARGETS):
            target = TARGETS[name]
            found += [
                (target, obj) for obj in readable(target, user).filter(code__iexact=code)[:20]
            ]
    return found
