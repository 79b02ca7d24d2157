"""Failed logins are limited per username and per client address, in the database, on the login
page, the admin login and the token endpoint; a client-sent X-Forwarded-For changes nothing."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from core.login_limits import client_address
from core.models import ApiToken
from cqdlab.throttling import ScopedWindowThrottle

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
TOKEN = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


def _fail(client, url: str, username: str, times: int, **extra) -> list[int]:
    return [
        client.post(url, {"username": username, "password": "wrong"}, **extra).status_code
        for _ in range(times)
    ]


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_login_page_locks_a_username_out_even_for_the_right_password(world):
    limit = settings.AXES_FAILURE_LIMIT
    attacker = Client(REMOTE_ADDR="198.51.100.1")
    codes = _fail(attacker, LOGIN, "owner", limit)
    assert codes[:-1] == [200] * (limit - 1) and codes[-1] == 429
    # The owner, from another address, is refused too: the username is locked.
    owner = Client(REMOTE_ADDR="198.51.100.2")
    page = owner.post(LOGIN, {"username": "owner", "password": "owner-pass-123"})
    assert page.status_code == 429 and not _logged_in(owner)
    body = page.content.decode()
    assert "Too many failed logins" in body and 'id="locked-out"' in body
    assert 0 < int(page["Retry-After"]) <= settings.AXES_COOLOFF_TIME * 3600
    # Another user from another address is not affected.
    colleague = Client(REMOTE_ADDR="198.51.100.3")
    colleague.post(LOGIN, {"username": "colleague", "password": "colleague-pass-123"})
    assert _logged_in(colleague)


def test_the_failures_are_kept_in_the_database_that_every_process_shares(world):
    _fail(Client(REMOTE_ADDR="198.51.100.1"), LOGIN, "owner", 3)
    attempt = AccessAttempt.objects.get(username="owner")
    assert attempt.failures_since_start == 3 and attempt.ip_address == "198.51.100.1"


def test_the_admin_login_is_limited_as_well(world):
    limit = settings.AXES_FAILURE_LIMIT
    attacker = Client(REMOTE_ADDR="198.51.100.1")
    assert _fail(attacker, ADMIN_LOGIN, "owner", limit)[-1] == 429
    owner = Client(REMOTE_ADDR="198.51.100.2")
    page = owner.post(ADMIN_LOGIN, {"username": "owner", "password": "owner-pass-123"})
    assert page.status_code == 429 and not _logged_in(owner)
    assert "Too many failed logins" in page.content.decode()


def test_one_address_guessing_many_usernames_is_locked_out(world):
    limit = settings.AXES_FAILURE_LIMIT
    attacker = Client(REMOTE_ADDR="198.51.100.1")
    for i in range(limit):
        attacker.post(LOGIN, {"username": f"guess-{i}", "password": "wrong"})
    page = attacker.post(LOGIN, {"username": "viewer", "password": "viewer-pass-123"})
    assert page.status_code == 429 and not _logged_in(attacker)
    viewer = Client(REMOTE_ADDR="198.51.100.2")
    viewer.post(LOGIN, {"username": "viewer", "password": "viewer-pass-123"})
    assert _logged_in(viewer)


def test_a_client_sent_x_forwarded_for_does_not_dodge_the_address_count(world):
    limit = settings.AXES_FAILURE_LIMIT
    attacker = Client(REMOTE_ADDR="198.51.100.1")
    for i in range(limit):
        attacker.post(
            LOGIN,
            {"username": f"guess-{i}", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        )
    page = attacker.post(
        LOGIN,
        {"username": "viewer", "password": "viewer-pass-123"},
        HTTP_X_FORWARDED_FOR="203.0.113.99",
    )
    assert page.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.1"}


def test_behind_a_trusted_proxy_the_address_is_the_one_the_proxy_saw(settings):
    factory = RequestFactory()

    def request(forwarded: str):
        return factory.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address(request("203.0.113.5, 192.0.2.7")) == "10.0.0.1"  # no proxy trusted
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(request("203.0.113.5, 192.0.2.7")) == "192.0.2.7"
    assert client_address(request("not-an-address")) == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_address(request("203.0.113.5, 192.0.2.7, 10.0.0.9")) == "192.0.2.7"


def test_behind_a_trusted_proxy_each_client_address_is_counted_apart(world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    limit = settings.AXES_FAILURE_LIMIT
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    for i in range(limit):
        proxy.post(
            LOGIN,
            {"username": f"guess-{i}", "password": "wrong"},
            HTTP_X_FORWARDED_FOR="192.0.2.7",
        )
    locked = proxy.post(
        LOGIN, {"username": "viewer", "password": "x"}, HTTP_X_FORWARDED_FOR="192.0.2.7"
    )
    assert locked.status_code == 429
    other = Client(REMOTE_ADDR="10.0.0.1")
    other.post(
        LOGIN,
        {"username": "viewer", "password": "viewer-pass-123"},
        HTTP_X_FORWARDED_FOR="192.0.2.8",
    )
    assert _logged_in(other)


def test_the_token_endpoint_answers_429_with_retry_after_when_locked(world):
    limit = settings.AXES_FAILURE_LIMIT
    client = APIClient(REMOTE_ADDR="198.51.100.1")
    codes = _fail(client, TOKEN, "owner", limit)
    assert codes[:-1] == [400] * (limit - 1) and codes[-1] == 429
    right = APIClient(REMOTE_ADDR="198.51.100.2").post(
        TOKEN, {"username": "owner", "password": "owner-pass-123"}
    )
    assert right.status_code == 429
    assert "Too many failed logins" in right.json()["error"]
    assert int(right["Retry-After"]) > 0
    assert not ApiToken.objects.exists()


def test_a_json_token_request_counts_like_a_form_one(world):
    client = APIClient(REMOTE_ADDR="198.51.100.1")
    for _ in range(2):
        client.post(TOKEN, {"username": "owner", "password": "wrong"}, format="json")
    assert AccessAttempt.objects.get(username="owner").failures_since_start == 2


def test_the_lockout_lifts_after_the_cool_off(world):
    limit = settings.AXES_FAILURE_LIMIT
    _fail(Client(REMOTE_ADDR="198.51.100.1"), LOGIN, "owner", limit)
    owner = Client(REMOTE_ADDR="198.51.100.2")
    assert owner.post(LOGIN, {"username": "owner", "password": "owner-pass-123"}).status_code == 429
    cool_off = dt.timedelta(hours=settings.AXES_COOLOFF_TIME)
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= cool_off + dt.timedelta(seconds=1)
        attempt.save()
    response = owner.post(LOGIN, {"username": "owner", "password": "owner-pass-123"})
    assert response.status_code == 302 and _logged_in(owner)


def test_forced_logins_of_the_tests_still_work(world, client, api):
    client.force_login(world["users"]["owner"])
    assert client.get("/tokens/").status_code == 200
    assert api("colleague").get("/api/v1/devices/").status_code == 200


def test_the_token_throttle_ignores_a_client_sent_x_forwarded_for(world, monkeypatch):
    # The rates are read into the class at import; monkeypatch puts the real ones back.
    monkeypatch.setattr(ScopedWindowThrottle, "THROTTLE_RATES", {"auth": "2/min"})
    client = APIClient(REMOTE_ADDR="198.51.100.1")
    codes = [
        client.post(
            TOKEN,
            {"username": "owner", "password": "owner-pass-123"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        ).status_code
        for i in range(3)
    ]
    assert codes == [200, 200, 429]
