"""cqdlab-client against a live server: token login, uploads routed by device code, results read
back as a DataFrame with the synthetic files' known Voc, and the server's refusals as errors."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from fabrication.models import Device

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "clients" / "cqdlab-client" / "src"))

from cqdlab_client import Client, CqdlabError, device_code_candidates  # noqa: E402

SYNTHETIC = ROOT / "tests" / "data" / "synthetic"
TRUTH = json.loads((SYNTHETIC / "truth.json").read_text())

live = pytest.mark.django_db(transaction=True)


def _login(live_server, name: str = "colleague") -> Client:
    return Client.login(live_server.url, name, f"{name}-pass-123")


def _jv_folder(tmp_path: Path) -> Path:
    """The two synthetic J-V files, named for devices A-B1/TS1/P1 and A-B1/TS1/P2."""
    folder = tmp_path / "jv"
    folder.mkdir()
    shutil.copy(SYNTHETIC / "jv_example_a.txt", folder / "A-B1_TS1_P1.jv_example_a.txt")
    shutil.copy(SYNTHETIC / "jv_example_b.csv", folder / "A-B1_TS1_P2_light.csv")
    return folder


def test_it_reads_device_codes_from_file_names_longest_first():
    assert device_code_candidates("B2025-06-16_S1_P4.reverse.jv.txt") == [
        "B2025-06-16/S1/P4",
        "B2025-06-16/S1",
        "B2025-06-16",
    ]
    assert device_code_candidates("42_a.txt") == ["42/a"]
    assert device_code_candidates("_x.txt") == []


@live
def test_it_uploads_a_folder_by_device_code_and_reads_back_each_files_voc(
    live_server, world, tmp_path
):
    client = _login(live_server)
    outcomes = client.upload_folder(_jv_folder(tmp_path))

    assert [(o["outcome"], o["target"]) for o in outcomes] == [
        ("created", "A-B1/TS1/P1"),
        ("created", "A-B1/TS1/P2"),
    ]
    finished = client.wait([o["measurement"] for o in outcomes], timeout=30)
    assert [m["status"] for m in finished] == ["succeeded", "succeeded"]

    frame = client.results(kind="jv")
    assert {"measurement", "kind", "voc_v", "jsc_ma_cm2", "ff"} <= set(frame.columns)
    for outcome, name in zip(outcomes, ("jv_example_a.txt", "jv_example_b.csv"), strict=True):
        rows = frame[frame["measurement"] == outcome["measurement"]]
        assert len(rows) >= 1
        assert rows["voc_v"].iloc[0] == pytest.approx(TRUTH[name]["voc_v"], abs=0.002)
    by_device = client.results(device="A-B1/TS1/P2")
    assert by_device["voc_v"].iloc[0] == pytest.approx(
        TRUTH["jv_example_b.csv"]["voc_v"], abs=0.002
    )


@live
def test_it_reports_a_folder_uploaded_twice_as_already_stored(live_server, world, tmp_path):
    client = _login(live_server)
    folder = _jv_folder(tmp_path)
    first = client.upload_folder(folder, pattern="*.csv")
    again = client.upload_folder(folder, pattern="*.csv")

    assert [o["outcome"] for o in first] == ["created"]
    assert [o["outcome"] for o in again] == ["stored"]
    assert again[0]["measurement"] == first[0]["measurement"]
    assert len(client.list("measurements")) == 1


@live
def test_it_refuses_the_same_bytes_on_another_device_unless_confirmed(live_server, world, tmp_path):
    client = _login(live_server)
    path = _jv_folder(tmp_path) / "A-B1_TS1_P2_light.csv"
    client.upload(path, device="A-B1/TS1/P2")

    with pytest.raises(CqdlabError) as refused:
        client.upload(path, device="A-B1/TS1/P3")
    assert refused.value.status == 409
    assert "A-B1/TS1/P2" in refused.value.message or "A-B1/TS1/P2" in str(refused.value.body)
    confirmed = client.upload(path, device="A-B1/TS1/P3", confirm_duplicate=True)
    assert confirmed["created"] is True


@live
def test_it_raises_the_servers_message_for_a_file_it_cannot_read(live_server, world, tmp_path):
    client = _login(live_server)
    bad = tmp_path / "A-B1_TS1_P1.txt"
    bad.write_text("this is not a measurement\nat all\n")

    with pytest.raises(CqdlabError) as refused:
        client.upload(bad, device="A-B1/TS1/P1", kind="jv")
    assert refused.value.status == 400
    assert refused.value.file == str(bad)
    assert refused.value.message and "HTTP 400" in str(refused.value)
    assert client.list("measurements") == []  # nothing half-stored


@live
def test_it_records_refused_and_unrouted_files_without_stopping_the_folder(
    live_server, world, tmp_path
):
    folder = _jv_folder(tmp_path)
    (folder / "notes.txt").write_text("no device code here")
    viewer = _login(live_server, "viewer")

    outcomes = {Path(o["file"]).name: o for o in viewer.upload_folder(folder)}

    assert outcomes["notes.txt"]["outcome"] == "unrouted"
    refused = outcomes["A-B1_TS1_P1.jv_example_a.txt"]
    assert (refused["outcome"], refused["http_status"]) == ("refused", 403)
    assert "member or manager" in refused["error"]
    assert outcomes["A-B1_TS1_P2_light.csv"]["outcome"] == "refused"


@live
def test_it_refuses_a_wrong_password_with_the_servers_answer(live_server, world):
    with pytest.raises(CqdlabError) as refused:
        Client.login(live_server.url, "colleague", "wrong-password")
    assert refused.value.status == 400
    assert refused.value.message


@live
def test_it_gets_objects_by_code_and_lists_every_page(live_server, world):
    substrate = world["a"].devices[0].substrate
    Device.objects.bulk_create(
        Device(
            project=substrate.project,
            code=f"A-B1/TS1/X{i}",
            substrate=substrate,
            pixel="X",
            active_area_cm2=0.05,
        )
        for i in range(60)
    )
    client = _login(live_server)

    assert client.get("devices", "A-B1/TS1/P1")["id"] == world["a"].devices[0].id
    assert len(client.list("devices")) == 68  # more than one page of 50
    frame = client.devices(batch="A-B1")
    assert len(frame) == 68 and "code" in frame.columns
    with pytest.raises(CqdlabError) as missing:
        client.get("devices", "B-B1/TS1/P1")  # the outsider's: unknown to this user
    assert missing.value.status == 404


@live
def test_it_reads_a_devices_losses_as_a_dict(live_server, world, tmp_path):
    client = _login(live_server)
    client.upload_folder(_jv_folder(tmp_path), pattern="*.txt")

    losses = client.losses("A-B1/TS1/P1")

    assert "sq_voc_v" in losses and "voc_deficit_v" in losses
