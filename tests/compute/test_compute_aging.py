"""Stability series: T80/T95 from the first point (or the first stabilised power), TS80 from a
robust peak, burn-in, dead pixels, survival, band aggregation."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from analysis.compute import aggregate_series, analyse_aging
from analysis.compute.aging import analyse_aging_many

H = np.array([0, 24, 48, 96, 168, 240, 336, 500, 672, 840, 1000.0])
TARGET = np.interp(H, [0, 168, 400, 1000], [1.0, 1.25, 1.07, 1.05])  # rises to 125 %, settles
CONTROL = 1 - 0.35 * H / 1000  # falls to 65 % at 1000 h


def test_the_control_t80_is_interpolated_between_the_bracketing_points():
    r = analyse_aging(H, 10.0 * CONTROL)
    assert r.t80_h == pytest.approx(0.2 / 0.35 * 1000)  # 571.4 h
    assert r.t95_h == pytest.approx(0.05 / 0.35 * 1000)
    assert r.reached["t80"] and r.final_ratio == pytest.approx(0.65)
    assert r.normalised[0] == 1.0


def test_the_target_t80_is_not_reached_and_is_flagged_with_an_extrapolation():
    r = analyse_aging(H, 12.7 * TARGET)
    assert r.t80_h is None and r.reached["t80"] is False
    assert "t80_not_reached" in r.flags
    assert r.peak_ratio == pytest.approx(1.25) and r.peak_time_h == 168.0
    assert "initial_increase" in r.flags
    # Peak reference: 95 % of 1.25 is crossed between 240 h and 336 h.
    assert 240 < r.ts95_h < 336
    assert r.t80_extrapolated_h is None or r.t80_extrapolated_h > 1000
    assert r.reference["ts"].startswith("robust peak")
    json.dumps(r.to_dict(), allow_nan=False)


def test_a_single_noisy_dip_does_not_count_as_the_crossing():
    y = np.array([1.0, 0.95, 0.78, 0.9, 0.85, 0.79, 0.75, 0.7])
    r = analyse_aging(np.arange(8.0), y, persist_points=2)
    assert r.t80_h == pytest.approx(4 + 0.05 / 0.06)
    assert analyse_aging(np.arange(8.0), y, persist_points=1).t80_h == pytest.approx(1 + 15 / 17)


def test_series_are_averaged_on_a_common_grid_without_extrapolation():
    a = (H, CONTROL)
    b = (H[:-2], CONTROL[:-2] + 0.1)
    agg = aggregate_series([a, b])
    assert agg["hours"] == list(H)
    assert agg["mean"][0] == pytest.approx(1.05)
    assert agg["std"][0] == pytest.approx(np.std([1.0, 1.1], ddof=1))
    assert agg["n"][-1] == 1 and agg["std"][-1] is None
    assert agg["mean"][-1] == pytest.approx(0.65)


def _aging_cases(rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    """Decays, burn-in gains, single dips, series ending on one low point, repeated times."""
    cases = []
    for k in range(300):
        n = int(rng.integers(1, 30))
        hours = np.sort(np.round(rng.uniform(0, 1000, n), int(rng.integers(0, 3))))
        hours[0] = 0.0
        decay = rng.uniform(0, 0.6)
        values = 12 * (1 + rng.uniform(0, 0.1) * (hours < 50)) * (1 - decay * hours / 1000)
        values = values + rng.normal(0, rng.choice([0.01, 0.3, 1.5]), n)
        if k % 7 == 0 and n > 3:
            values[n // 2] *= 0.5  # one dip, not a crossing
        if k % 11 == 0:
            values[-1] *= 0.5  # below on the last point only: unconfirmed
        if k % 13 == 0:
            values[0] = 0.0  # cannot be normalised
        cases.append((hours, values))
    return cases


MANY_FIGURES = (
    "t80_h",
    "ts80_h",
    "t95_h",
    "ts95_h",
    "peak_ratio",
    "ts_reference_ratio",
    "final_ratio",
    "t80_extrapolated_h",
)


def test_many_series_at_once_give_analyse_aging_s_numbers_series_by_series():
    cases = _aging_cases(np.random.default_rng(11))
    got = analyse_aging_many(
        np.repeat(np.arange(len(cases)), [h.size for h, _ in cases]),
        np.concatenate([h for h, _ in cases]),
        np.concatenate([v for _, v in cases]),
    )
    assert got["ids"].tolist() == list(range(len(cases)))
    checked = unconfirmed = 0
    for i, (hours, values) in enumerate(cases):
        if hours.size < 2 or values[0] == 0:
            assert not got["valid"][i]
            continue
        expected = analyse_aging(hours, values).to_dict()
        assert got["valid"][i]
        for key in MANY_FIGURES:
            value = float(got[key][i])
            want = expected.get(key)
            assert (math.isnan(value) and want is None) or value == want, (i, key)
        n = got["lengths"][i]
        assert got["normalised"][i, :n].tolist() == expected["normalised"]
        unconfirmed += "t80_unconfirmed" in expected["flags"]
        checked += 1
    assert checked > 200 and unconfirmed > 0


def test_many_long_series_take_the_binned_peak_as_analyse_aging_does():
    rng = np.random.default_rng(5)
    cases = []
    for n in (201, 450, 1000):
        hours = np.linspace(0, 500, n)
        values = 10 * (1 - 0.4 * hours / 500) + rng.normal(0, 0.2, n)
        values[n // 3] = 14.0  # a spike the bin medians ignore
        cases.append((hours, values))
    got = analyse_aging_many(
        np.repeat(np.arange(3), [h.size for h, _ in cases]),
        np.concatenate([h for h, _ in cases]),
        np.concatenate([v for _, v in cases]),
    )
    for i, (hours, values) in enumerate(cases):
        expected = analyse_aging(hours, values, burn_in=False).to_dict()
        for key in MANY_FIGURES:
            value = float(got[key][i])
            assert (math.isnan(value) and expected[key] is None) or value == expected[key]
        assert expected["ts_reference_ratio"] < 1.1  # the spike is 1.4


# --- a referee's failures (issue 13): one test each ---------------------------------------


def test_one_noisy_point_does_not_become_the_ts80_reference():
    noisy = CONTROL.copy()
    noisy[1] = 1.30  # one scan at 24 h reads 30 % high
    r = analyse_aging(H, 10.0 * noisy)
    assert r.peak_ratio == pytest.approx(1.30)  # reported as measured ...
    assert r.ts_reference_ratio == pytest.approx(1.0)  # ... but not taken as the reference
    # The raw maximum would put Ts80 at 44 h (80 % of 1.30 is crossed at once).
    assert r.ts80_h == pytest.approx(0.2 / 0.35 * 1000) and r.t80_h == pytest.approx(571.43, 1e-4)
    many = analyse_aging_many(np.zeros(H.size, dtype=int), H, 10.0 * noisy)
    assert many["ts80_h"][0] == r.ts80_h


def test_a_noisy_last_point_does_not_become_the_reference_either():
    rising = np.linspace(0.9, 1.0, 11)
    rising[-1] = 1.4
    r = analyse_aging(H, rising)
    # Tukey's end-point rule carries the trend on: 1.01, not 1.4 (of the first value, 0.9).
    assert r.ts_reference_ratio == pytest.approx(1.01 / 0.9)


def _mpp_log(noise: float, seed: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """10 h at 10 s per sample: a tracker that starts at 2 mW/cm2 and climbs to 12 over two
    minutes, then a cell at 10 mW/cm2 decaying as exp(-t / 20 h) (80 % at 4.46 h)."""
    t = np.arange(0, 10 * 3600 + 1, 10.0)
    power = 10 * np.exp(-t / 3600 / 20)
    startup = t < 120
    power[startup] = 2 + 10 * t[startup] / 120
    return t, power + np.random.default_rng(seed).normal(0, noise, t.size)


def _t_model(fraction: float, reference: float) -> float:
    """When the log's model, 10 exp(-t / 20 h), falls to ``fraction`` of ``reference``."""
    return 20 * np.log(10 / (fraction * reference))


def test_an_mpp_log_is_normalised_to_its_first_stabilised_power():
    t, power = _mpp_log(noise=0.05)
    hours = t / 3600
    naive = analyse_aging(hours, power)  # the first sample, 2 mW/cm2, as reference
    assert naive.t80_h is None and naive.peak_ratio > 5
    r = analyse_aging(hours, power, stabilised_window_h=60 / 3600, bins=500)
    assert 100 / 3600 <= r.reference_h <= 300 / 3600
    # The cell's power at the end of the start-up (it decays 0.2 % in those two minutes).
    assert r.reference_value == pytest.approx(10.0 * np.exp(-150 / 3600 / 20), rel=0.005)
    assert r.t80_h == pytest.approx(_t_model(0.8, r.reference_value), abs=0.05)
    assert r.t95_h == pytest.approx(_t_model(0.95, r.reference_value), abs=0.06)
    assert r.reference["t"].startswith("first stabilised value")
    assert "not_stabilised" not in r.flags


def test_the_mpp_kind_reads_aging_from_the_first_stabilised_power():
    from analysis.kinds import mpp
    from analysis.kinds.base import AnalysisContext
    from measurements.parsers import ParsedMeasurement, Series

    t, power = _mpp_log(noise=0.05)
    parsed = ParsedMeasurement(
        kind="mpp",
        format="test",
        series=[Series("log", {"time_s": t, "power_mw_cm2": power})],
    )
    (row,) = mpp.analyse(parsed, AnalysisContext(irradiance_mw_cm2=100.0))
    aging = row.figures["aging"]
    assert aging["reference_value"] == pytest.approx(10.0, rel=0.005)
    assert aging["t80_h"] == pytest.approx(_t_model(0.8, aging["reference_value"]), abs=0.05)
    assert aging["ts80_h"] == pytest.approx(aging["t80_h"], abs=0.05)


def test_a_log_that_never_settles_falls_back_to_its_first_sample_and_says_so():
    hours = np.linspace(0, 2, 200)
    sawtooth = 10 + 3 * (np.arange(200) % 2)  # swings by 30 % from sample to sample
    r = analyse_aging(hours, sawtooth, stabilised_window_h=60 / 3600)
    assert "not_stabilised" in r.flags and r.reference_h == 0.0


def test_a_burn_in_is_fitted_and_e_s_back_extrapolated():
    # analysis-methods.md section 11: A 1.5, tau 20 h, k 1.2e-4 per h on P0 = 10.
    rng = np.random.default_rng(4)
    t = np.r_[np.arange(0, 100, 4.0), np.arange(100, 1501, 24.0)]
    p = (10 - 1.5 * (1 - np.exp(-t / 20))) * (1 - 1.2e-4 * t) + rng.normal(0, 0.02, t.size)
    r = analyse_aging(t, p)
    b = r.burn_in
    assert "burn_in_fitted" in r.flags
    assert b["e_s"] == pytest.approx(0.85, abs=0.005)
    assert b["amplitude"] == pytest.approx(0.15, abs=0.005)
    assert b["tau_h"] == pytest.approx(20, abs=1.5)
    assert b["k_per_h"] == pytest.approx(1.2e-4, rel=0.05)
    assert r.t80_h == pytest.approx(490.2, abs=15)  # the model's crossing of 80 % of P0
    # 80 % of E_s is not reached by 1500 h: the fit extrapolates it (1666.7 h in the model).
    assert b["ts80_h"] is None and b["ts80_extrapolated_h"] == pytest.approx(1666.7, abs=25)


def test_no_burn_in_is_claimed_for_a_straight_decline():
    r = analyse_aging(H, 10.0 * CONTROL)
    assert r.burn_in is None and "burn_in_fitted" not in r.flags


def test_a_dead_pixel_is_a_failure_at_the_time_it_died_and_a_glitch_is_not():
    ids = np.array([1] * 6 + [2] * 6)
    hours = np.array([0, 24, 48, 72, 100, 150] * 2, dtype=float)
    values = np.array([10, 9.9, 9.8, 9.7, np.nan, np.nan, 10, 9.9, np.nan, 9.8, 9.7, 9.6])
    failed = np.isnan(values)  # no PCE: device 1 dies at 100 h, device 2 has one bad scan
    a = analyse_aging_many(ids, hours, values, failed=failed)
    assert a["died_h"][0] == 100.0 and math.isnan(a["died_h"][1])
    # Interpolated from 97 % at 72 h to 0 at 100 h: 80 % at 76.9 h.
    assert a["t80_h"][0] == pytest.approx(72 + 28 * 0.17 / 0.97)
    assert a["normalised"][0, :6].tolist() == pytest.approx([1, 0.99, 0.98, 0.97, 0, 0])
    assert a["lengths"].tolist() == [6, 5] and math.isnan(a["t80_h"][1])
    # Held at 0 in the mean from its death on: the survivors do not speak for it.
    dead = (a["hours"][0, :5], a["normalised"][0, :5])
    alive = (a["hours"][1, :5], a["normalised"][1, :5])
    agg = aggregate_series([dead, alive], held=[True, False])
    assert agg["mean"][-1] == pytest.approx((0 + 0.96) / 2)


def test_a_device_dead_from_its_first_scan_cannot_be_normalised():
    a = analyse_aging_many(np.array([7, 7]), np.array([0.0, 10.0]), np.array([np.nan, np.nan]),
                           failed=np.array([True, True]))  # fmt: skip
    assert not a["valid"][0] and a["died_h"][0] == 0.0


def test_the_dead_pixel_rule_reads_pce_and_the_shorted_flag():
    from analysis.compute.aging import failed_scans

    ids = np.array([1] * 7 + [2, 2])
    pce = [10.0, None, 0.0, -1.0, 9.0, 0.9, np.nan, None, 3.0]
    shorted = [False, False, False, False, True, True, False, False, True]
    # A shorted curve at 9 of 10 still works (an aged diode); at 0.9 of 10 it is dead.
    assert failed_scans(ids, pce, shorted).tolist() == [
        False, True, True, True, False, True, True, True, False,
    ]  # fmt: skip


def test_devices_still_on_test_are_told_from_lost_ones():
    ids = np.array([1, 1, 1, 2, 2, 3, 3, 3, 4, 4, 4])
    hours = np.array([0, 50, 100, 0, 50, 0, 50, 100, 0, 50, 100.0])
    # Device 3 is scanned three minutes after the others, device 4 (another variant) starts a
    # day later on the same schedule; device 2 stops after 50 h.
    study = hours + np.array([0, 0, 0, 0, 0, 0.05, 0.05, 0.05, 24, 24, 24])
    a = analyse_aging_many(ids, hours, 10 - hours / 100, study_hours=study)
    assert a["on_test"].tolist() == [True, False, True, True]


def test_kaplan_meier_and_log_rank_match_the_textbook_leukaemia_data():
    """Freireich et al. 1963 (6-MP vs placebo), as in every survival-analysis textbook: the
    product-limit estimate of the 6-MP group and the log-rank chi2 of 16.79 (p = 4.2e-5)."""
    from analysis.compute.aging import t80_survival

    mp = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
    mp_event = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    placebo = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]
    s = t80_survival(
        mp + placebo, np.array(mp_event + [1] * 21, dtype=bool), ["6-MP"] * 21 + ["placebo"] * 21
    )
    six_mp = s["groups"][0]
    at = dict(zip(six_mp["hours"], six_mp["survival"], strict=True))
    assert [round(at[t], 3) for t in (6, 7, 10, 13, 16, 22, 23)] == [
        0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448,
    ]  # fmt: skip
    assert six_mp["n"] == 21 and six_mp["events"] == 9 and six_mp["censored"] == 12
    assert six_mp["median_h"] == 23.0 and s["groups"][1]["median_h"] == 8.0
    assert len(six_mp["censored_hours"]) == 12
    band = zip(six_mp["ci_low"], six_mp["survival"], six_mp["ci_high"], strict=True)
    assert all(low <= value <= high for low, value, high in band)
    assert s["logrank"]["chi2"] == pytest.approx(16.79, abs=0.01)
    assert s["logrank"]["p"] == pytest.approx(4.17e-5, rel=0.01)
    json.dumps(s, allow_nan=False)


def test_survival_of_one_group_or_without_failures_has_no_log_rank_test():
    from analysis.compute.aging import t80_survival

    assert t80_survival([10, 20], [True, False], ["a", "a"])["logrank"] is None
    s = t80_survival([10, 20], [False, False], ["a", "b"])
    assert s["logrank"] is None and s["groups"][0]["survival"] == [1.0, 1.0]


def test_a_real_tracker_start_up_is_not_taken_as_the_cells_power():
    """KIT MPP log: the tracker's first four samples read 0.12-0.17 mW/cm2, then 13.9, then
    about 17.3 (tests/data/real/mpp)."""
    from pathlib import Path

    from measurements.parsers import parse

    path = (
        Path(__file__).parents[1] / "data/real/mpp/KIT_DaBa_20230219_Experimnt-AB_2_2_MPP.1.mpp.csv"
    )
    (series,) = parse(path.read_bytes(), path.name).series
    t, power = series.columns["time_s"], np.abs(series.columns["power_mw_cm2"])
    r = analyse_aging((t - t[0]) / 3600, power, stabilised_window_h=60 / 3600)
    assert power[0] < 0.2 and r.reference_value == pytest.approx(17.5, abs=0.3)
    assert max(r.normalised) < 1.1  # against the first sample it would be 140 times


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_vectorised_kaplan_meier_and_log_rank_equal_lifelines(seed):
    import warnings

    from lifelines import KaplanMeierFitter
    from lifelines.statistics import multivariate_logrank_test

    from analysis.compute.aging import kaplan_meier, logrank

    rng = np.random.default_rng(seed)
    d = np.round(rng.exponential(300, 90), 0)
    d[:6] = d[6]  # ties, as scans at the same hour give
    e = rng.random(90) < 0.7
    g = rng.choice(["PbI2", "MAPbI3", "(BA)2PbI4"], 90)
    for name in set(g):
        sel = g == name
        km = KaplanMeierFitter().fit(d[sel], event_observed=e[sel])
        band = km.confidence_interval_survival_function_
        timeline, survival, low, high = kaplan_meier(d[sel], e[sel])
        assert np.allclose(km.survival_function_.index.values, timeline)
        assert np.allclose(km.survival_function_.iloc[:, 0].values, survival)
        assert np.allclose(band.iloc[:, 0].values, low) and np.allclose(
            band.iloc[:, 1].values, high
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = multivariate_logrank_test(d, g, e)
    statistic, df, p = logrank(d, e, list(g))
    assert statistic == pytest.approx(reference.test_statistic)
    assert df == reference.degrees_of_freedom and p == pytest.approx(reference.p_value)
