"""The insights endpoints through the API: scoped to the user's projects, metrics checked."""

from __future__ import annotations

import pytest

VARIANCE = "/api/v1/insights/variance/"
IMPORTANCE = "/api/v1/insights/importance/"

pytestmark = pytest.mark.django_db


def test_a_member_gets_the_variance_keys_and_an_unfitted_model_without_measurements(api):
    response = api("colleague").get(VARIANCE, {"project": "alpha", "metric": "pce_percent"})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"n_devices", "components", "outlying_lots", "model", "method"}
    assert body["n_devices"] == 0 and body["components"] == [] and body["outlying_lots"] == []
    assert "not fitted" in body["model"]


def test_a_viewer_gets_not_enough_data_from_importance_on_a_one_batch_project(api):
    response = api("viewer").get(IMPORTANCE, {"project": "alpha", "metric": "ff"})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"verdict", "parameters", "summary", "model", "method"}
    assert body["verdict"] == "not_enough_data" and body["parameters"] == []


@pytest.mark.parametrize("url", [VARIANCE, IMPORTANCE])
def test_it_answers_404_for_a_project_the_user_is_not_in(api, url):
    response = api("outsider").get(url, {"project": "alpha"})

    assert response.status_code == 404
    assert "A-" not in response.content.decode()


@pytest.mark.parametrize("url", [VARIANCE, IMPORTANCE])
def test_it_refuses_an_unknown_metric_naming_the_allowed_ones(api, url):
    response = api("owner").get(url, {"project": "alpha", "metric": "efficiency"})

    assert response.status_code == 400
    assert "pce_percent" in str(response.json()["metric"])


def test_it_refuses_a_request_without_a_project(api):
    response = api("owner").get(VARIANCE)

    assert response.status_code == 400 and "project" in response.json()


def test_anonymous_users_are_refused(api):
    assert api(None).get(VARIANCE, {"project": "alpha"}).status_code in (401, 403)
