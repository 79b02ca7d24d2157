"""The analysis pages answer a researcher's questions correctly (issue 15): yield of measured
devices, one empty state, excluded devices apart, short labels, FF in percent, p-values as a
paper prints them, two-factor comparisons that never pool dot sizes, the device's flags and
resistances, aging of one study or batch, stable colours, units in the downloads, champions
and the substrate map."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from analysis.figures import palette
from analysis.models import EQEResult, JVResult, MPPResult, StabilityStudy
from analysis.pages._common import label_color
from analysis.templatetags.dashboard_tags import format_pvalue, format_quantity
from fabrication.models import (
    Batch,
    Device,
    LigandExchangeRun,
    Substrate,
    Synthesis,
    Variant,
)
from measurements.models import Measurement, RawFile

_raw_count = [0]


def _measure(device, pce=10.0, voc=0.6, jsc=25.0, ff=0.65, flags=(), direction="reverse", **kw):
    """One analysed J-V scan of ``device`` (a measurement and its result row)."""
    _raw_count[0] += 1
    raw = RawFile.objects.create(
        sha256=f"{_raw_count[0]:064x}", size_bytes=1, file=f"raw/{_raw_count[0]}"
    )
    at = kw.pop("at", timezone.now())
    m = Measurement.objects.create(
        project=device.project, code=f"M-{device.id}-{_raw_count[0]}", kind="jv", device=device,
        raw_file=raw, original_filename="scan.txt", status="succeeded", measured_at=at,
    )  # fmt: skip
    return JVResult.objects.create(
        measurement=m, device=device, measured_at=at, analysis_version="t",
        scan_direction=direction, pce_percent=pce, voc_v=voc, jsc_ma_cm2=jsc, ff=ff,
        flags=list(flags), label=kw.pop("label", ""), **kw,
    )  # fmt: skip


def _devices(variant, substrate_label: str, n: int) -> list[Device]:
    substrate = Substrate.objects.create(
        project=variant.project, batch=variant.batch, variant=variant,
        code=f"{variant.batch.code}/{substrate_label}", label=substrate_label,
    )  # fmt: skip
    return [
        Device.objects.create(
            project=variant.project,
            substrate=substrate,
            code=f"{substrate.code}/P{p}",
            pixel=f"P{p}",
            active_area_cm2=0.05,
        )  # fmt: skip
        for p in range(1, n + 1)
    ]


@pytest.fixture
def twelve(world):
    """A new batch of twelve target devices on two substrates: five measured, one of them
    shorted (flagged), so four are kept."""
    lab = world["a"]
    batch = Batch.objects.create(project=lab.batch.project, code="A-B12", name="twelve")
    variant = Variant.objects.create(
        project=batch.project, code="A-B12/T", batch=batch, name="target", role="target",
        stack=lab.stack, ink=lab.run,
    )  # fmt: skip
    devices = _devices(variant, "S1", 6) + _devices(variant, "S2", 6)
    for k, device in enumerate(devices[:5]):
        shorted = k == 0
        _measure(
            device, pce=0.5 if shorted else 10.0 + k, voc=0.1 if shorted else 0.6 + 0.01 * k,
            ff=0.2 if shorted else 0.65, flags=["shorted"] if shorted else [],
            curve={"voltage_v": [0, 0.3, 0.6], "current_density_ma_cm2": [25, 20, 0]},
        )  # fmt: skip
    return batch, devices


def test_yield_counts_only_the_measured_devices(client, world, twelve):
    batch, _ = twelve
    client.force_login(world["users"]["owner"])
    body = client.get(f"/batches/{batch.id}/").content.decode()
    assert "5 of 12 measured" in body
    yield_cell = re.search(r'<td rowspan="2" class="yield">([^<]*)</td>', body).group(1)
    assert yield_cell == "80 % (4 of 5 measured kept)"
    assert "33 %" not in body and "42 %" not in body


def test_an_empty_batch_shows_one_empty_state_and_no_blank_plots(client, world):
    lab = world["a"]  # its eight devices have no J-V result
    client.force_login(world["users"]["owner"])
    response = client.get(f"/batches/{lab.batch.id}/")
    body = response.content.decode()
    assert body.count('class="card empty"') == 1
    assert "8 devices, none measured yet" in body
    assert 'data-figure="' not in body and "±" not in body and "0 %" not in body
    assert response.context["figs"] == {}


def test_excluded_devices_do_not_stretch_the_axis_of_the_included_ones(client, world, twelve):
    batch, _ = twelve
    client.force_login(world["users"]["owner"])
    fig = client.get(f"/batches/{batch.id}/").context["figs"]["voc_v"]
    low, high = fig["layout"]["yaxis"]["range"]
    # Included Voc 0.61-0.64 V; the shorted pixel's 0.1 V is not on the axis.
    assert 0.55 < low < 0.61 and 0.64 < high < 0.7
    (excluded,) = [t for t in fig["data"] if t.get("legendgroup") == "excluded"]
    assert excluded["marker"]["symbol"] == "triangle-down"
    assert low <= excluded["y"][0] <= high
    assert "V<sub>OC</sub>: 0.100 V" in excluded["hovertext"][0]


def test_batch_labels_do_not_repeat_the_batch_code(client, world, twelve):
    batch, _ = twelve
    client.force_login(world["users"]["owner"])
    response = client.get(f"/batches/{batch.id}/")
    assert [s["name"] for s in response.context["stats"]] == ["target"]
    ticks = response.context["figs"]["pce_percent"]["layout"]["xaxis"]["ticktext"]
    assert not [t for t in ticks if batch.code in t]


def test_ff_is_a_percentage_in_the_table_and_the_plot(client, world, twelve):
    batch, _ = twelve
    client.force_login(world["users"]["owner"])
    response = client.get(f"/batches/{batch.id}/")
    body = response.content.decode()
    assert "<th>FF mean (%)</th>" in body
    table = body.split('class="data stats"')[1].split("</table>")[0]
    assert "<td>65.0</td>" in table and "0.650" not in table
    ff = response.context["figs"]["ff"]
    assert ff["layout"]["yaxis"]["title"]["text"] == "FF (%)"
    points = [t for t in ff["data"] if t["type"] == "scatter" and t["legendgroup"] == "target"]
    assert points[0]["y"] == [65.0] * 4


def test_p_values_print_as_a_paper_prints_them():
    assert format_pvalue(3.2e-9) == "< 0.0001"
    assert format_pvalue(0.0321456) == "0.0321"
    assert format_pvalue(0.5) == "0.500"
    assert format_pvalue(0.000182) == "0.000182"
    assert format_pvalue(None) == "–" and format_pvalue(float("nan")) == "–"
    assert "0.0000" not in {format_pvalue(p) for p in (1e-5, 4.9e-5, 1e-12)}


def test_quantities_are_written_with_their_units_and_precision():
    assert format_quantity(12.3456, "pce", unit=True) == "12.35\u00a0%"
    assert format_quantity(0.61234, "voc", unit=True) == "0.612\u00a0V"
    assert format_quantity(25.456, "jsc", unit=True) == "25.46\u00a0mA/cm²"
    assert format_quantity(0.6512, "ff", unit=True) == "65.1\u00a0%"
    assert format_quantity(65.12, "ff") == "65.1"  # already in percent: not scaled again
    assert format_quantity(None, "pce") == "–"
    assert format_quantity(-0.0001, "pce") == "0.00"


@pytest.fixture
def two_sizes(world):
    """Project A gets a second batch of 1.3 eV dots (950 nm) with the same PbI2 recipe, next
    to its 1180 nm (1.05 eV) batch; every device is measured."""
    lab = world["a"]
    project = lab.batch.project
    small = Synthesis.objects.create(project=project, code="A-PbS-950", target_exciton_peak_nm=950)
    run = LigandExchangeRun.objects.create(
        project=project, code="A-RUN950", synthesis=small, recipe=lab.recipe
    )
    batch = Batch.objects.create(project=project, code="A-B2", name="small dots")
    variant = Variant.objects.create(
        project=project, code="A-B2/T", batch=batch, name="target", role="target",
        stack=lab.stack, ink=run,
    )  # fmt: skip
    for device in lab.devices:
        _measure(device, pce=11.0, voc=0.55)
    for device in _devices(variant, "S1", 4):
        _measure(device, pce=7.0, voc=0.75)
    return lab, batch


def test_the_default_comparison_never_pools_dots_of_different_sizes(client, world, two_sizes):
    client.force_login(world["users"]["owner"])
    response = client.get("/compare/", {"by": "ligand_family"})
    names = sorted(s["name"] for s in response.context["stats"])
    assert names == ["PbI2 · 1.1 eV", "PbI2 · 1.3 eV"]
    assert response.context["then"] == "bandgap" and response.context["then_reason"] == "auto"
    fig = response.context["figs"]["voc_v"]
    titles = [a["text"] for a in fig["layout"]["annotations"]]
    assert titles == ["<b>1.1 eV</b>", "<b>1.3 eV</b>"]  # one panel per dot size
    assert fig["layout"]["yaxis2"]["matches"] == "y"
    body = response.content.decode()
    assert "the selection holds dots of more than one size" in body
    pooled = client.get("/compare/", {"by": "ligand_family", "then": "none"})
    assert [s["name"] for s in pooled.context["stats"]] == ["PbI2"]


def test_a_two_factor_comparison_crosses_recipe_and_batch(client, world, two_sizes):
    client.force_login(world["users"]["owner"])
    response = client.get("/compare/", {"by": "recipe", "then": "batch"})
    names = sorted(s["name"] for s in response.context["stats"])
    assert names == ["A-LX-v1 · A-B1", "A-LX-v1 · A-B2"]
    assert "then by <strong>Batch</strong>" in response.content.decode()


def test_the_comparison_uses_human_labels_and_says_when_a_group_filter_is_stale(
    client, world, two_sizes
):
    client.force_login(world["users"]["owner"])
    response = client.get("/compare/", {"by": "recipe", "group": "PbI2"})
    body = response.content.decode()
    assert '<option value="ligand_family" >Ligand family</option>' in body
    assert ">ligand_family<" not in body
    notice = re.search(r'<p class="error notice" id="stale-groups">(.*?)</p>', body).group(1)
    assert "None of the groups asked for exists under “Recipe”: PbI2" in notice
    assert "Showing every group instead" in notice
    assert len(response.context["stats"]) == 2


@pytest.fixture
def measured_device(world):
    """One device with a reverse/forward pair, two EQE spectra (one off the J-V Jsc by 14 %)
    and an MPP track."""
    device = world["a"].devices[0]
    now = timezone.now()
    rev = _measure(
        device, pce=10.0, at=now, label=f"{device.code} reverse", vmp_v=0.48, jmp_ma_cm2=20.8,
        rs_ohm_cm2=3.21, rsh_ohm_cm2=1523.0,
        curve={"voltage_v": [0, 0.3, 0.6], "current_density_ma_cm2": [25, 22, 0]},
    )  # fmt: skip
    fwd = _measure(
        device, pce=9.0, at=now + timedelta(seconds=30), direction="forward",
        label=f"{device.code} forward",
        curve={"voltage_v": [0.6, 0.3, 0], "current_density_ma_cm2": [0, 20, 24]},
    )  # fmt: skip
    hi = {
        "hi_pce": 0.1, "pce_rs_percent": 10.0, "pce_fs_percent": 9.0,
        "reverse_scan": {"measurement": rev.measurement_id, "index": 0},
        "forward_scan": {"measurement": fwd.measurement_id, "index": 0},
    }  # fmt: skip
    for row in (rev, fwd):
        row.figures = {**row.figures, "hysteresis": hi, "vmp_v": row.vmp_v,
                       "jmp_ma_cm2": row.jmp_ma_cm2, "rs_ohm_cm2": row.rs_ohm_cm2,
                       "rsh_ohm_cm2": row.rsh_ohm_cm2, "pce_percent": row.pce_percent,
                       "voc_v": row.voc_v, "jsc_ma_cm2": row.jsc_ma_cm2, "ff": row.ff,
                       "scan_direction": row.scan_direction}  # fmt: skip
        row.hi_pce = 0.1
        row.save()
    for k, (jsc, flags) in enumerate(((21.5, ["eqe_jv_jsc_mismatch"]), (24.8, []))):
        _raw_count[0] += 1
        raw = RawFile.objects.create(sha256=f"{_raw_count[0]:064x}", size_bytes=1, file="raw/e")
        m = Measurement.objects.create(
            project=device.project, code=f"M-EQE-{k}", kind="eqe", device=device, raw_file=raw,
            original_filename="eqe.txt", status="succeeded", measured_at=now,
        )  # fmt: skip
        comparison = {"eqe_jsc_ma_cm2": jsc, "jv_jsc_ma_cm2": 25.0,
                      "relative_difference": (jsc - 25.0) / 25.0, "threshold": 0.05,
                      "mismatch": bool(flags)}  # fmt: skip
        EQEResult.objects.create(
            measurement=m, analysis_version="t", integrated_jsc_ma_cm2=jsc, flags=flags,
            figures={"integrated_jsc_ma_cm2": jsc, "jv_comparison": comparison, "flags": flags},
            curve={"wavelength_nm": [400, 800, 1200], "eqe_fraction": [0.5, 0.6, 0.3]},
        )  # fmt: skip
    _raw_count[0] += 1
    raw = RawFile.objects.create(sha256=f"{_raw_count[0]:064x}", size_bytes=1, file="raw/m")
    m = Measurement.objects.create(
        project=device.project, code="M-MPP", kind="mpp", device=device, raw_file=raw,
        original_filename="mpp.txt", status="succeeded", measured_at=now,
    )  # fmt: skip
    MPPResult.objects.create(
        measurement=m, analysis_version="t", stabilized_pce_percent=9.5,
        figures={"duration_s": 60, "window_s": 30},
        curve={"time_s": [0, 30, 60], "pce_percent": [9.0, 9.5, 9.5]},
    )  # fmt: skip
    return device


def test_the_device_page_states_its_flags_in_words_with_the_numbers(client, world, measured_device):
    client.force_login(world["users"]["owner"])
    body = client.get(f"/devices/{measured_device.id}/").content.decode()
    flags = body.split('id="flags"')[1].split("</section>")[0]
    assert "The Jsc integrated from the EQE disagrees with the J-V Jsc" in flags
    assert "EQE 21.50 mA/cm² vs J-V 25.00 mA/cm²: -14.0 % (limit ±5 %)" in flags
    assert "eqe_jv_jsc_mismatch" not in re.sub(r'data-flag="[^"]*"', "", flags)


def test_the_device_page_shows_rs_rsh_vmp_and_jmp(client, world, measured_device):
    client.force_login(world["users"]["owner"])
    body = client.get(f"/devices/{measured_device.id}/").content.decode()
    for header in ("Vmp (V)", "Jmp (mA/cm²)", "Rs (Ω cm²)", "Rsh (Ω cm²)", "FF (%)"):
        assert header in body
    for cell in (
        '<td class="vmp">0.480</td>',
        '<td class="jmp">20.80</td>',
        '<td class="rs">3.21</td>',
        '<td class="rsh">1523</td>',
    ):
        assert cell in body


def test_device_figures_have_short_legends_distinct_eqe_colours_and_an_explained_band(
    client, world, measured_device
):
    client.force_login(world["users"]["owner"])
    figs = client.get(f"/devices/{measured_device.id}/").context["figs"]
    names = [t["name"] for t in figs["jv"]["data"] if t.get("mode") == "lines"]
    # Neither the device code (it heads the page) nor the date: "scan 1 (reverse)".
    assert [n.split(" ", 1)[1] if ":" in n.split(" ")[0] else n for n in names] == [
        "scan 1 (reverse)",
        "scan 2 (forward)",
    ]
    assert not [n for n in names if measured_device.code in n or re.search(r"\d{4}-", n)]
    eqe = [t for t in figs["eqe"]["data"] if t.get("showlegend", True)]
    assert len(eqe) == 2 and eqe[0]["line"]["color"] != eqe[1]["line"]["color"]
    legend = [t["name"] for t in figs["mpp"]["data"]]
    assert any(n.startswith("Grey band: window averaged for the stabilised PCE") for n in legend)


def test_the_device_page_pairs_forward_and_reverse_with_the_hysteresis_index(
    client, world, measured_device
):
    client.force_login(world["users"]["owner"])
    response = client.get(f"/devices/{measured_device.id}/")
    fig = response.context["figs"]["hysteresis"]
    assert sorted(t["name"] for t in fig["data"]) == ["forward", "reverse"]
    (title,) = [a["text"] for a in fig["layout"]["annotations"]]
    assert "HI<sub>PCE</sub> = 0.100 (PCE 10.00 % rev, 9.00 % fwd)" in title
    assert 'id="fig-hysteresis"' in response.content.decode()


@pytest.fixture
def aging_study(world):
    """Project A's devices age in study ST-1; a second study ST-2 holds nothing of batch A-B1."""
    lab = world["a"]
    start = timezone.now() - timedelta(days=10)
    study = StabilityStudy.objects.create(
        project=lab.batch.project, code="ST-1", name="dark, N2", atmosphere="n2",
        started_at=start,
    )  # fmt: skip
    StabilityStudy.objects.create(
        project=lab.batch.project, code="ST-2", name="1 sun", atmosphere="air", started_at=start
    )
    study.devices.add(*lab.devices)
    for device in lab.devices:
        for k in range(3):
            _measure(device, pce=10.0 * (1 - 0.15 * k), at=start + timedelta(hours=50 * k))
    return study


def test_the_home_page_links_each_study_and_batch_to_its_own_aging(client, world, aging_study):
    client.force_login(world["users"]["owner"])
    body = client.get("/").content.decode()
    assert 'href="/aging/?study=ST-1"' in body and 'href="/aging/?study=ST-2"' in body
    assert 'class="aging-link" href="/aging/?batch=A-B1"' in body


def test_the_aging_page_shows_one_study_or_one_batch(client, world, aging_study):
    client.force_login(world["users"]["owner"])
    one = client.get("/aging/", {"study": "ST-2"})
    assert [s.code for s in one.context["studies"]] == ["ST-2"]
    assert "Showing study <strong>ST-2</strong> only" in one.content.decode()
    # ST-2 has no device yet: one empty state, no blank plots.
    assert one.context["fig"] is None and "Nothing to age yet" in one.content.decode()
    assert 'data-figure="' not in one.content.decode()
    batch = client.get("/aging/", {"batch": "A-B1"})
    assert [s.code for s in batch.context["studies"]] == ["ST-1"]
    assert {r["study"] for r in batch.context["table"]} == {"ST-1"}
    assert "metric=voc_v&amp;batch=A-B1" in batch.content.decode()
    fig = batch.context["fig"]
    (line,) = fig["layout"]["shapes"]
    assert line["layer"] == "above" and line["y0"] == 80.0
    assert fig["layout"]["legend"]["orientation"] == "h" and fig["layout"]["legend"]["y"] < 0


def test_a_variant_keeps_its_colour_on_the_batch_compare_and_aging_pages(
    client, world, aging_study
):
    lab = world["a"]
    client.force_login(world["users"]["owner"])
    batch = client.get(f"/batches/{lab.batch.id}/").context
    compare = client.get("/compare/", {"by": "variant"}).context
    aging = client.get("/aging/", {"study": "ST-1"}).context
    for role in ("target", "control"):
        on_batch = {s["name"]: s["color"] for s in batch["stats"]}[role]
        on_compare = {s["name"]: s["color"] for s in compare["stats"]}[f"A-B1: {role}"]
        traces = [t for t in aging["fig"]["data"] if t["name"] == f"A-B1: {role}" and "line" in t]
        assert on_batch == on_compare == traces[0]["line"]["color"]
        survival = [t for t in aging["survival_fig"]["data"] if t["name"] == f"A-B1: {role}"]
        assert survival[0]["line"]["color"] == on_batch
        points = [
            t
            for t in batch["figs"]["pce_percent"]["data"]
            if t.get("legendgroup") == role and t["type"] == "scatter"
        ]
        assert points[0]["marker"]["color"] == on_batch
    assert label_color({"variant_role": "control"}) == palette.CONTROL


def test_exports_carry_units_sensible_precision_and_the_filters_used(client, world, twelve):
    batch, _ = twelve
    client.force_login(world["users"]["owner"])
    text = client.get(
        f"/batches/{batch.id}/", {"export": "csv", "table": "stats", "direction": "reverse"}
    ).content.decode()
    about, header, row = list(csv.reader(io.StringIO(text)))
    assert about[0] == "# scan direction: reverse; batch: A-B12; grouped by: variant"
    assert header[:6] == [
        "Group",
        "Devices (N)",
        "Measured devices (n)",
        "Excluded devices (n)",
        "Yield, of measured devices (%)",
        "PCE mean (%)",
    ]
    assert "FF mean (%)" in header and "pce_mean" not in header
    values = dict(zip(header, row, strict=True))
    assert values["FF mean (%)"] == "65.0" and values["Voc mean (V)"] == "0.625"
    # 4 of the 5 measured devices kept: 80 %, not 4 of 12.
    assert values["PCE mean (%)"] == "12.5" and values["Yield, of measured devices (%)"] == "80"
    xlsx = client.get(f"/batches/{batch.id}/", {"export": "xlsx", "direction": "forward"})
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames[1] == "About"
    about_rows = list(book["About"].iter_rows(values_only=True))
    assert ("scan direction", "forward") in about_rows
    assert book.worksheets[0]["A1"].value == "Device"


def test_the_batch_page_shows_each_variants_champion_and_the_substrate_map(client, world, twelve):
    batch, devices = twelve
    client.force_login(world["users"]["owner"])
    response = client.get(f"/batches/{batch.id}/")
    (champion,) = response.context["champions"]
    assert champion["device"] == devices[4].code and champion["pce_percent"] == 14.0
    body = response.content.decode()
    for fig_id in ("fig-champion-jv", "fig-substrates"):
        assert f'id="{fig_id}-plot"' in body
    (curve,) = [t for t in response.context["champion_figs"]["jv"]["data"] if t["mode"] == "lines"]
    assert curve["name"] == "target: S1/P5 (reverse)" and curve["line"]["color"] == palette.TARGET
    # No EQE or MPP on the champion: said in words, not drawn as blank axes.
    assert "fig-champion-eqe" not in body and "fig-champion-mpp" not in body
    assert "No EQE measured on these champions yet." in body
    fig = response.context["substrate_fig"]
    measured, unmeasured, excluded = fig["data"]
    assert len(measured["x"]) == 5 and len(unmeasured["x"]) == 7 and len(excluded["x"]) == 1
    # P1..P4 on the top row, P5..P8 below: P5 of S1 sits under P1.
    positions = dict(
        zip(measured["text"], zip(measured["x"], measured["y"], strict=True), strict=True)
    )
    assert positions[devices[4].code] == (positions[devices[0].code][0], -1)
    notes = [a["text"] for a in fig["layout"]["annotations"]]
    assert notes == ["<b>A-B12/S1</b><br>target", "<b>A-B12/S2</b><br>target"]
