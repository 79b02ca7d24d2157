"""Built-in readers for UV-vis vendor exports: Agilent Cary CSV, Shimadzu UVProbe text, JASCO
Spectra Manager text/CSV, each with absorbance and %T files.

The files under tests/data/vendors/{cary,shimadzu,jasco}/ hold synthetic PbS quantum-dot
spectra written in each vendor's documented layout (sources in the README.md of each folder:
WrightTools' Cary and JASCO readers and datasets, JASCOFiles.jl, taucauto and Till Biskup's
UVvisShimadzuASCIIRead for UVProbe).
"""

from __future__ import annotations

import numpy as np
import pytest

from measurements.parsers import ParseError, detect, parse


def _converted(columns: dict[str, np.ndarray]) -> np.ndarray:
    return 2.0 - np.log10(columns["transmittance_percent"])


# --- Agilent Cary ------------------------------------------------------------------------


def test_it_reads_each_cary_sample_side_by_side_as_its_own_spectrum(parsed):
    result = parsed("vendors/cary", "pbs_films_abs_and_T.csv")
    assert (result.format, result.kind) == ("cary", "absorbance")
    assert [s.label for s in result.series] == ["PbS-EDT film A", "PbS-TBAI film B"]
    film_a, film_b = result.series
    assert len(film_a) == 15 and len(film_b) == 11  # B is shorter: its empty cells are dropped
    assert film_a.columns["wavelength_nm"][[0, -1]].tolist() == [400.0, 1100.0]
    assert np.all(np.diff(film_a.columns["wavelength_nm"]) > 0)
    assert film_a.columns["absorbance"][0] == pytest.approx(0.95)  # the 400.0 nm row
    assert film_a.metadata["y_mode"] == "A" and "converted_from" not in film_a.metadata


def test_it_converts_a_cary_transmittance_sample_and_says_so(parsed):
    result = parsed("vendors/cary", "pbs_films_abs_and_T.csv")
    film_b = result.series[1]
    assert film_b.metadata["converted_from"] == "transmittance_percent"
    assert film_b.columns["wavelength_nm"][[0, -1]].tolist() == [600.0, 1100.0]
    np.testing.assert_allclose(film_b.columns["absorbance"], _converted(film_b.columns))
    assert result.warnings == [
        "PbS-TBAI film B: transmittance converted to absorbance, A = 2 - log10(%T)"
    ]
    # Only one of the two samples was converted, so the file as a whole was not.
    assert "converted_from" not in result.metadata


def test_it_reads_the_cary_metadata_block_after_the_data_per_sample(parsed):
    result = parsed("vendors/cary", "pbs_films_abs_and_T.csv")
    film_a, film_b = result.series
    assert film_a.metadata["measured_at"] == "2024-03-04T10:02:31"
    assert film_b.metadata["measured_at"] == "2024-03-04T10:06:05"
    assert film_a.metadata["instrument"] == "Cary 5000"
    assert result.metadata == {
        "sample": "PbS-EDT film A, PbS-TBAI film B",
        "instrument": "Cary 5000",
        "measured_at": "2024-03-04T10:02:31",
        "operator": "jdoe",
    }
    assert result.header["PbS-TBAI film B: Y Mode"] == "%T"
    assert result.header["PbS-EDT film A: UV-Vis Data Interval (nm)"] == "50.00"


def test_it_names_the_line_and_sample_of_a_damaged_cary_cell(data_file):
    with pytest.raises(ParseError) as error:
        parse(data_file("vendors/cary", "pbs_films_damaged.csv"), "pbs_films_damaged.csv")
    assert error.value.line == 7
    assert "'0.1l3' is not a number" in str(error.value)
    assert "PbS-EDT film A" in str(error.value)


def test_it_refuses_a_cary_reflectance_sample_with_the_mode_it_found(data_file):
    text = data_file("vendors/cary", "pbs_films_abs_and_T.csv").decode()
    text = text.replace("Wavelength (nm),%T,", "Wavelength (nm),%R,", 1)
    with pytest.raises(ParseError) as error:
        parse(text.encode(), "reflectance.csv")
    assert error.value.line == 2
    assert "'%R'" in str(error.value) and "PbS-TBAI film B" in str(error.value)


def test_it_leaves_a_plain_wavelength_absorbance_csv_to_the_generic_reader():
    rows = ["Wavelength (nm),Abs"] + [f"{400 + 10 * i},{0.1 * i:.2f}" for i in range(8)]
    result = parse("\n".join(rows).encode(), "film.abs.csv")
    assert result.format != "cary"
    assert result.kind == "absorbance"


# --- Shimadzu UVProbe --------------------------------------------------------------------


def test_it_reads_the_uvprobe_comma_separated_absorbance_export(parsed):
    result = parsed("vendors/shimadzu", "PbS_QD_film_C.txt")
    assert (result.format, result.kind) == ("shimadzu", "absorbance")
    (spectrum,) = result.series
    assert spectrum.label == "PbS QD film C"  # ' - RawData' is UVProbe's suffix, not the name
    assert len(spectrum) == 81
    assert spectrum.columns["wavelength_nm"][[0, -1]].tolist() == [400.0, 1200.0]
    assert list(spectrum.columns) == ["wavelength_nm", "absorbance"]
    assert result.metadata == {"sample": "PbS QD film C", "instrument": "Shimadzu (UVProbe)"}
    assert not result.warnings


def test_it_reads_uvprobe_transmittance_with_decimal_commas_and_converts_it(parsed):
    result = parsed("vendors/shimadzu", "PbS_QD_film_D_transmittance.txt")
    assert (result.format, result.kind) == ("shimadzu", "absorbance")
    (spectrum,) = result.series
    assert spectrum.columns["wavelength_nm"][[0, -1]].tolist() == [400.0, 1200.0]
    assert spectrum.columns["transmittance_percent"][-1] == pytest.approx(84.389)  # '84,389'
    np.testing.assert_allclose(spectrum.columns["absorbance"], _converted(spectrum.columns))
    assert result.metadata["converted_from"] == "transmittance_percent"
    assert result.warnings == ["transmittance converted to absorbance, A = 2 - log10(%T)"]
    assert result.header["PbS QD film D: decimal mark"] == ","


def test_it_reads_several_uvprobe_spectra_exported_into_one_file(data_file):
    one = data_file("vendors/shimadzu", "PbS_QD_film_C.txt").decode()
    two = data_file("vendors/shimadzu", "PbS_QD_film_D_transmittance.txt").decode()
    result = parse((one + two).encode(), "two.txt")
    assert [s.label for s in result.series] == ["PbS QD film C", "PbS QD film D"]
    assert [len(s) for s in result.series] == [81, 81]
    assert result.series[1].metadata["converted_from"] == "transmittance_percent"


def test_it_names_the_line_of_a_damaged_uvprobe_row(data_file):
    with pytest.raises(ParseError) as error:
        parse(data_file("vendors/shimadzu", "PbS_QD_film_C_damaged.txt"), "damaged.txt")
    assert error.value.line == 13 and error.value.column == "Abs."
    assert "'0.12O4' is not a number" in str(error.value)


def test_it_refuses_a_uvprobe_reflectance_export_with_the_unit_it_found(data_file):
    text = data_file("vendors/shimadzu", "PbS_QD_film_C.txt").decode()
    with pytest.raises(ParseError) as error:
        parse(text.replace('"Abs."', '"R%"').encode(), "reflectance.txt")
    assert error.value.line == 2 and "'R%'" in str(error.value)


# --- JASCO Spectra Manager ---------------------------------------------------------------


def test_it_reads_the_jasco_text_export_with_its_header(parsed):
    result = parsed("vendors/jasco", "PbS_QD_ink_E.txt")
    assert (result.format, result.kind) == ("jasco", "absorbance")
    (spectrum,) = result.series
    assert spectrum.label == "PbS QD ink E (toluene)"
    assert len(spectrum) == 241
    assert spectrum.columns["wavelength_nm"][[0, -1]].tolist() == [400.0, 1600.0]
    assert list(spectrum.columns) == ["wavelength_nm", "absorbance"]
    assert result.metadata == {
        "sample": "PbS QD ink E (toluene)",
        "instrument": "JASCO Corp., V-770, Rev. 1.00",
        "operator": "jdoe",
        "measured_at": "2024-03-05T14:21:07",  # JASCO's yy/mm/dd
    }
    assert result.header["DATA TYPE"] == "UV/VIS SPECTRUM"
    assert not result.warnings


def test_it_reads_the_jasco_csv_transmittance_export_and_its_extended_information(parsed):
    result = parsed("vendors/jasco", "PbS_QD_ink_F_transmittance.csv")
    assert (result.format, result.kind) == ("jasco", "absorbance")
    (spectrum,) = result.series
    assert len(spectrum) == 241
    np.testing.assert_allclose(spectrum.columns["absorbance"], _converted(spectrum.columns))
    assert result.metadata["converted_from"] == "transmittance_percent"
    assert result.warnings == ["transmittance converted to absorbance, A = 2 - log10(%T)"]
    assert result.header["SERIAL NO."] == "A012345678"
    assert result.header["COMMENT"] == "1 mm cuvette"


def test_it_warns_when_a_jasco_file_has_fewer_points_than_its_header_announces(data_file):
    lines = data_file("vendors/jasco", "PbS_QD_ink_E.txt").decode().splitlines()
    result = parse("\n".join(lines[:-10]).encode(), "short.txt")
    assert len(result.series[0]) == 231
    assert result.warnings == ["the header announces 241 points, the file has 231"]


def test_it_names_the_line_of_a_damaged_jasco_row(data_file):
    with pytest.raises(ParseError) as error:
        parse(data_file("vendors/jasco", "PbS_QD_ink_E_damaged.txt"), "damaged.txt")
    assert error.value.line == 59 and "'--' is not a number" in str(error.value)


def test_it_refuses_a_jasco_infrared_spectrum_naming_its_x_unit(data_file):
    text = data_file("vendors/jasco", "PbS_QD_ink_E.txt").decode()
    with pytest.raises(ParseError) as error:
        parse(text.replace("XUNITS\tNANOMETERS", "XUNITS\t1/CM").encode(), "ir.txt")
    assert error.value.line == 10 and "'1/CM'" in str(error.value)


# --- detection ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("folder", "name", "fmt"),
    [
        ("vendors/cary", "pbs_films_abs_and_T.csv", "cary"),
        ("vendors/shimadzu", "PbS_QD_film_C.txt", "shimadzu"),
        ("vendors/shimadzu", "PbS_QD_film_D_transmittance.txt", "shimadzu"),
        ("vendors/jasco", "PbS_QD_ink_E.txt", "jasco"),
        ("vendors/jasco", "PbS_QD_ink_F_transmittance.csv", "jasco"),
    ],
)
def test_it_detects_each_vendor_file_by_its_own_signature(data_file, folder, name, fmt):
    assert detect(data_file(folder, name), name) == (fmt, "absorbance")
