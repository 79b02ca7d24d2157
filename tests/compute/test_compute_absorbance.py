"""Absorbance of PbS dots: first exciton, Moreels size, width, concentration, Tauc, and the
exciton a referee would accept (issue 13): no excitons made of instrument changeovers, of
noise or of a film with no dots; the size from the fitted centre, not the visible maximum."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from analysis.compute import analyse_absorbance, moreels_diameter_nm, moreels_energy_ev
from analysis.compute.absorbance import detect_steps_nm, instrument_changeovers_nm
from analysis.compute.constants import HC_EV_NM
from analysis.kinds import AnalysisContext, analyse_parsed
from measurements.parsers import parse

from .conftest import load_columns

DATA = Path(__file__).resolve().parents[1] / "data"
SPECTRA = DATA / "spectra"
REAL_UVVIS = DATA / "real" / "uvvis"
REAL_FILES = ["F4-P3HT 1-10 0,5 mgml.Probe.Raw.asc", "Sample5926.Probe.Raw.asc"]


@pytest.fixture(scope="module")
def spectra_truth() -> dict:
    return json.loads((SPECTRA / "truth.json").read_text())


def _spectrum(name: str) -> tuple[np.ndarray, np.ndarray]:
    return np.loadtxt(SPECTRA / name, delimiter=",", skiprows=1, unpack=True)


def _rows(folder: Path, name: str, **context):
    """The absorbance kind's rows of a file, parsed as an upload would be."""
    parsed = parse((folder / name).read_bytes(), name)
    return parsed, analyse_parsed(parsed, AnalysisContext(**context))


def test_synthetic_absorbance_file_recovers_its_truth(truth):
    wl, a = load_columns("abs_example.csv", delimiter=",")
    t = truth["abs_example.csv"]
    r = analyse_absorbance(wl, a)
    # truth.json holds the maximum of the noise-free curve (synthetic/README.md): the
    # apparent peak. The Gaussian centre sits beyond it, on the side away from the rising
    # background, and sizes the dots.
    assert r.exciton_apparent_peak_nm == pytest.approx(t["exciton_peak_nm"], abs=0.5)
    assert t["exciton_peak_nm"] < r.exciton_peak_nm < t["exciton_peak_nm"] + 3.0
    assert r.bandgap_ev == pytest.approx(HC_EV_NM / r.exciton_peak_nm)
    assert r.diameter_nm == pytest.approx(moreels_diameter_nm(r.bandgap_ev))
    assert r.diameter_nm == pytest.approx(t["diameter_nm"], abs=0.05)  # README: 0.05 nm
    assert r.sizing_curve == "Moreels et al., ACS Nano 2009, 3, 3023"
    assert 20 < r.exciton_hwhm_mev < 150
    assert r.exciton_snr > 50 and r.exciton_prominence > 0.1
    json.dumps(r.to_dict(), allow_nan=False)


@pytest.mark.parametrize(
    "peak_nm, d_nm", [(800, 2.53), (900, 2.90), (950, 3.09), (1000, 3.29), (1300, 4.61)]
)
def test_the_moreels_table_is_reproduced(peak_nm, d_nm):
    assert moreels_diameter_nm(HC_EV_NM / peak_nm) == pytest.approx(d_nm, abs=0.005)


def test_moreels_energy_and_diameter_are_inverse_and_bulk_has_no_size():
    for d in (2.5, 3.5, 6.0):
        assert moreels_diameter_nm(moreels_energy_ev(d)) == pytest.approx(d)
    assert moreels_diameter_nm(0.41) is None


def _exciton_on_background(wl, peak_nm=950.0, sigma_ev=0.06, amp=0.3):
    e = HC_EV_NM / wl
    background = 0.02 + 0.05 * np.exp((e - 1.3) / 0.45)  # rising scattering/higher states
    return amp * np.exp(-0.5 * ((e - HC_EV_NM / peak_nm) / sigma_ev) ** 2) + background


def test_an_exciton_on_a_rising_background_is_found_through_noise():
    wl = np.arange(400.0, 1600.0 + 0.1, 1.0)
    clean = _exciton_on_background(wl)
    fine = np.arange(850.0, 1050.0, 0.01)
    apparent = fine[np.argmax(_exciton_on_background(fine))]  # maximum of the clean curve
    for seed in range(5):
        noisy = clean + np.random.default_rng(seed).normal(0, 0.003, wl.size)
        r = analyse_absorbance(wl, noisy)
        assert r.exciton_peak_nm == pytest.approx(950.0, abs=2.0)  # the Gaussian centre
        assert r.exciton_apparent_peak_nm == pytest.approx(apparent, abs=2.0)
        assert r.exciton_hwhm_mev == pytest.approx(1000 * 0.06 * np.sqrt(2 * np.log(2)), rel=0.15)
        assert r.noise_absorbance == pytest.approx(0.003, rel=0.2)


def test_descending_wavelengths_and_saturated_points_do_not_change_the_answer():
    wl = np.arange(400.0, 1600.0 + 0.1, 2.0)
    a = _exciton_on_background(wl)
    ref = analyse_absorbance(wl, a)
    sat = a.copy()
    sat[wl < 430] = 10.0  # PerkinElmer writes 10 when the detector saturates
    sat[100] = np.nan
    r = analyse_absorbance(wl[::-1], sat[::-1])
    assert "saturated_points_masked" in r.flags
    assert r.exciton_peak_nm == pytest.approx(ref.exciton_peak_nm, abs=0.05)


def test_concentration_uses_the_400_nm_extinction_above_the_long_wavelength_baseline():
    wl = np.arange(350.0, 1600.0 + 0.1, 1.0)
    a = _exciton_on_background(wl)
    r = analyse_absorbance(wl, a, path_length_cm=1.0, dilution=100.0)
    eps = 0.0233 * r.diameter_nm**3
    expected = (np.interp(400.0, wl, a) - r.baseline_absorbance) / eps * 100.0
    assert r.extinction_400_per_um_cm == pytest.approx(eps)
    assert r.concentration_um == pytest.approx(expected)
    assert "extinction_coefficient_literature" in r.flags
    assert analyse_absorbance(wl, a).concentration_um is None


def test_the_doc_concentration_example_is_reproduced():
    # Doc: 950 nm exciton -> d = 3.09 nm -> eps400 = 0.69 /uM/cm; A400 = 0.50 above the
    # baseline in 1 cm -> 0.724 uM (0.727 with the unrounded eps of 0.6875).
    wl = np.arange(350.0, 1600.0 + 0.1, 1.0)
    a = _exciton_on_background(wl, amp=0.6)
    tail = np.median(a[-(wl.size // 20) :])
    a = tail + (a - tail) * 0.5 / (np.interp(400.0, wl, a) - tail)
    r = analyse_absorbance(wl, a, path_length_cm=1.0)
    assert r.diameter_nm == pytest.approx(3.09, abs=0.02)
    assert r.absorbance_400 - r.baseline_absorbance == pytest.approx(0.50)
    assert r.concentration_um == pytest.approx(0.724, abs=0.01)


def test_tauc_gap_lies_below_the_exciton_with_its_window_and_r2():
    wl = np.arange(400.0, 1600.0 + 0.1, 1.0)
    r = analyse_absorbance(wl, _exciton_on_background(wl))
    assert r.tauc_bandgap_ev is not None and r.tauc_bandgap_ev < r.bandgap_ev
    lo, hi = r.tauc_window_ev
    assert lo < hi <= r.bandgap_ev and r.tauc_r2 >= 0.98


def test_a_featureless_spectrum_reports_no_exciton():
    wl = np.arange(400.0, 1600.0 + 0.1, 1.0)
    r = analyse_absorbance(wl, 0.02 + 0.05 * np.exp((HC_EV_NM / wl - 1.3) / 0.45))
    assert r.exciton_peak_nm is None and "no_exciton_found" in r.flags
    assert r.bandgap_ev is None and r.diameter_nm is None and r.tauc_bandgap_ev is None


# --- issue 13: fake excitons ------------------------------------------------------------------


@pytest.mark.parametrize("name", REAL_FILES)
def test_the_real_perkinelmer_spectra_get_no_exciton_at_the_detector_changeover(name):
    """Both real Lambda 950/1050 files (a doped-P3HT film and a noisy %T sample, no dots in
    either) used to report an "exciton" at 852-878 nm, the 860.8 nm detector changeover, sized
    as 2.7-2.8 nm dots with a 14-19 meV HWHM, unflagged."""
    parsed, (row,) = _rows(REAL_UVVIS, name)
    assert parsed.series[0].metadata["changeover_nm"][:2] == [319.2, 860.8]
    assert parsed.series[0].metadata["lamp_change_nm"] == [319.2]
    f = row.figures
    assert f["exciton_peak_nm"] is None and f["bandgap_ev"] is None and f["diameter_nm"] is None
    assert "no_exciton_found" in row.flags
    assert f["changeover_source"] == "header"
    assert any(lo <= 860.8 <= hi for lo, hi in f["masked_nm"])
    assert [s["source"] for s in f["steps"]] == ["header"]
    json.dumps(f, allow_nan=False)


def test_a_film_that_holds_no_dots_gets_no_exciton_and_no_size():
    _, (row,) = _rows(REAL_UVVIS, REAL_FILES[0], target_type="film", is_qd_material=False)
    assert row.figures["diameter_nm"] is None and row.figures["exciton_peak_nm"] is None
    assert "not_a_qd_material" in row.flags
    # A real exciton does not change that: the material decides whether there are dots.
    wl = np.arange(400.0, 1600.0 + 0.1, 1.0)
    a = _exciton_on_background(wl)
    assert analyse_absorbance(wl, a, is_qd_material=False).diameter_nm is None
    assert analyse_absorbance(wl, a, is_qd_material=True).diameter_nm == pytest.approx(
        3.09, abs=0.02
    )


def test_a_detector_step_alone_is_no_exciton(spectra_truth):
    """A film without dots whose spectrum has a 0.004 A step at 860.8 nm and nothing said of
    its instrument: the old analysis read the step as a 2.74 nm dot (HWHM 7 meV)."""
    wl, a = _spectrum("abs_step_only.csv")
    r = analyse_absorbance(wl, a)
    assert r.exciton_peak_nm is None and r.diameter_nm is None
    assert "no_exciton_found" in r.flags and "instrument_step_detected" in r.flags
    (step,) = r.steps
    assert step["source"] == "detected"
    assert step["nm"] == pytest.approx(spectra_truth["abs_step_only.csv"]["step_nm"], abs=2.0)
    assert step["offset"] == pytest.approx(0.004, abs=0.001)
    assert any(lo <= step["nm"] <= hi for lo, hi in r.masked_nm)
    assert r.exciton_rejected_because  # the candidate that was turned down says why


def test_an_exciton_beside_a_detector_step_is_found_and_the_step_masked(spectra_truth):
    t = spectra_truth["abs_exciton_detector_step.csv"]
    wl, a = _spectrum("abs_exciton_detector_step.csv")
    r = analyse_absorbance(wl, a)
    assert r.exciton_peak_nm == pytest.approx(t["exciton_peak_nm"], abs=2.0)
    assert r.diameter_nm == pytest.approx(t["diameter_nm"], abs=0.03)
    assert r.exciton_hwhm_mev == pytest.approx(t["exciton_hwhm_mev"], rel=0.15)
    (step,) = r.steps
    assert step["nm"] == pytest.approx(t["step_nm"], abs=2.0)
    assert step["offset"] == pytest.approx(t["step_absorbance"], abs=0.003)
    assert "instrument_step_detected" in r.flags
    assert any(lo <= step["nm"] <= hi for lo, hi in r.masked_nm)


def test_a_broad_exciton_on_a_sloping_background_is_sized_from_its_fitted_centre(spectra_truth):
    """HWHM 90 meV at 1180 nm: the visible maximum is at 1161 nm (3.97 nm dots), where the
    old analysis put the exciton; the Gaussian centre gives 4.05 nm."""
    t = spectra_truth["abs_broad_1s_sloping.csv"]
    wl, a = _spectrum("abs_broad_1s_sloping.csv")
    r = analyse_absorbance(wl, a)
    assert r.exciton_peak_nm == pytest.approx(t["exciton_peak_nm"], abs=3.0)
    assert r.diameter_nm == pytest.approx(t["diameter_nm"], abs=0.02)
    assert r.exciton_apparent_peak_nm == pytest.approx(t["exciton_apparent_peak_nm"], abs=3.0)
    assert t["diameter_nm"] - t["apparent_diameter_nm"] > 0.07  # what the old answer missed
    assert r.exciton_hwhm_mev == pytest.approx(t["exciton_hwhm_mev"], rel=0.2)


def test_the_perkinelmer_header_says_where_a_step_the_spectrum_hides_is(spectra_truth):
    t = spectra_truth["pe_qd_film.asc"]
    parsed, (row,) = _rows(SPECTRA, "pe_qd_film.asc")
    assert parsed.series[0].metadata["changeover_nm"] == t["changeover_nm"]
    f = row.figures
    assert f["exciton_peak_nm"] == pytest.approx(t["exciton_peak_nm"], abs=2.0)
    assert f["diameter_nm"] == pytest.approx(t["diameter_nm"], abs=0.02)
    (step,) = f["steps"]
    assert (step["nm"], step["source"]) == (860.8, "header")
    assert step["offset"] == pytest.approx(t["step_absorbance"], abs=0.0015)
    # The spectrum alone does not show the step: without the header nothing is masked.
    columns = parsed.series[0].columns
    bare = analyse_absorbance(columns["wavelength_nm"], columns["absorbance"])
    assert bare.steps == [] and bare.masked_nm == [] and bare.changeover_source == ""


def test_a_known_instrument_without_header_values_gets_its_factory_changeovers():
    assert instrument_changeovers_nm("PerkinElmer Lambda 1050+") == (319.2, 860.8)
    assert instrument_changeovers_nm("Cary 5000") == (800.0,)
    assert instrument_changeovers_nm("home-built") == ()
    wl, a = _spectrum("abs_step_only.csv")
    r = analyse_absorbance(wl, a, instrument="Lambda 950")
    assert r.changeover_source == "instrument default"
    assert [s["source"] for s in r.steps] == ["instrument default"]
    assert r.exciton_peak_nm is None


@pytest.mark.parametrize(
    "hwhm_mev, amp, noise, reason",
    [
        (12.0, 0.3, 0.001, "too narrow"),  # a molecular band or an artefact, not PbS dots
        (60.0, 0.002, 0.0001, "baseline flatness"),  # below the photometer's accuracy
        (60.0, 0.01, 0.004, "noise"),  # a bump the noise could have made
    ],
)
def test_an_exciton_needs_a_plausible_width_and_a_prominence_above_noise(
    hwhm_mev, amp, noise, reason
):
    wl = np.arange(600.0, 1700.0 + 0.1, 1.0)
    sigma = hwhm_mev / 1000 / np.sqrt(2 * np.log(2))
    a = _exciton_on_background(wl, peak_nm=1200.0, sigma_ev=sigma, amp=amp)
    a = a + np.random.default_rng(7).normal(0.0, noise, wl.size)
    r = analyse_absorbance(wl, a)
    assert r.exciton_peak_nm is None and r.diameter_nm is None
    assert "no_exciton_found" in r.flags
    assert reason in r.exciton_rejected_because


def test_smooth_bands_are_not_taken_for_steps_however_they_are_sampled():
    for step_nm in (1.0, 2.0, 5.0, 10.0):
        wl = np.arange(400.0, 2000.0 + 0.1, step_nm)
        for peak_nm, sigma in ((950.0, 0.05), (1500.0, 0.017)):
            a = _exciton_on_background(wl, peak_nm=peak_nm, sigma_ev=sigma)
            noisy = a + np.random.default_rng(3).normal(0.0, 0.002, wl.size)
            assert detect_steps_nm(wl, a) == [] and detect_steps_nm(wl, noisy) == []
