"""Login limits: the client address failed logins are counted by, and the answer to a locked-out
login. django-axes keeps the counts in the database (see the security block of the settings) and
calls back into these functions."""

from __future__ import annotations

import ipaddress
import math

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def client_address(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the X-Forwarded-For entry that many
    hops from its right end: the entries left of it are whatever the client chose to send."""
    remote = request.META.get("REMOTE_ADDR") or None
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if hops <= 0 or not forwarded:
        return remote
    candidate = forwarded[-min(hops, len(forwarded))]
    # The address is stored in an IP column: garbage from a misconfigured proxy must not 500.
    return candidate if _is_ip(candidate) else remote


def lockout_seconds(request: HttpRequest | None = None) -> int:
    cool_off = get_cool_off(request)
    return int(cool_off.total_seconds()) if cool_off else 0


def lockout_message(request: HttpRequest | None = None) -> str:
    minutes = math.ceil(lockout_seconds(request) / 60)
    return (
        "Too many failed logins for this username or from this address: logins are refused "
        f"for {minutes} minutes after the last failed one."
    )


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """429 with Retry-After: JSON under /api/, else the login page saying why."""
    message = lockout_message(request)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"error": message}, status=429)
    else:
        data = request.POST if request.method == "POST" else request.GET
        context = {"locked_out": message, "next": data.get("next", "")}
        response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = str(lockout_seconds(request))
    return response
