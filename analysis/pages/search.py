"""Search across the user's projects (notebook.search): codes, names, recipes, ligands, batch
names, synthesis lots, chemicals and notes, grouped by type; a query that is exactly one
object's code opens its page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from notebook.search import clean_query, exact_page, search


@login_required
def page(request: HttpRequest) -> HttpResponse:
    q = clean_query(request.GET.get("q", ""))
    groups = search(request.user, q) if q else []
    url = exact_page(groups, q)
    if url:
        return redirect(url)
    return render(request, "analysis/search.html", {"q": q, "groups": groups})
