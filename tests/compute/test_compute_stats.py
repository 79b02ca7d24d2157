"""Batch statistics, group tests with known values, exclusion rules."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as st

from analysis.compute import (
    ExclusionThresholds,
    classify_device,
    compare_groups,
    substrate_means,
    summarise,
)
from analysis.compute.stats import classify_devices


def test_summary_statistics_of_a_small_batch():
    s = summarise([1, 2, 3, 4, 5, None, float("nan")])
    assert s == {"n": 5, "mean": 3.0, "std": pytest.approx(1.5811388), "median": 3.0,
                 "q1": 2.0, "q3": 4.0, "min": 1.0, "max": 5.0}  # fmt: skip
    assert summarise([])["n"] == 0


def test_welch_mann_whitney_and_hedges_g_match_hand_computed_values():
    a, b = [1, 2, 3, 4, 5], [2, 4, 6, 8, 10]
    r = compare_groups(a, b)
    # Welch: t = -3 / sqrt(2.5/5 + 10/5) = -1.8974, df = 2.5^2 / (0.5^2/4 + 2^2/4) = 5.882
    assert r["welch_t"] == pytest.approx(-1.897367, rel=1e-6)
    assert r["welch_df"] == pytest.approx(5.882353, rel=1e-6)
    assert r["welch_p"] == pytest.approx(2 * st.t.sf(1.897367, 5.882353), rel=1e-5)
    assert r["mannwhitney_u"] == 5.0  # 4 wins + 2 ties x 0.5
    # g = d (1 - 3/(4 N - 9)), d = -3 / pooled sd 2.5
    assert r["hedges_g"] == pytest.approx(-1.2 * (1 - 3 / 31))
    assert (r["n_a"], r["n_b"]) == (5, 5) and "not independent" in r["note"]


def test_substrate_means_collapse_pixels_to_the_independent_unit():
    m = substrate_means([10, 12, 11, 9, None], ["s1", "s1", "s2", "s2", "s2"])
    assert m == {"substrate_ids": ["s1", "s2"], "mean": [11.0, 10.0], "n_pixels": [2, 2]}


@pytest.mark.parametrize(
    "jv, expected",
    [
        ({"voc_v": 0.45, "jsc_ma_cm2": 31.7, "ff": 0.50}, "ok"),
        ({"voc_v": 0.45, "jsc_ma_cm2": 31.7, "ff": 0.28}, "shorted"),
        ({"voc_v": 0.20, "jsc_ma_cm2": 31.7, "ff": 0.40}, "shorted"),
        ({"voc_v": 0.45, "jsc_ma_cm2": 5.0, "ff": 0.50}, "open"),
        ({"voc_v": None, "jsc_ma_cm2": 31.7, "ff": None}, "open"),
    ],
)
def test_devices_are_classified_by_the_lab_exclusion_rules(jv, expected):
    status, reason = classify_device(jv, batch_median_voc=0.45, batch_median_jsc=31.0)
    assert status == expected
    assert (reason == "") == (expected == "ok")


def test_exclusion_thresholds_are_configurable():
    strict = ExclusionThresholds(shorted_ff=0.55, shorted_rsh_ohm_cm2=300.0)
    jv = {"voc_v": 0.45, "jsc_ma_cm2": 31.7, "ff": 0.60, "rsh_ohm_cm2": 250.0}
    assert classify_device(jv, 0.45, 31.0, strict)[0] == "shorted"


def test_the_analysis_flags_of_the_curve_exclude_first_and_name_themselves():
    ok = {"voc_v": 0.45, "jsc_ma_cm2": 31.7, "ff": 0.50}
    assert classify_device({**ok, "flags": ["shorted"]}, 0.45, 31.0) == ("shorted", "shorted")
    no_voc = {**ok, "voc_v": None, "flags": ["no_voc_crossing", "shorted"]}
    assert classify_device(no_voc, 0.45, 31.0) == ("shorted", "shorted")
    assert classify_device({**no_voc, "flags": ["no_voc_crossing"]}, 0.45, 31.0) == (
        "open",
        "no_voc_crossing",
    )
    assert classify_device({**ok, "flags": ["voc_extrapolated"]}, 0.45, 31.0) == ("ok", "")


def test_many_devices_are_classified_as_one_by_one_against_their_batch_medians():
    rng = np.random.default_rng(3)
    n = 400
    voc, jsc, ff = rng.normal(0.6, 0.15, n), rng.normal(25, 8, n), rng.normal(0.6, 0.15, n)
    for column in (voc, jsc, ff):
        column[rng.random(n) < 0.05] = np.nan
    flags = [
        ["shorted"] if r < 0.03 else ["no_voc_crossing"] if r < 0.06 else [] for r in rng.random(n)
    ]
    batches = rng.integers(0, 4, n)
    thresholds = ExclusionThresholds(shorted_voc_fraction=0.7, open_jsc_fraction=0.4)
    many = classify_devices(voc, jsc, ff, flags, batches, thresholds)
    outcomes = set()
    for i in range(n):
        members = batches == batches[i]
        medians = [float(np.median(c[members & np.isfinite(c)])) for c in (voc, jsc)]
        jv = {
            "voc_v": None if np.isnan(voc[i]) else float(voc[i]),
            "jsc_ma_cm2": None if np.isnan(jsc[i]) else float(jsc[i]),
            "ff": None if np.isnan(ff[i]) else float(ff[i]),
            "flags": flags[i],
        }
        assert many[i] == classify_device(jv, *medians, thresholds), i
        outcomes.add(many[i][1])
    assert len(outcomes) == 7  # kept, and every rule but Rsh (not set here)
