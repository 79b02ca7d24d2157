"""Search by code: every object of the user's projects whose code contains the query; an exact
match that has a page of its own opens it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from fabrication.models import Batch, Device, Synthesis
from measurements.models import Measurement

from ..selectors.pages import search_hits

MAX_QUERY = 100


def _page_url(obj) -> str | None:
    if isinstance(obj, Device):
        return reverse("device", args=[obj.pk])
    if isinstance(obj, Batch):
        return reverse("batch", args=[obj.pk])
    if isinstance(obj, Synthesis):
        return reverse("synthesis", args=[obj.pk])
    if isinstance(obj, Measurement):
        target = obj.device_id and reverse("device", args=[obj.device_id])
        return target or (obj.synthesis_id and reverse("synthesis", args=[obj.synthesis_id]))
    return None


@login_required
def page(request: HttpRequest) -> HttpResponse:
    q = "".join(ch for ch in request.GET.get("q", "") if ord(ch) >= 32).strip()[:MAX_QUERY]
    hits = [(obj, _page_url(obj)) for obj in search_hits(request.user, q)] if q else []
    exact = [h for h in hits if h[0].code.lower() == q.lower() and h[1]]
    if len(exact) == 1:
        return redirect(exact[0][1])
    return render(request, "analysis/search.html", {"q": q, "hits": hits})
