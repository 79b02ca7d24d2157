"""PL: peak and width on the energy axis with the Jacobian, Stokes shift."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.compute import analyse_pl

from .models import gaussian_in_energy

WL = np.arange(800.0, 1300.0, 1.0)


def test_a_gaussian_in_energy_is_recovered_with_the_jacobian():
    r = analyse_pl(WL, gaussian_in_energy(WL, 1010.0, 0.050))
    assert r.peak_nm == pytest.approx(1010.0, abs=0.1)
    assert r.fwhm_mev == pytest.approx(117.7, abs=0.3)  # 2 sqrt(2 ln 2) x 50 meV
    # Without the Jacobian the wavelength spectrum peaks ~3 nm short.
    assert r.peak_nm_raw == pytest.approx(1007.0, abs=0.5)
    assert 90 < r.fwhm_nm < 100


def test_the_stokes_shift_is_the_exciton_energy_minus_the_pl_energy():
    r = analyse_pl(WL, gaussian_in_energy(WL, 1010.0, 0.050), exciton_peak_nm=950.0)
    assert r.stokes_shift_mev == pytest.approx(77.5, abs=0.3)
    assert analyse_pl(WL, gaussian_in_energy(WL, 1010.0, 0.05)).stokes_shift_mev is None


def test_noise_and_descending_wavelengths_are_tolerated():
    clean = gaussian_in_energy(WL, 1010.0, 0.050)
    for seed in range(5):
        y = clean / clean.max() + np.random.default_rng(seed).normal(0, 0.02, WL.size)
        r = analyse_pl(WL[::-1], y[::-1])
        assert r.peak_nm == pytest.approx(1010.0, abs=1.5)
        assert r.fwhm_mev == pytest.approx(117.7, rel=0.05)


def test_a_peak_cut_by_the_spectrum_edge_has_no_width():
    wl = np.arange(1000.0, 1300.0, 1.0)
    r = analyse_pl(wl, gaussian_in_energy(wl, 1000.0, 0.05))
    assert r.fwhm_mev is None and "peak_truncated" in r.flags
