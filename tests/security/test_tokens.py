import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import ApiToken
from core.tokens import live_tokens, token_create, token_revoke


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """The token endpoint's throttle counts in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


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


def _live_keys(user, count: int) -> list[str]:
    return [token_create(user, f"station {i}")[1] for i in range(count)]


def test_a_password_change_revokes_every_token_of_that_user_only(world):
    owner, colleague = world["users"]["owner"], world["users"]["colleague"]
    owner_keys = _live_keys(owner, 2)
    (colleague_key,) = _live_keys(colleague, 1)
    owner.set_password("a-new-owner-pass-456")
    owner.save()
    assert [_get_devices(key) for key in owner_keys] == [401, 401]
    assert _get_devices(colleague_key) == 200
    assert not live_tokens(owner).exists()


def test_changing_the_password_on_the_password_page_revokes_the_tokens(world, client):
    owner = world["users"]["owner"]
    (key,) = _live_keys(owner, 1)
    client.force_login(owner)
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": "owner-pass-123",
            "new_password1": "a-new-owner-pass-456",
            "new_password2": "a-new-owner-pass-456",
        },
    )
    assert response.status_code == 302, response.content
    assert _get_devices(key) == 401


def test_disabling_a_password_revokes_the_tokens(world):
    owner = world["users"]["owner"]
    (key,) = _live_keys(owner, 1)
    owner.set_unusable_password()
    owner.save()
    assert _get_devices(key) == 401


def test_saving_a_user_without_a_password_change_keeps_the_tokens(world):
    owner = world["users"]["owner"]
    (key,) = _live_keys(owner, 1)
    owner.first_name = "Olga"
    owner.save()
    assert _get_devices(key) == 200


def test_the_hash_upgrade_at_login_is_not_a_password_change(world, settings):
    owner = world["users"]["owner"]
    (key,) = _live_keys(owner, 1)
    # A newer preferred hasher: the next login re-hashes the same password.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    _token(APIClient())
    owner.refresh_from_db()
    assert owner.password.startswith("pbkdf2_sha256$")
    assert _get_devices(key) == 200


def test_a_token_from_the_endpoint_expires_after_the_default(world, settings):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "owner", "password": "owner-pass-123"}
    )
    row = ApiToken.objects.get()
    expected = timezone.now() + dt.timedelta(days=settings.API_TOKEN_DEFAULT_EXPIRY_DAYS)
    assert abs(row.expires_at - expected) < dt.timedelta(minutes=1)
    assert response.json()["expires_at"].startswith(row.expires_at.date().isoformat())


def test_the_endpoint_takes_expires_in_days_from_1_to_3650(world):
    client = APIClient()
    creds = {"username": "owner", "password": "owner-pass-123"}
    for bad in (0, -5, 3651, 10**12, "soon"):
        response = client.post("/api/v1/auth/token/", {**creds, "expires_in_days": bad})
        assert response.status_code == 400, (bad, response.content)
        assert "expires_in_days" in response.json()
    assert not ApiToken.objects.exists()
    response = client.post("/api/v1/auth/token/", {**creds, "expires_in_days": 3650})
    assert response.status_code == 200
    row = ApiToken.objects.get()
    assert row.expires_at > timezone.now() + dt.timedelta(days=3649)


def test_the_tokens_page_refuses_an_expiry_out_of_range_with_a_message(world, client):
    client.force_login(world["users"]["owner"])
    for bad in ("99999999999", "0", "3651", "-1", "soon"):
        page = client.post("/tokens/", {"name": "station", "expires_in_days": bad})
        assert page.status_code == 400, bad
        assert "enter a whole number of days from 1 to 3650" in page.content.decode()
    assert not ApiToken.objects.exists()
    client.post("/tokens/", {"name": "station", "expires_in_days": ""})
    assert ApiToken.objects.get().expires_at is None  # empty: never, as the label says


def test_a_user_holds_at_most_the_cap_of_live_tokens(world, settings):
    settings.API_TOKEN_MAX_PER_USER = 2
    client = APIClient()
    assert _token(client) and _token(client)
    refused = client.post(
        "/api/v1/auth/token/", {"username": "owner", "password": "owner-pass-123"}
    )
    assert refused.status_code == 409
    assert "2 live API tokens" in refused.json()["error"]
    assert ApiToken.objects.count() == 2
    # Revoked and expired tokens leave room.
    first, second = ApiToken.objects.order_by("id")
    token_revoke(first.user, first.id)
    second.expires_at = timezone.now() - dt.timedelta(seconds=1)
    second.save()
    assert _token(client) and _token(client)
    assert live_tokens(world["users"]["owner"]).count() == 2


def test_the_tokens_page_says_when_the_cap_is_reached(world, client, settings):
    settings.API_TOKEN_MAX_PER_USER = 1
    client.force_login(world["users"]["owner"])
    client.post("/tokens/", {"name": "first"})
    page = client.post("/tokens/", {"name": "second"})
    assert page.status_code == 409
    assert "1 live API token, the most allowed" in page.content.decode()
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["first"]
