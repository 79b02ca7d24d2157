"""Throttles: a fixed window per scope and user; the (N+1)th request in a window gets 429."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from cqdlab.throttling import ScopedWindowThrottle


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_uploads_over_the_rate_get_429_with_retry_after(world, monkeypatch):
    # The rates are read into the class at import; monkeypatch puts the real ones back.
    monkeypatch.setattr(ScopedWindowThrottle, "THROTTLE_RATES", {"uploads": "3/min"})
    client = APIClient()
    client.force_authenticate(world["users"]["owner"])
    codes = [client.get("/api/v1/measurements/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.get("/api/v1/measurements/")
    assert 0 < int(refused["Retry-After"]) <= 60
    other = APIClient()
    other.force_authenticate(world["users"]["colleague"])  # counted per user
    assert other.get("/api/v1/measurements/").status_code == 200


def test_a_new_window_starts_a_new_count(world, monkeypatch):
    from rest_framework.test import APIRequestFactory

    throttle = ScopedWindowThrottle()
    throttle.THROTTLE_RATES = {"uploads": "2/min"}
    view = type("View", (), {"throttle_scope": "uploads"})()
    request = APIRequestFactory().get("/")
    request.user = world["users"]["owner"]
    now = [600.0]
    monkeypatch.setattr(throttle, "timer", lambda: now[0])
    assert [throttle.allow_request(request, view) for _ in range(3)] == [True, True, False]
    assert throttle.wait() == pytest.approx(60.0)
    now[0] = 660.0
    assert throttle.allow_request(request, view) is True
