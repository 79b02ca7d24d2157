"""Absorbance of PbS dots: first exciton, Moreels size, width, concentration, Tauc."""

from __future__ import annotations

import json

import numpy as np
import pytest

from analysis.compute import analyse_absorbance, moreels_diameter_nm, moreels_energy_ev
from analysis.compute.constants import HC_EV_NM

from .conftest import load_columns


def test_synthetic_absorbance_file_recovers_its_truth(truth):
    wl, a = load_columns("abs_example.csv", delimiter=",")
    t = truth["abs_example.csv"]
    r = analyse_absorbance(wl, a)
    assert r.exciton_peak_nm == pytest.approx(t["exciton_peak_nm"], abs=0.5)  # README: 3 nm
    assert r.bandgap_ev == pytest.approx(t["bandgap_ev"], abs=1e-3)
    assert r.diameter_nm == pytest.approx(t["diameter_nm"], abs=0.01)  # README: 0.05 nm
    assert r.sizing_curve == "Moreels et al., ACS Nano 2009, 3, 3023"
    assert 20 < r.hwhm_mev < 150
    json.dumps(r.to_dict(), allow_nan=False)


@pytest.mark.parametrize(
    "peak_nm, d_nm", [(800, 2.53), (900, 2.90), (950, 3.09), (1000, 3.29), (1300, 4.61)]
)
def test_the_moreels_table_is_reproduced(peak_nm, d_nm):
    assert moreels_diameter_nm(HC_EV_NM / peak_nm) == pytest.approx(d_nm, abs=0.005)


def test_moreels_energy_and_diameter_are_inverse_and_bulk_has_no_size():
    for d in (2.5, 3.5, 6.0):
        assert moreels_diameter_nm(moreels_energy_ev(d)) == pytest.approx(d)
    assert moreels_diameter_nm(0.41) is None


def _exciton_on_background(wl, peak_nm=950.0, sigma_ev=0.06, amp=0.3):
    e = HC_EV_NM / wl
    background = 0.02 + 0.05 * np.exp((e - 1.3) / 0.45)  # rising scattering/higher states
    return amp * np.exp(-0.5 * ((e - HC_EV_NM / peak_nm) / sigma_ev) ** 2) + background


def test_an_exciton_on_a_rising_background_is_found_through_noise():
    wl = np.arange(400.0, 1600.0 + 0.1, 1.0)
    clean = _exciton_on_background(wl)
    fine = np.arange(850.0, 1050.0, 0.01)
    expected = fine[np.argmax(_exciton_on_background(fine))]  # maximum of the clean curve
    for seed in range(5):
        noisy = clean + np.random.default_rng(seed).normal(0, 0.003, wl.size)
        r = analyse_absorbance(wl, noisy)
        assert r.exciton_peak_nm == pytest.approx(expected, abs=2.0)
        assert r.hwhm_mev == pytest.approx(1000 * 0.06 * np.sqrt(2 * np.log(2)), rel=0.15)


def test_descending_wavelengths_and_saturated_points_do_not_change_the_answer():
    wl = np.arange(400.0, 1600.0 + 0.1, 2.0)
    a = _exciton_on_background(wl)
    ref = analyse_absorbance(wl, a)
    sat = a.copy()
    sat[wl < 430] = 10.0  # PerkinElmer writes 10 when the detector saturates
    sat[100] = np.nan
    r = analyse_absorbance(wl[::-1], sat[::-1])
    assert "saturated_points_masked" in r.flags
    assert r.exciton_peak_nm == pytest.approx(ref.exciton_peak_nm, abs=0.05)


def test_concentration_uses_the_400_nm_extinction_above_the_long_wavelength_baseline():
    wl = np.arange(350.0, 1600.0 + 0.1, 1.0)
    a = _exciton_on_background(wl)
    r = analyse_absorbance(wl, a, path_length_cm=1.0, dilution=100.0)
    eps = 0.0233 * r.diameter_nm**3
    expected = (np.interp(400.0, wl, a) - r.baseline_absorbance) / eps * 100.0
    assert r.extinction_400_per_um_cm == pytest.approx(eps)
    assert r.concentration_um == pytest.approx(expected)
    assert "extinction_coefficient_literature" in r.flags
    assert analyse_absorbance(wl, a).concentration_um is None


def test_the_doc_concentration_example_is_reproduced():
    # Doc: 950 nm exciton -> d = 3.09 nm -> eps400 = 0.69 /uM/cm; A400 = 0.50 above the
    # baseline in 1 cm -> 0.724 uM (0.727 with the unrounded eps of 0.6875).
    wl = np.arange(350.0, 1600.0 + 0.1, 1.0)
    a = _exciton_on_background(wl, amp=0.6)
    tail = np.median(a[-(wl.size // 20) :])
    a = tail + (a - tail) * 0.5 / (np.interp(400.0, wl, a) - tail)
    r = analyse_absorbance(wl, a, path_length_cm=1.0)
    assert r.diameter_nm == pytest.approx(3.09, abs=0.02)
    assert r.absorbance_400 - r.baseline_absorbance == pytest.approx(0.50)
    assert r.concentration_um == pytest.approx(0.724, abs=0.01)


def test_tauc_gap_lies_below_the_exciton_with_its_window_and_r2():
    wl = np.arange(400.0, 1600.0 + 0.1, 1.0)
    r = analyse_absorbance(wl, _exciton_on_background(wl))
    assert r.tauc_bandgap_ev is not None and r.tauc_bandgap_ev < r.bandgap_ev
    lo, hi = r.tauc_window_ev
    assert lo < hi <= r.bandgap_ev and r.tauc_r2 >= 0.98


def test_a_featureless_spectrum_reports_no_exciton():
    wl = np.arange(400.0, 1600.0 + 0.1, 1.0)
    r = analyse_absorbance(wl, 0.02 + 0.05 * np.exp((HC_EV_NM / wl - 1.3) / 0.45))
    assert r.exciton_peak_nm is None and "no_exciton_found" in r.flags
