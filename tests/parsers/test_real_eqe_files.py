"""The real EQE exports in tests/data/real/eqe.

Besides the numbers read, the unit conversion is checked the physical way: integrating the
EQE (as a fraction) against the ASTM G173 AM1.5G spectrum must give the integral the
instrument reported.
"""

from __future__ import annotations

import numpy as np
import pytest

FOLDER = "real/eqe"
Q, H, C = 1.602176634e-19, 6.62607015e-34, 299792458.0


@pytest.fixture(scope="module")
def am15g():
    from pvlib.spectrum import get_reference_spectra

    spectrum = get_reference_spectra(standard="ASTM G173-03")
    return spectrum.index.to_numpy(dtype=float), spectrum["global"].to_numpy(dtype=float)


def integrated_jsc(series, am15g) -> float:
    """mA/cm2 from EQE (fraction) x AM1.5G photon flux over the measured range."""
    wl, irradiance = am15g
    lam, eqe = series.columns["wavelength_nm"], series.columns["eqe_fraction"]
    inside = (wl >= lam.min()) & (wl <= lam.max())
    flux = irradiance[inside] * wl[inside] * 1e-9 / (H * C)
    current = np.interp(wl[inside], lam, eqe) * flux * Q
    return float(np.trapezoid(current, wl[inside])) / 10.0  # A/m2 -> mA/cm2


def test_it_reads_both_stacked_spectra_of_the_ac_eqe_file(parsed, am15g):
    result = parsed(FOLDER, "25.57.eqe.txt")
    assert (result.format, result.kind) == ("ac-eqe", "eqe")
    assert [s.label for s in result.series] == ["2", "3"]
    first, second = result.series
    assert first.columns["wavelength_nm"].shape == (121,)
    assert second.columns["eqe_fraction"].shape == (121,)
    assert first.columns["wavelength_nm"][[0, -1]].tolist() == [300.0, 900.0]
    assert first.columns["eqe_fraction"][[0, -1]] == pytest.approx([0.03904253, 0.00002607])
    assert second.columns["eqe_fraction"][0] == pytest.approx(0.03931197)
    assert first.columns["spectral_response_a_w"][0] == 0.009446
    assert first.metadata["instrument_figures"] == {
        "integrated_jsc_ma_cm2": 25.577925,
        "integrated_jsc_am15d_ma_cm2": 22.487692,
        "integrated_jsc_am0_ma_cm2": 31.070295,
    }
    assert second.metadata["instrument_figures"]["integrated_jsc_ma_cm2"] == 25.481234
    assert first.metadata["bias_v"] == 0.0
    assert first.metadata["date_time_raw"] == "05-14_13-05-22"  # no year: not a measured_at
    for series in result.series:
        expected = series.metadata["instrument_figures"]["integrated_jsc_ma_cm2"]
        assert integrated_jsc(series, am15g) == pytest.approx(expected, rel=0.005)


def test_it_reads_the_eleven_side_by_side_spectra_of_the_multi_ac_eqe_file(parsed, am15g):
    result = parsed(FOLDER, "HZB_MiGo_20240604_exp_0_0.eqe.txt")
    assert (result.format, result.kind) == ("ac-eqe", "eqe")
    assert [s.label for s in result.series] == [str(i) for i in range(1, 12)]
    # The first two spectra were taken in 5 nm steps, the others in 10 nm.
    assert [len(s) for s in result.series] == [111, 111] + [56] * 9
    first, third, last = result.series[0], result.series[2], result.series[-1]
    assert first.columns["wavelength_nm"][[0, 1, -1]].tolist() == [300.0, 305.0, 850.0]
    assert third.columns["wavelength_nm"][[0, 1, -1]].tolist() == [300.0, 310.0, 850.0]
    assert first.columns["eqe_fraction"][[0, -1]] == pytest.approx([0.02715762, 0.00105226])
    assert last.columns["eqe_fraction"][0] == pytest.approx(0.01254732)
    jscs = [s.metadata["instrument_figures"]["integrated_jsc_ma_cm2"] for s in result.series]
    assert jscs[:3] == [15.577367, 13.742883, 11.62855]
    assert jscs[-1] == 15.638577
    assert last.metadata["date_time_raw"] == "03-27_19-30-33"
    for series in result.series:
        expected = series.metadata["instrument_figures"]["integrated_jsc_ma_cm2"]
        assert integrated_jsc(series, am15g) == pytest.approx(expected, rel=0.01)


def test_it_reads_the_qe_column_of_the_trq_export(parsed, am15g):
    result = parsed(FOLDER, "SID1.eqe.txt")
    assert (result.format, result.kind) == ("trq", "eqe")
    (scan,) = result.series
    assert scan.label == "15 of iii batch"
    assert scan.columns["wavelength_nm"].shape == (56,)
    assert scan.columns["wavelength_nm"][[0, -1]].tolist() == [300.016, 850.0]
    # "Calculated" is the QE in %; "Y" is the detector signal, kept as such.
    assert scan.columns["eqe_fraction"][[0, -1]] == pytest.approx([0.07650308, 0.001826549])
    assert scan.columns["signal"][0] == 8.31608e-4
    assert result.metadata == {"sample": "15 of iii batch", "measured_at": "2019-11-15T16:46:45"}
    assert result.header["Scan Type"] == "QE Scan"
    assert 15.0 < integrated_jsc(scan, am15g) < 30.0  # no figure in the file to compare with


def test_it_reads_the_bentham_export_and_its_integral(parsed, am15g):
    result = parsed(FOLDER, "AA00_C3_20.47mAcm-2.eqe.dat")
    assert (result.format, result.kind) == ("bentham", "eqe")
    (spectrum,) = result.series
    assert spectrum.columns["wavelength_nm"].shape == (151,)
    assert spectrum.columns["wavelength_nm"][[0, -1]].tolist() == [300.0, 900.0]
    assert spectrum.columns["eqe_fraction"][[0, -1]] == pytest.approx([0.031709632, 0.0011462899])
    assert spectrum.metadata["instrument_figures"] == {"integrated_jsc_ma_cm2": 20.471321}
    assert result.metadata["measured_at"] == "2023-03-10T11:40:56"
    assert result.metadata["sample"] == "AA00_C3_20.47mAcm-2"
    # The file calls the values responsivity (A/W); their size says EQE in %.
    assert any("responsivity" in w for w in result.warnings)
    assert integrated_jsc(spectrum, am15g) == pytest.approx(20.471321, rel=0.005)


def test_it_turns_the_bare_photon_energy_eqe_file_into_ascending_wavelengths(parsed, am15g):
    result = parsed(FOLDER, "eqe_file.dat")
    assert (result.format, result.kind) == ("generic", "eqe")
    (spectrum,) = result.series
    assert spectrum.columns["wavelength_nm"].shape == (53,)
    wavelength = spectrum.columns["wavelength_nm"]
    assert np.all(np.diff(wavelength) > 0)
    # First row 4.13333 eV -> 299.96 nm; last row 1.51220 eV -> 819.90 nm.
    assert wavelength[0] == pytest.approx(1239.841984 / 4.13333333333333)
    assert wavelength[-1] == pytest.approx(1239.841984 / 1.51219512195122)
    assert spectrum.columns["eqe_fraction"][[0, -1]] == pytest.approx([0.040481675, 6.9940525e-4])
    assert any("no header" in w for w in result.warnings)
    assert 15.0 < integrated_jsc(spectrum, am15g) < 25.0
