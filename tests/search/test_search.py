"""Search across the user's projects: by code, batch name, recipe and ligand, synthesis lots,
chemicals and notes, grouped by type, and never another project's objects."""

from __future__ import annotations

import pytest

from fabrication.models import Batch, Chemical, LigandExchangeRecipe, SynthesisPrecursor
from notebook.search import search
from notebook.services import add_note

pytestmark = pytest.mark.django_db


def _groups(user, q: str) -> dict[str, list[str]]:
    return {g.key: [h.title for h in g.hits] for g in search(user, q)}


def test_pbi2_finds_the_recipe_its_inks_and_the_batches_made_with_them(world):
    owner = world["users"]["owner"]
    found = _groups(owner, "PbI2")
    assert found["recipe"] == ["A-LX-v1"]
    assert found["batch"] == ["A-B1"]
    assert found["ink"] == ["A-RUN1"]
    assert sorted(found["variant"]) == ["A-B1/C", "A-B1/T"]
    assert "B-B1" not in str(found)  # the outsider's lab uses PbI2 too


def test_a_recipe_family_or_a_ligand_finds_its_recipes(world):
    owner = world["users"]["owner"]
    LigandExchangeRecipe.objects.create(
        project=world["projects"]["a"],
        code="A-LXBA-v2",
        family_code="LX-BA2PbI4",
        version=2,
        name="2D shell",
        ligand_family="(BA)2PbI4",
    )
    assert _groups(owner, "LX-BA2PbI4")["recipe"] == ["A-LXBA-v2"]
    assert _groups(owner, "(BA)2PbI4")["recipe"] == ["A-LXBA-v2"]
    assert _groups(owner, "oleic")["synthesis"] == ["A-PbS-1180"]  # capping ligand


def test_a_batch_name_finds_the_batch(client, world):
    a = world["a"]
    Batch.objects.filter(pk=a.batch.pk).update(name="Damp-heat series June")
    client.force_login(world["users"]["colleague"])
    body = client.get("/search/", {"q": "damp-heat"}).content.decode()
    assert f'href="/batches/{a.batch.pk}/"' in body and "Batches" in body


def test_a_synthesis_lot_and_a_chemical_lot_are_found(world):
    a = world["a"]
    lead = Chemical.objects.create(
        project=world["projects"]["a"], code="A-PBO", name="lead oxide", lot="MKCQ1234"
    )
    SynthesisPrecursor.objects.create(synthesis=a.synthesis, chemical=lead, amount=0.45)
    found = _groups(world["users"]["viewer"], "mkcq1234")
    assert found["chemical"] == ["A-PBO"] and found["synthesis"] == ["A-PbS-1180"]


def test_words_from_a_note_find_the_note_and_link_its_objects_page(client, world):
    a = world["a"]
    add_note(user=world["users"]["owner"], target=a.devices[1], body="Film hazy after exchange")
    client.force_login(world["users"]["viewer"])
    body = client.get("/search/", {"q": "hazy"}).content.decode()
    assert "Note on A-B1/TS1/P2" in body
    assert f'href="/devices/{a.devices[1].pk}/#notes"' in body


def test_an_exact_code_opens_its_page(client, world):
    a = world["a"]
    client.force_login(world["users"]["owner"])
    response = client.get("/search/", {"q": a.devices[2].code.lower()})
    assert response.status_code == 302 and response["Location"] == f"/devices/{a.devices[2].pk}/"


def test_another_projects_objects_and_notes_never_appear(client, world):
    a = world["a"]
    add_note(user=world["users"]["owner"], target=a.batch, body="secret delamination")
    client.force_login(world["users"]["outsider"])
    for q in ("A-B1", "secret delamination", "PbI2", "A-PbS"):
        response = client.get("/search/", {"q": q})
        body = response.content.decode()
        assert response.status_code == 200
        assert f"/batches/{a.batch.pk}/" not in body and "A-B1/TS1" not in body
        assert "A-PbS-1180" not in body and "Note on" not in body
    assert _groups(world["users"]["outsider"], "secret") == {}
    assert "B-B1" in str(_groups(world["users"]["outsider"], "PbI2"))  # his own are found


def test_results_are_grouped_by_type_on_the_page(client, world):
    client.force_login(world["users"]["owner"])
    body = client.get("/search/", {"q": "A-B1/"}).content.decode()
    for heading in ("Variants", "Substrates", "Devices"):
        assert f"<h2>{heading} " in body
    assert body.index("<h2>Variants") < body.index("<h2>Devices")


def test_nothing_found_says_where_search_looks(client, world):
    client.force_login(world["users"]["owner"])
    body = client.get("/search/", {"q": "unobtainium"}).content.decode()
    assert "Nothing in your projects matches" in body and "notes" in body
