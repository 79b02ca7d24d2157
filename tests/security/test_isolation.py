"""Every page and endpoint as owner, colleague, viewer, outsider and anonymous."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import Membership
from measurements import services
from measurements.models import Measurement

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def lab(world, django_capture_on_commit_callbacks):
    a = world["a"]
    with django_capture_on_commit_callbacks(execute=True):
        m, _ = services.measurement_create(
            user=world["users"]["owner"],
            target=a.devices[0],
            data=(DATA / "synthetic" / "jv_example_a.txt").read_bytes(),
            filename="a.txt",
        )
    return a, m


def _pages(a, m) -> list[str]:
    return [
        f"/batches/{a.batch.id}/",
        f"/batches/{a.batch.id}/?export=csv&table=devices",
        f"/devices/{a.devices[0].id}/",
        f"/syntheses/{a.synthesis.id}/",
        f"/measurements/{m.id}/raw/",
    ]


def _api(a, m) -> list[str]:
    return [
        f"/api/v1/devices/{a.devices[0].id}/",
        f"/api/v1/batches/{a.batch.code}/",
        f"/api/v1/syntheses/{a.synthesis.id}/",
        f"/api/v1/recipes/{a.recipe.id}/",
        f"/api/v1/ligand-exchanges/{a.run.id}/",
        f"/api/v1/films/{a.film.id}/",
        f"/api/v1/measurements/{m.id}/",
        f"/api/v1/measurements/{m.id}/raw/",
    ]


EXPECTED = {"owner": 200, "colleague": 200, "viewer": 200, "outsider": 404}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_pages_answer_by_role_and_404_outside_the_project(client, world, lab, who):
    client.force_login(world["users"][who])
    for url in _pages(*lab):
        assert client.get(url).status_code == EXPECTED[who], url


def test_pages_send_anonymous_users_to_the_login(client, lab):
    for url in _pages(*lab):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


@pytest.mark.parametrize("who", list(EXPECTED))
def test_api_details_answer_by_role_and_404_outside_the_project(api, lab, who):
    client = api(who)
    for url in _api(*lab):
        assert client.get(url).status_code == EXPECTED[who], url


def test_api_refuses_anonymous_requests(api, lab):
    for url in _api(*lab):
        assert api(None).get(url).status_code == 401, url


def test_an_outsider_cannot_change_or_reanalyse_another_projects_objects(api, lab):
    a, m = lab
    client = api("outsider")
    assert client.patch(f"/api/v1/devices/{a.devices[0].id}/", {"pixel": "Z"}).status_code == 404
    assert client.delete(f"/api/v1/batches/{a.batch.id}/").status_code == 404
    assert client.post(f"/api/v1/measurements/{m.id}/reanalyse/").status_code == 404
    a.devices[0].refresh_from_db()
    assert a.devices[0].pixel == "P1"


def test_a_viewer_can_read_but_not_change(api, client, world, lab):
    a, m = lab
    viewer = api("viewer")
    assert viewer.patch(f"/api/v1/devices/{a.devices[0].id}/", {"pixel": "Z"}).status_code == 403
    assert viewer.post(f"/api/v1/measurements/{m.id}/reanalyse/").status_code == 403
    client.force_login(world["users"]["viewer"])
    response = client.post(
        f"/devices/{a.devices[0].id}/status/", {"status": "excluded", "reason": "x"}
    )
    assert response.status_code == 403
    a.devices[0].refresh_from_db()
    assert a.devices[0].status == "ok"


def test_a_colleague_marks_a_device_excluded_with_a_reason(client, world, lab):
    a, _ = lab
    client.force_login(world["users"]["colleague"])
    client.post(f"/devices/{a.devices[0].id}/status/", {"status": "excluded", "reason": ""})
    a.devices[0].refresh_from_db()
    assert a.devices[0].status == "ok"  # a reason is required
    client.post(
        f"/devices/{a.devices[0].id}/status/", {"status": "excluded", "reason": "Au delaminated"}
    )
    a.devices[0].refresh_from_db()
    assert (a.devices[0].status, a.devices[0].status_reason) == ("excluded", "Au delaminated")
    assert a.devices[0].status_set_by == world["users"]["colleague"]
    assert a.devices[0].history.count() >= 2


def test_search_finds_only_the_users_objects(client, world, lab):
    client.force_login(world["users"]["outsider"])
    body = client.get("/search/", {"q": "A-B1"}).content.decode()
    assert "A-B1/TS1/P1" not in body


def test_the_status_endpoint_hides_other_projects_measurements(client, world, lab):
    _, m = lab
    client.force_login(world["users"]["outsider"])
    assert client.get("/measurements/status/", {"ids": str(m.id)}).json() == {"measurements": []}


def test_search_and_manifests_survive_control_characters(client, api, world, lab):
    import io
    import zipfile

    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world["users"]["owner"])
    assert client.get("/search/", {"q": "A-B1\x00"}).status_code == 302  # exact: redirect
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("a.txt", b"1")
        z.writestr("manifest.csv", "file,device\na.txt,A\x00B\n")
    body = (
        api("owner")
        .post(
            "/api/v1/measurements/bulk/",
            {"file": SimpleUploadedFile("z.zip", buffer.getvalue())},
            format="multipart",
        )
        .json()
    )
    assert body["files"][0]["status"] == "failed"


def _archive(files: dict[str, bytes]) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
    return SimpleUploadedFile("m.zip", buffer.getvalue(), content_type="application/zip")


JV = (DATA / "synthetic" / "jv_example_a.txt").read_bytes()


def _bulk(client, **data):
    return client.post("/api/v1/measurements/bulk/", data, format="multipart")


def test_a_viewer_cannot_bulk_upload_to_a_default_target(api, world):
    response = _bulk(api("viewer"), file=_archive({"a.txt": JV}), device=world["a"].devices[0].id)
    assert response.status_code == 403
    assert Measurement.objects.count() == 0


def test_a_viewer_cannot_bulk_upload_through_a_manifest_or_folders(api, world):
    device = world["a"].devices[0].code
    files = {"a.txt": JV, "manifest.csv": f"file,device\na.txt,{device}\n".encode()}
    assert _bulk(api("viewer"), file=_archive(files)).status_code == 403
    assert _bulk(api("viewer"), file=_archive({f"{device}/a.txt": JV})).status_code == 403
    assert Measurement.objects.count() == 0


def test_a_viewer_in_a_who_writes_in_b_cannot_reach_a_through_bulk(api, world):
    viewer = world["users"]["viewer"]
    Membership.objects.create(project=world["projects"]["b"], user=viewer, role="member")
    a_device, b_device = world["a"].devices[0], world["b"].devices[0]
    client = api("viewer")
    default = _bulk(client, file=_archive({"a.txt": JV}), device=a_device.code)
    assert default.status_code == 403 and a_device.code in default.json()["error"]
    manifest = f"file,device\na.txt,{a_device.code}\nb.txt,{b_device.code}\n"
    files = {"a.txt": JV, "b.txt": JV + b" ", "manifest.csv": manifest.encode()}
    body = _bulk(client, file=_archive(files)).json()
    lines = {line["file"]: line for line in body["files"]}
    assert lines["a.txt"]["status"] == "failed"
    assert lines["b.txt"]["status"] == "created"
    by_folder = _bulk(client, file=_archive({f"{a_device.code}/c.txt": JV + b"  "})).json()
    assert by_folder["files"][0]["status"] == "failed"
    assert not Measurement.objects.filter(project=world["projects"]["a"]).exists()


def test_a_member_uploads_in_bulk_to_his_project(api, world):
    body = _bulk(
        api("colleague"), file=_archive({"a.txt": JV}), device=world["a"].devices[0].id
    ).json()
    assert body["counts"]["created"] == 1


def test_a_raw_file_name_cannot_bend_the_download_header(api, world, client, lab):
    _, measurement = lab
    # As typed on some instrument PC: quotes, a separator, a line separator, an accent.
    name = 'evil";\u2028X-Injected: yes; ü.txt'
    Measurement.objects.filter(pk=measurement.pk).update(original_filename=name)
    client.force_login(world["users"]["owner"])
    for response in (
        api("owner").get(f"/api/v1/measurements/{measurement.id}/raw/"),
        client.get(f"/measurements/{measurement.id}/raw/"),
    ):
        header = response["Content-Disposition"]
        assert header.isascii() and "X-Injected: yes" not in header
        assert header.startswith('attachment; filename="evil___X-Injected_ yes_ u.txt";')
        assert header.endswith("filename*=UTF-8''evil___X-Injected_%20yes_%20%C3%BC.txt")
        assert not response.has_header("X-Injected")
        assert b"".join(response.streaming_content) == JV
