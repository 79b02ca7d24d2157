"""EQE: integrated Jsc against AM1.5G and the inflection band gap."""

from __future__ import annotations

import json

import numpy as np
import pytest

from analysis.compute import analyse_eqe, jsc_mismatch
from analysis.compute.constants import HC_EV_NM
from analysis.compute.eqe import reference_photon_current

from .conftest import load_columns


def test_synthetic_eqe_file_integrates_to_its_truth(truth):
    wl, eqe_percent = load_columns("eqe_example.txt")
    r = analyse_eqe(wl, eqe_percent / 100.0)
    expected = truth["eqe_example.txt"]["integrated_jsc_ma_cm2"]
    assert r.integrated_jsc_ma_cm2 == pytest.approx(expected, rel=0.002)  # README: 1 %
    assert r.wavelength_range_nm == (300.0, 1400.0)
    assert r.flags == []


@pytest.mark.parametrize("edge_nm, ceiling", [(800, 27.27), (950, 35.72), (1000, 38.06)])
def test_unit_eqe_from_280_nm_gives_the_documented_jsc_ceilings(edge_nm, ceiling):
    for step in (1.0, 10.0):  # the native reference grid is used whatever the EQE step
        wl = np.arange(280.0, edge_nm + 0.1, step)
        r = analyse_eqe(wl, np.ones_like(wl))
        assert r.integrated_jsc_ma_cm2 == pytest.approx(ceiling, rel=5e-4)


def test_eqe_in_percent_is_detected_and_converted():
    wl = np.arange(280.0, 800.1, 5.0)
    r = analyse_eqe(wl, np.full(wl.size, 100.0))
    assert "eqe_percent_converted" in r.flags
    assert r.integrated_jsc_ma_cm2 == pytest.approx(27.27, rel=5e-4)


@pytest.mark.parametrize("step_nm", [1.0, 2.0, 5.0, 10.0])
def test_the_inflection_of_a_logistic_edge_at_1_30_ev_is_found(step_nm):
    wl = np.arange(300.0, 1400.0 + 0.1, step_nm)
    e = HC_EV_NM / wl
    r = analyse_eqe(wl, 0.8 / (1 + np.exp(-(e - 1.30) / 0.03)))
    assert r.bandgap_ev == pytest.approx(1.30, abs=0.002)
    assert r.bandgap_nm == pytest.approx(HC_EV_NM / r.bandgap_ev)
    assert r.bandgap_pv_ev == pytest.approx(1.30, abs=0.003)


def test_the_band_edge_is_found_below_a_uv_roll_off_and_noise():
    rng = np.random.default_rng(3)
    wl = np.arange(300.0, 1400.0 + 0.1, 5.0)
    e = HC_EV_NM / wl
    eqe = 0.8 / (1 + np.exp(-(e - 1.10) / 0.04)) / (1 + np.exp((e - 3.6) / 0.1))
    r = analyse_eqe(wl, eqe + rng.normal(0, 0.003, wl.size))
    assert r.bandgap_ev == pytest.approx(1.10, abs=0.005)


def test_cumulative_jsc_ends_at_the_integral_and_stays_out_of_the_dict():
    wl = np.arange(300.0, 1000.1, 10.0)
    r = analyse_eqe(wl, np.full(wl.size, 0.5))
    assert r.cumulative_jsc_ma_cm2[-1] == pytest.approx(r.integrated_jsc_ma_cm2)
    assert np.all(np.diff(r.cumulative_jsc_ma_cm2) >= 0)
    d = r.to_dict()
    assert "cumulative_jsc_ma_cm2" not in d
    json.dumps(d, allow_nan=False)


def test_the_reference_spectrum_is_loaded_once():
    assert reference_photon_current() is reference_photon_current()
    wl, jph = reference_photon_current()
    assert wl[0] == 280.0 and wl[-1] == 4000.0 and not jph.flags.writeable


def test_jsc_mismatch_flags_differences_beyond_the_threshold():
    ok = jsc_mismatch(28.0, 27.4)
    assert not ok["mismatch"] and ok["flags"] == []
    assert ok["relative_difference"] == pytest.approx(0.6 / 27.4)
    bad = jsc_mismatch(25.0, -27.4, threshold=0.05)
    assert bad["mismatch"] and bad["flags"] == ["jsc_mismatch"]
