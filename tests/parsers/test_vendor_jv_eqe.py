"""Solar-cell tester exports (issue 14, item 1): ISFH/LOANA light I-V, lab LabVIEW + Keithley
J-V, Newport/Oriel and Ossila CSVs, lock-in EQE, and bare numbers placed by header words.

Test files under tests/data/vendors/<vendor>/ are synthetic values in the documented layouts:
ISFH after the public LOANA example NREL/PVcircuit data/32_14/IV/32_14.lgt; Ossila after the
settings of the Ossila Solar Cell I-V Test System user manual (2022, 9.4-9.5); the others after
the layouts issue 14 describes (see each folder's README.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from measurements.parsers.base import ParseError
from measurements.parsers.registry import detect, parse

DATA = Path(__file__).resolve().parents[1] / "data" / "vendors"


def read(folder: str, name: str, kind: str | None = None):
    return parse((DATA / folder / name).read_bytes(), name, kind)


def test_it_reads_an_isfh_light_iv_file_in_amperes_as_current_density():
    result = read("isfh", "QD17-px2.lgt")
    assert (result.format, result.kind) == ("isfh-iv", "jv")
    (curve,) = result.series
    assert curve.label == "light" and len(curve) == 15
    # -1.0 mA over 0.04 cm2 is -25 mA/cm2, sign kept as the file writes it.
    assert curve.columns["current_density_ma_cm2"][0] == pytest.approx(-25.0, rel=1e-4)
    assert curve.columns["current_a"][0] == pytest.approx(-1.0e-3, rel=1e-4)
    assert result.metadata["area_cm2"] == 0.04
    assert result.metadata["irradiance_mw_cm2"] == 100.0
    assert result.metadata["sample"] == "QD17-px2"
    assert result.metadata["measured_at"] == "2024-05-14T10:32:05"
    assert result.metadata["instrument"] == "LOANA ISFH"
    figures = curve.metadata["instrument_figures"]
    assert figures["voc_v"] == pytest.approx(0.62)  # 620.0 mV
    assert figures["ff"] == pytest.approx(0.65)
    assert figures["pce_percent"] == pytest.approx(10.56)
    assert figures["jmp_ma_cm2"] == pytest.approx(22.0)  # Imp 0.88 mA / 0.04 cm2
    assert curve.metadata["illumination"] == "light"
    assert curve.metadata["scan_direction"] == "forward"


def test_it_names_the_line_of_a_damaged_isfh_row():
    with pytest.raises(ParseError) as error:
        read("isfh", "QD17-px2-damaged.lgt")
    assert error.value.line == 45 and error.value.column == "Current"


def test_it_reads_the_figures_of_a_labview_header_block():
    result = read("labview", "QD21-A_px3_rev.txt")
    assert (result.format, result.kind) == ("labview-keithley-jv", "jv")
    (curve,) = result.series
    assert set(curve.columns) == {"voltage_v", "current_a", "current_density_ma_cm2"}
    assert curve.metadata["instrument_figures"] == pytest.approx(
        {"voc_v": 0.62, "jsc_ma_cm2": 24.8, "ff": 0.66, "pce_percent": 10.15}
    )
    assert curve.metadata["declared_scan_direction"] == "reverse"
    assert curve.metadata["direction_conflict"] is False
    assert (curve.metadata["pixel"], curve.metadata["pixel_label"]) == ("3", "px3")
    assert curve.metadata["illumination"] == "light"
    assert result.metadata["sample"] == "QD21-A"
    assert result.metadata["measured_at"] == "2024-05-14T09:15:00"


def test_it_reads_the_figures_of_a_labview_side_column_and_a_current_in_milliamps():
    result = read("labview", "QD21-B_side.txt")
    (curve,) = result.series
    assert len(curve) == 15
    assert curve.columns["current_a"][0] == pytest.approx(-1.0e-3, rel=1e-4)
    assert curve.columns["current_density_ma_cm2"][0] == pytest.approx(-25.0, rel=1e-4)
    assert curve.metadata["instrument_figures"] == pytest.approx(
        {"voc_v": 0.615, "jsc_ma_cm2": 24.1, "ff": 0.64, "pce_percent": 9.49}
    )


def test_it_names_the_line_and_column_of_a_damaged_labview_row():
    with pytest.raises(ParseError) as error:
        read("labview", "QD21-B_side_damaged.txt")
    assert (error.value.line, error.value.column) == (13, "Current (mA)")


def test_it_reads_an_oriel_export_with_its_results_block():
    result = read("oriel", "QD30_oriel.csv")
    assert (result.format, result.kind) == ("oriel-iv", "jv")
    (curve,) = result.series
    assert result.metadata["irradiance_mw_cm2"] == 100.0  # 1000 W/m2
    assert result.metadata["measured_at"] == "2024-05-14T11:02:10"  # US month/day
    figures = curve.metadata["instrument_figures"]
    assert figures["jsc_ma_cm2"] == pytest.approx(26.0)  # 1.30 mA / 0.05 cm2
    assert figures["ff"] == pytest.approx(0.709)
    assert figures["pmax_mw_cm2"] == pytest.approx(11.28)
    assert curve.metadata["scan_direction"] == "reverse"


def test_it_refuses_a_ragged_oriel_row_with_its_line():
    with pytest.raises(ParseError) as error:
        read("oriel", "QD30_oriel_damaged.csv")
    assert error.value.line == 22


def test_it_reads_each_ossila_pixel_as_its_own_curve_with_its_figures():
    result = read("ossila", "QD40_ossila.csv")
    assert (result.format, result.kind) == ("ossila-iv", "jv")
    assert [s.label for s in result.series] == ["Pixel 1", "Pixel 2"]
    assert [s.metadata["pixel"] for s in result.series] == ["1", "2"]
    assert result.metadata["area_cm2"] == 0.045
    assert result.metadata["sample"] == "QD40"
    first, second = result.series
    assert first.columns["current_density_ma_cm2"][0] == pytest.approx(-1e-3 * 1e3 / 0.045)
    assert first.metadata["instrument_figures"]["pce_percent"] == 10.2
    assert second.metadata["instrument_figures"]["voc_v"] == 0.625


def test_it_reads_a_lockin_eqe_file_with_the_eqe_in_percent():
    result = read("lockin_eqe", "QD50_lockin.txt")
    assert (result.format, result.kind) == ("lockin-eqe", "eqe")
    (spectrum,) = result.series
    assert spectrum.columns["wavelength_nm"][0] == 400.0
    assert spectrum.columns["eqe_fraction"][0] == pytest.approx(0.70)
    assert np.all(np.diff(spectrum.columns["wavelength_nm"]) > 0)
    assert result.metadata["sample"] == "QD50"


def test_it_refuses_lockin_signal_and_reference_without_a_calibration():
    with pytest.raises(ParseError) as error:
        read("lockin_eqe", "QD50_signal_only.txt")
    assert "no calibration" in str(error.value) and "Reference EQE" in str(error.value)


def test_it_converts_a_bare_percent_transmittance_file_named_by_its_header_words():
    result = read("headerless", "film_T.txt")
    assert (result.format, result.kind) == ("headerless", "absorbance")
    (spectrum,) = result.series
    # A = 2 - log10(%T): 10 %T is 1.0
    assert spectrum.columns["absorbance"][0] == pytest.approx(1.0)
    assert result.metadata["converted_from"] == "transmittance_percent"
    assert any("2 - log10(%T)" in w for w in result.warnings)


def test_it_leaves_a_tagged_bare_file_to_the_generic_reader():
    result = read("headerless", "QD60.pl.txt")
    assert (result.format, result.kind) == ("generic", "pl")


def test_it_says_how_to_teach_cqdlab_a_bare_file_without_a_tag():
    with pytest.raises(ParseError) as error:
        read("headerless", "bare.txt")
    assert "name.jv.txt" in str(error.value) and "instrument profile" in str(error.value)


def test_a_bare_file_without_a_tag_is_read_when_the_upload_names_the_kind():
    assert read("headerless", "bare.txt", kind="pl").kind == "pl"


@pytest.mark.parametrize(
    ("folder", "name", "expected"),
    [
        ("isfh", "QD17-px2.lgt", ("isfh-iv", "jv")),
        ("labview", "QD21-A_px3_rev.txt", ("labview-keithley-jv", "jv")),
        ("oriel", "QD30_oriel.csv", ("oriel-iv", "jv")),
        ("ossila", "QD40_ossila.csv", ("ossila-iv", "jv")),
        ("lockin_eqe", "QD50_lockin.txt", ("lockin-eqe", "eqe")),
    ],
)
def test_detect_names_each_tester_format_by_its_signature(folder, name, expected):
    assert detect((DATA / folder / name).read_bytes(), name) == expected
