"""The loss pages (issue 16): project, device and variant, their exports, the mismatch upload."""

from __future__ import annotations

import csv
import io
import itertools

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from analysis.compute import losses
from analysis.compute.mismatch import sr_from_eqe
from analysis.figures.losses import gap_bin, waterfall_steps
from analysis.models import EQEResult, JVResult, SpectralReference
from fabrication.models import Device, Substrate
from measurements.models import Measurement, RawFile

EXCITON_NM = 950.0  # the synthesis's measured 1S: every device's gap without an EQE
GAP = 1239.84198 / EXCITON_NM
EQE_GAP = 1.38  # the EQE inflection: 75 meV above the 1S, beyond the 50 meV tolerance
_serial = itertools.count(1)


def _measurement(device, kind: str) -> Measurement:
    n = next(_serial)
    raw, _ = RawFile.objects.get_or_create(
        sha256=f"{n:064x}", defaults={"size_bytes": 1, "file": f"raw/{n}"}
    )
    return Measurement.objects.create(
        project=device.project,
        code=f"M-{kind}-{n}",
        kind=kind,
        device=device,
        raw_file=raw,
        original_filename=f"{kind}.txt",
        status="succeeded",
        measured_at=timezone.now(),
    )


def _jv(device, voc: float, jsc: float = 25.0, ff: float = 0.6) -> JVResult:
    m = _measurement(device, "jv")
    return JVResult.objects.create(
        measurement=m,
        device=device,
        measured_at=m.measured_at,
        analysis_version="t",
        scan_direction="reverse",
        voc_v=voc,
        jsc_ma_cm2=jsc,
        ff=ff,
        pce_percent=voc * jsc * ff,
    )


WL = np.arange(300.0, 1101.0, 10.0)
EQE = np.where(WL < 900, 0.8, 0.8 * np.exp(-(WL - 900) / 30.0))


def _eqe(device) -> EQEResult:
    m = _measurement(device, "eqe")
    return EQEResult.objects.create(
        measurement=m,
        analysis_version="t",
        integrated_jsc_ma_cm2=24.0,
        bandgap_ev=EQE_GAP,
        figures={"eqe_unit": "percent", "bandgap_ev": EQE_GAP, "eqe_1s_peak_nm": 940.0},
        curve={"wavelength_nm": WL.tolist(), "eqe_fraction": EQE.tolist()},
    )


@pytest.fixture
def lab(world):
    """Project A: target Vocs 0.60-0.66 V, control 0.50-0.56 V; one target device with EQE."""
    a = world["a"]
    a.synthesis.measured_exciton_peak_nm = EXCITON_NM
    a.synthesis.save(update_fields=["measured_exciton_peak_nm"])
    for i, device in enumerate(a.devices[:4]):
        _jv(device, 0.60 + 0.02 * i)
    for i, device in enumerate(a.devices[4:]):
        _jv(device, 0.50 + 0.02 * i)
    _eqe(a.devices[0])
    return a


def _client(client, world, who: str = "owner"):
    client.force_login(world["users"][who])
    return client


def test_the_project_page_shows_each_variants_median_voc_deficit_with_quartiles(client, world, lab):
    response = _client(client, world).get("/losses/")
    assert response.status_code == 200
    page = response.content.decode()
    # Target: gaps are the 1S (three devices) and the EQE's (one); Voc 0.60-0.66 V.
    deficits = [GAP - 0.62, GAP - 0.64, GAP - 0.66, EQE_GAP - 0.60]
    q1, med, q3 = np.percentile(deficits, [25, 50, 75])
    assert f"{med:.3f} [{q1:.3f}, {q3:.3f}] n=4" in page
    control = GAP - np.median([0.50, 0.52, 0.54, 0.56])
    assert f"{control:.3f} [" in page
    for fig in ("fig-deficit", "fig-recipes", "fig-exciton", "fig-overlay", "fig-waterfall-0"):
        assert f'id="{fig}"' in page
    assert "<script>" not in page.replace('<script type="application/json"', "")
    # The chooser and headings speak words, not field names.
    assert ">Voc deficit, Eg/q − Voc (V)</option>" in page and ">voc_deficit_v<" not in page


def test_an_outsider_sees_only_his_own_projects_losses(client, world, lab):
    page = _client(client, world, "outsider").get("/losses/?project=alpha").content.decode()
    assert "A-B1" not in page and "Alpha" not in page
    assert "B-B1" in page


def test_the_device_page_states_the_bandgap_source_and_every_figure_with_its_source(
    client, world, lab
):
    device = lab.devices[0]
    page = _client(client, world).get(f"/devices/{device.pk}/losses/").content.decode()
    sq = losses.sq_limit(EQE_GAP)
    assert 'id="bandgap-source">eqe_inflection<' in page
    assert f"{sq.pce_percent:.3f}" in page and f"{EQE_GAP - 0.60:.4f}" in page
    assert 'id="bandgap-disagree"' in page  # 1.38 eV (EQE) vs 1.305 eV (1S)
    eqe_code = EQEResult.objects.get(measurement__device=device).measurement.code
    assert eqe_code in page
    # No intensity series: the ideal FF says why it is missing.
    assert "no light-intensity series with an ideality" in page
    # Film (EQE 1S 940 nm) against solution (950 nm): +13.9 meV.
    assert 'id="film-shift">13.9<' in page


def test_the_waterfall_steps_add_up_from_the_sq_limit_to_voc_jsc_ff():
    fig = {
        "bandgap_ev": 1.3,
        "sq_voc_v": 1.04,
        "sq_jsc_ma_cm2": 35.0,
        "sq_ff": 0.89,
        "sq_pce_percent": 1.04 * 35.0 * 0.89,
        "voc_rad_v": 0.95,
        "measured": {"voc_v": 0.65, "jsc_ma_cm2": 28.0, "ff": 0.68},
    }
    steps, reason = waterfall_steps(fig)
    assert reason is None
    assert [label.split("<br>")[0].split(" ")[0] for label, _, _ in steps] == [
        "SQ",
        "Radiative",
        "Non-radiative",
        "FF",
        "J<sub>SC</sub>",
    ]
    # PCE (%) = Voc (V) x Jsc (mA/cm2) x FF under 100 mW/cm2.
    assert sum(v for _, v, _ in steps) == pytest.approx(0.65 * 28.0 * 0.68)
    assert steps[2][1] == pytest.approx((0.65 - 0.95) * 35.0 * 0.89)
    assert waterfall_steps({"sq_voc_v": None})[0] == []


def test_the_recipe_comparison_never_puts_the_10_and_13_ev_dots_in_one_bin():
    small = {"absorbance_1s_nm": 933.0, "bandgap_ev": 1.21}
    large = {"absorbance_1s_nm": 1180.0, "bandgap_ev": 0.96}
    assert gap_bin(small) == "1.30–1.35 eV" and gap_bin(large) == "1.05–1.10 eV"
    # The dot size decides, not the device's own (EQE) gap.
    assert gap_bin({**small, "bandgap_ev": 1.4}) == gap_bin(small)


def test_the_variant_page_shows_medians_and_every_device(client, world, lab):
    variant = lab.variants[1]
    page = _client(client, world, "viewer").get(f"/variants/{variant.pk}/losses/").content
    page = page.decode()
    assert f"{GAP - 0.53:.4f}" in page  # median Voc deficit of the control
    for device in lab.devices[4:]:
        assert device.code in page


def test_the_device_table_exports_units_in_its_headers_and_its_filters(client, world, lab):
    response = _client(client, world).get("/losses/?project=alpha&batch=A-B1&export=csv")
    text = response.content.decode()
    about = [line for line in text.splitlines() if line.startswith("#")]
    assert "# filter project: alpha" in about and "# filter batch: A-B1" in about
    assert "# filter recipe: (all)" in about
    rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))
    assert len(rows) == 8
    first = rows[0]
    for header in ("Bandgap Eg (eV)", "Voc deficit Eg/q - Voc (V)", "Jsc,SQ (mA/cm2)", "PCE (%)"):
        assert header in first
    target = next(r for r in rows if r["Device"] == lab.devices[1].code)
    assert float(target["Voc deficit Eg/q - Voc (V)"]) == pytest.approx(GAP - 0.62, abs=1e-4)
    assert target["Bandgap source"] == "absorbance_1s"
    # Sensible precision: four decimals for volts.
    assert len(target["Voc deficit Eg/q - Voc (V)"].split(".")[1]) <= 4


def test_the_variant_table_exports_to_excel_with_medians_quartiles_and_an_about_sheet(
    client, world, lab
):
    response = _client(client, world).get("/losses/?export=xlsx&table=variants")
    book = load_workbook(io.BytesIO(response.content))
    sheet, about = book.worksheets
    header = [c.value for c in sheet[1]]
    assert "Voc deficit Eg/q - Voc median (V)" in header
    assert "Voc deficit Eg/q - Voc Q1 (V)" in header and "Voc deficit Eg/q - Voc N" in header
    rows = {r[1]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(2, values_only=True)}
    control = rows["control"]
    assert control["Voc deficit Eg/q - Voc median (V)"] == pytest.approx(GAP - 0.53, abs=1e-4)
    assert control["Devices (N)"] == 4
    assert dict(about.iter_rows(values_only=True))["filter project"] == "alpha"


def _add_devices(lab, n: int, start: int) -> None:
    for variant in lab.variants:
        substrate = Substrate.objects.create(
            project=variant.project,
            batch=lab.batch,
            variant=variant,
            code=f"{variant.code}/X{start}",
            label=f"X{start}",
        )
        for i in range(n):
            device = Device.objects.create(
                project=variant.project,
                substrate=substrate,
                code=f"{substrate.code}/P{i}",
                pixel=f"P{i}",
                active_area_cm2=0.05,
            )
            _jv(device, 0.6)
            if i % 3 == 0:
                _eqe(device)


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_project_page_query_count_does_not_grow_with_devices(client, world, lab):
    _client(client, world)
    _add_devices(lab, 2, 1)
    client.get("/losses/")  # rows made outside the pipeline: the first read stores them
    few = _count(client, "/losses/")
    _add_devices(lab, 20, 2)
    client.get("/losses/")
    assert _count(client, "/losses/") == few
    assert few <= 12


def test_a_reference_cell_and_a_lamp_spectrum_give_each_device_with_eqe_its_mismatch(
    client, world, lab
):
    owner = _client(client, world)
    ref = "wavelength (nm), responsivity (A/W)\n" + "\n".join(
        f"{w:.0f}, {0.5 * w / 1000:.5f}" for w in WL
    )
    lamp = "nm\tW/m2/nm\n" + "\n".join(f"{w:.0f}\t{1.0 + 0.001 * (w - 300):.4f}" for w in WL)
    for kind, text in (("reference_sr", ref), ("lamp_spectrum", lamp)):
        upload = SimpleUploadedFile(f"{kind}.txt", text.encode())
        response = owner.post(
            "/losses/references/", {"project": lab.batch.project_id, "kind": kind, "file": upload}
        )
        assert response.status_code == 302
    assert SpectralReference.objects.filter(project_id=lab.batch.project_id).count() == 2
    body = owner.get(f"/api/v1/devices/{lab.devices[0].code}/losses/").json()
    from analysis.compute.mismatch import spectral_mismatch

    expected = spectral_mismatch(
        reference_sr_wavelength_nm=WL,
        reference_sr=np.round(0.5 * WL / 1000, 5),
        simulator_wavelength_nm=WL,
        simulator_irradiance=np.round(1.0 + 0.001 * (WL - 300), 4),
        test_sr_wavelength_nm=WL,
        test_sr=sr_from_eqe(WL, EQE),
    ).mismatch_factor
    assert body["mismatch_factor"] == pytest.approx(expected, rel=1e-9)
    assert body["jsc_corrected_ma_cm2"] == pytest.approx(25.0 / expected)
    # A device without an EQE: empty, with the reason.
    other = owner.get(f"/api/v1/devices/{lab.devices[1].code}/losses/").json()
    assert other["mismatch_factor"] is None
    assert "no EQE curve" in other["mismatch_factor_reason"]


def test_a_viewer_cannot_upload_a_spectrum_and_nothing_is_stored(client, world, lab):
    upload = SimpleUploadedFile("lamp.txt", b"400 1\n500 2\n")
    response = _client(client, world, "viewer").post(
        "/losses/references/",
        {"project": lab.batch.project_id, "kind": "lamp_spectrum", "file": upload},
    )
    assert response.status_code == 403
    assert not SpectralReference.objects.exists()


def test_every_loss_figure_is_a_valid_plotly_figure(world, lab):
    import plotly.graph_objects as go

    from analysis.figures import losses as figures
    from analysis.selectors.losses import loss_rows, overlay_panels, variant_summaries

    rows = loss_rows(Device.objects.filter(project=lab.batch.project))
    summary = variant_summaries(rows)[0]
    medians = {k: v["median"] for k, v in summary["figures"].items()}
    built = [
        figures.waterfall_figure(rows[0], "device"),
        figures.waterfall_figure({**medians, "measured": {}}, "variant"),
        figures.deficit_figure(rows),
        figures.exciton_figure(rows),
        figures.overlay_figure(overlay_panels(rows)),
        figures.recipe_gap_figure(rows, "voc_deficit_v"),
        figures.deficit_figure([]),
    ]
    for fig in built:
        go.Figure(fig)
    assert built[0]["data"][0]["type"] == "waterfall"
