"""Pages of the shared plumbing: a user's own API tokens."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from .models import ApiToken
from .tokens import token_create, token_revoke


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """A user's own API tokens: create (the key is shown this once), list, revoke."""
    new_key = None
    if request.method == "POST":
        if "revoke" in request.POST:
            token_revoke(request.user, _int(request.POST["revoke"]) or 0)
            return redirect("tokens")
        days = _int(request.POST.get("expires_in_days"))
        _, new_key = token_create(request.user, request.POST.get("name", ""), days)
    return render(
        request,
        "fabrication/tokens.html",
        {
            "tokens": ApiToken.objects.filter(user=request.user),
            "new_key": new_key,
            "now": timezone.now(),
        },
    )
