"""Pages of the shared plumbing: a user's own API tokens, the style guide, the favicon."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import cache_control
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


@login_required
def design(request: HttpRequest) -> HttpResponse:
    """The style guide: every component of static/css/cqdlab.css on one page (docs/design.md)."""
    return render(
        request,
        "core/design.html",
        {"groups": ["target", "control", *(f"{i}" for i in range(1, 9)), "excluded"]},
    )


@require_http_methods(["GET", "HEAD"])
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on pages that link none (JSON, the browsable API):
    the fingerprinted icon, so it is never a 404."""
    return redirect(static("favicon.ico"))
