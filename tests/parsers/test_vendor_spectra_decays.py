"""Built-in readers for spectrometer, decay and oscilloscope exports (issue 14, item 1).

The files in tests/data/vendors/{oceanoptics,horiba,picoquant_fluotime,becker_hickl,tektronix,
keysight} are synthetic values in each vendor's documented layout; the sources followed are
listed in tests/data/vendors/README_spectra_decays.md (OceanView/SpectraSuite manuals, the
public FluorEssenceFile reader, WrightTools' from_spcm, the Tektronix TDS and Keysight
InfiniiVision CSV descriptions).
"""

from __future__ import annotations

import numpy as np
import pytest

from measurements.parsers import ParseError, parse

V = "vendors"


def damaged(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data  # the damage must hit the file, or the test proves nothing
    return data.replace(old, new, 1)


def test_an_oceanview_pl_spectrum_is_read_with_its_spectrometer_and_date(parsed):
    result = parsed(f"{V}/oceanoptics", "B3-S2_PL_405nm.txt")
    assert (result.format, result.kind) == ("oceanoptics", "pl")
    (spectrum,) = result.series
    assert set(spectrum.columns) == {"wavelength_nm", "intensity"}
    assert spectrum.label == "USB4C01234" and len(spectrum) == 30
    assert spectrum.columns["wavelength_nm"][[0, -1]].tolist() == [900.0, 1190.0]
    assert spectrum.columns["intensity"][15] == pytest.approx(1012.0, abs=0.01)
    assert result.metadata["instrument"] == "Ocean Optics USB4C01234"
    assert result.metadata["measured_at"] == "2024-03-05T14:22:10"
    assert result.metadata["operator"] == "labuser"
    assert result.metadata["integration_time_s"] == 0.1
    assert result.metadata["sample"] == "B3-S2_PL_405nm"
    assert result.warnings == []


def test_a_spectrasuite_transmission_with_decimal_commas_becomes_absorbance_and_says_so(parsed):
    result = parsed(f"{V}/oceanoptics", "B3-film_Transmission.txt")
    assert (result.format, result.kind) == ("oceanoptics", "absorbance")
    (spectrum,) = result.series
    t = spectrum.columns["transmittance_percent"]
    assert t[0] == pytest.approx(10.535)  # '10,535' read with its decimal comma
    assert spectrum.columns["absorbance"] == pytest.approx(2.0 - np.log10(t))
    assert result.metadata["converted_from"] == "transmittance_percent"
    assert "A = 2 - log10(%T)" in result.warnings[0]
    assert result.metadata["integration_time_s"] == pytest.approx(0.02)  # 20000 usec


def test_an_oceanview_file_is_absorbance_when_the_kind_hint_says_so(data_file):
    data = data_file(f"{V}/oceanoptics", "B3-S2_PL_405nm.txt")
    result = parse(data, "export.txt", kind="absorbance")
    assert result.kind == "absorbance" and "absorbance" in result.series[0].columns


def test_it_refuses_an_oceanview_row_that_is_not_a_number_naming_the_line(data_file):
    data = damaged(data_file(f"{V}/oceanoptics", "B3-S2_PL_405nm.txt"), b"1000.00\t", b"1000.00\tx")
    with pytest.raises(ParseError) as error:
        parse(data, "B3-S2_PL_405nm.txt")
    assert error.value.line == 25 and "not a number" in str(error.value)


def test_a_fluoressence_emission_scan_is_pl_with_the_corrected_signal_first(parsed):
    result = parsed(f"{V}/horiba", "QD-film-B3_emission.txt")
    assert (result.format, result.kind) == ("horiba-fluoressence", "pl")
    assert [s.label for s in result.series] == ["S1c / R1c", "S1c"]
    corrected, raw = result.series
    assert set(corrected.columns) == {"wavelength_nm", "intensity"}
    assert corrected.columns["wavelength_nm"][[0, -1]].tolist() == [850.0, 995.0]
    assert corrected.columns["intensity"] == pytest.approx(
        raw.columns["intensity"] / 1.62, rel=1e-4
    )
    assert corrected.metadata["signal_unit"] == "CPS / MicroAmps"
    assert result.metadata["sample"] == "QD-film-B3"
    assert result.metadata["measured_at"] == "2024-03-05T14:22:10"
    assert result.metadata["excitation_nm"] == 405.0


def test_it_refuses_a_fluoressence_row_that_is_not_a_number_naming_the_line(data_file):
    data = damaged(
        data_file(f"{V}/horiba", "QD-film-B3_emission.txt"), b"\n3\t860\t", b"\n3\tabc\t"
    )
    with pytest.raises(ParseError) as error:
        parse(data, "QD-film-B3_emission.txt")
    assert error.value.line == 9 and "'abc' is not a number" in str(error.value)


def test_a_fluotime_export_gives_one_decay_per_curve_with_its_repetition_rate(parsed):
    result = parsed(f"{V}/picoquant_fluotime", "PbS-QD-B3_decays.dat")
    assert (result.format, result.kind) == ("picoquant-fluotime", "trpl")
    assert [s.label for s in result.series] == ["Decay 1 (940 nm)", "Decay 2 (1000 nm)"]
    first = result.series[0]
    assert set(first.columns) == {"time_ns", "counts"}
    assert first.columns["time_ns"][[0, 1, -1]] == pytest.approx([0.0, 0.1, 3.9])
    assert first.columns["counts"][5] == 5003.0
    assert result.metadata["repetition_rate_hz"] == 1e7  # 'Sync Rate [MHz]: 10'
    assert result.metadata["instrument"] == "PicoQuant FluoTime 300"
    assert result.metadata["sample"] == "PbS-QD-B3"
    assert result.metadata["measured_at"] == "2024-03-05T14:22:10"


def test_the_picoharp_histogram_is_not_claimed_by_the_fluotime_reader():
    text = "#PicoHarp 300  Histogram Data\tFluoTime\n#ns/bin\n0.1\n#counts\n" + "5\n" * 10
    assert parse(text.encode(), "x.dat").format == "picoquant"


def test_it_refuses_a_fluotime_decay_asked_for_as_a_pl_spectrum(data_file):
    with pytest.raises(ParseError, match="holds trpl data, not pl"):
        parse(data_file(f"{V}/picoquant_fluotime", "PbS-QD-B3_decays.dat"), "x.dat", kind="pl")


def test_a_becker_hickl_spcm_export_is_a_decay_in_ns_with_its_rate_from_the_name(parsed):
    result = parsed(f"{V}/becker_hickl", "B3_decay_20MHz.asc")
    assert (result.format, result.kind) == ("becker-hickl", "trpl")
    (decay,) = result.series
    assert set(decay.columns) == {"time_ns", "counts"} and len(decay) == 40
    assert decay.columns["time_ns"][[0, 1]] == pytest.approx([0.0, 0.0488])
    assert decay.columns["counts"][0] == 5.0
    assert result.metadata["sample"] == "PbS QD film B3"
    assert result.metadata["measured_at"] == "2024-03-05T14:22:10"
    assert result.metadata["instrument"] == "Becker & Hickl SPC-130"
    assert result.metadata["repetition_rate_hz"] == 2e7
    assert result.header["SP_TAC_R"] == "5.00000e-08"


def test_it_refuses_a_spcm_row_with_a_damaged_count_naming_the_line(data_file):
    data = damaged(
        data_file(f"{V}/becker_hickl", "B3_decay_20MHz.asc"), b"0.048800 , ", b"0.048800 , ?"
    )
    with pytest.raises(ParseError) as error:
        parse(data, "B3_decay_20MHz.asc")
    assert error.value.line == 18 and "not a number" in str(error.value)


def test_a_tektronix_tds_csv_is_a_tpv_trace_from_columns_four_and_five(parsed):
    result = parsed(f"{V}/tektronix", "F0000CH1.CSV")
    assert (result.format, result.kind) == ("tektronix-csv", "tpv")
    (trace,) = result.series
    assert trace.label == "CH1" and len(trace) == 30
    assert set(trace.columns) == {"time_s", "voltage_v"}
    assert trace.columns["time_s"][[0, -1]] == pytest.approx([-1e-6, 4.8e-6])
    assert trace.columns["voltage_v"][5] == pytest.approx(0.012)
    assert result.metadata["instrument"] == "Tektronix TDS2012C"
    assert result.metadata["sample_interval_s"] == 2e-7


def test_a_tektronix_trace_is_tpc_with_a_kind_hint(data_file):
    result = parse(data_file(f"{V}/tektronix", "F0000CH1.CSV"), "F0000CH1.CSV", kind="tpc")
    assert result.kind == "tpc" and set(result.series[0].columns) == {"time_s", "voltage_v"}


def test_a_tektronix_current_probe_trace_is_tpc_in_amperes(data_file):
    data = damaged(
        data_file(f"{V}/tektronix", "F0000CH1.CSV"), b"Vertical Units,V", b"Vertical Units,mA"
    )
    result = parse(data, "F0000CH1.CSV")
    assert result.kind == "tpc"
    assert result.series[0].columns["current_a"][5] == pytest.approx(1.2e-5)


def test_it_refuses_a_tektronix_row_with_a_damaged_value_naming_the_line(data_file):
    data = damaged(data_file(f"{V}/tektronix", "F0000CH1.CSV"), b",0.012000,", b",O.012000,")
    with pytest.raises(ParseError) as error:
        parse(data, "F0000CH1.CSV")
    assert error.value.line == 6 and "not a number" in str(error.value)


def test_the_tektronix_mdo_file_stays_with_the_generic_reader(parsed):
    assert parsed("synthetic_kinds", "tpc_scope_50ohm.tpc.csv").format == "generic"


def test_a_keysight_csv_gives_one_trace_per_channel_and_the_load_from_the_tpc_name(parsed):
    result = parsed(f"{V}/keysight", "B3_tpc_50ohm.tpc.csv")
    assert (result.format, result.kind) == ("keysight-csv", "tpc")
    assert [s.label for s in result.series] == ["channel 1", "channel 2"]
    trace = result.series[0]
    assert set(trace.columns) == {"time_s", "voltage_v"} and len(trace) == 40
    assert trace.columns["time_s"][[0, -1]] == pytest.approx([-2e-6, 5.8e-6])
    assert trace.columns["voltage_v"][10] == pytest.approx(4e-3)
    assert result.metadata["load_resistance_ohm"] == 50.0


def test_it_refuses_a_keysight_file_whose_units_do_not_match_its_channels(data_file):
    data = damaged(
        data_file(f"{V}/keysight", "B3_tpc_50ohm.tpc.csv"), b"second,Volt,Volt", b"second,Volt"
    )
    with pytest.raises(ParseError) as error:
        parse(data, "scope.csv")
    assert error.value.line == 2 and "2 channels" in str(error.value)
