"""The Insights page: the analyses in words and figures, downloads, suggestion and planning
forms, and who may do what."""

from __future__ import annotations

import csv
import io

import pytest

from fabrication.models import Batch
from insights.models import SuggestionRound

from .generated import make_project

URL = "/insights/"
ANNEAL = "absorber_anneal_temperature_c"
pytestmark = pytest.mark.django_db


@pytest.fixture
def generated(world):
    # 18 variants in 6 batches: enough for the anneal to stand out of the ranking.
    return make_project(world["projects"]["a"], world["users"]["owner"], batches=6, variants=3)


def _suggest(client, **extra):
    form = {
        "action": "suggest", "project": "alpha", "objective": "mean", "n": "2",
        f"mode__{ANNEAL}": "vary", f"low__{ANNEAL}": "60", f"high__{ANNEAL}": "140", **extra,
    }  # fmt: skip
    return client.post(f"{URL}?project=alpha&metric=pce_percent", form)


def test_the_page_says_what_drives_pce_in_words_with_model_n_and_downloads(
    client, world, generated
):
    client.force_login(world["users"]["viewer"])

    response = client.get(URL, {"project": "alpha"})

    assert response.status_code == 200
    body = response.content.decode()
    variance = response.context["variance"]
    assert variance["fitted"] and variance["n_devices"] == 108  # the world's 8: not measured
    assert any("between substrates of the same batch" in s for s in variance["sentences"])
    importance = response.context["importance"]
    assert importance["verdict"] == "ranked"
    assert (
        importance["parameters"][0]["name"] == ANNEAL
        and importance["parameters"][0]["unit"] == "°C"
    )
    assert [c["parameter"] for c in response.context["partial"]["curves"]] == [ANNEAL]
    for element in ("fig-variance", "fig-importance", "fig-partial"):
        assert f'id="{element}"' in body
    assert "<script>" not in body  # figures travel as JSON script elements only
    assert "stands out: absorber_anneal_temperature_c" in body.replace("Stands", "stands")
    assert "table=parameters&export=csv" in body


def test_the_parameter_table_downloads_with_units_in_its_headers(client, world, generated):
    client.force_login(world["users"]["viewer"])

    response = client.get(URL, {"project": "alpha", "table": "parameters", "export": "csv"})

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    headers = [h.lower() for h in rows[0]]
    assert "absorber anneal temperature (°c)" in headers and "pce (%)" in headers
    assert "glovebox h2o (ppm)" in headers and "ink age (days)" in headers
    assert len(rows) == 1 + 116  # every device, measured or not
    json_rows = client.get(URL, {"project": "alpha", "table": "parameters", "export": "json"})
    assert "absorber_anneal_temperature (°C)" in json_rows.json()["columns"]


def test_a_one_batch_project_is_told_there_is_not_enough_data(client, world):
    client.force_login(world["users"]["owner"])

    body = client.get(URL, {"project": "alpha"}).content.decode()

    assert 'id="not-enough-data"' in body and "at least 30 devices in 4 batches" in body


def test_a_member_suggests_then_plans_a_batch_from_the_page(client, world, generated):
    client.force_login(world["users"]["colleague"])

    response = _suggest(client)
    assert response.status_code == 302 and response["Location"].endswith("#round-SUG-001")
    round_ = SuggestionRound.objects.get()
    assert round_.proposals.count() == 2 and round_.created_by.username == "colleague"
    page = client.get(URL, {"project": "alpha"}).content.decode()
    assert 'id="round-SUG-001"' in page and "Create planned batch" in page
    sheet = client.post(
        f"{URL}?project=alpha",
        {"action": "sheet", "project": "alpha", "round": round_.pk, "batch": "P-7"},
    )
    assert 'filename="P-7.xlsx"' in sheet["Content-Disposition"]
    assert not Batch.objects.filter(code="P-7").exists()  # a download writes nothing

    response = client.post(
        f"{URL}?project=alpha",
        {"action": "confirm", "project": "alpha", "round": round_.pk, "batch": "P-7",
         "substrates": "1", "pixels": "2"},
    )  # fmt: skip
    assert response.status_code == 302 and "planned=P-7" in response["Location"]
    assert Batch.objects.get(code="P-7").state == "planned"
    page = client.get(response["Location"]).content.decode()
    assert "Planned batch P-7 created" in page and 'id="calibration"' in page


def test_a_viewer_cannot_suggest_and_is_told_why(client, world, generated):
    client.force_login(world["users"]["viewer"])

    response = _suggest(client)

    assert response.status_code == 400 and "may not plan batches" in response.content.decode()
    assert not SuggestionRound.objects.exists()


def test_an_empty_choice_of_parameters_is_refused_in_words(client, world, generated):
    client.force_login(world["users"]["owner"])

    response = _suggest(client, **{f"mode__{ANNEAL}": ""})

    assert response.status_code == 400
    assert "choose at least one parameter" in response.content.decode()


def test_an_outsider_gets_404_for_the_project_and_his_own_project_by_default(client, world):
    client.force_login(world["users"]["outsider"])

    assert client.get(URL, {"project": "alpha"}).status_code == 404
    response = client.get(URL)
    assert response.status_code == 200 and response.context["project"].code == "beta"
    assert "A-B1" not in response.content.decode()
