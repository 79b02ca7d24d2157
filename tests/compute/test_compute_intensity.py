"""Light-intensity series: ideality factor from Voc(ln I), alpha from Jsc(I)."""

from __future__ import annotations

import numpy as np
import pytest
from pvlib.pvsystem import singlediode

from analysis.compute import analyse_intensity, thermal_voltage

from .conftest import load_columns
from .models import DEVICE_B, VTH


def test_synthetic_intensity_file_recovers_its_ideality_factor(truth):
    inten, voc = load_columns("voc_intensity_example.csv", delimiter=",")
    r = analyse_intensity(inten, voc)
    expected = truth["voc_intensity_example.csv"]["ideality_factor"]
    assert r.ideality_factor == pytest.approx(expected, abs=0.005)  # README: 0.05
    assert r.fit_window_mw_cm2 == (1.0, 100.0) and r.dropped_intensities_mw_cm2 == []
    assert r.r2 > 0.999 and r.ideality_stderr < 0.01


def test_a_straight_line_with_n_1_49_gives_1_49_and_alpha_1():
    inten = np.geomspace(1, 100, 8)
    voc = 1.49 * VTH * np.log(inten) + 0.3
    r = analyse_intensity(inten, voc, jsc_ma_cm2=0.329 * inten)
    assert r.ideality_factor == pytest.approx(1.49, abs=1e-9)
    assert r.alpha == pytest.approx(1.0) and r.ideality_factor_vs_jsc == pytest.approx(1.49)


def test_the_ideality_factor_scales_with_the_measurement_temperature():
    inten = np.geomspace(1, 100, 8)
    voc = 1.49 * thermal_voltage(60.0) * np.log(inten) + 0.3
    assert analyse_intensity(inten, voc, temperature_c=60.0).ideality_factor == pytest.approx(1.49)


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
