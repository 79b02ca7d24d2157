"""Dark J-V: the one-diode fit recovers a known diode; n(V) is reported only on a physical
plateau (a shunted diode used to report n = 14 as "plateau found")."""

from __future__ import annotations

import numpy as np
import pytest
from pvlib.pvsystem import i_from_v

from analysis.compute.constants import thermal_voltage
from analysis.compute.jv_dark import analyse_dark_jv, fit_one_diode

V = np.linspace(-0.5, 0.8, 131)
J0_A_CM2, RS, N = 5.354e-7, 3.8303, 1.6  # analysis-methods.md test device b


def dark_curve(rsh: float, noise: float = 0.0, seed: int = 1) -> np.ndarray:
    """mA/cm2, load convention (forward current positive)."""
    j = -np.asarray(i_from_v(V, 0.0, J0_A_CM2, RS, rsh, N * thermal_voltage(25.0))) * 1000
    return j * (1 + noise * np.random.default_rng(seed).standard_normal(j.size))


@pytest.mark.parametrize("rsh", [20.0, 250.0, 1e6])
def test_the_one_diode_fit_recovers_a_known_diode_with_its_resistances(rsh):
    fit = fit_one_diode(V, dark_curve(rsh, noise=0.02), 25.0)
    assert fit["n"] == pytest.approx(N, rel=0.05)
    assert fit["j0_ma_cm2"] == pytest.approx(J0_A_CM2 * 1000, rel=0.3)
    assert fit["rs_ohm_cm2"] == pytest.approx(RS, rel=0.1)
    assert fit["rsh_ohm_cm2"] == pytest.approx(rsh, rel=0.1)
    assert fit["rms_log10"] < 0.02


def test_the_fit_takes_either_sign_convention():
    a = fit_one_diode(V, dark_curve(250.0), 25.0)
    b = fit_one_diode(V, -dark_curve(250.0), 25.0)
    assert a["n"] == pytest.approx(b["n"]) and a["rsh_ohm_cm2"] == pytest.approx(b["rsh_ohm_cm2"])


def test_a_shunted_diode_reports_no_local_ideality_but_its_fitted_one():
    r = analyse_dark_jv(V, dark_curve(5.0))
    assert r.ideality_factor is None  # never a "plateau" n of 14
    assert r.diode_n == pytest.approx(N, rel=0.1)
    assert r.diode_rsh_ohm_cm2 == pytest.approx(5.0, rel=0.1)


def test_a_clean_diode_reports_its_plateau_ideality_inside_the_physical_range():
    r = analyse_dark_jv(V, dark_curve(1e6))
    assert r.ideality_factor == pytest.approx(N, rel=0.02)
    assert 1.0 <= r.ideality_factor <= 2.5


def test_a_curve_too_short_to_fit_says_so():
    r = analyse_dark_jv(V[:6], dark_curve(250.0)[:6])
    assert r.diode_n is None and "diode_fit_failed" in r.flags
