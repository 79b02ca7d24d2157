"""Personal API tokens: created and revoked by their owner, stored as hashes, optional expiry."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.utils import timezone
from rest_framework import authentication, exceptions

from .models import ApiToken

# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(user, name: str, expires_in_days: int | None = None) -> tuple[ApiToken, str]:
    """Returns the token row and the key, which is never stored and never shown again."""
    key = secrets.token_urlsafe(32)
    expires = timezone.now() + dt.timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:80] or "API token",
        prefix=key[:8],
        key_hash=_hash(key),
        expires_at=expires,
    )
    return token, key


def token_revoke(user, token_id: int) -> bool:
    return bool(
        ApiToken.objects.filter(user=user, id=token_id, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
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
