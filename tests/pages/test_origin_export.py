"""The Origin-ready wide export: one worksheet of every curve of a selection, with Origin's
three header rows (long name, unit, comment), numbers as stored, nothing of another project."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.utils import timezone

from analysis.models import EQEResult, JVResult
from analysis.origin import Curve, wide_rows
from measurements.models import Measurement, RawFile

GRID = [-0.1, 0.0, 0.2, 0.4, 0.6]


def _result(device, curve: dict, model=JVResult, **extra):
    raw, _ = RawFile.objects.get_or_create(sha256="1" * 64, defaults={"size_bytes": 1, "file": "x"})
    n = Measurement.objects.filter(device=device).count()
    kind = "eqe" if model is EQEResult else "jv"
    m = Measurement.objects.create(
        project=device.project, code=f"M-{device.id}-{n}", kind=kind,
        device=device, raw_file=raw, original_filename=f"{device.pixel}.txt", status="succeeded",
        measured_at=timezone.now(),
    )  # fmt: skip
    if model is JVResult:
        extra = {"device": device, "measured_at": m.measured_at, **extra}
    return model.objects.create(measurement=m, analysis_version="t", curve=curve, index=0, **extra)


@pytest.fixture
def curves(world):
    a = world["a"].devices
    for k, device in enumerate(a[:2]):
        j = [-25.0 - k, -24.0 - k, -20.0 - k, -12.0 - k, 3.0 + k]
        _result(device, {"voltage_v": GRID, "current_density_ma_cm2": j}, scan_direction="reverse")
    return world


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_curves_on_one_grid_share_one_voltage_column(client, curves):
    client.force_login(curves["users"]["owner"])
    p1, p2 = curves["a"].devices[:2]
    rows = _csv(client.get("/export/origin/", {"devices": f"{p1.code},{p2.code}", "kind": "jv"}))
    assert rows[0] == ["Voltage", f"Current density {p1.code}", f"Current density {p2.code}"]
    assert rows[1] == ["V", "mA/cm²", "mA/cm²"]
    assert rows[2][0] == "" and rows[2][1].startswith(f"{p1.code}, reverse, P1.txt")
    data = [[float(v) for v in row] for row in rows[3:]]
    assert [r[0] for r in data] == GRID
    assert [r[1] for r in data] == [-25.0, -24.0, -20.0, -12.0, 3.0]
    assert [r[2] for r in data] == [-26.0, -25.0, -21.0, -13.0, 4.0]


def test_curves_on_different_grids_keep_their_own_x_columns(client, curves):
    device = curves["a"].devices[2]
    _result(device, {"voltage_v": [0.0, 0.5], "current_density_ma_cm2": [-20.0, 1.0]},
            scan_direction="forward")  # fmt: skip
    client.force_login(curves["users"]["owner"])
    batch = curves["a"].batch
    rows = _csv(client.get("/export/origin/", {"batch": batch.pk, "kind": "jv"}))
    assert rows[0] == [
        "Voltage", f"Current density {curves['a'].devices[0].code}",
        "Voltage", f"Current density {curves['a'].devices[1].code}",
        "Voltage", f"Current density {device.code}",
    ]  # fmt: skip
    assert "forward" in rows[2][5]
    assert rows[3][4:] == ["0.0", "-20.0"] and rows[5][4:] == ["", ""]  # shorter: blank


def test_the_workbook_holds_the_same_three_header_rows_and_numbers(client, curves):
    client.force_login(curves["users"]["owner"])
    p1 = curves["a"].devices[0]
    response = client.get("/export/origin/", {"devices": p1.code, "kind": "jv", "format": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Voltage", f"Current density {p1.code}"]
    assert rows[1] == ["V", "mA/cm²"]
    assert [r[1] for r in rows[3:]] == [-25.0, -24.0, -20.0, -12.0, 3.0]


def test_eqe_is_exported_in_percent(client, world):
    device = world["a"].devices[0]
    curve = {"wavelength_nm": [400.0, 800.0], "eqe_fraction": [0.5, 0.25]}
    _result(device, curve, model=EQEResult)
    client.force_login(world["users"]["owner"])
    rows = _csv(client.get("/export/origin/", {"devices": device.code, "kind": "eqe"}))
    assert rows[0] == ["Wavelength", f"EQE {device.code}"] and rows[1] == ["nm", "%"]
    assert [[float(v) for v in r] for r in rows[3:]] == [[400.0, 50.0], [800.0, 25.0]]


def test_an_outsider_gets_nothing_of_another_projects_curves(client, curves):
    outsider = curves["users"]["outsider"]
    client.force_login(outsider)
    a = curves["a"]
    for query in (
        {"devices": a.devices[0].code},
        {"devices": str(a.devices[0].pk)},
        {"batch": a.batch.pk},
        {"variant": a.variants[0].pk},
    ):
        response = client.get("/export/origin/", {**query, "kind": "jv"})
        assert response.status_code == 404
        assert a.devices[0].code not in response.content.decode()
    # Naming his own device beside A's gives his device's (empty) sheet, never A's curves.
    mixed = f"{curves['b'].devices[0].code},{a.devices[0].code}"
    body = client.get("/export/origin/", {"devices": mixed, "kind": "jv"}).content.decode()
    assert a.devices[0].code not in body and "-25.0" not in body


def test_a_selection_without_curves_still_gives_origins_header():
    rows = wide_rows([], "mpp")
    assert rows[0] == ["Time"] and rows[1] == ["s"]
    one = wide_rows([Curve("D1", "D1, f.txt", [0.0, 1.0], [10.0, 9.5])], "mpp")
    assert one[0] == ["Time", "PCE D1"] and one[1] == ["s", "%"]


def test_the_batch_and_compare_pages_link_the_exports(client, curves):
    client.force_login(curves["users"]["owner"])
    batch = curves["a"].batch
    page = client.get(f"/batches/{batch.pk}/").content.decode()
    assert f"/export/origin/?batch={batch.pk}&amp;kind=jv" in page
    assert "/control/?project=alpha" in page
    compare = client.get("/compare/", {"batch": batch.pk}).content.decode()
    assert 'href="/control/"' in compare
    assert f"/export/origin/?batch={batch.pk}&amp;kind=jv" in compare
    linked = client.get(f"/export/origin/?batch={batch.pk}&kind=jv")
    assert linked.status_code == 200 and curves["a"].devices[0].code in linked.content.decode()
