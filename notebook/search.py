"""Search across the user's projects: codes, names, recipes (name, family, ligand), ligands,
batch names, synthesis lots, chemicals and notes, grouped by type.

On PostgreSQL each type is matched by full-text search (``simple`` configuration, so codes and
formulas such as PbI2 stay whole words) or, for parts of words and codes, ``icontains``; on
SQLite by ``icontains`` alone. Every query starts from the user's scoped objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Model, Q, QuerySet
from django.urls import NoReverseMatch, reverse

from core.access import scoped
from fabrication.models import (
    Batch,
    Chemical,
    Device,
    Film,
    LigandExchangeRecipe,
    LigandExchangeRun,
    Substrate,
    Synthesis,
    Variant,
)
from measurements.models import Measurement

from .models import Note
from .targets import BY_MODEL, page_url

HITS_PER_GROUP = 25
MAX_QUERY = 100
RECIPE = ("name", "family_code", "ligand_family", "code")


def _via(prefix: str, names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{prefix}__{n}" for n in names)


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    model: type[Model]
    fields: tuple[str, ...]
    related: tuple[str, ...] = ()


# What each type is found by. Batches are found by what their variants were made of too, so
# "PbI2" lists the recipes and the batches made with them.
KINDS = (
    Kind("batch", "Batches", Batch, ("code", "name", "description", "variants__name")
         + _via("variants__ink__recipe", RECIPE) + ("variants__ink__synthesis__code",)),
    Kind("variant", "Variants", Variant, ("code", "name") + _via("ink__recipe", RECIPE),
         ("batch",)),
    Kind("substrate", "Substrates", Substrate, ("code", "label"), ("batch", "variant")),
    Kind("device", "Devices", Device, ("code",), ("substrate__variant",)),
    Kind("recipe", "Ligand-exchange recipes", LigandExchangeRecipe,
         RECIPE + ("procedure", "components__name", "components__chemical__name")),
    Kind("ink", "Inks (ligand-exchange runs)", LigandExchangeRun,
         ("code", "observations", "synthesis__code") + _via("recipe", RECIPE),
         ("recipe", "synthesis")),
    Kind("synthesis", "Syntheses", Synthesis,
         ("code", "name", "material", "capping_ligand", "notes", "precursors__name",
          "precursors__chemical__name", "precursors__chemical__lot")),
    Kind("film", "Films", Film, ("code", "name"), ("synthesis",)),
    Kind("chemical", "Chemicals", Chemical, ("code", "name", "formula", "lot", "cas_number")),
    Kind("measurement", "Measurements", Measurement, ("code", "original_filename", "notes"),
         ("device", "film", "synthesis")),
    Kind("note", "Notes", Note, ("body",), ("author", "target_type")),
)  # fmt: skip


@dataclass
class Hit:
    title: str
    url: str | None
    detail: str
    code: str | None = None  # for an exact-code match


@dataclass
class Group:
    key: str
    label: str
    hits: list[Hit] = field(default_factory=list)
    more: bool = False


def clean_query(text: str) -> str:
    return "".join(ch for ch in text if ord(ch) >= 32).strip()[:MAX_QUERY]


def _matching(kind: Kind, q: str) -> QuerySet:
    contains = reduce(or_, (Q(**{f"{f}__icontains": q}) for f in kind.fields))
    queryset = kind.model.objects.all()
    if connection.vendor == "postgresql":
        vector = SearchVector(*kind.fields, config="simple")
        words = SearchQuery(q, config="simple", search_type="websearch")
        queryset = queryset.alias(found=vector).filter(Q(found=words) | contains)
    else:
        queryset = queryset.filter(contains)
    return queryset.values("pk")


def _admin_url(obj: Model, user) -> str | None:
    if not user.is_staff:
        return None
    try:
        name = f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change"
        return reverse(name, args=[obj.pk])
    except NoReverseMatch:
        return None


def _snippet(text: str, q: str, width: int = 90) -> str:
    at = text.lower().find(q.lower())
    start = max(0, at - width // 2) if at >= 0 else 0
    cut = text[start : start + width].replace("\n", " ")
    return ("…" if start else "") + cut + ("…" if start + width < len(text) else "")


def _hit(kind: Kind, obj: Model, q: str, user) -> Hit:
    project = obj.project.name
    if kind.key == "note":
        target = obj.target
        where = target.code if target is not None else "(deleted object)"
        url = page_url(target) + "#notes" if type(target) in BY_MODEL else None
        author = obj.author.username if obj.author else "former user"
        return Hit(f"Note on {where}", url, f"{_snippet(obj.body, q)} · {author} · {project}")
    if kind.key == "measurement":
        target = obj.target
        url = page_url(target) if target is not None else None
        return Hit(obj.code, url, f"{obj.kind} · {obj.original_filename} · {project}", obj.code)
    if type(obj) in BY_MODEL:
        url = page_url(obj)
    else:
        url = _admin_url(obj, user)
    details = {
        "batch": lambda: obj.name,
        "variant": lambda: f"{obj.name} · batch {obj.batch.code}",
        "substrate": lambda: f"{obj.variant.name} · batch {obj.batch.code}",
        "device": lambda: f"{obj.substrate.variant.name} · pixel {obj.pixel}",
        "recipe": lambda: f"{obj.name} · {obj.ligand_family} · version {obj.version}",
        "ink": lambda: f"{obj.recipe.code} ({obj.recipe.ligand_family}) on {obj.synthesis.code}",
        "synthesis": lambda: f"{obj.name} {obj.material}-{obj.capping_ligand}".strip(),
        "film": lambda: obj.name,
        "chemical": lambda: f"{obj.name} {obj.formula} lot {obj.lot}".strip(),
    }
    detail = " · ".join(p for p in (details[kind.key](), project) if p)
    return Hit(obj.code, url, detail, obj.code)


def search(user, text: str) -> list[Group]:
    """The groups with hits for ``text`` among the user's projects (at most HITS_PER_GROUP
    each; ``more`` says there were more)."""
    q = clean_query(text)
    if not q:
        return []
    groups = []
    for kind in KINDS:
        queryset = scoped(kind.model.objects.select_related("project", *kind.related), user)
        if kind.key == "note":
            # What the notes are on, in one query per type rather than one per note.
            queryset = queryset.prefetch_related("target")
        found = list(queryset.filter(pk__in=_matching(kind, q))[: HITS_PER_GROUP + 1])
        if found:
            hits = [_hit(kind, obj, q, user) for obj in found[:HITS_PER_GROUP]]
            groups.append(Group(kind.key, kind.label, hits, len(found) > HITS_PER_GROUP))
    return groups


def exact_page(groups: list[Group], text: str) -> str | None:
    """The page to open straight away: exactly one hit whose code is the query."""
    q = clean_query(text).lower()
    exact = [h for g in groups for h in g.hits if h.code and h.code.lower() == q and h.url]
    return exact[0].url if len(exact) == 1 else None
