"""The exchange endpoints: readers download, managers import, outsiders get 404 and see none
of another project's codes."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from .helpers import unpack

ELN = "application/vnd.eln+zip"


@pytest.fixture
def gamma(filled):
    from core.models import Membership, Project

    project = Project.objects.create(code="gamma", name="Gamma")
    users = filled["users"]
    Membership.objects.create(project=project, user=users["owner"], role="manager")
    Membership.objects.create(project=project, user=users["colleague"], role="member")
    Membership.objects.create(project=project, user=users["viewer"], role="viewer")
    return project


def test_a_viewer_downloads_the_batch_and_the_project_as_eln_files(filled, api):
    client = api("viewer")
    batch = client.get("/api/v1/batches/A-B1/eln/")
    assert batch.status_code == 200 and batch["Content-Type"] == ELN
    assert 'filename="cqdlab-A-B1' in batch["Content-Disposition"]
    top, meta, _, _ = unpack(batch.content)
    assert top.startswith("cqdlab-A-B1")
    publisher = next(n for n in meta["@graph"] if n["@id"] == "#cqdlab-publisher")
    assert publisher["url"] == "http://testserver/"
    project = client.get("/api/v1/projects/alpha/eln/")
    assert project.status_code == 200
    assert unpack(project.content)[0] == "cqdlab-alpha"


def test_an_outsider_gets_404_naming_nothing_of_the_other_project(filled, api):
    client = api("outsider")
    for url in (
        "/api/v1/batches/A-B1/eln/",
        "/api/v1/projects/alpha/eln/",
        "/api/v1/projects/alpha/nomad/?format=json",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"A-B1" not in response.content and b"alpha" not in response.content
    response = client.post(
        "/api/v1/projects/alpha/eln/import/", {"file": SimpleUploadedFile("x.eln", b"PK")}
    )
    assert response.status_code == 404
    assert api(None).get("/api/v1/projects/alpha/eln/").status_code in (401, 403)


def test_a_manager_imports_through_the_api_and_members_and_viewers_may_not(
    filled, api, gamma, django_capture_on_commit_callbacks
):
    from fabrication.models import Device
    from measurements.models import Measurement

    eln = api("owner").get("/api/v1/projects/alpha/eln/").content
    url = "/api/v1/projects/gamma/eln/import/"
    for persona in ("viewer", "colleague"):
        refused = api(persona).post(url, {"file": SimpleUploadedFile("a.eln", eln)})
        assert refused.status_code == 403
        assert "manager" in refused.json()["detail"]
    assert api("owner").post(url, {}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        made = api("owner").post(url, {"file": SimpleUploadedFile("a.eln", eln)})
    assert made.status_code == 201, made.content
    assert made.json()["created"]["Device"] == 8
    assert Device.objects.filter(project=gamma, code="A-B1/TS1/P1").exists()
    assert Measurement.objects.filter(project=gamma, status="succeeded").count() == 10
    # Again: gamma is no longer empty.
    again = api("owner").post(url, {"file": SimpleUploadedFile("a.eln", eln)})
    assert again.status_code == 409 and "not empty" in again.json()["error"]


def test_the_contracts_import_door_takes_the_file_and_the_project_as_form_fields(
    filled, api, gamma, django_capture_on_commit_callbacks
):
    from fabrication.models import Device

    eln = api("owner").get("/api/v1/batches/A-B1/eln/").content
    url = "/api/v1/eln-imports/"
    missing = api("owner").post(url, {"file": SimpleUploadedFile("a.eln", eln)})
    assert missing.status_code == 400 and "project" in missing.json()["error"]
    member = api("colleague").post(
        url, {"file": SimpleUploadedFile("a.eln", eln), "project": "gamma"}
    )
    assert member.status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        made = api("owner").post(
            url, {"file": SimpleUploadedFile("a.eln", eln), "project": "gamma"}
        )
    assert made.status_code == 201, made.content
    assert Device.objects.filter(project=gamma, code="A-B1/TS1/P1").exists()
    outsider = api("outsider").post(
        url, {"file": SimpleUploadedFile("a.eln", eln), "project": "gamma"}
    )
    assert outsider.status_code == 404


def test_a_refused_file_answers_400_with_the_reason(filled, api, gamma):
    response = api("owner").post(
        "/api/v1/projects/gamma/eln/import/",
        {"file": SimpleUploadedFile("a.eln", b"not a zip at all")},
    )
    assert response.status_code == 400
    assert "not a readable .eln" in response.json()["error"]


def test_the_import_command_imports_into_an_empty_project(filled, gamma, tmp_path):
    from django.core.management import CommandError, call_command

    from exchange.export import export_project
    from fabrication.models import Batch

    path = tmp_path / "alpha.eln"
    path.write_bytes(export_project(filled["projects"]["a"]))
    out = io.StringIO()
    with pytest.raises(CommandError, match="does not manage"):
        call_command("import_eln", str(path), project="gamma", user="colleague")
    call_command("import_eln", str(path), project="gamma", user="owner", stdout=out)
    assert "Imported into gamma" in out.getvalue() and "8 Device" in out.getvalue()
    assert Batch.objects.filter(project=gamma, code="A-B1").exists()
    with pytest.raises(CommandError, match="not empty"):
        call_command("import_eln", str(path), project="gamma", user="owner")


def test_the_nomad_export_answers_csv_and_json_for_readers(filled, api):
    client = api("viewer")
    as_csv = client.get("/api/v1/projects/alpha/nomad/?format=csv")
    assert as_csv.status_code == 200 and as_csv["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode())))
    assert len(rows) == 8 and rows[0]["Ref_internal_sample_id"] == "A-B1/CS1/P1"
    as_json = client.get("/api/v1/projects/alpha/nomad/?format=json")
    assert as_json.status_code == 200
    body = as_json.json()
    assert body["fields"][0] == "Ref_internal_sample_id" and len(body["devices"]) == 8


def test_the_batch_page_links_the_downloads_and_the_links_work(filled):
    import re

    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(filled["users"]["viewer"])
    page = client.get(reverse("batch", args=[filled["a"].batch.pk]))
    assert page.status_code == 200
    links = dict(
        re.findall(
            r'data-export="(eln|project-eln|nomad-csv)" href="([^"]+)"', page.content.decode()
        )
    )
    assert set(links) == {"eln", "project-eln", "nomad-csv"}
    eln = client.get(links["eln"])
    assert eln.status_code == 200 and eln["Content-Type"] == ELN
    assert unpack(eln.content)[0].startswith("cqdlab-A-B1")
    table = client.get(links["nomad-csv"].replace("&amp;", "&"))
    assert table.status_code == 200 and b"JV_reverse_scan_PCE" in table.content
