"""Forward and reverse files of one device, uploaded apart and analysed by the real worker
(Redis, PostgreSQL), pair into a hysteresis index that the device page shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from analysis.models import JVResult

from ..workers import wait_for_status
from .conftest import login

DATA = Path(__file__).resolve().parents[1] / "data"

pytestmark = [pytest.mark.browser, pytest.mark.flow, pytest.mark.django_db(transaction=True)]


def _forward_copy() -> bytes:
    """The reverse scan swept the other way one minute later, with 5 % less current."""
    lines = (DATA / "synthetic" / "jv_example_a.txt").read_text().splitlines()
    header = [h.replace("reverse", "forward").replace("14:22:00", "14:23:00") for h in lines[:8]]
    rows = [
        f"{v}\t{float(i) * 0.95:.8f}"
        for v, i in (line.split("\t") for line in reversed(lines[8:]) if line.strip())
    ]
    return ("\n".join(header + rows) + "\n").encode()


@pytest.mark.usefixtures("worker")
def test_separate_forward_and_reverse_files_show_a_hysteresis_index_on_the_device_page(
    page, world, api
):
    device = world["a"].devices[0]
    client = api("owner")
    ids = []
    for name, data in (
        ("reverse.txt", (DATA / "synthetic" / "jv_example_a.txt").read_bytes()),
        ("forward.txt", _forward_copy()),
    ):
        response = client.post(
            "/api/v1/measurements/",
            {"file": SimpleUploadedFile(name, data), "device": device.code},
            format="multipart",
        )
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
    assert set(wait_for_status(ids).values()) == {"succeeded"}
    rows = {r.scan_direction: r for r in JVResult.objects.filter(device=device)}
    expected = (rows["reverse"].pce_percent - rows["forward"].pce_percent) / rows[
        "reverse"
    ].pce_percent
    assert rows["reverse"].hi_pce == pytest.approx(expected, abs=1e-9)

    login(page, "owner", "owner-pass-123")
    page.goto(f"{page.base}/devices/{device.pk}/")
    cells = page.locator("td.hysteresis").all_inner_texts()
    assert f"{expected:.3f}" in [c.strip() for c in cells]
