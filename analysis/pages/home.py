"""Home: the user's projects, recent batches, syntheses and studies, and the analysis queue."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..selectors.pages import home_lists


@login_required
def page(request: HttpRequest) -> HttpResponse:
    return render(request, "analysis/home.html", home_lists(request.user))
