"""The real MPP, PL, TRPL and UV-vis exports in tests/data/real."""

from __future__ import annotations

import numpy as np
import pytest


def test_it_reads_the_kit_mpp_track_with_its_last_figures(parsed):
    result = parsed("real/mpp", "KIT_DaBa_20230219_Experimnt-AB_2_2_MPP.1.mpp.csv")
    assert (result.format, result.kind) == ("kit-mpp", "mpp")
    (track,) = result.series
    columns = track.columns
    assert set(columns) == {
        "time_s",
        "voltage_v",
        "current_density_ma_cm2",
        "power_mw_cm2",
        "pce_percent",
    }
    assert all(v.shape == (254,) for v in columns.values())
    assert columns["time_s"][[0, -1]].tolist() == [1.722, 300.43]
    assert columns["voltage_v"][[0, -1]].tolist() == [-0.81, -0.84]  # the rig's polarity, kept
    assert columns["current_density_ma_cm2"][-1] == -21.10669
    assert columns["pce_percent"][[0, -1]].tolist() == [-0.1242085, 17.81872]
    assert track.metadata["instrument_figures"] == {"pce_percent": 17.81872, "vmp_v": -0.84}
    assert result.metadata == {"measured_at": "2023-02-28T15:58:00", "duration_s": 300.0}
    assert result.header["Perturbation Voltage [V]"] == "1.000000E-2"


def test_it_reads_the_singapore_mppt_track_and_its_voltage_in_millivolts(parsed):
    result = parsed("real/mpp", "UserGivenName_pX1_MPPT_lt_lp0_20250109T171021.mpp.txt")
    assert (result.format, result.kind) == ("singapore-mpp", "mpp")
    (track,) = result.series
    columns = track.columns
    assert all(v.shape == (108,) for v in columns.values())
    assert columns["time_s"][[0, -1]].tolist() == [0.496, 59.995]
    assert columns["voltage_v"][[0, -1]] == pytest.approx([1.5, 1.275])  # file: 1500, 1275 mV
    assert columns["current_density_ma_cm2"][0] == 14.883383333333333
    assert columns["power_mw_cm2"][-1] == 20.497019
    # P = V x J holds in canonical units.
    assert np.allclose(
        columns["voltage_v"] * columns["current_density_ma_cm2"], columns["power_mw_cm2"], rtol=1e-6
    )
    assert result.metadata["irradiance_mw_cm2"] == 100.0
    assert result.metadata["measured_at"] == "2025-01-09T17:10:21"
    assert result.metadata["initial_voltage_v"] == 1.5
    assert result.metadata["sample"] == "NX1150DPI_MPP_Z1_longScan_novmpp"


def test_it_reads_the_edinburgh_emission_scan(parsed):
    result = parsed("real/pl", "HZB_AlFl_20231009_Solarcells-Batch-2-varyHTL_1_0.pl.csv")
    assert (result.format, result.kind) == ("edinburgh", "pl")
    (scan,) = result.series
    assert scan.label == "MAPI_2PACz_ITO_sample3_EmScan1"
    assert scan.columns["wavelength_nm"].shape == (451,)
    assert scan.columns["wavelength_nm"][[0, -1]].tolist() == [450.0, 900.0]
    assert scan.columns["intensity"][[0, -1]].tolist() == [552.895813, 572.16626]
    assert result.metadata["excitation_nm"] == 367.0
    assert result.metadata["temperature_c"] == pytest.approx(22.71)  # Temp 295.86 (K)
    assert result.metadata["dwell_time_s"] == 0.5
    assert result.header["Type"] == "Emission Scan"
    assert result.header["Detector"] == "Ext Red PMT"


def test_it_reads_the_timeharp_histogram_with_time_from_ns_per_bin(parsed):
    result = parsed("real/trpl", "07-Si6505_10kHz-ND1-0.40uW-300s.trpl.dat")
    assert (result.format, result.kind) == ("picoquant", "trpl")
    (decay,) = result.series
    assert decay.columns["time_ns"].shape == (32768,)
    assert decay.columns["counts"].shape == (32768,)
    assert decay.columns["time_ns"][[0, 1, -1]].tolist() == [0.0, 1.0, 32767.0]  # k x 1.0 ns
    assert decay.columns["counts"][[0, 3, -1]].tolist() == [0.0, 1.0, 1.0]
    assert decay.columns["counts"].max() == 565.0
    assert decay.metadata["ns_per_bin"] == 1.0
    assert result.metadata["measured_at"] == "2025-08-13T15:09:45"
    # Only the file name knows the excitation conditions.
    assert result.metadata["repetition_rate_hz"] == 10_000.0
    assert result.metadata["nd_filter"] == "ND1"
    assert result.metadata["excitation_power_w"] == pytest.approx(0.40e-6)
    assert result.metadata["acquisition_time_s"] == 300.0
    assert result.header["channels per curve"] == "32768"


def test_it_reads_the_perkinelmer_absorbance_in_ascending_wavelength(parsed):
    result = parsed("real/uvvis", "F4-P3HT 1-10 0,5 mgml.Probe.Raw.asc")
    assert (result.format, result.kind) == ("perkinelmer", "absorbance")
    (spectrum,) = result.series
    wavelength, absorbance = spectrum.columns["wavelength_nm"], spectrum.columns["absorbance"]
    assert wavelength.shape == absorbance.shape == (2181,)
    # The file runs 2500 -> 320 nm; sorted ascending, the last file row comes first.
    assert wavelength[[0, -1]].tolist() == [320.0, 2500.0]
    assert absorbance[[0, -1]].tolist() == [0.017154, 0.012944]
    assert absorbance.max() == 0.075666
    assert not np.isnan(absorbance).any() and not result.warnings
    assert result.metadata == {
        "sample": "F4-P3HT 1-10 0,5 mgml",
        "operator": "Analyst",
        "instrument": "Lambda 950",
        "y_mode": "A",
        "measured_at": "2018-12-18T14:45:59",
    }
    assert spectrum.label.startswith("Thin films - spincoated")


def test_it_converts_the_perkinelmer_transmittance_file_and_masks_what_has_no_absorbance(parsed):
    result = parsed("real/uvvis", "Sample5926.Probe.Raw.asc")
    assert (result.format, result.kind) == ("perkinelmer", "absorbance")
    (spectrum,) = result.series
    columns = spectrum.columns
    assert columns["wavelength_nm"].shape == (111,)
    assert columns["wavelength_nm"][[0, -1]].tolist() == [800.0, 1900.0]
    assert columns["transmittance_percent"][[0, -1]].tolist() == [1953.805925, 100.0003]
    assert columns["absorbance"][-1] == pytest.approx(2.0 - np.log10(100.0003))
    # 820 and 830 nm read -519 and -137 %T (detector change-over): masked, with a warning.
    masked = columns["wavelength_nm"][np.isnan(columns["absorbance"])]
    assert masked.tolist() == [820.0, 830.0]
    assert any("<= 0" in w for w in result.warnings)
    assert result.metadata["y_mode"] == "%T"
    assert result.metadata["measured_at"] == "2024-02-27T14:48:54"
    assert result.metadata["instrument"] == "Lambda 1050"


def test_it_masks_saturated_perkinelmer_absorbance_with_a_warning(data_file):
    from measurements.parsers import parse

    text = data_file("real/uvvis", "F4-P3HT 1-10 0,5 mgml.Probe.Raw.asc").decode("latin-1")
    text = text.replace("2499.000000\t0.012845", "2499.000000\t10.000000")
    result = parse(text.encode("latin-1"), "saturated.asc")
    absorbance = result.series[0].columns["absorbance"]
    assert np.isnan(absorbance[-2]) and np.isfinite(absorbance[-1])
    assert any("saturated" in w for w in result.warnings)
