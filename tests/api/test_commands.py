from io import StringIO
from pathlib import Path

from django.core.management import call_command

from measurements.models import Measurement

DATA = Path(__file__).resolve().parents[1] / "data"


def test_import_measurements_maps_folders_to_codes_and_reports_each_file(
    world, tmp_path, django_capture_on_commit_callbacks
):
    a = world["a"]
    device_dir = tmp_path / a.devices[0].code
    device_dir.mkdir(parents=True)
    (device_dir / "scan.txt").write_bytes((DATA / "synthetic" / "jv_example_a.txt").read_bytes())
    (device_dir / "junk.txt").write_bytes(b"nothing to read here")
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "import_measurements", str(tmp_path), "--user", "owner", stdout=out, stderr=StringIO()
        )
    text = out.getvalue()
    assert f"created   {a.devices[0].code}/scan.txt -> {a.devices[0].code} (jv" in text
    assert f"failed    {a.devices[0].code}/junk.txt" in text
    assert "1 created, 0 duplicate, 1 failed" in text
    assert Measurement.objects.get().status == "succeeded"


def test_reanalyse_queues_the_chosen_measurements_again(
    world, tmp_path, django_capture_on_commit_callbacks
):
    from measurements import services

    device = world["a"].devices[0]
    with django_capture_on_commit_callbacks(execute=True):
        m, _ = services.measurement_create(
            user=world["users"]["owner"],
            target=device,
            data=(DATA / "synthetic" / "jv_example_a.txt").read_bytes(),
            filename="a.txt",
        )
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reanalyse", "--batch", "A-B1", stdout=out)
    assert "1 measurement(s) queued" in out.getvalue()
    m.refresh_from_db()
    assert (m.status, m.attempts) == ("succeeded", 2)
