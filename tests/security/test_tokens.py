import datetime as dt

from django.utils import timezone
from rest_framework.test import APIClient

from core.models import ApiToken


def _token(client, username="owner", password="owner-pass-123") -> str:
    response = client.post("/api/v1/auth/token/", {"username": username, "password": password})
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _get_devices(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/devices/").status_code


def test_a_token_is_stored_only_as_a_hash(world):
    key = _token(APIClient())
    row = ApiToken.objects.get()
    assert key not in (row.key_hash, row.prefix) and row.prefix == key[:8]
    assert _get_devices(key) == 200


def test_wrong_credentials_get_no_token(world):
    response = APIClient().post("/api/v1/auth/token/", {"username": "owner", "password": "x"})
    assert response.status_code == 400 and "token" not in response.json()


def test_a_revoked_or_expired_token_is_refused(world, client):
    key = _token(APIClient())
    row = ApiToken.objects.get()
    row.expires_at = timezone.now() - dt.timedelta(minutes=1)
    row.save()
    assert _get_devices(key) == 401
    row.expires_at = None
    row.save()
    client.force_login(world["users"]["owner"])
    client.post("/tokens/", {"revoke": row.id})
    assert _get_devices(key) == 401


def test_the_tokens_page_shows_a_new_key_once_and_lists_only_the_users_tokens(world, client):
    _token(APIClient(), "outsider", "outsider-pass-123")
    client.force_login(world["users"]["owner"])
    page = client.post("/tokens/", {"name": "J-V station", "expires_in_days": "30"})
    body = page.content.decode()
    token = ApiToken.objects.get(user__username="owner")
    assert "J-V station" in body and token.prefix in body
    key = body.split("<code data-token>")[1].split("</code>")[0]
    assert _get_devices(key) == 200
    listing = client.get("/tokens/").content.decode()
    assert key not in listing
    assert listing.count("<tr><td>") == 1  # the outsider's token is not listed
    assert token.expires_at > timezone.now() + dt.timedelta(days=29)


def test_a_user_cannot_revoke_someone_elses_token(world, client):
    _token(APIClient(), "outsider", "outsider-pass-123")
    other = ApiToken.objects.get()
    client.force_login(world["users"]["owner"])
    client.post("/tokens/", {"revoke": other.id})
    other.refresh_from_db()
    assert other.revoked_at is None
