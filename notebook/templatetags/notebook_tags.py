"""``{% notes_for obj %}``: the notes panel of a lab object's page (list, add form, photos).
The page needs no view change: the tag reads what it shows, scoped to the object's project,
which the page already checked the user may read."""

from __future__ import annotations

from django import template

from core.access import can_write

from ..labels import SIZES
from ..panel import notes_panel
from ..targets import target_of
from ..views import SESSION_ERROR

register = template.Library()


@register.inclusion_tag("notebook/_notes.html", takes_context=True)
def notes_for(context, obj) -> dict:
    request = context["request"]
    panel = notes_panel(obj)
    # A refused note (a file that is no image, too long a text) is told once, here.
    error = request.session.pop(SESSION_ERROR, None) if hasattr(request, "session") else None
    return {
        **panel,
        "obj": obj,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "can_write": can_write(request.user, obj.project_id),
        "error": error,
    }


@register.inclusion_tag("notebook/_labels.html")
def labels_for(obj) -> dict:
    """A small form that downloads the object's label sheet in the chosen label size: a
    batch's substrates and devices, a synthesis and its ink vials, or the object alone."""
    target = target_of(obj)
    return {"obj": obj, "type": target.name if target else "", "sizes": SIZES.values()}
