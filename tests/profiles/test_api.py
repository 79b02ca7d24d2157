"""Instrument profiles through the API: scoped CRUD, versions, YAML round trip, uploads read by
a profile (imported from YAML, matched, or named), re-reading after an edit, the preview."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile

from analysis.models import JVResult
from measurements.models import InstrumentProfile, Measurement, Status

DATA = Path(__file__).resolve().parents[1] / "data" / "profiles"
URL = "/api/v1/instrument-profiles/"

STATION7 = {
    "kind": "jv",
    "instrument": "station 7",
    "delimiter": "tab",
    "columns": [
        {"column": 1, "quantity": "voltage", "unit": "mV"},
        {"column": 2, "quantity": "current", "unit": "mA"},
    ],
    "match": {"filename": "station7_*.ivx"},
}

STATION7_YAML = """\
name: station7
kind: jv
instrument: station 7 (LabVIEW, no header)
delimiter: tab
columns:
  - {column: 1, quantity: voltage, unit: mV}
  - {column: 2, quantity: current, unit: mA}
match:
  filename: "station7_*.ivx"
"""


def _upload(client, name: str, device, **extra):
    body = {"file": SimpleUploadedFile(name, (DATA / name).read_bytes()), "device": device.code}
    return client.post("/api/v1/measurements/", {**body, **extra}, format="multipart")


def _create(client, project="alpha", code="station7", definition=STATION7):
    return client.post(
        URL, {"project": project, "code": code, "definition": definition}, format="json"
    )


def test_a_yaml_profile_imported_reads_the_next_upload_which_records_its_version_and_is_analysed(
    api, world, django_capture_on_commit_callbacks
):
    client = api("owner")
    imported = client.post(URL + "import/", {"project": "alpha", "yaml": STATION7_YAML})
    assert imported.status_code == 201, imported.json()
    assert imported.json()["version"] == 1 and imported.json()["kind"] == "jv"

    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, "station7_run1.ivx", world["a"].devices[0])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["format"] == "profile station7 v1"
    assert body["found"]["profile"] == {"code": "station7", "version": 1}
    measurement = Measurement.objects.get(pk=body["id"])
    assert measurement.profile_version.version == 1
    assert measurement.profile_version.profile.code == "station7"
    # Analysed through the profile: the curve in mV and mA became a J-V with a Voc near 0.78 V.
    assert measurement.status == Status.SUCCEEDED, measurement.error
    result = JVResult.objects.get(measurement=measurement)
    assert 0.7 < result.voc_v < 0.85


def test_a_file_no_profile_matches_is_still_read_by_the_built_in_readers(api, world):
    client = api("owner")
    assert _create(client).status_code == 201
    jv = Path(__file__).resolve().parents[1] / "data" / "synthetic" / "jv_example_a.txt"
    response = client.post(
        "/api/v1/measurements/",
        {
            "file": SimpleUploadedFile("a.txt", jv.read_bytes()),
            "device": world["a"].devices[0].code,
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert not response.json()["format"].startswith("profile")
    assert Measurement.objects.get(pk=response.json()["id"]).profile_version is None


def test_an_upload_naming_a_profile_is_read_by_it_without_a_match_rule(api, world):
    client = api("owner")
    bare = {k: v for k, v in STATION7.items() if k != "match"}
    assert _create(client, code="bare-iv", definition=bare).status_code == 201
    refused = _upload(client, "station7_run1.ivx", world["a"].devices[0])
    assert refused.status_code == 400  # no rule: the built-in readers cannot place it
    assert "teach cqdlab" in refused.json()["error"]
    named = _upload(client, "station7_run1.ivx", world["a"].devices[0], profile="bare-iv")
    assert named.status_code == 201, named.json()
    assert named.json()["format"] == "profile bare-iv v1"
    unknown = _upload(client, "station7_run2.ivx", world["a"].devices[1], profile="nope")
    assert unknown.status_code == 400 and unknown.json()["profile"] == [
        "No instrument profile 'nope' in this project."
    ]


def test_profiles_are_scoped_to_their_project(api, world):
    owner, outsider, viewer = api("owner"), api("outsider"), api("viewer")
    created = _create(owner)
    pk = created.json()["id"]
    assert outsider.get(URL + f"{pk}/").status_code == 404
    assert "station7" not in outsider.get(URL).content.decode()
    assert outsider.get(URL + f"{pk}/yaml/").status_code == 404
    # An outsider may not create one in project A, nor a viewer.
    assert _create(outsider, code="x").status_code in (400, 403)
    assert _create(viewer, code="y").status_code == 403
    assert viewer.get(URL + f"{pk}/").status_code == 200
    assert viewer.patch(URL + f"{pk}/", {"name": "z"}, format="json").status_code == 403
    assert viewer.delete(URL + f"{pk}/").status_code == 403
    # A profile of project B never reads an upload to project A.
    assert _create(api("outsider"), project="beta", code="b-station").status_code == 201
    assert InstrumentProfile.objects.filter(project__code="beta").count() == 1
    response = _upload(owner, "station7_run2.ivx", world["a"].devices[1])
    assert response.json()["format"] == "profile station7 v1"


def test_editing_a_profile_makes_a_new_version_and_keeps_the_old_one(api, world):
    client = api("owner")
    pk = _create(client).json()["id"]
    same = client.patch(URL + f"{pk}/", {"definition": STATION7}, format="json")
    assert same.json()["version"] == 1  # the same definition is no new version
    changed = {**STATION7, "header": {"area": {"regex": r"area\s*=\s*([\d.]+)"}}}
    response = client.patch(URL + f"{pk}/", {"definition": changed}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2
    assert [v["version"] for v in response.json()["versions"]] == [1, 2]
    assert client.delete(URL + f"{pk}/").status_code == 204


def test_a_profile_that_read_a_measurement_cannot_be_deleted(api, world):
    client = api("owner")
    pk = _create(client).json()["id"]
    assert _upload(client, "station7_run1.ivx", world["a"].devices[0]).status_code == 201
    response = client.delete(URL + f"{pk}/")
    assert response.status_code == 409
    assert "still refer to it" in response.json()["error"]


def test_validation_errors_name_the_field(api, world):
    client = api("owner")
    bad_unit = {**STATION7, "columns": [{"column": 1, "quantity": "voltage", "unit": "kV"}]}
    response = _create(client, definition=bad_unit)
    assert response.status_code == 400
    assert "columns[1].unit: 'kV' is no unit of voltage" in str(response.json())
    bad_regex = {**STATION7, "match": {"fingerprint": "(a+)+$"}}
    response = _create(client, code="r", definition=bad_regex)
    assert response.status_code == 400 and "match.fingerprint" in str(response.json())
    imported = client.post(URL + "import/", {"project": "alpha", "yaml": "name: x\nkind: [oops"})
    assert imported.status_code == 400 and "not valid YAML" in imported.json()["error"]
    tagged = client.post(
        URL + "import/", {"project": "alpha", "yaml": "!!python/object/apply:os.system ['id']"}
    )
    assert tagged.status_code == 400  # safe_load: a tag is no way to run code


def test_yaml_export_imports_back_to_the_same_definition(api, world):
    client = api("owner")
    definition = {
        **STATION7,
        "header": {"irradiance": {"key": "Lamp", "unit": "W/m2"}},
        "data": {"start": 3, "stop": "^END"},
        "blocks": {"split": "blank", "per": "scan"},
    }
    pk = _create(client, definition=definition).json()["id"]
    exported = client.get(URL + f"{pk}/yaml/")
    assert exported.status_code == 200 and exported["Content-Type"] == "application/yaml"
    text = exported.content.decode()
    assert yaml.safe_load(text)["name"] == "station7"
    original = InstrumentProfile.objects.get(pk=pk)
    text = text.replace("name: station7\n", "name: station7-copy\n")
    imported = client.post(URL + "import/", {"project": "alpha", "yaml": text})
    assert imported.status_code == 201, imported.json()
    copy = InstrumentProfile.objects.get(code="station7-copy")
    assert {**copy.definition, "name": "station7"} == original.definition
    # Importing the same name again is a new version of it, not a second profile.
    again = client.post(URL + "import/", {"project": "alpha", "yaml": text.replace("mV", "V")})
    assert again.status_code == 200 and again.json()["version"] == 2


def test_rereading_after_an_edit_reads_the_old_files_with_the_new_version(
    api, world, django_capture_on_commit_callbacks
):
    client = api("owner")
    wrong = {**STATION7, "columns": [
        {"column": 1, "quantity": "voltage", "unit": "V"},
        {"column": 2, "quantity": "current", "unit": "mA"},
    ]}  # fmt: skip
    pk = _create(client, definition=wrong).json()["id"]
    uploaded = _upload(client, "station7_run1.ivx", world["a"].devices[0]).json()
    measurement = Measurement.objects.get(pk=uploaded["id"])
    assert measurement.profile_version.version == 1
    fixed = client.patch(URL + f"{pk}/", {"definition": STATION7}, format="json")
    assert fixed.json()["version"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL + f"{pk}/reread/")
    assert response.status_code == 202, response.json()
    assert response.json()["queued"] == [measurement.code]
    measurement.refresh_from_db()
    assert measurement.profile_version.version == 2
    assert measurement.format == "profile station7 v2"
    assert measurement.status == Status.SUCCEEDED, measurement.error
    assert 0.7 < JVResult.objects.get(measurement=measurement).voc_v < 0.85
    assert api("viewer").post(URL + f"{pk}/reread/").status_code == 403


def test_the_preview_shows_the_table_and_the_analysis_and_stores_nothing(api, world):
    client = api("owner")
    response = client.post(
        URL + "preview/",
        {
            "file": SimpleUploadedFile("p.txt", (DATA / "pixels_blocks.txt").read_bytes()),
            "definition": json.dumps(yaml.safe_load((DATA / "pixels.yaml").read_text())),
        },
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["read"] is True and body["kind"] == "jv"
    assert body["found"]["pixels"] == ["1", "2", "3"] and body["found"]["area_cm2"] == 0.045
    assert body["table"]["curves"][0]["columns"] == ["voltage_v", "current_density_ma_cm2"]
    labels = [row["label"] for row in body["analysis"]["rows"]]
    assert len(labels) == 3, body["analysis"]
    figures = dict((f[0], f[1]) for f in body["analysis"]["rows"][0]["figures"])
    assert any("PCE" in name for name in figures)
    assert not Measurement.objects.exists()


def test_a_preview_with_a_bad_line_names_it(api, world):
    client = api("owner")
    text = (DATA / "station7_run1.ivx").read_text().splitlines()
    text[4] = "700.0\tabc"
    response = client.post(
        URL + "preview/",
        {
            "file": SimpleUploadedFile("s.ivx", "\n".join(text).encode()),
            "definition": json.dumps(STATION7),
        },
        format="multipart",
    )
    assert response.json()["read"] is False
    assert response.json()["line"] == 5
    assert response.json()["error"] == "line 5: 'abc' is not a number"


@pytest.mark.parametrize("persona", ["viewer", "outsider"])
def test_others_cannot_reread_or_import_into_project_a(api, world, persona):
    pk = _create(api("owner")).json()["id"]
    client = api(persona)
    assert client.post(URL + f"{pk}/reread/").status_code in (403, 404)
    response = client.post(URL + "import/", {"project": "alpha", "yaml": STATION7_YAML})
    assert response.status_code in (400, 403)
    assert InstrumentProfile.objects.count() == 1


def test_a_zip_and_the_folder_import_are_read_by_the_matching_profile(api, world, tmp_path):
    import io
    import zipfile

    from django.core.management import call_command

    client = api("owner")
    assert _create(client).status_code == 201
    a = world["a"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            f"{a.devices[0].code}/station7_run1.ivx", (DATA / "station7_run1.ivx").read_bytes()
        )
    response = client.post(
        "/api/v1/measurements/bulk/",
        {"file": SimpleUploadedFile("day.zip", buffer.getvalue())},
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    line = response.json()["files"][0]
    assert line["status"] == "created" and line["format"] == "profile station7 v1"
    assert line["target_type"] == "device" and line["target_id"] == a.devices[0].pk

    folder = tmp_path / a.devices[1].code
    folder.mkdir(parents=True)
    (folder / "station7_run2.ivx").write_bytes((DATA / "station7_run2.ivx").read_bytes())
    call_command("import_measurements", str(tmp_path), user="owner", stdout=io.StringIO())
    imported = Measurement.objects.get(original_filename="station7_run2.ivx")
    assert imported.device == a.devices[1]
    assert imported.profile_version.profile.code == "station7"


def test_an_admin_edit_of_the_definition_is_a_new_version_and_a_bad_one_is_refused(api, world):
    from django.contrib.auth.models import Permission
    from django.test import Client

    owner = world["users"]["owner"]
    owner.user_permissions.set(Permission.objects.filter(content_type__app_label="measurements"))
    pk = _create(api("owner")).json()["id"]
    client = Client()
    client.force_login(owner)
    url = f"/admin/measurements/instrumentprofile/{pk}/change/"
    assert client.get(url).status_code == 200
    changed = {**STATION7, "delimiter": "whitespace"}
    form = {"code": "station7", "name": "", "definition": json.dumps(changed)}
    assert client.post(url, form).status_code == 302
    profile = InstrumentProfile.objects.get(pk=pk)
    assert profile.version == 2 and profile.definition["delimiter"] == "whitespace"
    assert [v.version for v in profile.versions.all()] == [1, 2]
    bad = {**form, "definition": json.dumps({**changed, "decimal": ";"})}
    response = client.post(url, bad)
    assert (
        response.status_code == 200 and "decimal: the decimal mark is" in response.content.decode()
    )
    assert InstrumentProfile.objects.get(pk=pk).version == 2
