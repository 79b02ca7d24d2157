"""Pages of the shared plumbing: a user's own API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from .models import ApiToken
from .tokens import (
    MAX_EXPIRY_DAYS,
    TokenRefused,
    TooManyTokens,
    expiry_days,
    token_create,
    token_revoke,
)


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
    error = None
    status = 200
    if request.method == "POST":
        if "revoke" in request.POST:
            token_revoke(request.user, _int(request.POST["revoke"]) or 0)
            return redirect("tokens")
        try:
            days = expiry_days(request.POST.get("expires_in_days"))
            _, new_key = token_create(request.user, request.POST.get("name", ""), days)
        except TooManyTokens as exc:
            error, status = str(exc), 409
        except TokenRefused as exc:
            error, status = str(exc), 400
    return render(
        request,
        "fabrication/tokens.html",
        {
            "tokens": ApiToken.objects.filter(user=request.user),
            "new_key": new_key,
            "error": error,
            "max_days": MAX_EXPIRY_DAYS,
            "max_tokens": settings.API_TOKEN_MAX_PER_USER,
            "now": timezone.now(),
        },
        status=status,
    )
