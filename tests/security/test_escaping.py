"""No page renders user text unescaped: a script stored in every text field stays text, a link
in a variant name is drawn as text in figures, and codes cannot break downloads."""

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from analysis import figures
from analysis.exports import sheet_title, table_response
from analysis.figures.electrical import mott_schottky_figure, tpc_figure
from fabrication.models import Batch, Variant
from measurements import services

DATA = Path(__file__).resolve().parents[1] / "data"

SCRIPT = '<script>alert("x")</script>'


@pytest.fixture
def hostile(world):
    a = world["a"]
    for obj, fields in (
        (a.batch, ["name", "description"]),
        (a.synthesis, ["name", "notes", "solvent"]),
        (a.variants[0], ["name", "description"]),
        (a.devices[0], ["status_reason"]),
        (a.film, ["name", "notes"]),
    ):
        for field in fields:
            setattr(obj, field, SCRIPT)
        obj.save()
    return a


def test_a_script_in_text_fields_is_escaped_on_every_page(client, world, hostile):
    client.force_login(world["users"]["owner"])
    a = hostile
    client.post(
        "/api/v1/measurements/",
        {
            "file": SimpleUploadedFile(SCRIPT + ".txt", b"nothing"),
            "device": a.devices[0].code,
        },
    )
    for url in (
        "/",
        f"/batches/{a.batch.id}/",
        f"/devices/{a.devices[0].id}/",
        f"/syntheses/{a.synthesis.id}/",
        "/compare/?by=variant",
        "/aging/",
        f"/search/?q={SCRIPT}",
        "/upload/",
    ):
        body = client.get(url).content.decode()
        assert SCRIPT not in body, url
    assert Batch.objects.get(pk=a.batch.pk).name == SCRIPT  # stored as typed, shown escaped


# plotly.js draws a subset of HTML in names, legends, hover labels, ticks and annotations.
LINK = '<a href="https://evil.example/">click</a><img src=x onerror=alert(1)> & co'
ESCAPED = '&lt;a href="https://evil.example/"&gt;click&lt;/a&gt;'
W = np.linspace(300, 1300, 51)


def _figures_with(label: str) -> dict[str, dict]:
    """Every builder, with ``label`` wherever user text reaches it."""
    group = {
        "name": label,
        "values": [10.0, 11.0, 12.0],
        "codes": [label, "A-2", "A-3"],
        "urls": ["/devices/1/", "/devices/2/", "/devices/3/"],
        "excluded": [False, False, True],
        "reasons": ["", "", label],
    }
    aging = {
        "title": label,
        "variants": [
            {
                "name": label,
                "hours": [0, 10, 20],
                "mean": [100, 90, 70],
                "std": [1, 2, 3],
                "devices": [{"code": label, "url": "/d/", "hours": [0, 10], "values": [100, 80]}],
                "t80_h": 15.0,
                "t80_reference": label,
            }
        ],
    }
    curve = {
        "label": label,
        "voltage_v": [0, 0.2, 0.4],
        "current_density_ma_cm2": [30, 25, 0],
        "scan_direction": label,
        "measured_at": label,
        "key_points": {"voc_v": 0.4, "jsc_ma_cm2": 30, "vmpp_v": 0.3, "jmpp_ma_cm2": 20},
    }
    return {
        "distribution": figures.metric_distribution([group], "pce_percent"),
        "grid": figures.metric_grid(
            [{**group, "values": {"pce_percent": group["values"]}}], metrics=("pce_percent",)
        ),
        "aging": figures.aging_figure([aging]),
        "jv": figures.jv_figure([curve]),
        "mpp": figures.mpp_figure(
            [{"label": label, "time_s": [0, 1, 2], "pce_percent": [1, 2, 3]}]
        ),
        "intensity": figures.intensity_figure(
            [{"label": label, "intensity_mw_cm2": [1, 10], "voc_v": [0.3, 0.4]}],
            [{"label": label, "ideality_factor": 1.3, "slope_v": 0.03, "intercept_v": 0.3}],
        ),
        "eqe": figures.eqe_figure(
            [{"label": label, "wavelength_nm": W, "eqe_percent": np.full(51, 50.0)}]
        ),
        "spectra": figures.spectra_figure(
            [{"label": label, "wavelength_nm": W, "absorbance": np.exp(-W / 500)}],
            [{"label": label, "wavelength_nm": W, "intensity": np.exp(-((W - 900) ** 2) / 800)}],
        ),
        "trpl": figures.trpl_figure(
            [
                {
                    "label": label,
                    "time_ns": np.arange(50.0),
                    "counts": np.exp(-np.arange(50.0) / 10),
                    "fit_counts": np.exp(-np.arange(50.0) / 10),
                    "tau1_ns": 10.0,
                }
            ]
        ),
        "mott-schottky": mott_schottky_figure(
            [{"label": label, "voltage_v": [0, 0.1], "capacitance_f": [1e-9, 2e-9]}]
        ),
        "tpc": tpc_figure([{"label": label, "time_s": [0, 1e-6], "current_ua": [1, 0.5]}]),
    }


def _drawn_texts(value, key: str = "") -> list[str]:
    """Every string plotly may draw; `customdata` holds the links a click follows, not text."""
    if key == "customdata":
        return []
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in _drawn_texts(v, k)]
    if isinstance(value, list):
        return [t for v in value for t in _drawn_texts(v, key)]
    return [value] if isinstance(value, str) else []


@pytest.mark.parametrize("name", list(_figures_with("x")))
def test_a_link_in_user_text_is_drawn_as_text_by_every_figure(name):
    texts = _drawn_texts(_figures_with(LINK)[name])
    assert not [t for t in texts if "<a " in t or "<img" in t or "& co" in t], name
    assert any(ESCAPED in t for t in texts), name


def test_the_figures_own_markup_survives_escaping():
    fig = figures.eqe_figure(
        [
            {
                "label": "T1",
                "wavelength_nm": W,
                "eqe_percent": np.full(51, 50.0),
                "integrated_jsc_ma_cm2": 28.0,
            }
        ]
    )
    assert fig["data"][0]["name"] == "T1 (J<sub>SC</sub> = 28.0 mA cm<sup>-2</sup>)"


def test_a_variant_named_as_a_link_shows_as_text_on_the_batch_page(
    client, world, django_capture_on_commit_callbacks
):
    a = world["a"]
    Variant.objects.filter(pk=a.variants[0].pk).update(name=LINK)
    text = (DATA / "synthetic" / "jv_example_a.txt").read_bytes()
    # Analysed, so the batch page draws its figures (an unmeasured batch shows an empty state).
    with django_capture_on_commit_callbacks(execute=True):
        for device in a.devices:
            services.measurement_create(
                user=world["users"]["owner"],
                target=device,
                data=text,
                filename="a.txt",
                options=services.UploadOptions(confirm_duplicate=True),
            )
    client.force_login(world["users"]["owner"])
    response = client.get(f"/batches/{a.batch.id}/")
    assert response.status_code == 200
    drawn = _drawn_texts(response.context["figs"])
    assert not [t for t in drawn if "<a " in t] and any("&lt;a href" in t for t in drawn)


HOSTILE_CODE = 'B:*?[]\\/1\u2028"; x\r\nX-Injected: yes'


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_a_batch_code_with_odd_characters_exports_cleanly(client, world, fmt):
    a = world["a"]
    Batch.objects.filter(pk=a.batch.pk).update(code=HOSTILE_CODE)
    Variant.objects.filter(pk=a.variants[0].pk).update(name='=HYPERLINK("https://evil")\x07')
    client.force_login(world["users"]["owner"])
    response = client.get(f"/batches/{a.batch.id}/", {"export": fmt, "table": "devices"})
    assert response.status_code == 200
    header = response.get("Content-Disposition", "attachment; filename=x")
    assert header.isascii() and "\n" not in header and not response.has_header("X-Injected")
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        assert not set(sheet.title) & set(":*?[]\\/")
        cells = [c for row in sheet.iter_rows(values_only=True) for c in row]
        assert not [c for c in cells if isinstance(c, str) and c.startswith("=")]
    if fmt == "csv":
        body = response.content.decode()
        assert "\u2028" not in body and "\x00" not in body
        rows = list(csv.reader(io.StringIO(body)))
        assert len({len(r) for r in rows}) == 1  # no row broken by a line separator
        assert not [c for r in rows for c in r if c.startswith("=")]


def test_every_table_cell_and_title_survives_control_characters_and_separators():
    rows = [["a\x00b", "c\u2028d", "=1+1", "\t=2", -1.5], ["\x07", "\u2029", "@x", "+y", None]]
    for fmt in ("csv", "xlsx", "json"):
        response = table_response('A:B*C?D[E]F\\G/H\u2028"', list("abcde"), rows, fmt)
        assert response.status_code == 200
    csv_rows = list(
        csv.reader(io.StringIO(table_response("t", list("abcde"), rows, "csv").content.decode()))
    )
    assert csv_rows[1] == ["ab", "c\nd", "'=1+1", "'\t=2", "-1.5"]
    assert json.loads(table_response("t", list("abcde"), rows, "json").content)["rows"][0][0] == (
        "a\x00b"
    )
    assert sheet_title("'[x]'") == "_x_" and sheet_title("") == "table"
    assert len(sheet_title("x" * 40)) == 31
