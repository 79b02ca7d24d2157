"""IEC 60904-7 spectral mismatch factor against analytic cases (analysis.compute.mismatch)."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.compute.mismatch import (
    corrected_jsc,
    read_two_columns,
    spectral_mismatch,
    sr_from_eqe,
)

WL = np.arange(400.0, 800.0 + 1e-9, 1.0)
# A silicon-like reference cell and a PbS-like test cell, on a xenon-like lamp with lines.
SI_SR = np.clip((WL - 350.0) / 600.0, 0, None)
PBS_SR = sr_from_eqe(WL, 0.8 - 0.3 * np.exp(-(((WL - 520.0) / 60.0) ** 2)))
LAMP = 1.0 + 0.8 * np.exp(-(((WL - 470.0) / 8.0) ** 2)) + 0.0015 * (WL - 400.0)


def _m(ref_sr, sim, test_sr, **kw):
    return spectral_mismatch(
        reference_sr_wavelength_nm=WL,
        reference_sr=ref_sr,
        simulator_wavelength_nm=WL,
        simulator_irradiance=sim,
        test_sr_wavelength_nm=WL,
        test_sr=test_sr,
        **kw,
    )


def test_a_test_cell_with_the_reference_cells_response_has_m_of_one_under_any_lamp():
    assert _m(SI_SR, LAMP, SI_SR).mismatch_factor == pytest.approx(1.0, abs=1e-12)
    assert _m(PBS_SR, LAMP, 3.0 * PBS_SR).mismatch_factor == pytest.approx(1.0, abs=1e-12)


def test_a_simulator_with_the_am15g_spectrum_has_m_of_one_for_any_two_cells():
    import pvlib

    g173 = pvlib.spectrum.get_reference_spectra(standard="ASTM G173-03")
    wl = g173.index.to_numpy(dtype=float)
    sel = (wl >= 400) & (wl <= 800)
    result = _m(SI_SR, np.interp(WL, wl[sel], g173["global"].to_numpy()[sel]), PBS_SR)
    assert result.mismatch_factor == pytest.approx(1.0, abs=2e-4)
    assert result.flags == []


def test_the_known_case_of_a_linear_lamp_and_a_linear_test_response_gives_28_over_27():
    # E_ref = 1, E_sim = lambda, S_ref = 1, S_test = lambda on 400-800 nm:
    # M = 400 * (800^3 - 400^3)/3 / ((800^2 - 400^2)/2)^2 = 28/27.
    flat = np.ones_like(WL)
    result = _m(flat, WL, WL, reference_spectrum=(WL, flat))
    assert result.mismatch_factor == pytest.approx(28.0 / 27.0, rel=1e-5)
    assert result.range_nm == (400.0, 800.0)


def test_every_factor_enters_only_by_its_shape():
    base = _m(SI_SR, LAMP, PBS_SR).mismatch_factor
    scaled = _m(1e-3 * SI_SR, 250.0 * LAMP, 40.0 * PBS_SR).mismatch_factor
    assert scaled == pytest.approx(base, rel=1e-12)
    # The lamp is richer in red than AM1.5G and the silicon reference gains more from red than
    # the flatter test cell: the reference over-reads, the test cell under-reads, M < 1.
    assert 0.9 < base < 1.0


def test_the_corrected_jsc_divides_the_measured_one_by_m():
    assert corrected_jsc(30.0, 1.05) == pytest.approx(30.0 / 1.05)
    with pytest.raises(ValueError):
        corrected_jsc(30.0, 0.0)


def test_a_response_reaching_beyond_the_lamp_spectrum_is_flagged_with_its_share():
    lamp_short = WL <= 700
    result = spectral_mismatch(
        reference_sr_wavelength_nm=WL,
        reference_sr=SI_SR,
        simulator_wavelength_nm=WL[lamp_short],
        simulator_irradiance=LAMP[lamp_short],
        test_sr_wavelength_nm=WL,
        test_sr=PBS_SR,
    )
    assert result.range_nm == (400.0, 700.0)
    assert 0.15 < result.test_outside_share < 0.4
    assert "test_response_beyond_simulator_spectrum" in result.flags


def test_a_lamp_spectrum_that_misses_the_responses_is_refused():
    with pytest.raises(ValueError, match="does not overlap"):
        spectral_mismatch(
            reference_sr_wavelength_nm=WL,
            reference_sr=SI_SR,
            simulator_wavelength_nm=[1500.0, 1600.0],
            simulator_irradiance=[1.0, 1.0],
            test_sr_wavelength_nm=WL,
            test_sr=PBS_SR,
        )


def test_a_reference_cell_file_in_percent_eqe_and_micrometres_is_read_as_a_w_per_nm():
    text = "# Reference cell RC-07, calibrated 2025\nwavelength (um), EQE (%)\n0.5, 80\n0.6, 90\n"
    table = read_two_columns(text, "reference_sr")
    assert table.wavelength_nm == [500.0, 600.0]
    assert table.unit == "A/W"
    assert table.values == pytest.approx([0.8 * 500 / 1239.84198, 0.9 * 600 / 1239.84198])
    assert any("µm" in n for n in table.notes) and any("A/W" in n for n in table.notes)


def test_a_lamp_file_with_a_broken_row_names_its_line():
    with pytest.raises(ValueError, match="line 3"):
        read_two_columns("nm\tW/m2/nm\n400\t1.2\n410\tn/a\n", "lamp_spectrum")
