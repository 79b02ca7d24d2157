"""EQE: integrated Jsc against AM1.5G, the band gap, the 1S peak and the Urbach energy; the
unit (percent or fraction) from the file or the user, never from the maximum (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from analysis.compute import analyse_eqe, jsc_mismatch
from analysis.compute.constants import HC_EV_NM
from analysis.compute.eqe import reference_photon_current
from analysis.kinds import AnalysisContext, AnalysisError, analyse_parsed
from measurements.parsers import ParsedMeasurement, Series, parse

from .conftest import load_columns

DATA = Path(__file__).resolve().parents[1] / "data"
SPECTRA = DATA / "spectra"


@pytest.fixture(scope="module")
def spectra_truth() -> dict:
    return json.loads((SPECTRA / "truth.json").read_text())


def _spectrum(name: str) -> tuple[np.ndarray, np.ndarray]:
    return np.loadtxt(SPECTRA / name, skiprows=1, unpack=True)


def _row(parsed: ParsedMeasurement, **conditions):
    (row,) = analyse_parsed(parsed, AnalysisContext(conditions=conditions))
    return row


def test_synthetic_eqe_file_integrates_to_its_truth(truth):
    wl, eqe_percent = load_columns("eqe_example.txt")
    r = analyse_eqe(wl, eqe_percent, unit="percent")
    expected = truth["eqe_example.txt"]["integrated_jsc_ma_cm2"]
    assert r.integrated_jsc_ma_cm2 == pytest.approx(expected, rel=0.002)  # README: 1 %
    assert r.wavelength_range_nm == (300.0, 1400.0)
    assert (r.eqe_unit, r.eqe_unit_source) == ("percent", "file")
    assert r.flags == []


@pytest.mark.parametrize("edge_nm, ceiling", [(800, 27.27), (950, 35.72), (1000, 38.06)])
def test_unit_eqe_from_280_nm_gives_the_documented_jsc_ceilings(edge_nm, ceiling):
    for step in (1.0, 10.0):  # the native reference grid is used whatever the EQE step
        wl = np.arange(280.0, edge_nm + 0.1, step)
        r = analyse_eqe(wl, np.ones_like(wl))
        assert r.integrated_jsc_ma_cm2 == pytest.approx(ceiling, rel=5e-4)


def test_it_reads_percent_only_when_told_and_refuses_a_fraction_above_150_percent():
    wl = np.arange(280.0, 800.1, 5.0)
    r = analyse_eqe(wl, np.full(wl.size, 100.0), unit="percent")
    assert r.integrated_jsc_ma_cm2 == pytest.approx(27.27, rel=5e-4)
    with pytest.raises(ValueError, match="reaches 10000 % read as a fraction"):
        analyse_eqe(wl, np.full(wl.size, 100.0), unit="fraction")
    with pytest.raises(ValueError, match="unknown EQE unit"):
        analyse_eqe(wl, np.ones(wl.size), unit="A/W")


def test_a_dead_device_in_percent_is_not_read_as_a_120_percent_cell():
    """Its EQE reaches 1.2 (%): the old 'max > 1.5 means percent' rule read it as a fraction,
    a 45 mA/cm2 cell. Stated, it is 0.45 mA/cm2; unstated, there is no Jsc at all."""
    wl, percent = _spectrum("eqe_dead_device_no_unit.txt")
    stated = analyse_eqe(wl, percent, unit="percent", unit_source="user")
    assert stated.integrated_jsc_ma_cm2 == pytest.approx(0.45, abs=0.02)
    assert stated.max_eqe == pytest.approx(0.012, abs=0.001)
    unknown = analyse_eqe(wl, percent, unit=None)
    assert unknown.integrated_jsc_ma_cm2 is None and unknown.max_eqe is None
    assert unknown.cumulative_jsc_ma_cm2 is None and "eqe_unit_unknown" in unknown.flags
    # What needs no scale is still there: the gap does not depend on the unit.
    assert unknown.bandgap_ev == pytest.approx(stated.bandgap_ev)
    assert unknown.bandgap_ev == pytest.approx(1.25, abs=0.01)


@pytest.mark.parametrize("step_nm", [1.0, 2.0, 5.0, 10.0])
def test_the_inflection_of_a_logistic_edge_at_1_30_ev_is_found(step_nm):
    wl = np.arange(300.0, 1400.0 + 0.1, step_nm)
    e = HC_EV_NM / wl
    r = analyse_eqe(wl, 0.8 / (1 + np.exp(-(e - 1.30) / 0.03)))
    assert r.bandgap_ev == pytest.approx(1.30, abs=0.002)
    assert r.bandgap_nm == pytest.approx(HC_EV_NM / r.bandgap_ev)
    assert r.bandgap_pv_ev == pytest.approx(1.30, abs=0.003)


@pytest.mark.parametrize("step_nm", [1.0, 2.0, 5.0, 10.0])
def test_the_band_edge_is_found_below_a_uv_roll_off_and_noise(step_nm):
    e_of = HC_EV_NM / np.arange(300.0, 1400.0 + 0.1, step_nm)
    for seed in range(5):
        rng = np.random.default_rng(seed)
        eqe = 0.8 / (1 + np.exp(-(e_of - 1.10) / 0.04)) / (1 + np.exp((e_of - 3.6) / 0.1))
        r = analyse_eqe(HC_EV_NM / e_of, eqe + rng.normal(0, 0.003, e_of.size))
        assert r.bandgap_ev == pytest.approx(1.10, abs=0.005)


def test_a_weak_1s_below_a_steep_continuum_is_the_gap_and_its_peak_is_reported(spectra_truth):
    """The old gap was the steepest edge below 90 % of the maximum: the continuum at ~1.27-1.30
    eV, not the 1S edge at 0.98 eV."""
    t = spectra_truth["eqe_weak_1s.txt"]
    wl, percent = _spectrum("eqe_weak_1s.txt")
    r = analyse_eqe(wl, percent, unit="percent")
    assert r.bandgap_ev == pytest.approx(t["bandgap_ev"], abs=0.005)
    assert r.bandgap_ev < t["continuum_edge_ev"] - 0.25
    assert r.bandgap_pv_ev == pytest.approx(t["bandgap_ev"], abs=0.01)
    assert r.eqe_1s_peak_nm == pytest.approx(t["eqe_1s_peak_nm"], abs=3.0)
    assert r.eqe_1s_peak_ev == pytest.approx(HC_EV_NM / r.eqe_1s_peak_nm)
    assert r.eqe_1s_peak == pytest.approx(t["eqe_1s_peak_fraction"], abs=0.005)
    assert r.eqe_1s_peak_ev > r.bandgap_ev  # the peak lies tens of meV above the inflection


def test_a_spectrum_without_an_excitonic_peak_reports_none():
    wl = np.arange(300.0, 1400.0 + 0.1, 5.0)
    r = analyse_eqe(wl, 0.8 / (1 + np.exp(-(HC_EV_NM / wl - 1.30) / 0.03)))
    assert r.eqe_1s_peak_nm is None and r.eqe_1s_peak is None


def test_the_urbach_energy_comes_from_the_sub_gap_tail_with_its_window_and_floor(
    spectra_truth,
):
    t = spectra_truth["eqe_urbach_tail.txt"]
    wl, percent = _spectrum("eqe_urbach_tail.txt")
    r = analyse_eqe(wl, percent, unit="percent")
    assert r.urbach_mev == pytest.approx(t["urbach_mev"], abs=1.0)
    assert 0 < r.urbach_error_mev < 1.0 and r.urbach_r2 > 0.99
    lo, hi = r.urbach_window_ev
    assert lo < hi < r.bandgap_ev
    assert r.urbach_decades >= 2.0 and r.urbach_n_points >= 20
    # The floor is the noise (2e-5) the tail sinks into, and the fit stays well above it.
    assert 2 * t["noise_fraction"] < r.noise_floor < 10 * t["noise_fraction"]
    e = HC_EV_NM / wl
    assert np.interp(lo, e[::-1], percent[::-1] / 100) >= 9 * r.noise_floor
    assert r.urbach_rejected_because is None


def test_no_urbach_energy_is_given_when_the_tail_meets_the_noise_within_a_decade(truth):
    wl, percent = load_columns("eqe_example.txt")
    r = analyse_eqe(wl, percent, unit="percent")
    assert r.urbach_mev is None and r.urbach_window_ev is None
    assert "decade" in r.urbach_rejected_because
    assert r.flags == []  # lab EQE usually cannot give one: no warning for that


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


# --- the unit through the kind: parsed file + the user's statement ---------------------------


def test_a_file_without_a_unit_gets_no_jsc_until_the_user_states_one():
    name = "eqe_dead_device_no_unit.txt"
    parsed = parse((SPECTRA / name).read_bytes(), name)
    assert any("no unit; read as fraction" in w for w in parsed.warnings)
    unknown = _row(parsed)
    assert unknown.figures["integrated_jsc_ma_cm2"] is None
    assert "eqe_unit_unknown" in unknown.flags
    assert unknown.figures["bandgap_ev"] == pytest.approx(1.25, abs=0.01)
    told = _row(parsed, eqe_unit="percent")
    assert told.figures["integrated_jsc_ma_cm2"] == pytest.approx(0.45, abs=0.02)
    assert (told.figures["eqe_unit"], told.figures["eqe_unit_source"]) == ("percent", "user")
    assert max(told.curve["eqe_fraction"]) == pytest.approx(0.012, abs=0.001)  # plotted as read


def test_a_unitless_column_only_percent_can_explain_is_read_as_percent():
    text = "Wavelength\tEQE\n" + "".join(
        f"{w}\t{80.0 / (1 + np.exp(-(HC_EV_NM / w - 1.3) / 0.03)):.3f}\n"
        for w in range(400, 1100, 5)
    )
    parsed = parse(text.encode(), "unitless.txt", kind="eqe")
    row = _row(parsed)
    assert row.figures["eqe_unit_source"] == "deduced"
    assert "eqe_unit_deduced_percent" in row.flags
    assert row.figures["max_eqe"] == pytest.approx(0.80, abs=0.01)
    # The user may say otherwise, but a fraction of 80 is no cell: a clear refusal.
    with pytest.raises(AnalysisError, match="not a fraction.*eqe_unit"):
        _row(parsed, eqe_unit="fraction")


def test_a_unit_the_file_states_wins_over_the_user_and_the_conflict_is_flagged():
    wl = np.arange(300.0, 1300.0, 10.0)
    eqe = 0.8 / (1 + np.exp(-(HC_EV_NM / wl - 1.3) / 0.03))
    columns = {"wavelength_nm": wl, "eqe_fraction": eqe}
    # A parser that names the unit its file stated (metadata "eqe_unit").
    parsed = ParsedMeasurement("eqe", "test", [Series("s", columns)], {"eqe_unit": "percent"})
    row = _row(parsed, eqe_unit="fraction")
    assert row.figures["eqe_unit_source"] == "file"
    assert row.figures["max_eqe"] == pytest.approx(0.8, abs=0.01)
    assert "eqe_unit_user_ignored" in row.flags


def test_the_bentham_file_labelled_a_per_w_reads_as_the_percent_only_it_can_be():
    name = "AA00_C3_20.47mAcm-2.eqe.dat"
    parsed = parse((DATA / "real" / "eqe" / name).read_bytes(), name)
    row = _row(parsed)
    assert row.figures["eqe_unit_source"] == "deduced"
    assert row.figures["integrated_jsc_ma_cm2"] == pytest.approx(20.47, rel=0.005)
