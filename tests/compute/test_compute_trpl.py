"""TRPL: bi-exponential tail fit back-extrapolated to t0, IRF reconvolution, the window and
repetition-period checks, and the Poisson likelihood at low counts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import fftconvolve

from analysis.compute import analyse_trpl
from analysis.kinds import AnalysisContext, AnalysisError, analyse_parsed
from measurements.parsers import parse

from .conftest import load_columns


def test_synthetic_trpl_file_recovers_its_lifetimes(truth):
    t, counts = load_columns("trpl_example.txt")
    r = analyse_trpl(t, counts)
    tr = truth["trpl_example.txt"]
    for key in ("tau1_ns", "tau2_ns", "tau_avg_amplitude_ns"):
        assert getattr(r, key) == pytest.approx(tr[key], rel=0.04), key  # README: 8 %
    assert r.t0_ns == 0.0 and r.fit_kind == "tail"
    assert r.a1 + r.a2 == pytest.approx(1.0) and r.f1 + r.f2 == pytest.approx(1.0)
    assert 0.8 < r.chi2_red < 1.3
    assert r.fit_start_ns > r.t0_ns
    assert r.flags == []  # a 2.5 us decay in a 20 us record, background pinned
    json.dumps(r.to_dict(), allow_nan=False)


def test_poisson_replicas_of_the_synthetic_decay_stay_within_eight_percent():
    t = np.arange(-200.0, 20000.0, 20.0)
    lam = np.where(t >= 0, 3000 * np.exp(-t / 300) + 1000 * np.exp(-t / 2500), 0) + 5
    rng = np.random.default_rng(11)
    for _ in range(5):
        r = analyse_trpl(t, rng.poisson(lam))
        assert r.tau1_ns == pytest.approx(300, rel=0.08)
        assert r.tau2_ns == pytest.approx(2500, rel=0.08)
        assert r.tau_avg_amplitude_ns == pytest.approx(850, rel=0.08)


def test_amplitudes_refer_to_the_peak_time_and_averages_follow_their_definitions():
    # Doc example: A1 = 0.7, tau 3 and 25 ns -> tau_amp 9.6 ns, tau_int 20.2 ns.
    t = np.arange(0.0, 250.0, 0.05)
    lam = 2e4 * (0.7 * np.exp(-t / 3) + 0.3 * np.exp(-t / 25)) + 2
    r = analyse_trpl(t, np.random.default_rng(2).poisson(lam))
    assert r.a1 == pytest.approx(0.70, abs=0.02)  # a tail-start reference would give ~0.63
    assert r.tau_avg_amplitude_ns == pytest.approx(9.6, rel=0.03)
    assert r.tau_avg_intensity_ns == pytest.approx(20.2, rel=0.03)
    w = r.a1 * r.tau1_ns + r.a2 * r.tau2_ns
    assert r.f1 == pytest.approx(r.a1 * r.tau1_ns / w)


def test_reconvolution_with_a_measured_irf_recovers_lifetimes_hidden_by_it():
    dt = 0.025
    t = np.arange(4096) * dt
    irf = np.exp(-0.5 * ((t - 10.0) / 0.25) ** 2)
    decay = np.where(t >= 0, 0.6 * np.exp(-t / 0.8) + 0.4 * np.exp(-t / 5.0), 0)
    model = fftconvolve(irf / irf.sum(), 2e4 * decay)[: t.size] + 3
    rng = np.random.default_rng(5)
    r = analyse_trpl(t, rng.poisson(model), irf_counts=rng.poisson(1000 * irf))
    assert r.fit_kind == "reconvolution"
    assert r.tau1_ns == pytest.approx(0.8, rel=0.08)
    assert r.tau2_ns == pytest.approx(5.0, rel=0.08)
    assert r.t0_ns == pytest.approx(10.0, abs=0.1)
    assert r.a1 == pytest.approx(0.6, abs=0.05)


def test_a_long_sparse_timeharp_like_histogram_is_fitted_without_error():
    # 32768 channels, mostly zeros and ones, a ns decay sitting on a small background.
    dt = 0.025
    t = np.arange(32768) * dt
    lam = np.where(t >= 50, 60 * np.exp(-(t - 50) / 1.5) + 20 * np.exp(-(t - 50) / 8.0), 0)
    counts = np.random.default_rng(9).poisson(lam + 0.2)
    r = analyse_trpl(t, counts)
    assert r.t0_ns == pytest.approx(50.0, abs=0.25)  # peak bin of a noisy ~80-count top
    assert r.fit_end_ns < 400  # the fit window was cut around the decay
    assert r.tau1_ns == pytest.approx(1.5, rel=0.2)
    assert r.tau2_ns == pytest.approx(8.0, rel=0.2)
    json.dumps(r.to_dict(), allow_nan=False)


def test_a_flat_histogram_is_refused():
    with pytest.raises(ValueError):
        analyse_trpl(np.arange(100.0), np.zeros(100))


# --- Window, repetition period, estimator and IRF (issue 13) --------------------------------

TRANSIENTS = Path(__file__).resolve().parents[1] / "data" / "transients"
REAL_TRPL = Path(__file__).resolve().parents[1] / "data" / "real" / "trpl"


@pytest.fixture(scope="module")
def transients_truth() -> dict:
    return json.loads((TRANSIENTS / "truth.json").read_text())


def _parsed(name: str, folder: Path = TRANSIENTS):
    return parse((folder / name).read_bytes(), filename=name)


def _figures(name: str, ctx: AnalysisContext | None = None) -> dict:
    (row,) = analyse_parsed(_parsed(name), ctx or AnalysisContext())
    return row.figures


def _periodic(t, t0, comps, period=None, background=2.0):
    """Counts expected per bin with every earlier pulse's tail included (see the README)."""
    x = t - t0
    lam = np.full(t.shape, background)
    for amp, tau in comps:
        if period is None:
            lam += np.where(x >= 0, amp * np.exp(-np.clip(x, 0, None) / tau), 0.0)
        else:
            lam += amp * np.exp(-np.where(x >= 0, x, x + period) / tau) / -np.expm1(-period / tau)
    return lam


def test_a_truncated_trpl_window_is_flagged():
    # A 3 us lifetime in a 2 us record (the case): the fit cannot see it end.
    t = np.arange(1000) * 2.0
    lam = _periodic(t, 50.0, [(1500.0, 300.0), (1500.0, 3000.0)])
    r = analyse_trpl(t, np.random.default_rng(7).poisson(lam))
    assert "long_component_exceeds_window" in r.flags
    assert r.record_after_peak_ns == pytest.approx(1950.0, abs=6.0)  # from the peak bin
    # The same decay recorded for 20 us has ended well inside it: no flag.
    t_long = np.arange(10000) * 2.0
    lam_long = _periodic(t_long, 50.0, [(1500.0, 300.0), (1500.0, 3000.0)])
    r_long = analyse_trpl(t_long, np.random.default_rng(7).poisson(lam_long))
    assert "long_component_exceeds_window" not in r_long.flags
    assert r_long.tau2_ns == pytest.approx(3000.0, rel=0.05)


def test_a_decay_outliving_its_repetition_period_is_flagged_and_fitted_as_one_pulse(
    transients_truth,
):
    name = "pbs-film_500kHz_truncated.trpl.dat"
    truth = transients_truth[name]
    parsed = _parsed(name)
    assert parsed.metadata["repetition_rate_hz"] == truth["repetition_rate_hz"]  # the name
    (row,) = analyse_parsed(parsed, AnalysisContext())
    f = row.figures
    assert set(truth["flags"]) <= set(row.flags)
    assert f["repetition_period_ns"] == pytest.approx(2000.0)
    # The earlier pulses' tails are modelled: amplitudes of one pulse, not of the pile-up.
    assert f["a1"] == pytest.approx(truth["a1"], abs=0.03)
    assert f["tau1_ns"] == pytest.approx(truth["tau1_ns"], rel=0.08)
    assert f["tau2_ns"] == pytest.approx(truth["tau2_ns"], rel=0.08)
    assert f["tau_avg_amplitude_ns"] == pytest.approx(truth["tau_avg_amplitude_ns"], rel=0.05)
    assert "earlier pulses modelled (500 kHz" in f["method"]
    # Without the period the pile-up passes for a larger long component.
    (s,) = parsed.series
    blind = analyse_trpl(s.columns["time_ns"], s.columns["counts"])
    assert blind.a1 < truth["a1"] - 0.05
    assert blind.repetition_period_ns is None
    assert "long_component_exceeds_repetition_period" not in blind.flags
    assert "long_component_exceeds_window" in blind.flags


def test_a_stated_repetition_rate_wins_over_the_file_name(transients_truth):
    name = "pbs-film_500kHz_truncated.trpl.dat"
    f = _figures(name, AnalysisContext(conditions={"repetition_rate_hz": 250_000.0}))
    assert f["repetition_period_ns"] == pytest.approx(4000.0)


def test_a_repetition_rate_the_record_contradicts_is_set_aside_and_flagged():
    # 20 MHz is a 50 ns period, but this record shows 1.9 us after its only peak.
    t = np.arange(1000) * 2.0
    counts = np.random.default_rng(8).poisson(_periodic(t, 50.0, [(3000.0, 100.0)]))
    r = analyse_trpl(t, counts, repetition_rate_hz=20e6)
    assert "repetition_rate_inconsistent_with_record" in r.flags
    assert r.repetition_period_ns is None
    assert r.tau1_ns == pytest.approx(100.0, rel=0.05) or r.tau2_ns == pytest.approx(100.0, 0.05)


def test_it_refuses_a_repetition_rate_that_is_not_a_rate():
    t = np.arange(200.0)
    with pytest.raises(ValueError, match="not a rate"):
        analyse_trpl(t, 100 * np.exp(-t / 20) + 1, repetition_rate_hz=-5.0)


def test_it_refuses_an_unknown_estimator():
    t = np.arange(200.0)
    with pytest.raises(ValueError, match="unknown estimator 'lsq'"):
        analyse_trpl(t, 100 * np.exp(-t / 20) + 1, estimator="lsq")


def test_poisson_likelihood_keeps_the_background_that_neyman_weights_pull_low():
    # 150 counts at the peak on 2 per bin: Laurence & Chromy's low-count regime.
    t = np.arange(0.0, 400.0, 0.2)
    lam = _periodic(t, 10.0, [(90.0, 3.0), (60.0, 15.0)])
    rng = np.random.default_rng(3)
    mle, neyman = [], []
    for _ in range(12):
        counts = rng.poisson(lam)
        mle.append(analyse_trpl(t, counts))  # auto: some bins below 20 counts
        neyman.append(analyse_trpl(t, counts, estimator="neyman_chi2"))
    assert {r.estimator for r in mle} == {"poisson_mle"}
    assert "Poisson maximum likelihood" in mle[0].method
    assert np.mean([r.background for r in mle]) == pytest.approx(2.0, rel=0.08)
    assert np.mean([r.background for r in neyman]) < 0.75 * 2.0
    assert np.mean([r.tau2_ns for r in mle]) == pytest.approx(15.0, rel=0.05)
    assert np.mean([r.chi2_red for r in mle]) == pytest.approx(1.0, abs=0.1)


def test_a_bright_decay_keeps_neyman_weights_where_both_agree():
    t = np.arange(0.0, 100.0, 0.1)
    lam = _periodic(t, 5.0, [(2e4, 2.0), (1e4, 8.0)], background=50.0)
    r = analyse_trpl(t, np.random.default_rng(4).poisson(lam))
    assert r.estimator == "neyman_chi2" and "Neyman weights" in r.method
    assert r.background == pytest.approx(50.0, rel=0.03)


def test_the_weak_decay_file_is_fitted_by_likelihood_with_its_header_sync_rate(
    transients_truth,
):
    name = "pbs-film_lowcounts.trpl.dat"
    truth = transients_truth[name]
    f = _figures(name)
    assert f["estimator"] == "poisson_mle"
    assert f["repetition_period_ns"] == pytest.approx(1e9 / truth["repetition_rate_hz"])
    assert f["background"] == pytest.approx(truth["background"], rel=0.15)
    assert f["tau2_ns"] == pytest.approx(truth["tau2_ns"], rel=0.08)
    assert f["flags"] == truth["flags"]


def test_an_irf_named_at_upload_makes_the_kind_fit_by_reconvolution(transients_truth):
    # The IRF file has its own length (2048 of 4096 channels) and a 0.3 ns cable delay.
    name = "pbs-film_fast.trpl.dat"
    truth = transients_truth[name]
    (irf,) = _parsed(truth["irf"]).series
    ctx = AnalysisContext(
        irf=(irf.columns["time_ns"], irf.columns["counts"]),
        conditions={"irf_measurement": "IRF-1"},
    )
    f = _figures(name, ctx)
    assert f["fit_kind"] == "reconvolution" and "irf_not_available" not in f["flags"]
    assert f["tau1_ns"] == pytest.approx(truth["tau1_ns"], rel=0.08)
    assert f["tau2_ns"] == pytest.approx(truth["tau2_ns"], rel=0.08)
    assert f["a1"] == pytest.approx(truth["a1"], abs=0.05)
    assert f["t0_ns"] == pytest.approx(truth["t0_ns"], abs=0.1)  # the delay was fitted
    assert f["background"] == pytest.approx(3.0, rel=0.15)  # the IRF's own floor removed


def test_an_irf_named_but_not_delivered_is_flagged_on_the_tail_fit():
    f = _figures("pbs-film_fast.trpl.dat", AnalysisContext(conditions={"irf_measurement": 7}))
    assert f["fit_kind"] == "tail" and "irf_not_available" in f["flags"]


def test_an_irf_without_its_own_times_must_share_the_decay_axis():
    t = np.arange(300) * 0.1
    counts = np.random.default_rng(1).poisson(_periodic(t, 5.0, [(500.0, 2.0)]))
    with pytest.raises(ValueError, match="IRF has 200 bins and the decay 300"):
        analyse_trpl(t, counts, irf_counts=np.ones(200))


def test_an_irf_outside_the_decay_time_range_is_refused_by_the_kind_with_the_curve_named():
    ctx = AnalysisContext(irf=(np.arange(100.0) + 1e5, np.full(100, 10.0)))
    with pytest.raises(AnalysisError, match="TRPL curve curve 0: the IRF holds no counts"):
        _figures("pbs-film_fast.trpl.dat", ctx)


def test_the_real_timeharp_decay_is_fitted_by_likelihood_and_its_slow_tail_is_flagged():
    parsed = _parsed("07-Si6505_10kHz-ND1-0.40uW-300s.trpl.dat", REAL_TRPL)
    (row,) = analyse_parsed(parsed, AnalysisContext())
    f = row.figures
    assert f["estimator"] == "poisson_mle"  # a few counts per bin
    assert f["repetition_period_ns"] == pytest.approx(1e5)  # only the name says 10 kHz
    # Both lifetimes end well inside the 32 us record and the 100 us period ...
    assert not {"long_component_exceeds_window", "long_component_exceeds_repetition_period"} & set(
        row.flags
    )
    # ... but the Si decay goes on for ~10 us at < 1 count per bin (3-4 us: 0.94, 10-20 us:
    # 0.29, before the rise: 0.19): the two components describe its fast part only, and the
    # background they leave is well above the level before the rise. Said, not hidden.
    counts = parsed.series[0].columns["counts"]
    assert counts[:200].mean() == pytest.approx(0.19, abs=0.01)
    assert f["background"] > 3 * counts[:200].mean()
    assert "slow_tail_in_background" in row.flags


def test_picoquant_and_edinburgh_headers_give_the_repetition_rate():
    pico = (
        "#PicoHarp 300  Histogram Data\n#channels per curve\n30\n#Sync rate\n40 MHz\n"
        "#ns/channel\n0.1\n#counts\n" + "\n".join(str(5 + i % 3) for i in range(30)) + "\n"
    )
    assert parse(pico.encode(), "film_10kHz.dat").metadata["repetition_rate_hz"] == 40e6
    rows = "\n".join(f"{i * 0.5:.2f},{100 - i}," for i in range(40))
    edinburgh = (
        "Labels,Decay1,\nType,Time Scan,\nRep Rate (MHz),2.0,\nXAxis,Time(ns),\nYAxis,Counts,\n\n"
    )
    assert parse((edinburgh + rows).encode(), "d.txt").metadata["repetition_rate_hz"] == 2e6
    # A bare number is Hz for one software and MHz for another: the name is used instead.
    bare = edinburgh.replace("Rep Rate (MHz),2.0", "Rep Rate,2.0")
    assert "repetition_rate_hz" not in parse((bare + rows).encode(), "d.txt").metadata
    assert parse((bare + rows).encode(), "d_5MHz.txt").metadata["repetition_rate_hz"] == 5e6
