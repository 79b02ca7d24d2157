"""Transient photocurrent: decay time and extracted charge of known transients."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.compute import TPCResult, analyse_tpc

T = np.arange(-2e-6, 18e-6 - 1e-12, 4e-9)


def pulse(t=T, amplitude=40e-6, tau=1.8e-6, rise=30e-9, baseline=12e-6, noise=0.3e-6, seed=0):
    """Current (A): baseline + A (exp(-t/tau) - exp(-t/rise)) from t = 0, plus noise. The
    transient's charge is A (tau - rise)."""
    tt = np.clip(t, 0.0, None)
    i = baseline + np.where(t >= 0, amplitude * (np.exp(-tt / tau) - np.exp(-tt / rise)), 0.0)
    return i + np.random.default_rng(seed).normal(0.0, noise, t.size)


CHARGE_NC = 40e-6 * (1.8e-6 - 30e-9) * 1e9  # 0.0708 nC


def test_it_recovers_the_decay_time_and_charge_of_a_known_current_transient():
    r = analyse_tpc(T, current_a=pulse(), area_cm2=0.05)
    assert isinstance(r, TPCResult)
    assert r.tau_us == pytest.approx(1.8, rel=0.02)
    assert r.charge_nc == pytest.approx(CHARGE_NC, rel=0.02)
    assert r.charge_nc_cm2 == pytest.approx(CHARGE_NC / 0.05, rel=0.02)
    assert r.baseline_current_ua == pytest.approx(12.0, abs=0.05)
    assert r.peak_time_us == pytest.approx(0.12, abs=0.05)
    assert r.r2 > 0.99 and r.model == "mono" and r.signal == "current_a"
    assert r.polarity == "positive" and r.flags == []


def test_a_negative_going_photocurrent_gives_the_same_decay_and_a_positive_charge():
    r = analyse_tpc(T, current_a=-pulse(seed=1), area_cm2=0.05)
    assert r.polarity == "negative"
    assert r.tau_us == pytest.approx(1.8, rel=0.02)
    assert r.charge_nc == pytest.approx(CHARGE_NC, rel=0.02)
    assert r.baseline_current_ua == pytest.approx(-12.0, abs=0.05)


def test_a_scope_trace_across_a_load_resistor_gives_the_charge_through_v_over_r():
    v = pulse(baseline=0.0, seed=2) * 50.0
    r = analyse_tpc(T, voltage_v=v, load_resistance_ohm=50.0, area_cm2=0.05)
    assert r.signal == "voltage_v"
    assert r.charge_nc == pytest.approx(CHARGE_NC, rel=0.02)
    assert r.peak_current_ua == pytest.approx(37, abs=1.5)  # the rise trims the 40 uA
    assert "no_load_resistance" not in r.flags
    assert (r.load_resistance_ohm, r.area_cm2) == (50.0, 0.05)


def test_without_a_load_resistance_the_charge_is_null_and_flagged():
    r = analyse_tpc(T, voltage_v=pulse(seed=2) * 50.0, area_cm2=0.05)
    assert "no_load_resistance" in r.flags
    assert r.charge_nc is None and r.charge_nc_cm2 is None and r.peak_current_ua is None
    assert r.tau_us == pytest.approx(1.8, rel=0.02)  # the shape needs no resistor


def test_without_an_area_the_charge_has_no_density():
    r = analyse_tpc(T, current_a=pulse())
    assert "no_area" in r.flags
    assert r.charge_nc == pytest.approx(CHARGE_NC, rel=0.02) and r.charge_nc_cm2 is None


def test_a_current_density_gives_charge_per_area_and_with_the_area_the_charge():
    j = pulse() * 1e3 / 0.05  # A -> mA/cm2 on 0.05 cm2
    alone = analyse_tpc(T, current_density_ma_cm2=j)
    assert alone.signal == "current_density_ma_cm2"
    assert alone.charge_nc is None and "no_area" in alone.flags
    assert alone.charge_nc_cm2 == pytest.approx(CHARGE_NC / 0.05, rel=0.02)
    with_area = analyse_tpc(T, current_density_ma_cm2=j, area_cm2=0.05)
    assert with_area.charge_nc == pytest.approx(CHARGE_NC, rel=0.02)
    assert with_area.peak_current_density_ma_cm2 == pytest.approx(alone.peak_current_density_ma_cm2)


def test_a_record_that_stops_before_the_decay_adds_the_fitted_tail_and_says_so():
    short = T < 4e-6  # 2.2 tau after the pulse: 11 % of the charge is still to come
    r = analyse_tpc(T[short], current_a=pulse()[short])
    assert "charge_extrapolated" in r.flags
    assert r.charge_nc == pytest.approx(CHARGE_NC, rel=0.03)


def test_without_a_pre_trigger_the_fitted_baseline_is_used():
    after = T >= 0
    r = analyse_tpc(T[after], current_a=pulse()[after])
    assert "no_pretrigger_baseline" in r.flags
    assert r.tau_us == pytest.approx(1.8, rel=0.02)
    assert r.charge_nc == pytest.approx(CHARGE_NC, rel=0.03)


def test_a_clearly_bi_exponential_decay_is_reported_as_such():
    i = pulse(amplitude=20e-6, tau=0.5e-6) + pulse(amplitude=20e-6, tau=5e-6, baseline=0.0)
    r = analyse_tpc(T, current_a=i)
    assert r.model == "bi" and "bi_exponential_better" in r.flags
    assert r.tau_fast_us == pytest.approx(0.5, rel=0.1)
    assert r.tau_slow_us == pytest.approx(5.0, rel=0.1)
    assert r.charge_nc == pytest.approx(20e-6 * (0.5e-6 + 5e-6 - 60e-9) * 1e9, rel=0.03)


def test_too_few_points_after_the_peak_give_a_flag_not_an_error():
    t = np.linspace(-1e-6, 1e-6, 12)
    i = np.where(t < 0.7e-6, 0.0, 1e-6)  # the "peak" is 4 samples from the end
    r = analyse_tpc(t, current_a=i)
    assert "too_few_points" in r.flags and r.tau_us is None and r.charge_nc is None


def test_no_signal_at_all_is_an_error():
    with pytest.raises(ValueError, match="no signal"):
        analyse_tpc(T)


def test_the_result_exports_as_json_safe_values_with_its_method():
    d = analyse_tpc(T, current_a=pulse()).to_dict()
    assert d["method"].startswith("I = I0 + dI exp") and d["version"]
    assert d["charge_nc_cm2"] is None and isinstance(d["tau_us"], float)
