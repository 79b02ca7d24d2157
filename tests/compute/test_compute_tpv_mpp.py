"""TPV decay times and MPP-tracking stabilised output."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from analysis.compute import analyse_mpp, analyse_tpv
from analysis.kinds import AnalysisContext, analyse_parsed
from measurements.parsers import parse

T = np.linspace(-10e-6, 60e-6, 3501)


def _tpv(amplitudes_taus, noise=5e-5, seed=0, baseline=0.45):
    decay = sum(a * np.exp(-np.clip(T, 0, None) / tau) for a, tau in amplitudes_taus)
    v = baseline + np.where(T >= 0, decay, 0.0)
    return v + np.random.default_rng(seed).normal(0, noise, T.size)


def test_a_6_6_microsecond_photovoltage_decay_is_recovered():
    r = analyse_tpv(T, _tpv([(4e-3, 6.6e-6)]))
    assert r.tau_us == pytest.approx(6.6, rel=0.02)
    assert r.delta_v_mv == pytest.approx(4.0, rel=0.03)
    assert r.baseline_v == pytest.approx(0.45, abs=1e-4)
    assert r.r2 > 0.99 and r.model == "mono"
    assert r.flags == []  # 60 us of record is 9 lifetimes


def test_a_negative_going_transient_is_fitted_as_well():
    v = 2 * 0.45 - _tpv([(3e-3, 4.7e-6)], seed=1)
    r = analyse_tpv(T, v)
    assert r.tau_us == pytest.approx(4.7, rel=0.03)


def test_a_clearly_bi_exponential_decay_is_reported_as_such():
    r = analyse_tpv(T, _tpv([(2e-3, 1e-6), (2e-3, 10e-6)]))
    assert r.model == "bi" and "bi_exponential_better" in r.flags
    assert r.tau_fast_us == pytest.approx(1.0, rel=0.1)
    assert r.tau_slow_us == pytest.approx(10.0, rel=0.1)


def _mpp_run(duration=120.0, dt=0.5):
    t = np.arange(0.0, duration + dt / 2, dt)
    p = 12.5 * (1 - 0.4 * np.exp(-t / 5.0))  # transient, then constant 12.5 mW/cm2
    return t, p


def test_a_constant_output_after_a_transient_stabilises_at_12_5_percent():
    t, p = _mpp_run()
    r = analyse_mpp(t, p, irradiance_mw_cm2=100.0)
    assert r.stabilized_pce_percent == pytest.approx(12.5, rel=1e-4)
    assert r.window_s == 60.0 and r.duration_s == 120.0
    assert r.initial_pce_percent == pytest.approx(7.5)
    # 0.4 exp(-t/5) < 0.05 -> t > 5 ln 8 = 10.4 s (first sample after it: 10.5 s).
    assert r.time_to_95_s == pytest.approx(10.5)
    assert r.flags == []


def test_voltage_and_current_give_power_and_the_final_vmp():
    t, p = _mpp_run()
    v = np.full(t.size, -0.40)  # load convention: signs do not matter
    r = analyse_mpp(t, voltage_v=v, current_density_ma_cm2=p / 0.40, irradiance_mw_cm2=50.0)
    assert r.stabilized_pce_percent == pytest.approx(25.0, rel=1e-4)
    assert r.final_vmp_v == pytest.approx(0.40)


def test_uneven_sampling_is_time_weighted():
    t = np.array([0.0, 10.0, 11.0, 12.0, 13.0, 14.0, 70.0, 130.0])
    p = np.array([10.0, 10.0, 20.0, 20.0, 20.0, 20.0, 10.0, 10.0])
    r = analyse_mpp(t, p, irradiance_mw_cm2=100.0, window_s=60.0)
    assert r.stabilized_pce_percent == pytest.approx(10.0)  # not the point mean


def test_a_run_shorter_than_the_window_uses_its_last_half_and_says_so():
    t, p = _mpp_run(duration=40.0)
    r = analyse_mpp(t, p)
    assert r.window_s == pytest.approx(20.0)
    assert {"run_shorter_than_window", "irradiance_assumed_100"} <= set(r.flags)
    assert r.stabilized_pce_percent == pytest.approx(12.5, rel=3e-3)  # tail of the transient


# --- TPV window and pulse period (issue 13) ------------------------------------------------

TRANSIENTS = Path(__file__).resolve().parents[1] / "data" / "transients"


def _slow_tpv_figures(ctx: AnalysisContext) -> dict:
    name = "device_slow.tpv.csv"
    parsed = parse((TRANSIENTS / name).read_bytes(), filename=name)
    (row,) = analyse_parsed(parsed, ctx)
    return row.figures


def test_a_photovoltage_decay_the_record_cuts_short_is_flagged():
    truth = json.loads((TRANSIENTS / "truth.json").read_text())["device_slow.tpv.csv"]
    f = _slow_tpv_figures(AnalysisContext())
    assert f["flags"] == truth["flags"]  # 60 us after the pulse is 2.4 lifetimes, not 5
    assert f["record_after_peak_us"] == pytest.approx(59.6, abs=0.5)
    assert f["tau_us"] == pytest.approx(truth["tau_us"], rel=0.05)


def test_a_pulse_period_shorter_than_five_lifetimes_is_flagged_too():
    f = _slow_tpv_figures(AnalysisContext(conditions={"repetition_rate_hz": 10_000.0}))
    assert {"long_component_exceeds_window", "long_component_exceeds_repetition_period"} <= set(
        f["flags"]
    )
    assert f["repetition_period_us"] == pytest.approx(100.0)


def test_a_decay_well_inside_its_record_and_period_raises_no_window_flag():
    r = analyse_tpv(T, _tpv([(4e-3, 6.6e-6)]), repetition_rate_hz=1000.0)
    assert r.flags == [] and r.repetition_period_us == pytest.approx(1000.0)


def test_it_refuses_a_pulse_rate_that_is_not_a_rate():
    with pytest.raises(ValueError, match="not a rate"):
        analyse_tpv(T, _tpv([(4e-3, 6.6e-6)]), repetition_rate_hz=0.0)
