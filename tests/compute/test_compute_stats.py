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


@pytest.mark.parametrize(
    "p, text",
    [
        (0.04567, "0.046"),
        (0.5, "0.50"),
        (1.0, "1.0"),
        (0.00012, "0.00012"),
        (0.0001, "0.00010"),
        (0.0000999, "< 1e-4"),
        (3e-12, "< 1e-4"),
        (None, "–"),
        (float("nan"), "–"),
    ],
)
def test_p_values_are_written_with_two_significant_digits_and_a_floor(p, text):
    from analysis.compute.stats import format_p

    assert format_p(p) == text


def test_the_p_value_filter_writes_p_as_a_paper_prints_it():
    from analysis.templatetags.dashboard_tags import pvalue

    # Three significant digits, and a floor written out rather than as "0.0000" or "1e-4".
    assert pvalue(0.0321) == "0.0321" and pvalue(1e-9) == "<\u00a00.0001" and pvalue(None) == "–"
    assert pvalue("text") == "–"


def test_holm_adjusts_a_family_of_p_values_and_skips_missing_ones():
    from analysis.compute.stats import holm

    # Sorted 0.01, 0.03, 0.04 times 3, 2, 1: 0.03, 0.06, 0.04 -> kept monotone: 0.06.
    assert holm([0.01, 0.04, None, 0.03]) == pytest.approx([0.03, 0.06, None, 0.06])
    assert holm([None]) == [None] and holm([]) == []
    assert holm([0.6, 0.7]) == [1.0, 1.0]
    # statsmodels' implementation as the oracle, ties and all.
    from statsmodels.stats.multitest import multipletests

    p = np.random.default_rng(4).uniform(0, 0.2, 28).round(3)
    assert holm(p.tolist()) == pytest.approx(multipletests(p, method="holm")[1].tolist())


def test_groups_are_compared_on_substrate_means_by_default_with_both_ns():
    from analysis.compute.stats import DEFAULT_UNIT, compare_units

    a, sa = [10, 11, 12, 13, None], ["s1", "s1", "s2", "s2", "s2"]
    b, sb = [14, 15, 16, 18], ["s3", "s3", "s4", "s5"]
    r = compare_units(a, sa, b, sb)
    assert r["per"] == DEFAULT_UNIT == "substrate"
    assert (r["n_a"], r["n_b"]) == (2, 3)  # values tested: one per substrate
    assert (r["n_devices_a"], r["n_substrates_a"], r["n_devices_b"], r["n_substrates_b"]) == (
        4, 2, 4, 3,
    )  # fmt: skip
    assert r == {**r, **compare_groups([10.5, 12.5], [14.5, 16, 18])}
    pixels = compare_units(a, sa, b, sb, "device")
    assert (pixels["n_a"], pixels["n_b"]) == (4, 4)
    with pytest.raises(ValueError, match="per must be one of substrate, mixed, device"):
        compare_units(a, sa, b, sb, "pixel")


def test_a_mixed_model_finds_a_real_effect_and_refuses_a_single_substrate():
    from analysis.compute.stats import compare_units, mixed_model_test

    rng = np.random.default_rng(9)
    subs = np.repeat(np.arange(10), 6)
    in_b = subs >= 5
    values = 10 + 3.0 * in_b + rng.normal(0, 0.8, 10)[subs] + rng.normal(0, 0.3, 60)
    r = mixed_model_test(values, in_b, subs)
    # Balanced: the effect is the difference of the means, tested on 10 - 2 = 8 degrees of
    # freedom as the substrate means would be.
    assert r["mixed_effect"] == pytest.approx(values[in_b].mean() - values[~in_b].mean())
    assert r["mixed_df"] == 8 and r["mixed_p"] < 1e-3 and r["mixed_converged"] is True
    assert mixed_model_test(values[:12], in_b[:12], subs[:12])["mixed_p"] is None
    both = compare_units(values[~in_b], subs[~in_b], values[in_b], subs[in_b], "mixed")
    assert both["mixed_p"] == pytest.approx(r["mixed_p"]) and both["welch_p"] < 0.01


def test_the_exclusion_rule_is_said_in_words_with_its_thresholds():
    rules = ExclusionThresholds(
        shorted_ff=0.3, shorted_voc_fraction=0.5, open_jsc_fraction=0.2,
        flag_max_ff=0.3, flag_max_rsh_ohm_cm2=100.0, flag_min_voc_v=0.05,
    ).rules()  # fmt: skip
    assert rules[0] == (
        "the J-V analysis flagged the curve shorted (FF ≤ 0.3, apparent Rsh < 100 Ω cm², "
        "Voc < 0.05 V)"
    )
    assert "Voc below 50% of its batch's median (shorted)" in rules
    assert "no Jsc, or Jsc below 20% of its batch's median (open)" in rules
    # One sentence per rule the classification checks (every outcome but "kept").
    assert len(rules) == len(ExclusionThresholds().outcomes()) - 2
    assert len(ExclusionThresholds(shorted_rsh_ohm_cm2=50).rules()) == 7


def test_groups_without_spread_get_no_welch_test_rather_than_a_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = compare_groups([10.0, 10.0, 10.0], [10.0, 10.0])
    assert r["welch_p"] is None and r["hedges_g"] is None and r["mannwhitney_p"] == 1.0
    assert compare_groups([10.0, 10.0], [11.0, 12.0])["welch_p"] is not None
