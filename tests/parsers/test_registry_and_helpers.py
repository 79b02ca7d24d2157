"""The registry (which parser reads a file), detect(), and the text helpers they share."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from measurements.parsers import KINDS, PARSERS, ParseError, detect, parse
from measurements.parsers._labels import pixel_from, scan_direction
from measurements.parsers._text import (
    decode,
    filename_kind,
    norm_unit,
    parse_datetime,
    split_lines,
    to_float,
)

DATA = Path(__file__).resolve().parents[1] / "data"
EXPECTED = {
    "real/jv/HZB_MiGo_20230913_Batch-Test-1_0_0.notessfdsf.jv.txt": ("hzb-keithley", "jv"),
    "real/jv/HZB_MMX_B7_0_C-16.pxA_ch1_LS000min_2024-11-21T12-53-39_rev.jv.txt": ("pvcomb", "jv"),
    "real/jv/SE-ALM_RM_20231004_RM_KW40_0_8.jv.txt": ("iris-txt", "jv"),
    "real/jv/VP114_new_format.jv.json": ("iris-json", "jv"),
    "real/jv/hzb_TestP_AA_1_c-1.1_JM261.jv.txt": ("iris-json-legacy", "jv"),
    "real/jv/KIT_DaBa_20230202_Batch-1_0_7.px7_bottom.jv.csv": ("kit-jv", "jv"),
    "real/jv/UserGivenName_pX1_fwd_lt_lp0_20250109T164058.jv.txt": ("singapore-jv", "jv"),
    "real/jv/UserGivenName_pX1_rev_lt_lp0_20250109T164106.jv.txt": ("singapore-jv", "jv"),
    "real/eqe/25.57.eqe.txt": ("ac-eqe", "eqe"),
    "real/eqe/HZB_MiGo_20240604_exp_0_0.eqe.txt": ("ac-eqe", "eqe"),
    "real/eqe/SID1.eqe.txt": ("trq", "eqe"),
    "real/eqe/AA00_C3_20.47mAcm-2.eqe.dat": ("bentham", "eqe"),
    "real/eqe/eqe_file.dat": ("generic", "eqe"),
    "real/mpp/KIT_DaBa_20230219_Experimnt-AB_2_2_MPP.1.mpp.csv": ("kit-mpp", "mpp"),
    "real/mpp/UserGivenName_pX1_MPPT_lt_lp0_20250109T171021.mpp.txt": ("singapore-mpp", "mpp"),
    "real/pl/HZB_AlFl_20231009_Solarcells-Batch-2-varyHTL_1_0.pl.csv": ("edinburgh", "pl"),
    "real/trpl/07-Si6505_10kHz-ND1-0.40uW-300s.trpl.dat": ("picoquant", "trpl"),
    "real/uvvis/F4-P3HT 1-10 0,5 mgml.Probe.Raw.asc": ("perkinelmer", "absorbance"),
    "real/uvvis/Sample5926.Probe.Raw.asc": ("perkinelmer", "absorbance"),
    "synthetic/jv_example_a.txt": ("generic", "jv"),
    "synthetic/jv_example_b.csv": ("generic", "jv"),
    "synthetic/eqe_example.txt": ("generic", "eqe"),
    "synthetic/trpl_example.txt": ("generic", "trpl"),
    "synthetic/abs_example.csv": ("generic", "absorbance"),
    "synthetic/voc_intensity_example.csv": ("generic", "intensity"),
}


def test_the_registry_names_one_parser_per_format():
    assert list(PARSERS) == [
        "hzb-keithley",
        "pvcomb",
        "iris-txt",
        "iris-json",
        "iris-json-legacy",
        "kit-jv",
        "kit-mpp",
        "singapore-jv",
        "singapore-mpp",
        "ac-eqe",
        "trq",
        "bentham",
        "picoquant",
        "edinburgh",
        "perkinelmer",
        "oceanoptics",
        "horiba-fluoressence",
        "picoquant-fluotime",
        "becker-hickl",
        "tektronix-csv",
        "keysight-csv",
        "cary",
        "shimadzu",
        "jasco",
        "isfh-iv",
        "labview-keithley-jv",
        "oriel-iv",
        "ossila-iv",
        "lockin-eqe",
        "headerless",
        "generic",
    ]
    for name, fmt in PARSERS.items():
        assert fmt.NAME == name
        assert fmt.KIND is None or fmt.KIND in KINDS
        assert callable(fmt.sniff) and callable(fmt.parse)


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_detect_names_the_same_format_and_kind_as_parse(path):
    data = (DATA / path).read_bytes()
    name = Path(path).name
    assert detect(data, name) == EXPECTED[path]
    result = parse(data, name)
    assert (result.format, result.kind) == EXPECTED[path]


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_no_two_instrument_formats_claim_the_same_file(path):
    text = decode((DATA / path).read_bytes())
    scores = {name: fmt.sniff(text, Path(path).name) for name, fmt in PARSERS.items()}
    assert all(0.0 <= s <= 1.0 for s in scores.values())
    assert sum(s >= 0.9 for s in scores.values()) <= 1


def test_detect_answers_none_for_what_cannot_be_read():
    assert detect(b"") is None
    assert detect(b"\x00\x01binary") is None
    assert detect(b"just words\n") is None


def test_a_format_name_forces_the_reader():
    data = (DATA / "real/jv/HZB_MiGo_20230913_Batch-Test-1_0_0.notessfdsf.jv.txt").read_bytes()
    result = parse(data, "keithley.txt", format="generic")
    assert (result.format, result.kind, len(result.series)) == ("generic", "jv", 6)
    assert all(len(s) == 73 for s in result.series)


def test_a_matching_kind_hint_is_accepted_by_an_instrument_format():
    data = (DATA / "real/eqe/SID1.eqe.txt").read_bytes()
    assert parse(data, "SID1.eqe.txt", kind="eqe").kind == "eqe"


def test_the_parse_is_the_same_without_a_file_name():
    for path in ("real/eqe/SID1.eqe.txt", "synthetic/jv_example_a.txt"):
        data = (DATA / path).read_bytes()
        assert (parse(data).format, parse(data).kind) == EXPECTED[path]


def test_only_parse_errors_leave_parse():
    with pytest.raises(ParseError):
        parse(b"{" * 100_000, "deep.json")  # deeper than the JSON reader recurses


@pytest.mark.parametrize(
    ("voltage", "direction"),
    [
        ([1.2, 1.0, 0.8, 0.6], "reverse"),
        ([-0.2, 0.0, 0.2], "forward"),
        ([0.0, 0.5, 1.0, 0.8, 0.6, 0.4, 0.2, 0.0], "reverse"),  # a loop: the longer leg
        ([0.5, 0.5, 0.5], None),
        ([0.5], None),
    ],
)
def test_scan_direction_comes_from_the_order_of_the_voltages(voltage, direction):
    assert scan_direction(np.array(voltage)) == direction


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("B1.notes.jv.txt", "jv"),
        ("HZB_MiGo_20240604_exp_0_0.eqe.txt", "eqe"),
        ("a.b.mppt.csv", "mpp"),
        ("film.uvvis.csv", "absorbance"),
        ("decay.trpl.dat", "trpl"),
        ("eqe_file.dat", "eqe"),
        ("voc_intensity_example.csv", "intensity"),
        ("C:\\data\\x.iv.txt", "jv"),
        ("notes.txt", None),
    ],
)
def test_the_file_name_tag_names_the_kind(name, kind):
    assert filename_kind(name) == kind


@pytest.mark.parametrize(
    ("text", "pixel"),
    [
        ("x.px7_bottom.jv.csv", "7"),
        ("B7_0_C-16.pxA_ch1", "A"),
        ("UserGivenName_pX1_fwd", "1"),
        ("Pixel 2", "2"),
        ("J pixel 3 (mA/cm2)", "3"),
        ("Pixels are nice", None),
        ("pixie", None),
    ],
)
def test_pixel_ids_are_read_from_labels_and_names(text, pixel):
    assert pixel_from(text) == pixel


@pytest.mark.parametrize(
    ("cell", "value"),
    [("1.5", 1.5), (" -2e-3 ", -0.002), ("0,75", 0.75), ('"3.0"', 3.0), ("", None), ("  ", None)],
)
def test_numbers_accept_a_decimal_comma_and_quotes(cell, value):
    assert to_float(cell) == value


@pytest.mark.parametrize("cell", ["abc", "1.2.3", "1,2,3", "1,5.0", "--1"])
def test_words_are_not_numbers(cell):
    with pytest.raises(ValueError):
        to_float(cell)


@pytest.mark.parametrize(
    ("unit", "spelling"),
    [
        ("mA/cm^2", "ma/cm2"),
        ("mA cm-2", "ma/cm2"),
        ("mA/cm²", "ma/cm2"),
        ("mA/cm≤", "ma/cm2"),
        ("µA", "ua"),
        ("W m-2", "w/m2"),
        ("[nm]", "nm"),
        ("(V)", "v"),
    ],
)
def test_units_have_one_spelling(unit, spelling):
    assert norm_unit(unit) == spelling


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2025-06-02 14:22:00", "2025-06-02T14:22:00"),
        ("21.11.2024 12:53:50", "2024-11-21T12:53:50"),
        ("17:30:54 - 30.11.2023", "2023-11-30T17:30:54"),
        ("Thu Jan 9 16:40:58 2025", "2025-01-09T16:40:58"),
        ("2023-02-28 3:58 PM", "2023-02-28T15:58:00"),
        ("Friday, 10 March 2023 11:40:56 am", "2023-03-10T11:40:56"),
        ("2025-06-02T14:22:00", "2025-06-02T14:22:00"),
        ("01/02/03 10:00:00", None),  # ambiguous: only with the instrument's own format
        ("soon", None),
    ],
)
def test_dates_become_iso_8601(text, iso):
    assert parse_datetime(text) == iso


def test_line_endings_of_every_instrument_end_one_line_each():
    assert split_lines("a\r\r\nb\r\nc\rd\ne\n") == ["a", "b", "c", "d", "e"]


def test_decoding_falls_back_from_utf8_to_cp1252():
    assert decode("J (mA/cm²)".encode()) == "J (mA/cm²)"
    assert decode("J (mA/cm²)".encode("cp1252")) == "J (mA/cm²)"
    assert decode("\ufeffV\tJ".encode("utf-8")) == "V\tJ"


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_every_result_is_ready_to_store(path):
    """Metadata and header go to JSON columns; arrays are float64 and owned by their series."""
    import json

    result = parse((DATA / path).read_bytes(), Path(path).name)
    json.dumps(result.metadata, allow_nan=False)
    json.dumps(result.header)
    assert all(isinstance(v, str) for v in result.header.values())
    seen: list[np.ndarray] = []
    for series in result.series:
        json.dumps(series.metadata, allow_nan=False)
        assert "instrument_figures" in series.metadata
        if result.kind == "jv" and "derived" not in series.metadata:
            assert series.metadata["scan_direction"] in ("forward", "reverse")
        for values in series.columns.values():
            assert values.dtype == np.float64 and values.ndim == 1
            assert not any(np.shares_memory(values, other) for other in seen)
            seen.append(values)


@pytest.mark.parametrize("cut", range(1, 8))
def test_a_head_cut_inside_a_character_keeps_the_text_utf8_not_cp1252(cut):
    from measurements.parsers._text import decode_head

    data = ("Wavelength (µm)\tT (°C)\n" * 50).encode()
    head = decode_head(data, len("Wavelength (µm)\tT (°C)\n".encode()) * 3 + cut)
    assert "Âµ" not in head and "Â°" not in head
    assert head.startswith("Wavelength (µm)\tT (°C)\n" * 3)
    utf16 = ("Wavelength (µm)\n" * 20).encode("utf-16")
    assert decode_head(utf16, 41).startswith("Wavelength (µm)")
