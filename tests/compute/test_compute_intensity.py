"""Light-intensity series: ideality factor from Voc(ln I), alpha from Jsc(I), the fit window
rule, the shunt and high-intensity bends, and where the temperature comes from."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pvlib.pvsystem import singlediode

from analysis.compute import analyse_intensity, thermal_voltage
from analysis.compute.intensity import WINDOW_RULE
from analysis.kinds import AnalysisContext, AnalysisError, analyse_parsed
from measurements.parsers import parse

from .conftest import SYNTHETIC, load_columns
from .models import DEVICE_B, VTH

TRANSIENTS = Path(__file__).resolve().parents[1] / "data" / "transients"


def test_synthetic_intensity_file_recovers_its_ideality_factor(truth):
    inten, voc = load_columns("voc_intensity_example.csv", delimiter=",")
    r = analyse_intensity(inten, voc)
    expected = truth["voc_intensity_example.csv"]["ideality_factor"]
    assert r.ideality_factor == pytest.approx(expected, abs=0.005)  # README: 0.05
    assert r.fit_window_mw_cm2 == (1.0, 100.0) and r.dropped_intensities_mw_cm2 == []
    assert r.r2 > 0.999 and r.ideality_stderr < 0.01
    assert r.flags == ["temperature_assumed"]  # the file states no temperature


def test_a_straight_line_with_n_1_49_gives_1_49_and_alpha_1():
    inten = np.geomspace(1, 100, 8)
    voc = 1.49 * VTH * np.log(inten) + 0.3
    r = analyse_intensity(inten, voc, jsc_ma_cm2=0.329 * inten)
    assert r.ideality_factor == pytest.approx(1.49, abs=1e-9)
    assert r.alpha == pytest.approx(1.0) and r.ideality_factor_vs_jsc == pytest.approx(1.49)


def test_the_ideality_factor_scales_with_the_measurement_temperature():
    inten = np.geomspace(1, 100, 8)
    voc = 1.49 * thermal_voltage(60.0) * np.log(inten) + 0.3
    r = analyse_intensity(inten, voc, temperature_c=60.0)
    assert r.ideality_factor == pytest.approx(1.49)
    assert not r.temperature_assumed and "temperature_assumed" not in r.flags
    assert "at 60 C" in r.method and "assumed" not in r.method


def test_without_a_temperature_25_c_is_assumed_flagged_and_stated():
    inten = np.geomspace(1, 100, 8)
    voc = 1.49 * thermal_voltage(60.0) * np.log(inten) + 0.3
    r = analyse_intensity(inten, voc)
    assert r.temperature_assumed and "temperature_assumed" in r.flags
    assert r.temperature_c == 25.0 and "at 25 C (assumed" in r.method
    # The 35 K it did not know about: n reads 11 % high.
    assert r.ideality_factor == pytest.approx(1.49 * 333.15 / 298.15, rel=1e-6)


def test_shunt_bent_low_intensity_points_are_dropped_and_the_window_reported():
    inten = np.geomspace(1, 100, 11)
    sd = singlediode(**dict(DEVICE_B, photocurrent=DEVICE_B["photocurrent"] * inten / 100))
    r = analyse_intensity(inten, sd["v_oc"], 1000 * sd["i_sc"])
    # Doc: device b reads n = 3.12 over 0.01-1 sun and 1.93 over 0.1-1 sun (true 1.6).
    assert r.dropped_intensities_mw_cm2 and "low_intensity_points_dropped" in r.flags
    assert r.fit_window_mw_cm2[1] == pytest.approx(100.0)
    assert r.ideality_factor == pytest.approx(1.93, abs=0.05)
    assert r.alpha == pytest.approx(1.0, abs=1e-3)
    everything = analyse_intensity(inten, sd["v_oc"], window_mw_cm2=(1, 100))
    assert everything.ideality_factor == pytest.approx(3.12, abs=0.15)
    assert everything.n_points_fit == 11 and everything.window_rule == "window given by the caller"


def test_an_unshunted_device_keeps_every_point():
    inten = np.geomspace(1, 100, 11)
    p = dict(DEVICE_B, resistance_shunt=1e6, photocurrent=DEVICE_B["photocurrent"] * inten / 100)
    r = analyse_intensity(inten, singlediode(**p)["v_oc"])
    assert r.n_points_fit == 11 and r.ideality_factor == pytest.approx(1.60, abs=0.01)


def _device_b(inten: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sd = singlediode(**dict(DEVICE_B, photocurrent=DEVICE_B["photocurrent"] * inten / 100))
    return np.asarray(sd["v_oc"]), 1000 * np.asarray(sd["i_sc"])


def test_device_b_reads_closer_to_its_true_n_in_the_rule_window_and_the_shunt_is_flagged():
    # R_sh 250 ohm cm2, true n 1.6: the doc's 3.12 over 0.01-1 sun, 1.93 over 0.1-1 sun.
    inten = np.geomspace(1, 100, 11)
    voc, _ = _device_b(inten)
    rule = analyse_intensity(inten, voc, temperature_c=25.0)
    every = analyse_intensity(inten, voc, temperature_c=25.0, window_mw_cm2=(1, 100))
    assert abs(rule.ideality_factor - 1.6) < abs(every.ideality_factor - 1.6)
    assert rule.ideality_factor == pytest.approx(1.92, abs=0.02)
    assert every.ideality_factor == pytest.approx(3.12, abs=0.05)
    assert rule.fit_window_mw_cm2 == pytest.approx((10.0, 100.0))
    assert "shunt_limited_low_intensity" in rule.flags
    assert "series_resistance_high_intensity" not in rule.flags
    # The window is stated, with the rule that chose it.
    assert "10-100 mW/cm2 (6 points)" in rule.method and rule.window_rule in rule.method
    assert rule.window_rule == WINDOW_RULE.format(tol=0.25, min_points=4)
    # The local ideality factor climbs toward low intensity: the curvature the flag reads.
    local = np.array(rule.local_ideality)
    assert local[-1] == pytest.approx(1.71, abs=0.02) and local.max() > 5


def test_the_window_rule_gives_the_same_window_on_another_grid_and_through_voc_noise():
    # One rule, not a window by eye: a finer, wider grid lands on the same straight part ...
    inten = np.geomspace(0.1, 100, 16)
    r = analyse_intensity(inten, _device_b(inten)[0], temperature_c=25.0)
    assert r.fit_window_mw_cm2 == pytest.approx((10.0, 100.0))
    assert r.ideality_factor == pytest.approx(1.92, abs=0.02)
    # ... and 1 mV of Voc scatter moves it by one point at most.
    inten = np.geomspace(1, 100, 11)
    voc = _device_b(inten)[0]
    for seed in range(8):
        noisy = voc + np.random.default_rng(seed).normal(0.0, 1e-3, voc.size)
        r = analyse_intensity(inten, noisy, temperature_c=25.0)
        low, high = r.fit_window_mw_cm2
        assert high == pytest.approx(100.0)
        assert low == pytest.approx(10.0) or low == pytest.approx(6.31, abs=0.01)
        assert 1.8 < r.ideality_factor < 2.15
        assert "shunt_limited_low_intensity" in r.flags


def test_a_voc_that_flattens_at_high_intensity_is_flagged_and_left_out_of_the_window():
    # No shunt (R_sh 1e6), n 1.6, but the cell warms by 0.1 C per mW/cm2 up to 3 suns (J0
    # rises with T): Voc flattens at the top, as series resistance and heating make it.
    inten = np.geomspace(1, 300, 13)
    temp_k = 25.0 + 0.1 * inten + 273.15
    j0 = (
        5.354e-7
        * (temp_k / 298.15) ** 3
        * np.exp(-1.3 / (1.6 * 8.617333e-5) * (1 / temp_k - 1 / 298.15))
    )
    voc = np.array(
        [
            singlediode(
                photocurrent=32.1954e-3 * i / 100,
                saturation_current=j,
                resistance_series=3.83,
                resistance_shunt=1e6,
                nNsVth=1.6 * thermal_voltage(tk - 273.15),
            )["v_oc"]
            for i, j, tk in zip(inten, j0, temp_k, strict=True)
        ]
    )
    rule = analyse_intensity(inten, voc, temperature_c=25.0)
    every = analyse_intensity(inten, voc, temperature_c=25.0, window_mw_cm2=(1, 300))
    assert "series_resistance_high_intensity" in rule.flags
    assert "shunt_limited_low_intensity" not in rule.flags
    assert rule.fit_window_mw_cm2[0] == pytest.approx(1.0) and rule.fit_window_mw_cm2[1] < 100
    assert abs(rule.ideality_factor - 1.6) < abs(every.ideality_factor - 1.6)


def test_a_series_with_no_straight_part_is_fitted_whole_and_says_so():
    inten = np.geomspace(1, 100, 11)
    voc = 0.35 + 0.02 * np.sin(1.5 * np.log(inten))  # the slope changes sign along the way
    r = analyse_intensity(inten, voc, temperature_c=25.0)
    assert "no_linear_window" in r.flags and r.n_points_fit == 11


def test_repeated_intensities_are_averaged_before_the_slopes():
    r = analyse_intensity(
        [1, 1, 10, 10, 100, 100, 30, 3],
        [0.300, 0.302, 0.360, 0.362, 0.420, 0.422, 0.391, 0.331],
        temperature_c=25.0,
    )
    assert r.n_points == 8 and r.n_points_fit == 5  # five intensities
    assert r.slope_v == pytest.approx(0.060 / np.log(10), rel=0.01)


def test_it_refuses_columns_of_different_lengths():
    with pytest.raises(ValueError, match="one value per point"):
        analyse_intensity([1, 10, 100], [0.3, 0.36])


def _intensity_row(path: Path, ctx: AnalysisContext) -> dict:
    (row,) = analyse_parsed(parse(path.read_bytes(), filename=path.name), ctx)
    return row.figures


def test_the_kind_takes_the_temperature_from_the_file_header():
    f = _intensity_row(TRANSIENTS / "device-b_35C.intensity.csv", AnalysisContext())
    assert f["temperature_source"] == "file" and f["temperature_c"] == 35.0
    assert not f["temperature_assumed"] and "temperature_assumed" not in f["flags"]
    assert "shunt_limited_low_intensity" in f["flags"]
    assert f["ideality_factor"] == pytest.approx(1.93, abs=0.03)  # its thermal voltage, 35 C


def test_the_measurements_temperature_wins_over_the_files():
    f = _intensity_row(
        TRANSIENTS / "device-b_35C.intensity.csv", AnalysisContext(temperature_c=30.0)
    )
    assert f["temperature_source"] == "measurement" and f["temperature_c"] == 30.0


def test_the_kind_assumes_25_c_only_when_nothing_states_a_temperature():
    f = _intensity_row(SYNTHETIC / "voc_intensity_example.csv", AnalysisContext())
    assert f["temperature_source"] == "assumed" and f["temperature_c"] == 25.0
    assert f["temperature_assumed"] and "temperature_assumed" in f["flags"]


def test_the_kind_names_the_series_when_its_columns_do_not_match():
    path = SYNTHETIC / "voc_intensity_example.csv"
    parsed = parse(path.read_bytes(), filename=path.name)
    parsed.series[0].columns["voc_v"] = parsed.series[0].columns["voc_v"][:2]
    with pytest.raises(AnalysisError, match="Intensity series .*one value per point"):
        analyse_parsed(parsed, AnalysisContext())
