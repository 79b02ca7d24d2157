"""Personal API tokens: created and revoked by their owner, stored as hashes, optional expiry.

A user holds at most API_TOKEN_MAX_PER_USER live tokens; all of them are revoked when the
password changes (core.signals), since whoever had the old password may have minted some.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from rest_framework import authentication, exceptions

from .models import ApiToken

# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)
# Ten years: longer is no different from "never" and overflows datetime soon after.
MAX_EXPIRY_DAYS = 3650


class TokenRefused(ValueError):
    """A token the rules do not allow; the message tells the user why."""


class TooManyTokens(TokenRefused):
    """The user already holds the most live tokens allowed."""


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def expiry_days(raw: str | int | None) -> int | None:
    """The days of a form's "expires after" field: None when empty (never), else 1..3650."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        days = int(raw)
    except (TypeError, ValueError):
        days = None
    if days is None or not 1 <= days <= MAX_EXPIRY_DAYS:
        raise TokenRefused(
            f"Expires after: enter a whole number of days from 1 to {MAX_EXPIRY_DAYS}, "
            f"or leave it empty for a token that never expires (got {str(raw)[:20]!r})."
        )
    return days


def live_tokens(user) -> QuerySet[ApiToken]:
    now = timezone.now()
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def token_create(user, name: str, expires_in_days: int | None = None) -> tuple[ApiToken, str]:
    """Returns the token row and the key, which is never stored and never shown again.

    Raises TokenRefused for an expiry outside 1..3650 days and TooManyTokens when the user
    already holds API_TOKEN_MAX_PER_USER live tokens; nothing is stored then."""
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise TokenRefused(f"expires_in_days must be from 1 to {MAX_EXPIRY_DAYS}.")
    key = secrets.token_urlsafe(32)
    cap = settings.API_TOKEN_MAX_PER_USER
    with transaction.atomic():
        # The user's row is the lock: two requests at once cannot both take the last free place.
        get_user_model().objects.select_for_update().only("pk").get(pk=user.pk)
        if live_tokens(user).count() >= cap:
            raise TooManyTokens(
                f"You already have {cap} live API token{'' if cap == 1 else 's'}, the most allowed "
                "(API_TOKEN_MAX_PER_USER): revoke one you no longer use at /tokens/ first."
            )
        now = timezone.now()
        token = ApiToken.objects.create(
            user=user,
            name=name.strip()[:80] or "API token",
            prefix=key[:8],
            key_hash=_hash(key),
            expires_at=now + dt.timedelta(days=expires_in_days) if expires_in_days else None,
        )
    return token, key


def token_revoke(user, token_id: int) -> bool:
    return bool(
        ApiToken.objects.filter(user=user, id=token_id, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )


def tokens_revoke_all(user) -> int:
    """Revokes every token of the user that is not revoked yet; returns how many."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def token_user(key: str):
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(key)).first()
    now = timezone.now()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(id=token.id).update(last_used_at=now)
    return token.user


class HashedTokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``, checked against the stored hashes."""

    def authenticate_credentials(self, key):
        user = token_user(key)
        if user is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        return (user, key)
