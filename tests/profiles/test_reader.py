"""The pure profile reader: small files of tests/data/profiles read as a profile says, and
profiles refused with the field named."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from measurements.parsers import ParseError
from measurements.parsers import profile as reader
from measurements.parsers.profile import ProfileError

DATA = Path(__file__).resolve().parents[1] / "data" / "profiles"

HEADERLESS_MV_MA = {
    "kind": "jv",
    "columns": [
        {"column": 1, "quantity": "voltage", "unit": "mV"},
        {"column": 2, "quantity": "current", "unit": "mA"},
    ],
}
EQE_DECIMAL_COMMA = {
    "kind": "eqe",
    "delimiter": "semicolon",
    "decimal": ",",
    "columns": [
        {"column": "Wellenlaenge [nm]", "quantity": "wavelength", "unit": "nm"},
        {"column": 2, "quantity": "eqe", "unit": "%"},
    ],
    "header": {"date": {"key": "Datum"}, "device": {"key": "Probe"}},
}


def _read(name: str, definition: dict):
    return reader.read((DATA / name).read_bytes(), name, definition)


def test_a_headerless_file_in_mv_and_ma_is_read_in_volts_and_amperes():
    parsed = _read("station7_run1.ivx", HEADERLESS_MV_MA)
    assert parsed.kind == "jv" and parsed.format == "profile" and len(parsed.series) == 1
    columns = parsed.series[0].columns
    assert columns["voltage_v"][0] == pytest.approx(0.85)
    assert columns["voltage_v"][-1] == pytest.approx(0.875 - 0.025 * 40)
    assert columns["current_a"][0] == pytest.approx(0.01851442)  # 18.51442 mA
    assert len(columns["voltage_v"]) == 40


def test_a_decimal_comma_export_is_read_with_its_named_column_and_header_keys():
    parsed = _read("eqe_decimal_comma.csv", EQE_DECIMAL_COMMA)
    columns = parsed.series[0].columns
    # Sorted by ascending wavelength (the spectra contract), EQE in % became a fraction.
    assert columns["wavelength_nm"][0] == 400.0 and columns["wavelength_nm"][-1] == 1300.0
    assert np.all(np.diff(columns["wavelength_nm"]) > 0)
    assert columns["eqe_fraction"].max() < 0.8 and columns["eqe_fraction"][0] == pytest.approx(0.6)
    assert parsed.metadata["measured_at"] == "2025-03-14T10:22:00"
    assert parsed.metadata["sample"] == "B2025-03-10/S1/P1"


def test_blocks_per_pixel_give_one_curve_per_pixel_with_header_fields_by_pattern():
    definition = yaml.safe_load((DATA / "pixels.yaml").read_text())
    parsed = _read("pixels_blocks.txt", definition)
    assert [s.metadata["pixel"] for s in parsed.series] == ["1", "2", "3"]
    assert all(s.metadata["declared_scan_direction"] == "reverse" for s in parsed.series)
    assert all(len(s) == 36 for s in parsed.series)
    assert parsed.metadata["area_cm2"] == pytest.approx(0.045)  # 4.5 mm2
    assert parsed.metadata["irradiance_mw_cm2"] == 100.0
    assert parsed.metadata["measured_at"] == "2025-04-02T14:00:00"


def test_blank_line_blocks_are_scans_and_a_stop_marker_ends_the_data():
    text = "Title\n\n0 1\n1 2\n2 3\n\n0 4\n1 5\n2 6\nEND\n9 9\n9 9\n9 9\n"
    definition = {**HEADERLESS_MV_MA, "data": {"stop": "^END"}, "blocks": {"split": "blank"}}
    parsed = reader.read(text.encode(), "x.txt", definition)
    assert len(parsed.series) == 2
    assert parsed.series[1].columns["current_a"].tolist() == pytest.approx([0.004, 0.005, 0.006])


def test_data_start_and_stop_by_line_number_and_transmittance_in_percent():
    text = "junk\njunk 2\n400 50\n500 10\n600 100\n700 1\n800 80\nfooter\n"
    definition = {
        "kind": "absorbance",
        "data": {"start": 3, "stop": 7},
        "columns": [
            {"column": 1, "quantity": "wavelength", "unit": "nm"},
            {"column": 2, "quantity": "transmittance", "unit": "%"},
        ],
    }
    parsed = reader.read(text.encode(), "t.txt", definition)
    absorbance = parsed.series[0].columns["absorbance"]
    assert absorbance.tolist() == pytest.approx([0.30103, 1.0, 0.0, 2.0, 0.09691], abs=1e-4)
    assert any("transmittance" in w for w in parsed.warnings)


def test_a_word_in_the_data_is_an_error_naming_its_line_once():
    lines = (DATA / "station7_run1.ivx").read_text().splitlines()
    lines[6] = "700.0\tn/a"
    with pytest.raises(ParseError) as caught:
        reader.read("\n".join(lines).encode(), "x.ivx", HEADERLESS_MV_MA)
    assert caught.value.line == 7
    assert str(caught.value) == "line 7: 'n/a' is not a number"


def test_a_column_name_the_file_lacks_is_named_with_those_it_has():
    definition = {**EQE_DECIMAL_COMMA, "columns": [
        {"column": "Wavelength", "quantity": "wavelength", "unit": "nm"},
        {"column": 2, "quantity": "eqe", "unit": "%"},
    ]}  # fmt: skip
    with pytest.raises(ParseError, match=r"no column named 'Wavelength'.*'Wellenlaenge \[nm\]'"):
        _read("eqe_decimal_comma.csv", definition)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "xrd"}, "kind"),
        ({"columns": [{"column": 1, "quantity": "voltage", "unit": "kV"}]}, "columns[1].unit"),
        ({"columns": [{"column": 0, "quantity": "voltage", "unit": "V"}]}, "columns[1].column"),
        (
            {"columns": [{"column": 1, "quantity": "wavelength", "unit": "nm"}]},
            "columns[1].quantity",
        ),
        ({"columns": [{"column": 1, "quantity": "voltage", "unit": "V"}]}, "columns"),
        ({"decimal": ",", "delimiter": "comma"}, "decimal"),
        ({"blocks": {"split": "marker"}}, "blocks.marker"),
        ({"header": {"area": {"regex": "area"}}}, "header.area.regex"),
        ({"header": {"area": {"key": "Area", "unit": "inch2"}}}, "header.area.unit"),
        ({"header": {"colour": "x"}}, "header.colour"),
        ({"match": {"fingerprint": "(a+)+b"}}, "match.fingerprint"),
        ({"match": {"fingerprint": "(a|aa)+b"}}, "match.fingerprint"),
        ({"match": {"fingerprint": "x" * 201}}, "match.fingerprint"),
        ({"match": {"fingerprint": "(unclosed"}}, "match.fingerprint"),
        ({"data": {"start": 9, "stop": 3}}, "data.stop"),
        ({"script": "import os"}, "script"),
    ],
)
def test_a_bad_profile_is_refused_naming_the_field(change, field):
    with pytest.raises(ProfileError) as caught:
        reader.validate({**HEADERLESS_MV_MA, **change})
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


def test_match_rules_all_must_hold_and_a_profile_without_rules_matches_nothing():
    head = "# Homebuilt JV rig\n# Cell area = 4.5 mm2\n"
    both = {"match": {"filename": "*.txt", "fingerprint": "^# Homebuilt"}}
    assert reader.match_score(both, head, "run.txt") == 2
    assert reader.match_score(both, head, "run.csv") == 0
    assert reader.match_score(both, "other\n", "run.txt") == 0
    assert reader.match_score({"match": {"instrument": "homebuilt jv"}}, head, "x") == 1
    assert reader.match_score({}, head, "run.txt") == 0
