"""The real J-V exports in tests/data/real/jv, read to the last figure.

Point counts were counted in the files (data lines between the header and the end). Each
test also checks the mapping of curves to figures the physical way: the Voc and Jsc read off
each curve (linear interpolation) must match the instrument's own figures for that curve.
"""

from __future__ import annotations

import numpy as np
import pytest

FOLDER = "real/jv"
KEITHLEY = "HZB_MiGo_20230913_Batch-Test-1_0_0.notessfdsf.jv.txt"
PVCOMB = "HZB_MMX_B7_0_C-16.pxA_ch1_LS000min_2024-11-21T12-53-39_rev.jv.txt"
IRIS_TXT = "SE-ALM_RM_20231004_RM_KW40_0_8.jv.txt"
IRIS_JSON = "VP114_new_format.jv.json"
IRIS_JSON_LEGACY = "hzb_TestP_AA_1_c-1.1_JM261.jv.txt"
KIT = "KIT_DaBa_20230202_Batch-1_0_7.px7_bottom.jv.csv"
SINGAPORE_FWD = "UserGivenName_pX1_fwd_lt_lp0_20250109T164058.jv.txt"
SINGAPORE_REV = "UserGivenName_pX1_rev_lt_lp0_20250109T164106.jv.txt"


def voc_and_jsc(series) -> tuple[float, float]:
    """Voc (where J crosses zero nearest the top of the sweep) and |J(V=0)| of a curve."""
    v = series.columns["voltage_v"]
    j = series.columns["current_density_ma_cm2"]
    order = np.argsort(v)
    v, j = v[order], j[order]
    crossings = np.flatnonzero(np.diff(np.sign(j)) != 0)
    i = crossings[-1]
    voc = v[i] - j[i] * (v[i + 1] - v[i]) / (j[i + 1] - j[i])
    return float(voc), abs(float(np.interp(0.0, v, j)))


def assert_curves_match_their_figures(result, voc_tol: float = 2e-3, jsc_rel: float = 0.01):
    checked = 0
    for series in result.series:
        figures = series.metadata["instrument_figures"]
        if "voc_v" not in figures or abs(figures["voc_v"]) < 0.05:
            continue  # shorted test channels: no crossing worth comparing
        voc, jsc = voc_and_jsc(series)
        assert voc == pytest.approx(figures["voc_v"], abs=voc_tol), series.label
        assert jsc == pytest.approx(figures["jsc_ma_cm2"], rel=jsc_rel), series.label
        checked += 1
    assert checked


def test_it_reads_the_three_pixels_of_the_hzb_keithley_file(parsed):
    result = parsed(FOLDER, KEITHLEY)
    assert (result.format, result.kind) == ("hzb-keithley", "jv")
    assert [s.label for s in result.series] == [
        "b_rev",
        "b_for",
        "c_rev",
        "c_for",
        "f_rev",
        "f_for",
    ]
    assert [s.metadata["pixel"] for s in result.series] == ["B", "B", "C", "C", "F", "F"]
    assert [s.metadata["pixel_label"] for s in result.series] == ["b", "b", "c", "c", "f", "f"]
    for series in result.series:
        assert series.columns["voltage_v"].shape == (73,)
        assert series.columns["current_density_ma_cm2"].shape == (73,)
        assert series.metadata["area_cm2"] == 0.16
    b_rev, f_for = result.series[0], result.series[5]
    assert b_rev.columns["voltage_v"][[0, -1]].tolist() == [1.25, -0.19]
    assert b_rev.columns["current_density_ma_cm2"][[0, -1]].tolist() == [10.2589, -22.02528]
    assert f_for.columns["current_density_ma_cm2"][[0, -1]].tolist() == [16.11942, -22.17339]
    assert result.metadata["area_cm2"] == 0.16
    assert result.metadata["irradiance_mw_cm2"] == 100.0
    assert "measured_at" not in result.metadata  # the only date is the firmware's build date
    assert result.header["compliance [mA/cm2]"] == "30.000000"


def test_it_reads_the_per_pixel_figures_table_of_the_hzb_keithley_file(parsed):
    result = parsed(FOLDER, KEITHLEY)
    b_rev = result.series[0].metadata["instrument_figures"]
    assert b_rev == pytest.approx(
        {
            "jsc_ma_cm2": 21.990472,
            "voc_v": 1.212763,
            "ff": 0.79948537,
            "pce_percent": 20.2,
            "pmax_mw_cm2": 21.321657,
            "jmp_ma_cm2": 20.700637,
            "vmp_v": 1.03,
            "rs_ohm_cm2": 0.003881,
            "rsh_ohm_cm2": 7.713772,
        }
    )
    f_for = result.series[5].metadata["instrument_figures"]
    assert f_for["voc_v"] == 1.195193
    assert f_for["jsc_ma_cm2"] == 22.112372
    assert f_for["ff"] == pytest.approx(0.7954848)
    assert f_for["pce_percent"] == 20.3
    assert_curves_match_their_figures(result)


def test_it_takes_the_keithley_scan_direction_from_the_labels_as_the_shared_column_cannot_tell(
    parsed,
):
    # All six curves share one descending voltage column, "for" curves included: the stored
    # order says nothing about how each was measured, so the label decides (this test used to
    # assert "reverse" for every curve, the old wrong answer).
    result = parsed(FOLDER, KEITHLEY)
    meta = [s.metadata for s in result.series]
    assert [m["declared_scan_direction"] for m in meta] == ["reverse", "forward"] * 3
    assert [m["seen_scan_direction"] for m in meta] == ["reverse"] * 6
    assert [m["scan_direction"] for m in meta] == ["reverse", "forward"] * 3
    assert {m["direction_layout_reliable"] for m in meta} == {False}
    assert {m["direction_conflict"] for m in meta} == {False}  # unreliable layout: no clash
    assert {m["illumination"] for m in meta} == {"light"}  # intensity 100 mW/cm2
    assert any("b_for: forward, c_for: forward, f_for: forward" in w for w in result.warnings)


def test_it_reads_the_pvcomb_curve_and_its_header_figures(parsed):
    result = parsed(FOLDER, PVCOMB)
    assert (result.format, result.kind) == ("pvcomb", "jv")
    assert len(result.series) == 1
    curve = result.series[0]
    assert curve.columns["voltage_v"].shape == (161,)
    assert curve.columns["voltage_v"][[0, -1]].tolist() == [1.4, -0.2]
    assert curve.columns["current_density_ma_cm2"][[0, -1]].tolist() == [31.25374, -23.84712]
    assert curve.columns["current_a"][-1] == pytest.approx(-3.81554e-3)
    assert curve.metadata["scan_direction"] == "reverse"
    assert curve.metadata["pixel"] == "A"
    assert curve.metadata["instrument_figures"] == pytest.approx(
        {
            "voc_v": 1.078086,
            "jsc_ma_cm2": 23.71677,
            "ff": 0.6800677,
            "pce_percent": 17.38846,
            "pmax_mw_cm2": 17.38846,
            "vmp_v": 0.8425,
            "jmp_ma_cm2": 20.63912,
            "rs_ohm_cm2": 45.78815,
            "rsh_ohm_cm2": 7834.505,
        }
    )
    assert result.metadata["area_cm2"] == 0.16
    assert result.metadata["irradiance_mw_cm2"] == pytest.approx(100.0)  # 1000 W/m2
    assert result.metadata["measured_at"] == "2024-11-21T12:53:50"
    assert result.metadata["light_soaking_s"] == 0.0
    assert_curves_match_their_figures(result)


def test_it_reads_all_24_curves_of_the_iris_glovebox_file(parsed):
    result = parsed(FOLDER, IRIS_TXT)
    assert (result.format, result.kind) == ("iris-txt", "jv")
    assert len(result.series) == 24  # 6 pixels x forward/reverse x dark/light
    assert all(s.columns["voltage_v"].shape == (71,) for s in result.series)
    labels = [s.label for s in result.series]
    assert labels[:4] == ["a_Forward_Dark", "a_Reverse_Dark", "a_Forward_Light", "a_Reverse_Light"]
    assert sum(s.metadata["illumination"] == "light" for s in result.series) == 12
    first = result.series[0]
    assert first.columns["voltage_v"][[0, -1]] == pytest.approx([-0.2, 1.2])
    assert first.columns["current_density_ma_cm2"][0] == -0.048695825
    assert first.metadata["scan_direction"] == "forward"
    assert result.series[1].metadata["scan_direction"] == "reverse"
    assert {s.metadata["pixel"] for s in result.series} == set("ABCDEF")
    assert {s.metadata["pixel_label"] for s in result.series} == set("abcdef")
    assert result.metadata == {
        "sample": "RMI_91",
        "operator": "Rico",
        "area_cm2": 0.16,
        "irradiance_mw_cm2": 100.0,
        "measured_at": "2023-11-30T17:30:54",
        "light_soaking_s": 0.0,
    }


def test_it_reads_the_iris_figures_table_per_light_curve(parsed):
    result = parsed(FOLDER, IRIS_TXT)
    by_label = {s.label: s for s in result.series}
    b_fwd = by_label["b_Forward_Light"].metadata
    assert b_fwd["instrument_figures"] == pytest.approx(
        {
            "voc_v": 0.9547480140667368,
            "jsc_ma_cm2": 13.925466666666665,
            "ff": 0.38858057421276584,
            "pce_percent": 5.16629983333333,
            "vmp_v": 0.6199999999999997,
            "jmp_ma_cm2": 8.332741666666665,
            "pmax_mw_cm2": 5.16629983333333,
            "rs_ohm_cm2": 14.780642334691153,
            "rsh_ohm_cm2": 173.7416494331133,
        }
    )
    assert b_fwd["temperature_c"] == 19.29
    assert b_fwd["measured_at"] == "2023-11-30T15:51:54"
    assert by_label["a_Forward_Dark"].metadata["instrument_figures"] == {}
    assert_curves_match_their_figures(result)


def test_it_reads_the_new_iris_json_with_its_curve_parameters(parsed):
    result = parsed(FOLDER, IRIS_JSON)
    assert (result.format, result.kind) == ("iris-json", "jv")
    assert [s.label for s in result.series] == ["A_FWD", "A_REV"]
    fwd = result.series[0]
    assert fwd.columns["voltage_v"].shape == (81,)
    # V_corr, the voltage the instrument computed its figures from; V_set kept beside it.
    assert fwd.columns["voltage_v"][0] == -0.09212951739251615
    assert fwd.columns["voltage_set_v"][[0, -1]].tolist() == [-0.2, 1.4]
    assert fwd.columns["current_density_ma_cm2"][[0, -1]].tolist() == [
        -33.19783918559551,
        205.56786432862282,
    ]
    assert fwd.columns["current_a"][0] == pytest.approx(-5.311654269695282e-3)
    assert fwd.metadata["instrument_figures"] == pytest.approx(
        {
            "voc_v": 0.030763706927841555,
            "jsc_ma_cm2": 8.094263918102081,
            "ff": 0.22242477431618653,
            "pce_percent": 0.05541073093646861,
            "pmax_mw_cm2": 0.05538589584686288,
            "vmp_v": 0.019926032569408416,
            "jmp_ma_cm2": 2.779574692249298,
            "rs_ohm_cm2": 4.064626738050138,
            "rsh_ohm_cm2": 3.6663558376413308,
        }
    )
    assert fwd.metadata["measured_at"] == "2026-07-31T08:02:14"
    assert fwd.metadata["temperature_c"] == pytest.approx(35.41685689221675)
    assert result.metadata["irradiance_mw_cm2"] == 99.95518
    assert result.metadata["sample"] == "VP114"
    assert result.metadata["area_cm2"] == 0.16
    # The "REV" sweep is stored from -0.2 V up, like every curve of this format: its label
    # decides (this test used to assert "forward", the old wrong answer).
    rev = result.series[1].metadata
    assert (rev["declared_scan_direction"], rev["seen_scan_direction"]) == ("reverse", "forward")
    assert rev["scan_direction"] == "reverse"
    assert rev["direction_layout_reliable"] is False and rev["direction_conflict"] is False
    for series in result.series:
        voc, jsc = voc_and_jsc(series)
        assert voc == pytest.approx(series.metadata["instrument_figures"]["voc_v"], abs=1e-3)


def test_it_reads_the_legacy_iris_json_and_drops_the_impossible_figures(parsed):
    result = parsed(FOLDER, IRIS_JSON_LEGACY)
    assert (result.format, result.kind) == ("iris-json-legacy", "jv")
    assert len(result.series) == 12
    assert [s.label for s in result.series][:3] == ["A_FWD", "B_FWD", "C_FWD"]
    assert all(s.columns["voltage_v"].shape == (71,) for s in result.series)
    d_fwd = result.series[3]
    assert d_fwd.columns["voltage_v"][0] == -0.1999365234375
    assert d_fwd.columns["current_density_ma_cm2"][0] == -29.395926743745804
    assert d_fwd.columns["current_a"][0] == pytest.approx(-4.703348278999329e-3)  # file: mA
    figures = d_fwd.metadata["instrument_figures"]
    assert figures["ff"] == pytest.approx(0.21612295520296815)  # a fraction in this generation
    assert figures["pce_percent"] == pytest.approx(0.023829264863707062)  # Eff 0.000238
    assert figures["voc_v"] == pytest.approx(0.02969570819448376)
    assert figures["jsc_ma_cm2"] == pytest.approx(3.71292400426883)
    # Channel A writes sentinels (FF 1e7, Eff 6250 %): kept out, with a warning.
    assert "ff" not in result.series[0].metadata["instrument_figures"]
    assert any("A_FWD" in w and "fill factor" in w for w in result.warnings)
    assert result.metadata["irradiance_mw_cm2"] == 100.0  # written as 1000 (W/m2)
    assert result.metadata["temperature_c"] == 20.0
    assert result.metadata["sample"] == "JM261"


def test_it_reads_both_kit_sweeps_and_their_average(parsed):
    result = parsed(FOLDER, KIT)
    assert (result.format, result.kind) == ("kit-jv", "jv")
    assert [s.label for s in result.series] == ["sweep 1", "sweep 2", "average"]
    assert all(s.columns["voltage_v"].shape == (141,) for s in result.series)
    sweep1, sweep2, average = result.series
    assert sweep1.columns["voltage_v"][[0, -1]].tolist() == [1.2, -0.2]
    assert sweep1.columns["current_density_ma_cm2"][[0, -1]].tolist() == [28.02902, -20.20462]
    assert average.columns["current_density_ma_cm2"][-1] == -20.19381
    assert average.metadata["derived"] == "average of the sweeps"
    assert sweep1.metadata["instrument_figures"] == pytest.approx(
        {"jsc_ma_cm2": 20.12255, "voc_v": 1.021169, "ff": 0.6797768, "pce_percent": 13.96841}
    )
    assert sweep2.metadata["instrument_figures"]["ff"] == pytest.approx(0.6168432)
    assert average.metadata["instrument_figures"] == {}
    assert result.metadata["area_cm2"] == 0.0784
    assert result.metadata["measured_at"] == "2021-10-14T13:58:16"
    assert result.metadata["sample"] == "ACD3_1_04_Cycle_2"
    assert sweep1.metadata["pixel"] == "7"  # from ".px7_bottom" in the name
    assert_curves_match_their_figures(result)


@pytest.mark.parametrize(
    ("name", "direction", "first", "last", "figures"),
    [
        (
            SINGAPORE_FWD,
            "forward",
            (-0.2, -19.75994),
            (2.0, 42.79094),
            {"voc_v": 1.72898235, "jsc_ma_cm2": 19.38028, "ff": 0.5329, "pce_percent": 17.8566},
        ),
        (
            SINGAPORE_REV,
            "reverse",
            (2.0, 50.110330000000005),
            (-0.2, -19.68252),
            {"voc_v": 1.76296293, "jsc_ma_cm2": 19.37373, "ff": 0.6493, "pce_percent": 22.176},
        ),
    ],
)
def test_it_reads_the_singapore_liv_scans_with_mv_header_figures(
    parsed, name, direction, first, last, figures
):
    result = parsed(FOLDER, name)
    assert (result.format, result.kind) == ("singapore-jv", "jv")
    assert len(result.series) == 1
    scan = result.series[0]
    assert scan.columns["voltage_v"].shape == (111,)
    assert (scan.columns["voltage_v"][0], scan.columns["current_density_ma_cm2"][0]) == first
    assert (scan.columns["voltage_v"][-1], scan.columns["current_density_ma_cm2"][-1]) == last
    assert scan.columns["current_a"][0] == pytest.approx(first[1] / 1000)
    assert scan.metadata["scan_direction"] == direction
    for key, value in figures.items():
        assert scan.metadata["instrument_figures"][key] == pytest.approx(value)
    assert result.metadata["area_cm2"] == 1.0
    assert result.metadata["irradiance_mw_cm2"] == 100.0  # "#sun: 1"
    assert result.metadata["temperature_c"] == 25.0
    assert result.metadata["operator"] == "Pesch"
    assert result.metadata["pixel"] == "1"
    assert_curves_match_their_figures(result)


def test_it_dates_the_singapore_scans_from_their_header(parsed):
    assert parsed(FOLDER, SINGAPORE_FWD).metadata["measured_at"] == "2025-01-09T16:40:58"
    assert parsed(FOLDER, SINGAPORE_REV).metadata["measured_at"] == "2025-01-09T16:41:06"


# --- direction, illumination and pixel: what the file declares and what its data show -------

# (label, declared, seen, resolved, layout reliable, illumination, pixel, pixel as written)
CONTRACT = {
    KEITHLEY: [
        ("b_rev", "reverse", "reverse", "reverse", False, "light", "B", "b"),
        ("b_for", "forward", "reverse", "forward", False, "light", "B", "b"),
        ("c_rev", "reverse", "reverse", "reverse", False, "light", "C", "c"),
        ("c_for", "forward", "reverse", "forward", False, "light", "C", "c"),
        ("f_rev", "reverse", "reverse", "reverse", False, "light", "F", "f"),
        ("f_for", "forward", "reverse", "forward", False, "light", "F", "f"),
    ],
    # Both sweeps and their mean on one descending column; 'Hysteresis 1': sweep 1 is the
    # reverse scan, sweep 2 the forward one. The average is neither.
    KIT: [
        ("sweep 1", "reverse", "reverse", "reverse", False, "light", "7", "px7"),
        ("sweep 2", "forward", "reverse", "forward", False, "light", "7", "px7"),
        ("average", None, "reverse", None, False, "light", "7", "px7"),
    ],
    # Every curve stored with V ascending, REV included.
    IRIS_JSON: [
        ("A_FWD", "forward", "forward", "forward", False, "light", "A", "A"),
        ("A_REV", "reverse", "forward", "reverse", False, "light", "A", "A"),
    ],
    PVCOMB: [
        (
            "RM241111-16_pxA_ch1_LS000min_2024-11-21T12-53-39",
            "reverse",
            "reverse",
            "reverse",
            True,
            "light",
            "A",
            "pxA",
        )
    ],
    SINGAPORE_FWD: [("fwd", "forward", "forward", "forward", True, "light", "1", "1")],
    SINGAPORE_REV: [("rev", "reverse", "reverse", "reverse", True, "light", "1", "1")],
}
KEYS = (
    "declared_scan_direction",
    "seen_scan_direction",
    "scan_direction",
    "direction_layout_reliable",
    "illumination",
    "pixel",
    "pixel_label",
)


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_each_real_curve_carries_its_declared_seen_and_resolved_direction(parsed, name):
    result = parsed(FOLDER, name)
    got = [(s.label, *(s.metadata[k] for k in KEYS)) for s in result.series]
    assert got == CONTRACT[name]
    assert not any(s.metadata["direction_conflict"] for s in result.series)


def test_the_iris_glovebox_dark_curves_are_dark_and_each_has_its_own_reliable_voltage(parsed):
    result = parsed(FOLDER, IRIS_TXT)
    for series in result.series:
        meta = series.metadata
        pixel_label, direction, light = series.label.split("_")
        assert meta["illumination"] == light.lower()
        assert (meta["pixel"], meta["pixel_label"]) == (pixel_label.upper(), pixel_label)
        # Each curve has its own voltage column in measurement order: label and data agree.
        assert meta["direction_layout_reliable"] is True
        assert meta["declared_scan_direction"] == direction.lower()
        assert meta["seen_scan_direction"] == direction.lower()
        assert meta["direction_conflict"] is False
    dark = [s for s in result.series if s.metadata["illumination"] == "dark"]
    assert len(dark) == 12
    # Some dark curves pass well over 0.02 mA/cm2 at 0 V: the label, not J(0), says dark.
    leaky = [s for s in dark if abs(np.interp(0.0, *_ascending(s))) > 0.02]
    assert leaky


def _ascending(series) -> tuple[np.ndarray, np.ndarray]:
    v, j = series.columns["voltage_v"], series.columns["current_density_ma_cm2"]
    order = np.argsort(v)
    return v[order], j[order]


def test_the_legacy_iris_json_stores_its_rev_sweeps_ascending_and_the_label_wins(parsed):
    result = parsed(FOLDER, IRIS_JSON_LEGACY)
    for series in result.series:
        meta = series.metadata
        expected = "reverse" if series.label.endswith("_REV") else "forward"
        assert meta["seen_scan_direction"] == "forward"
        assert meta["scan_direction"] == meta["declared_scan_direction"] == expected
        assert meta["direction_layout_reliable"] is False
        assert meta["illumination"] == "light"  # illumination_mode "Illuminated"
        assert meta["pixel"] == series.label[0]
    assert any("A_REV: reverse" in w for w in result.warnings)
