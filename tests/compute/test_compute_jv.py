"""J-V under light: synthetic files, one-diode model curves and the awkward cases."""

from __future__ import annotations

import json

import numpy as np
import pytest
from pvlib.ivtools.utils import astm_e1036 as pvlib_e1036

from analysis.compute import (
    E1036Error,
    JVThresholds,
    analyse_dark_jv,
    analyse_jv,
    astm_e1036,
    compare_with_instrument,
    hysteresis_index,
    scan_direction,
    split_scans,
)

from .models import DEVICE_B, DEVICE_B_TRUTH, GOOD, jv_curve, jv_truth

V = np.round(np.arange(-0.1, 0.6 + 1e-9, 0.01), 10)


def assert_close_to_truth(r, t, voc_tol=0.002, jsc_rel=0.005, ff_tol=0.01, pce_rel=0.01):
    assert r.voc_v == pytest.approx(t["voc_v"], abs=voc_tol)
    assert r.jsc_ma_cm2 == pytest.approx(t["jsc_ma_cm2"], rel=jsc_rel)
    assert r.ff == pytest.approx(t["ff"], abs=ff_tol)
    assert r.pce_percent == pytest.approx(t["pce_percent"], rel=pce_rel)


@pytest.mark.parametrize(
    "fixture, name", [("jv_a", "jv_example_a.txt"), ("jv_b", "jv_example_b.csv")]
)
def test_synthetic_jv_files_recover_their_truth_tighter_than_the_readme(
    fixture, name, truth, request
):
    v, j = request.getfixturevalue(fixture)
    r = analyse_jv(v, j, 100.0)
    # README tolerances: Voc 2 mV, Jsc 0.5 %, FF 0.01, PCE 1 % rel. We hold 5-10x tighter.
    assert_close_to_truth(r, truth[name], voc_tol=5e-4, jsc_rel=1e-3, ff_tol=1e-3, pce_rel=1e-3)
    assert r.vmp_v == pytest.approx(truth[name]["vmp_v"], abs=0.003)
    assert r.flags == []
    assert r.method["pmax"].startswith("e1036_poly4")


def test_file_a_is_load_convention_reverse_scan_and_file_b_generator_forward(jv_a, jv_b):
    a, b = analyse_jv(*jv_a, 100.0), analyse_jv(*jv_b, 100.0)
    assert (a.sign_flipped, a.scan_direction) == (True, "reverse")
    assert (b.sign_flipped, b.scan_direction) == (False, "forward")


@pytest.mark.parametrize("load_convention", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_device_b_is_recovered_in_both_sign_conventions_and_scan_directions(
    load_convention, reverse
):
    v, j = V.copy(), jv_curve(V)
    if load_convention:
        j = -j
    if reverse:
        v, j = v[::-1], j[::-1]
    r = analyse_jv(v, j, 100.0)
    assert_close_to_truth(r, DEVICE_B_TRUTH, voc_tol=5e-4, jsc_rel=5e-4, ff_tol=5e-4, pce_rel=5e-4)
    assert r.sign_flipped is load_convention
    assert r.scan_direction == ("reverse" if reverse else "forward")


def test_apparent_resistances_are_the_slopes_at_voc_and_at_short_circuit():
    r = analyse_jv(V, jv_curve(V), 100.0)
    # Slope at Voc = Rs + (diode || Rsh) = 5.18 ohm cm2 for device b, not its Rs of 3.83.
    assert r.rs_ohm_cm2 == pytest.approx(5.18, rel=0.02)
    h = 1e-6
    exact = -2 * h / ((jv_curve(np.array([h])) - jv_curve(np.array([-h])))[0] / 1000)
    assert r.rsh_ohm_cm2 == pytest.approx(exact, rel=0.03)


@pytest.mark.parametrize("step", [0.02, 0.05])
def test_coarse_voltage_grids_stay_within_the_readme_tolerances(step):
    v = np.arange(-0.1, 0.6 + 1e-9, step)
    r = analyse_jv(v, jv_curve(v), 100.0)
    assert_close_to_truth(r, DEVICE_B_TRUTH, voc_tol=0.002, ff_tol=0.005, pce_rel=0.005)


def test_a_sweep_without_a_zero_volt_point_extrapolates_jsc_and_flags_it():
    v = np.arange(0.013, 0.6, 0.01)
    r = analyse_jv(v, jv_curve(v), 100.0)
    assert "jsc_extrapolated" in r.flags
    assert r.jsc_ma_cm2 == pytest.approx(31.700, rel=0.002)


def test_a_grid_straddling_zero_interpolates_jsc_without_a_flag():
    v = np.arange(-0.105, 0.6, 0.01)
    r = analyse_jv(v, jv_curve(v), 100.0)
    assert "jsc_extrapolated" not in r.flags
    assert r.jsc_ma_cm2 == pytest.approx(31.700, rel=0.001)


def test_a_sweep_stopping_just_before_voc_extrapolates_voc_and_flags_it():
    v = np.arange(-0.1, 0.445, 0.01)
    r = analyse_jv(v, jv_curve(v), 100.0)
    assert "voc_extrapolated" in r.flags
    assert r.voc_v == pytest.approx(0.45, abs=0.003)


def test_a_sweep_far_from_voc_has_no_voc_and_no_pce():
    v = np.arange(-0.1, 0.3, 0.01)
    r = analyse_jv(v, jv_curve(v), 100.0)
    assert "no_voc_crossing" in r.flags
    assert r.voc_v is None and r.pce_percent is None and r.ff is None


def test_compliance_clipped_points_are_dropped_and_flagged():
    v = np.arange(-0.1, 0.8 + 1e-9, 0.01)
    j = np.maximum(jv_curve(v), -40.0)  # SMU compliance in forward bias
    r = analyse_jv(v, j, 100.0)
    assert "compliance_clipped" in r.flags
    assert_close_to_truth(r, DEVICE_B_TRUTH, voc_tol=5e-4, jsc_rel=5e-4, ff_tol=5e-4)
    # An ideal cell is flat in reverse bias: that is not clipping.
    ideal = dict(GOOD, resistance_shunt=1e12)
    assert "compliance_clipped" not in analyse_jv(V, jv_curve(V, ideal), 100.0).flags


def test_a_shunted_cell_and_an_ohmic_line_are_flagged_shorted():
    shunted = analyse_jv(V, jv_curve(V, dict(DEVICE_B, resistance_shunt=20.0)), 100.0)
    assert "shorted" in shunted.flags
    ohmic = analyse_jv(V, 20.0 - 100.0 * V, 100.0)  # a resistor under light: FF = 0.25
    assert ohmic.ff == pytest.approx(0.25, abs=1e-6)
    assert "shorted" in ohmic.flags
    assert "shorted" not in analyse_jv(V, jv_curve(V), 100.0).flags


def test_thresholds_come_from_the_caller():
    strict = JVThresholds(shorted_ff=0.55)
    assert "shorted" in analyse_jv(V, jv_curve(V), 100.0, thresholds=strict).flags


def test_pce_is_pmax_over_the_stated_irradiance():
    r100 = analyse_jv(V, jv_curve(V), 100.0)
    r50 = analyse_jv(V, jv_curve(V), 50.0)
    assert r50.pmax_mw_cm2 == pytest.approx(r100.pmax_mw_cm2)
    assert r50.pce_percent == pytest.approx(2 * r100.pce_percent)
    assert r50.irradiance_mw_cm2 == 50.0 and not r50.irradiance_assumed


def test_a_missing_irradiance_is_assumed_100_and_flagged():
    r = analyse_jv(V, jv_curve(V))
    assert r.irradiance_assumed and r.irradiance_mw_cm2 == 100.0
    assert "irradiance_assumed_100" in r.flags
    assert r.pce_percent == pytest.approx(7.131, rel=1e-3)


def test_half_sun_curve_is_analysed_at_its_own_irradiance():
    t = jv_truth(scale=0.5)
    r = analyse_jv(V, jv_curve(V, scale=0.5), 50.0)
    assert r.voc_v == pytest.approx(t["voc_v"], abs=5e-4)
    assert r.pce_percent == pytest.approx(100 * t["pmax_mw_cm2"] / 50.0, rel=1e-3)


def test_a_round_trip_is_split_at_the_turn_and_the_longer_leg_analysed():
    v_rs = np.round(np.arange(0.6, -0.1 - 1e-9, -0.01), 10)
    v_fs = v_rs[::-1][1:]
    j_rs = jv_curve(v_rs)
    j_fs = jv_curve(v_fs, scale=0.97)  # forward scan a little lower (hysteresis)
    v, j = np.concatenate([v_rs, v_fs]), np.concatenate([j_rs, j_fs])
    legs = split_scans(v, j)
    assert [scan_direction(x) for x, _ in legs] == ["reverse", "forward"]
    assert legs[0][0].size == v_rs.size and legs[1][0].size == v_fs.size + 1
    r = analyse_jv(v, j, 100.0)
    assert "round_trip_split" in r.flags and r.scan_direction == "reverse"
    assert r.jsc_ma_cm2 == pytest.approx(31.700, rel=1e-3)
    rs, fs = (analyse_jv(x, y, 100.0) for x, y in legs)
    hi = hysteresis_index(rs, fs)
    assert hi["definition"] == "HI_PCE = (PCE_RS - PCE_FS) / PCE_RS"
    assert hi["hi_pce"] == pytest.approx((rs.pce_percent - fs.pce_percent) / rs.pce_percent)
    assert 0 < hi["hi_pce"] < 0.1 and hi["flags"] == []


def test_a_monotonic_sweep_with_a_noisy_first_point_is_not_split():
    v = V.copy()
    v[1] = v[0] - 0.001
    assert len(split_scans(v, jv_curve(V))) == 1


def test_duplicate_voltages_are_averaged():
    v = np.repeat(V, 2)
    j = jv_curve(v) + np.tile([0.05, -0.05], V.size)
    r = analyse_jv(v, j, 100.0)
    assert "duplicate_v_averaged" in r.flags
    assert r.jsc_ma_cm2 == pytest.approx(31.700, rel=1e-3)


def test_several_crossings_near_voc_take_the_first_above_the_mpp():
    j = jv_curve(V)
    k = int(np.argmin(np.abs(V - 0.47)))
    j[k] = 0.3  # J pops back above zero just after Voc
    r = analyse_jv(V, j, 100.0)
    assert "multiple_voc_crossings" in r.flags
    assert r.voc_v == pytest.approx(0.45, abs=0.001)


def test_noisy_curves_stay_within_the_readme_tolerances():
    rng = np.random.default_rng(7)
    for _ in range(10):
        j = jv_curve(V) + rng.normal(0, 0.03, V.size)
        assert_close_to_truth(analyse_jv(V, j, 100.0), DEVICE_B_TRUTH)


def test_a_dark_curve_is_flagged_and_has_no_light_figures():
    j_dark = jv_curve(V, scale=0.0)
    for j in (j_dark, -j_dark):
        r = analyse_jv(V, j, 100.0)
        assert "dark" in r.flags
        assert r.voc_v is None and r.pce_percent is None
    assert "dark" in analyse_jv(V, jv_curve(V), 0.0).flags


def test_too_few_points_give_a_flagged_empty_result():
    r = analyse_jv([0.0, 0.1, 0.2], [1.0, 0.5, -0.1])
    assert "too_few_points" in r.flags and r.voc_v is None


def test_nan_pairs_are_ignored():
    j = jv_curve(V)
    j[5] = np.nan
    r = analyse_jv(V, j, 100.0)
    assert r.n_points == V.size - 1
    assert r.pce_percent == pytest.approx(7.131, rel=1e-3)


def test_the_result_dict_is_strict_json_with_the_agreed_keys():
    d = analyse_jv(V, jv_curve(V)).to_dict()
    keys = {
        "voc_v", "jsc_ma_cm2", "ff", "pce_percent", "pmax_mw_cm2", "vmp_v", "jmp_ma_cm2",
        "rs_ohm_cm2", "rsh_ohm_cm2", "scan_direction", "sign_flipped", "irradiance_mw_cm2",
        "irradiance_assumed", "n_points", "flags", "method", "version",
    }  # fmt: skip
    assert keys <= d.keys()
    json.dumps(d, allow_nan=False)
    assert "e1036" in d["method"]["pmax"] or d["method"]["pmax"] in ("local_cubic_4pt", "discrete")


CURVES = [
    (DEVICE_B, np.arange(-0.1, 0.6 + 1e-9, 0.01)),
    (DEVICE_B, np.arange(-0.1, 0.6 + 1e-9, 0.02)),
    (GOOD, np.arange(-0.2, 0.8, 0.005)),
    (GOOD, np.arange(0.003, 0.75, 0.01)),
    (dict(DEVICE_B, resistance_shunt=80.0, resistance_series=10.0), np.linspace(-0.1, 0.5, 61)),
]


@pytest.mark.parametrize("params, v", CURVES)
def test_the_numpy_e1036_port_agrees_with_pvlib(params, v):
    j = jv_curve(v, params)
    ours, theirs = astm_e1036(v, j), pvlib_e1036(v, j)
    for key in ("voc", "isc", "vmp", "imp", "pmp", "ff"):
        assert ours[key] == pytest.approx(theirs[key], rel=1e-9), key
    x = np.linspace(ours["vmp"] - 0.02, ours["vmp"] + 0.02, 5)
    assert ours["mp_fit"](x) == pytest.approx(theirs["mp_fit"](x), rel=1e-9)


def test_the_e1036_port_refuses_a_window_too_sparse_for_a_quartic():
    v = np.arange(-0.1, 0.6 + 1e-9, 0.1)
    with pytest.raises(E1036Error):
        astm_e1036(v, jv_curve(v))
    # analyse_jv then falls back to a local cubic and says so.
    assert analyse_jv(v, jv_curve(v), 100.0).method["pmax"] == "local_cubic_4pt"


def test_compare_with_instrument_lists_each_figure_and_compares_current_magnitudes():
    ours = {"voc_v": 0.450, "jsc_ma_cm2": 31.70, "ff": 0.500, "pce_percent": 7.13}
    theirs = {"voc_v": 0.451, "jsc_ma_cm2": -31.75, "ff": 0.499, "pce_percent": 7.14, "x": None}
    c = compare_with_instrument(ours, theirs, rel_tol=0.01)
    assert c["consistent"]
    assert c["figures"]["jsc_ma_cm2"]["relative_difference"] == pytest.approx(-0.05 / 31.75)
    bad = compare_with_instrument(
        ours, dict(theirs, pce_percent=8.65), rel_tol={"pce_percent": 0.02}
    )
    assert not bad["consistent"] and not bad["figures"]["pce_percent"]["consistent"]
    assert bad["figures"]["voc_v"]["rel_tol"] == 0.02


def test_dark_jv_gives_the_diode_ideality_on_a_plateau():
    v = np.round(np.arange(-0.6, 0.8 + 1e-9, 0.01), 10)
    j = -jv_curve(v, dict(DEVICE_B, resistance_shunt=1e6), scale=0.0)  # load convention
    r = analyse_dark_jv(v, j)
    assert r.plateau_found and r.ideality_factor == pytest.approx(1.6, abs=0.05)
    assert r.rectification_v == 0.5 and r.rectification_ratio > 1e3
    assert r.leakage_ma_cm2 == pytest.approx(abs(np.interp(-0.5, v, j)))
    assert analyse_dark_jv(v, -j).ideality_factor == pytest.approx(r.ideality_factor)


def test_dark_jv_of_a_shunted_device_reports_no_plateau():
    v = np.round(np.arange(-0.6, 0.8 + 1e-9, 0.01), 10)
    r = analyse_dark_jv(v, -jv_curve(v, DEVICE_B, scale=0.0))
    # Rsh = 250 ohm cm2 inflates n(V) everywhere (true n = 1.6).
    assert not r.plateau_found and "no_ideality_plateau" in r.flags
    # No plateau: no local ideality is reported (it was the misleading > 2.5 number) ...
    assert r.ideality_factor is None and r.ideality_min > 2.5
    assert r.rsh_ohm_cm2 == pytest.approx(250, rel=0.05)
    # ... the one-diode fit gives the true one.
    assert r.diode_n == pytest.approx(1.6, rel=0.05)
