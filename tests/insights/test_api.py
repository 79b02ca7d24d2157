"""The insights endpoints through the API: scoped to the user's projects, metrics checked."""

from __future__ import annotations

import pytest

from .generated import make_project

VARIANCE = "/api/v1/insights/variance/"
IMPORTANCE = "/api/v1/insights/importance/"
PARAMETERS = "/api/v1/insights/parameters/"
PARTIAL = "/api/v1/insights/partial-dependence/"
PLANNED = "/api/v1/insights/planned/"
SUGGESTIONS = "/api/v1/insights/suggestions/"

pytestmark = pytest.mark.django_db


def test_a_member_gets_the_variance_keys_and_an_unfitted_model_without_measurements(api):
    response = api("colleague").get(VARIANCE, {"project": "alpha", "metric": "pce_percent"})

    assert response.status_code == 200
    body = response.json()
    assert {"n_devices", "components", "outlying_lots", "model", "method", "sentences"} <= set(body)
    assert body["n_devices"] == 0 and body["components"] == [] and body["outlying_lots"] == []
    assert "not fitted" in body["model"] and "not fitted" in body["sentences"][0]


def test_a_viewer_gets_not_enough_data_from_importance_on_a_one_batch_project(api):
    response = api("viewer").get(IMPORTANCE, {"project": "alpha", "metric": "ff"})

    assert response.status_code == 200
    body = response.json()
    assert {"verdict", "parameters", "summary", "model", "method"} <= set(body)
    assert body["verdict"] == "not_enough_data" and body["parameters"] == []


@pytest.mark.parametrize("url", [VARIANCE, IMPORTANCE, PARAMETERS, PARTIAL, PLANNED, SUGGESTIONS])
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


def test_the_parameter_table_comes_with_a_unit_per_column(api):
    body = api("viewer").get(PARAMETERS, {"project": "alpha"}).json()

    assert body["n_devices"] == 8 and len(body["rows"]) == 8
    assert body["units"]["injection_temperature_c"] == "°C"
    assert body["units"]["glovebox_h2o_ppm"] == "ppm"
    assert body["units"]["pce_percent"] == "%" and body["units"]["recipe_family"] == ""
    assert body["rows"][0][body["columns"].index("device")] == "A-B1/CS1/P1"


def test_partial_dependence_on_one_batch_is_not_enough_data(api):
    body = api("viewer").get(PARTIAL, {"project": "alpha"}).json()

    assert body["curves"] == [] and not body["enough_data"]


@pytest.fixture
def generated(world):
    return make_project(world["projects"]["a"], world["users"]["owner"])


SPEC = {
    "project": "alpha",
    "metric": "pce_percent",
    "objective": "mean",
    "n": 2,
    "continuous": [{"name": "absorber_anneal_temperature_c", "low": 60, "high": 140}],
}


def test_a_member_computes_a_round_confirms_it_and_sees_it_planned(api, generated):
    member = api("colleague")
    created = member.post(SUGGESTIONS, SPEC, format="json")
    assert created.status_code == 201, created.content
    round_ = created.json()
    assert round_["code"] == "SUG-001" and len(round_["proposals"]) == 2
    assert round_["created_by"] == "colleague"

    sheet = member.get(f"{SUGGESTIONS}{round_['id']}/sheet/", {"batch": "P-9"})
    assert sheet.status_code == 200 and sheet["Content-Type"].startswith("application/vnd.openxml")
    assert 'filename="P-9.xlsx"' in sheet["Content-Disposition"]

    confirmed = member.post(
        f"{SUGGESTIONS}{round_['id']}/confirm/", {"batch": "P-9", "pixels": 2}, format="json"
    )
    assert confirmed.status_code == 201 and confirmed.json()["state"] == "planned"
    listed = member.get(SUGGESTIONS, {"project": "alpha"}).json()["results"]
    assert listed[0]["batch"] == "P-9"
    assert [p["variant"] for p in listed[0]["proposals"]] == ["P-9/V1", "P-9/V2"]
    planned = member.get(PLANNED, {"project": "alpha"}).json()
    assert [v["variant"] for v in planned["variants"]] == ["P-9/V1", "P-9/V2"]
    assert planned["calibration"]["n"] == 0  # nothing measured yet
    again = member.post(f"{SUGGESTIONS}{round_['id']}/confirm/", {"batch": "P-10"}, format="json")
    assert again.status_code == 400 and "already planned" in str(again.json())


def test_a_viewer_may_read_rounds_but_not_compute_or_confirm_one(api, generated):
    round_ = api("owner").post(SUGGESTIONS, SPEC, format="json").json()
    viewer = api("viewer")

    assert viewer.get(f"{SUGGESTIONS}{round_['id']}/").status_code == 200
    assert viewer.post(SUGGESTIONS, SPEC, format="json").status_code == 403
    assert viewer.post(f"{SUGGESTIONS}{round_['id']}/confirm/", {}).status_code == 403


def test_an_outsider_gets_404_for_a_round_of_another_project(api, generated):
    round_ = api("owner").post(SUGGESTIONS, SPEC, format="json").json()
    outsider = api("outsider")

    for suffix in ("", "sheet/"):
        response = outsider.get(f"{SUGGESTIONS}{round_['id']}/{suffix}")
        assert response.status_code == 404 and "SUG-001" not in response.content.decode()
    assert outsider.post(f"{SUGGESTIONS}{round_['id']}/confirm/", {}).status_code == 404


def test_a_round_on_too_little_data_is_refused_in_words(api):
    response = api("owner").post(SUGGESTIONS, {**SPEC, "continuous": []}, format="json")

    assert response.status_code == 400 and "choose at least one parameter" in str(response.json())


@pytest.mark.parametrize("body", [[1, 2], "text", 4])
def test_a_body_that_is_not_an_object_is_refused_in_words(api, body):
    response = api("owner").post(SUGGESTIONS, body, format="json")

    assert response.status_code == 400 and "object of fields" in str(response.json())
