"""The pages' own reads: an object of the user's projects, the home page's lists, search hits,
a device's files and lineage, a synthesis's films, files and runs. Each is one query or a
fixed few, scoped to what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, Model, OuterRef, Q

from core.access import projects_for, scoped
from fabrication.models import Batch, Device, Film, LigandExchangeRun, Synthesis
from measurements.models import Measurement, Status

from ..models import StabilityStudy

# What the device page shows of where a device comes from, read with the device itself.
DEVICE_LINEAGE = (
    "status_set_by",
    "substrate__batch",
    "substrate__variant__ink__recipe",
    "substrate__variant__ink__synthesis",
    "substrate__variant__stack",
)
SEARCHED = (Device, Batch, Synthesis, Film, Measurement)
SEARCH_HITS_PER_MODEL = 20


def scoped_get(model: type[Model], user, pk: int, related: tuple[str, ...] = ()) -> Any:
    """The object if it is in one of the user's projects, else None."""
    queryset = model.objects.select_related(*related) if related else model.objects.all()
    return scoped(queryset, user).filter(pk=pk).first()


def home_lists(user) -> dict[str, Any]:
    """What the home page lists: projects, recent batches, syntheses and studies, the analysis
    queue (waiting, running, failed) and the measurements counted by status."""
    files = scoped(Measurement.objects.all(), user)
    return {
        "projects": list(projects_for(user)),
        "batches": list(
            scoped(Batch.objects.select_related("project"), user)
            .annotate(
                # Whether any of its devices ages in a study: the row links to that aging.
                in_study=Exists(
                    StabilityStudy.devices.through.objects.filter(
                        device__substrate__batch=OuterRef("pk")
                    )
                )
            )
            .order_by("-date", "-id")[:10]
        ),
        "queue": list(
            files.select_related("device", "film", "synthesis")
            .filter(status__in=[Status.QUEUED, Status.RUNNING, Status.FAILED])
            .order_by("-created_at")[:20]
        ),
        "counts": dict(files.values_list("status").annotate(n=Count("id"))),
        "studies": list(scoped(StabilityStudy.objects.all(), user)[:10]),
        "syntheses": list(scoped(Synthesis.objects.all(), user).order_by("-date", "code")[:10]),
    }


def search_hits(user, q: str) -> list[Model]:
    """Devices, batches, syntheses, films and measurements whose code contains ``q``."""
    hits: list[Model] = []
    for model in SEARCHED:
        hits.extend(
            scoped(model.objects.all(), user).filter(Q(code__iexact=q) | Q(code__icontains=q))[
                :SEARCH_HITS_PER_MODEL
            ]
        )
    return hits


def batches_for(user) -> list[Batch]:
    """The user's batches, newest first."""
    return list(scoped(Batch.objects.all(), user).order_by("-date"))


def device_measurements(device: Device) -> list[Measurement]:
    """The device's files, newest first."""
    return list(
        Measurement.objects.filter(device=device, project_id=device.project_id)
        .select_related("raw_file", "created_by")
        .order_by("-measured_at")
    )


def device_lineage(device: Device) -> dict[str, Any]:
    """Synthesis -> ink and recipe -> stack -> batch, variant and substrate of a device read
    with DEVICE_LINEAGE (one more query, for the stack's layers)."""
    project = device.project_id

    def own(obj):
        # Only the device's own project's objects: a parent moved away by an old edit is
        # another project's business and is not shown here.
        return obj if obj is not None and obj.project_id == project else None

    substrate = own(device.substrate)
    variant = own(substrate.variant) if substrate else None
    ink = own(variant.ink) if variant else None
    stack = own(variant.stack) if variant else None
    return {
        "batch": own(substrate.batch) if substrate else None,
        "variant": variant,
        "substrate": substrate,
        "ink": ink,
        "recipe": own(ink.recipe) if ink else None,
        "synthesis": own(ink.synthesis) if ink else None,
        "layers": list(stack.layers.select_related("ink")) if stack else [],
    }


def synthesis_films(synthesis: Synthesis) -> list[Film]:
    return list(Film.objects.filter(synthesis=synthesis, project_id=synthesis.project_id))


def synthesis_measurements(synthesis: Synthesis, films: list[Film]) -> list[Measurement]:
    """The files of the synthesis and of its films, newest first."""
    return list(
        Measurement.objects.filter(
            Q(synthesis=synthesis) | Q(film__in=films), project_id=synthesis.project_id
        )
        .select_related("film", "raw_file")
        .order_by("-measured_at")
    )


def synthesis_runs(synthesis: Synthesis) -> list[LigandExchangeRun]:
    """The ligand-exchange runs made from the synthesis, with their recipes."""
    return list(
        LigandExchangeRun.objects.filter(
            synthesis=synthesis, project_id=synthesis.project_id
        ).select_related("recipe")
    )
