"""What an object's notes panel shows: its notes and photos and those of the objects listed on
its page (a batch's variants and substrates, a synthesis's ink runs and films), in a fixed
number of queries."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q

from fabrication.models import Batch, Film, LigandExchangeRun, Substrate, Synthesis, Variant

from . import markup
from .models import Note
from .targets import Target, target_of

MAX_NOTES = 200


def related_targets(obj: Model) -> list[tuple[Target, Model]]:
    """The object and what its page lists, each of the object's own project."""
    own = [(target_of(obj), obj)]
    project = obj.project_id
    if isinstance(obj, Batch):
        own += [(target_of(v), v) for v in Variant.objects.filter(batch=obj, project_id=project)]
        own += [(target_of(s), s) for s in Substrate.objects.filter(batch=obj, project_id=project)]
    elif isinstance(obj, Synthesis):
        runs = LigandExchangeRun.objects.filter(synthesis=obj, project_id=project)
        own += [(target_of(r), r) for r in runs]
        own += [(target_of(f), f) for f in Film.objects.filter(synthesis=obj, project_id=project)]
    return own


def notes_panel(obj: Model) -> dict:
    """Notes of ``obj`` and its listed objects, newest first, with rendered text and photos."""
    targets = related_targets(obj)
    by_key: dict[tuple[int, int], Model] = {}
    condition = Q()
    for target, item in targets:
        ct = ContentType.objects.get_for_model(target.model)  # cached by Django after the first
        by_key[(ct.pk, item.pk)] = item
        condition |= Q(target_type=ct, target_id=item.pk)
    notes = list(
        Note.objects.filter(condition, project_id=obj.project_id)
        .select_related("author")
        .prefetch_related("attachments")[:MAX_NOTES]
    )
    for note in notes:
        note.shown_target = by_key.get((note.target_type_id, note.target_id))
        note.html = markup.render(note.body)
    return {
        "notes": notes,
        "choices": [(t.name, item.pk, t.label, item.code) for t, item in targets],
    }
