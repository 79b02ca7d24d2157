"""Mott-Schottky analysis of C-V sweeps: known junctions in, V_bi, N and W(0 V) out."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import constants

from analysis.compute import CVResult, analyse_cv

Q, EPS0 = constants.e, constants.epsilon_0


def junction(
    v,
    vbi=0.6,
    doping_cm3=3e16,
    eps_r=20.0,
    area_cm2=0.05,
    thickness_nm=None,
    forward=0.0,
    noise=0.0,
    seed=0,
):
    """C (F) of a one-sided abrupt junction, rounded off near V_bi, with an optional forward
    (chemical) capacitance, a film thickness that caps W, and relative noise."""
    v = np.asarray(v, dtype=float)
    eps, n = eps_r * EPS0, doping_cm3 * 1e6
    phi = 0.0257 * np.logaddexp(0.0, (vbi - v) / 0.0257)
    w = np.sqrt(2 * eps * phi / (Q * n))
    if thickness_nm is not None:
        w = np.minimum(w, thickness_nm * 1e-9)
    c0 = eps / np.sqrt(2 * eps * vbi / (Q * n))
    c = (eps / w + forward * c0 * np.exp((v - 0.2) / 0.06)) * area_cm2 * 1e-4
    return c * (1 + noise * np.random.default_rng(seed).normal(size=v.size))


def w0_nm(vbi=0.6, doping_cm3=3e16, eps_r=20.0):
    return np.sqrt(2 * eps_r * EPS0 * vbi / (Q * doping_cm3 * 1e6)) * 1e9


V = np.round(np.arange(-1.0, 0.8001, 0.02), 10)
V_DEPLETED = np.round(np.arange(-1.0, 0.3001, 0.02), 10)  # well below V_bi: a straight line


def test_it_recovers_the_built_in_voltage_of_a_known_junction():
    r = analyse_cv(V_DEPLETED, junction(V_DEPLETED), area_cm2=0.05, relative_permittivity=20)
    assert isinstance(r, CVResult)
    assert r.vbi_v == pytest.approx(0.6, abs=1e-3)
    assert r.x_intercept_v == pytest.approx(0.6, abs=1e-3)
    assert r.doping_cm3 == pytest.approx(3e16, rel=1e-3)
    assert r.depletion_width_0v_nm == pytest.approx(w0_nm(), rel=1e-3)
    assert r.carrier_type == "p" and r.slope < 0
    assert r.n_points_fit == V_DEPLETED.size and r.r2 > 0.9999
    assert (r.fit_vmin_v, r.fit_vmax_v) == (-1.0, 0.3)
    assert r.flags == []


def test_it_recovers_doping_and_width_through_noise_and_a_forward_bias_bend():
    c = junction(V, forward=0.02, noise=0.002, seed=3)
    r = analyse_cv(V, c, area_cm2=0.05, relative_permittivity=20, frequency_hz=1e4)
    assert r.vbi_v == pytest.approx(0.6, abs=0.03)
    assert r.doping_cm3 == pytest.approx(3e16, rel=0.05)
    assert r.depletion_width_0v_nm == pytest.approx(w0_nm(), rel=0.02)
    assert r.frequency_hz == 1e4
    # The chemical capacitance bends 1/C^2 above ~0.2 V: the window stops before it.
    assert r.fit_vmin_v == -1.0 and r.fit_vmax_v <= 0.3
    assert 0.003 < r.noise_relative < 0.006  # 1/C^2 scatters twice as much as C (0.2 %)


def test_the_window_leaves_out_the_fully_depleted_reverse_bias_plateau():
    v = np.round(np.arange(-1.5, 0.7001, 0.025), 10)
    c = junction(v, vbi=0.45, doping_cm3=2e16, eps_r=15, area_cm2=0.0314, thickness_nm=350)
    r = analyse_cv(v, c, area_cm2=0.0314, relative_permittivity=15)
    full_depletion_v = 0.45 - Q * 2e22 * (350e-9) ** 2 / (2 * 15 * EPS0)  # W = 350 nm
    assert r.fit_vmin_v >= full_depletion_v - 0.03
    assert r.vbi_v == pytest.approx(0.45, abs=0.01)
    assert r.doping_cm3 == pytest.approx(2e16, rel=0.02)


def test_capacitance_at_zero_bias_is_interpolated_and_given_per_area():
    c = junction(V_DEPLETED)
    r = analyse_cv(V_DEPLETED, c, area_cm2=0.05)
    c0 = float(junction([0.0])[0])
    assert r.capacitance_0v_nf == pytest.approx(c0 * 1e9, rel=1e-9)
    assert r.capacitance_0v_nf_cm2 == pytest.approx(c0 * 1e9 / 0.05, rel=1e-9)


def test_without_an_area_only_the_built_in_voltage_is_reported():
    c = junction(V_DEPLETED)
    r = analyse_cv(V_DEPLETED, c)
    assert r.vbi_v == pytest.approx(0.6, abs=1e-3)
    assert r.doping_cm3 is None and r.depletion_width_0v_nm is None
    assert r.capacitance_0v_nf_cm2 is None and r.capacitance_0v_nf is not None
    assert "no_area" in r.flags and r.area_cm2 is None
    # A zero area is no area either.
    assert "no_area" in analyse_cv(V_DEPLETED, c, area_cm2=0.0).flags


def test_without_a_permittivity_eps_r_20_is_assumed_and_flagged():
    c = junction(V_DEPLETED, eps_r=20)
    assumed = analyse_cv(V_DEPLETED, c, area_cm2=0.05)
    assert assumed.relative_permittivity == 20.0
    assert "permittivity_assumed" in assumed.flags
    assert assumed.doping_cm3 == pytest.approx(3e16, rel=1e-3)
    given = analyse_cv(V_DEPLETED, c, area_cm2=0.05, relative_permittivity=10)
    assert "permittivity_assumed" not in given.flags
    # N = 2/(q eps0 eps_r slope) and W = eps0 eps_r A / C: N goes as 1/eps_r, W as eps_r.
    assert given.doping_cm3 == pytest.approx(2 * assumed.doping_cm3, rel=1e-9)
    assert given.depletion_width_0v_nm == pytest.approx(assumed.depletion_width_0v_nm / 2)


def test_a_permittivity_that_is_not_positive_is_an_error():
    with pytest.raises(ValueError, match="permittivity"):
        analyse_cv(V_DEPLETED, junction(V_DEPLETED), relative_permittivity=0)


def test_too_few_points_give_a_flag_not_an_error():
    v = np.array([-0.5, -0.25, 0.0, 0.25])
    r = analyse_cv(v, junction(v), area_cm2=0.05)
    assert "too_few_points" in r.flags
    assert r.vbi_v is None and r.doping_cm3 is None and r.n_points_fit == 4
    assert r.capacitance_0v_nf is not None  # a measured point needs no fit


def test_a_positive_slope_reads_as_an_n_type_layer_with_the_same_built_in_voltage():
    c = junction(V_DEPLETED)
    r = analyse_cv(-V_DEPLETED, c, area_cm2=0.05, relative_permittivity=20)
    assert r.carrier_type == "n" and r.slope > 0
    assert "positive_slope" in r.flags
    assert r.x_intercept_v == pytest.approx(-0.6, abs=1e-3)
    assert r.vbi_v == pytest.approx(0.6, abs=1e-3)
    assert r.doping_cm3 == pytest.approx(3e16, rel=1e-3)


def test_a_curve_without_a_straight_part_is_flagged_no_linear_region():
    v = np.round(np.arange(-0.5, 0.5001, 0.02), 10)
    c = 1e-9 * np.exp(v / 0.1)  # 1/C^2 exponential in V: curved at every scale
    r = analyse_cv(v, c, area_cm2=0.05)
    assert "no_linear_region" in r.flags
    assert r.vbi_v is None and r.doping_cm3 is None and r.n_points_fit == 0


def test_zero_bias_outside_the_sweep_leaves_the_zero_bias_figures_empty():
    v = np.round(np.arange(-1.0, -0.19, 0.02), 10)
    r = analyse_cv(v, junction(v), area_cm2=0.05, relative_permittivity=20)
    assert "zero_bias_outside_range" in r.flags
    assert r.capacitance_0v_nf is None and r.depletion_width_0v_nm is None
    assert r.vbi_v == pytest.approx(0.6, abs=1e-3)  # extrapolating the line is the method


def test_an_up_and_down_sweep_is_averaged_point_by_point():
    c = junction(V_DEPLETED)
    v2 = np.concatenate([V_DEPLETED, V_DEPLETED[::-1]])
    c2 = np.concatenate([c * 1.001, c[::-1] * 0.999])
    r = analyse_cv(v2, c2, area_cm2=0.05)
    assert r.n_points_fit == V_DEPLETED.size
    assert r.vbi_v == pytest.approx(0.6, abs=1e-3)


def test_non_positive_and_missing_capacitances_are_dropped():
    c = junction(V_DEPLETED)
    c[3], c[7] = -1e-9, np.nan
    r = analyse_cv(V_DEPLETED, c, area_cm2=0.05)
    assert "nonpositive_capacitance_dropped" in r.flags
    assert r.n_points_fit == V_DEPLETED.size - 2
    assert r.vbi_v == pytest.approx(0.6, abs=1e-3)


def test_the_result_exports_as_json_safe_values_with_its_method():
    d = analyse_cv(V, junction(V, forward=0.02), area_cm2=0.05).to_dict()
    assert d["method"].startswith("Mott-Schottky") and d["version"]
    assert isinstance(d["flags"], list) and isinstance(d["doping_cm3"], float)
