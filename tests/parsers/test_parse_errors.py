"""Files that cannot be read give a ParseError a lab member understands: what is wrong and,
where there is one, the 1-based line and the column."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from measurements.parsers import ParseError, _table, parse

HEADER = "Voltage (V)\tCurrent (A)"


def table(rows: int = 20) -> list[str]:
    """Lines of a small valid J-V file: the header on line 1, data from line 2."""
    return [HEADER] + [f"{0.1 * i:.1f}\t{-0.002 + 0.0003 * i:.5f}" for i in range(rows)]


def error_of(data: bytes | str, filename: str = "x.txt", **kwargs) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse(data.encode() if isinstance(data, str) else data, filename, **kwargs)
    return caught.value


@pytest.mark.parametrize("data", [b"", b"   \r\n\n\t"])
def test_it_rejects_an_empty_file(data):
    assert str(error_of(data)) == "the file is empty"


def test_it_rejects_a_binary_file_with_nul_bytes():
    assert "binary" in str(error_of(b"\x00\x01\x02\x03 some bytes \x00"))


def test_it_rejects_a_file_that_is_mostly_control_characters():
    assert "binary" in str(error_of(bytes(range(1, 9)) * 200 + b"1\t2\n"))


def test_it_tells_an_excel_workbook_apart_from_a_text_export():
    error = error_of(b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, "batch.xlsx")
    assert "Excel" in str(error) or "xlsx" in str(error)


def test_it_rejects_text_without_a_table_of_numbers():
    assert str(error_of("Dear lab,\nthe sample is in the fridge.\n")).startswith("unknown format")


def test_it_rejects_numbers_that_have_no_column_names_and_no_kind():
    error = error_of("1\t2\n3\t4\n5\t6\n7\t8\n9\t10\n", "numbers.txt")
    assert str(error).startswith("unknown format")
    assert "lines 1-5" in str(error)


def test_it_rejects_columns_it_cannot_name():
    error = error_of("Foo\tBar\n" + "\n".join(f"{i}\t{i}" for i in range(8)))
    assert str(error).startswith("unknown format: cannot tell what the columns hold")
    assert "Foo, Bar" in str(error)


def test_it_rejects_a_file_without_a_current_column():
    data = "Voltage (V)\tTemperature (C)\n" + "\n".join(f"{i}\t25" for i in range(8))
    error = error_of(data, kind="jv")
    assert str(error) == "no current column found; columns are: Voltage (V), Temperature (C)"


def test_it_names_the_line_and_column_of_a_word_among_the_numbers():
    lines = table()
    lines[16] = "1.5\tabc"  # line 17 of the file
    error = error_of("\n".join(lines))
    assert str(error) == "line 17: 'abc' is not a number in column 'Current (A)'"
    assert (error.line, error.column, error.message) == (17, "Current (A)", "'abc' is not a number")


@pytest.mark.parametrize(("index", "line"), [(1, 2), (20, 21)])
def test_it_finds_a_bad_number_in_the_first_and_the_last_data_row(index, line):
    lines = table()
    lines[index] = "abc\t0.1" if index == 1 else "2.0\tabc"
    error = error_of("\n".join(lines))
    assert error.line == line
    assert error.column == ("Voltage (V)" if index == 1 else "Current (A)")


@pytest.mark.parametrize("token", ["nan", "NaN", "inf", "-inf", "Infinity"])
def test_it_rejects_nan_and_infinite_values(token):
    lines = table()
    lines[5] = f"0.4\t{token}"
    error = error_of("\n".join(lines))
    assert str(error) == f"line 6: '{token}' is not a finite number in column 'Current (A)'"


def test_it_rejects_a_table_of_fewer_than_five_points():
    error = error_of(f"{HEADER}\n0.1\t1\n0.2\t2\n0.3\t3\n0.4\t4\n")
    assert str(error) == "line 2: too few points: 4 data rows, at least 5 are needed"


def test_it_rejects_a_row_with_a_value_too_many():
    lines = table()
    lines[5] = "0.4\t0.1\t7"
    assert str(error_of("\n".join(lines))) == "line 6: 3 values, but the table has 2 columns"


def test_it_rejects_a_row_with_a_value_missing():
    lines = table()
    lines[5] = "0.4"
    error = error_of("\n".join(lines))
    assert error.line == 6 and "ragged" in error.message and error.column == "Current (A)"


def test_it_reports_the_line_of_a_broken_number_in_an_instrument_file(data_file):
    name = "HZB_MiGo_20230913_Batch-Test-1_0_0.notessfdsf.jv.txt"
    lines = data_file("real/jv", name).decode().split("\n")
    lines[29] = lines[29].replace("-1.852048E+1", "-1.85x048E+1")
    error = error_of("\n".join(lines), name)
    assert (error.line, error.column) == (30, "b_rev")
    assert error.message == "'-1.85x048E+1' is not a number"


def test_it_reports_a_broken_json_with_its_line(data_file):
    text = data_file("real/jv", "VP114_new_format.jv.json").decode()
    broken = text.replace('"cell": "A"', '"cell": "A",,', 1)
    error = error_of(broken, "VP114_new_format.jv.json")
    assert error.message.startswith("the JSON is broken") and error.line == 14  # "cell": "A"


def test_it_rejects_a_json_curve_with_a_missing_value(data_file):
    document = json.loads(data_file("real/jv", "VP114_new_format.jv.json"))
    document["data"][0]["measurements"][3]["J [mA/cm2]"] = None
    error = error_of(json.dumps(document), "x.jv.json")
    assert "curve A_FWD" in str(error) and "J [mA/cm2]" in str(error)


def test_it_rejects_a_reflectance_spectrum_it_cannot_turn_into_absorbance(data_file):
    text = data_file("real/uvvis", "Sample5926.Probe.Raw.asc").decode("latin-1")
    error = error_of(text.replace("\r\n%T\r\n", "\r\n%R\r\n"), "x.asc")
    assert "%R" in str(error) and error.line is not None


def test_it_rejects_an_upload_whose_kind_contradicts_the_file(data_file):
    name = "HZB_MiGo_20230913_Batch-Test-1_0_0.notessfdsf.jv.txt"
    error = error_of(data_file("real/jv", name), name, kind="eqe")
    assert str(error) == "this is a hzb-keithley file with jv data, not eqe data"


def test_it_rejects_an_unknown_kind_or_format_name():
    assert str(error_of("\n".join(table()), kind="iv")).startswith("unknown kind 'iv'")
    assert str(error_of("\n".join(table()), format="keithley")).startswith(
        "unknown format 'keithley'"
    )


def test_it_reports_what_a_forced_format_misses():
    error = error_of("\n".join(table()), format="picoquant")
    assert "#counts" in str(error)


# --- bounded work: the table reader's caps (measurements/parsers/_table.py) ---------------


def test_it_refuses_a_file_of_more_lines_than_the_cap_before_reading_them():
    data = HEADER + "\n" + "0.1\t0.2\n" * _table.MAX_ROWS
    error = error_of(data)
    assert str(error) == (
        f"the file has {_table.MAX_ROWS + 1:,} lines; the limit is {_table.MAX_ROWS:,} lines "
        "(split the measurement into several files)"
    )


def test_it_reads_a_file_of_exactly_the_cap_and_refuses_one_line_more(monkeypatch):
    text = "\n".join(table())  # 21 lines
    monkeypatch.setattr(_table, "MAX_ROWS", 21)
    assert parse(text.encode(), "x.txt").kind == "jv"
    monkeypatch.setattr(_table, "MAX_ROWS", 20)
    assert str(error_of(text)).startswith("the file has 21 lines; the limit is 20 lines")


@pytest.mark.parametrize(
    ("delimiter", "where"),
    [("\t", "data"), (",", "data"), (";", "data"), (" ", "data"), (",", "header")],
)
def test_it_refuses_a_line_of_more_fields_than_the_cap_naming_the_line(delimiter, where):
    lines = table()
    wide = delimiter.join(["1.5"] * (_table.MAX_COLUMNS + 1))
    if where == "header":
        lines.insert(0, "Comment: " + wide)  # text above the table is split too
        line = 1
    else:
        lines[6] = wide
        line = 7
    error = error_of("\n".join(lines))
    assert error.line == line
    assert str(error) == (
        f"line {line}: more than {_table.MAX_COLUMNS:,} fields in one line; the limit is "
        f"{_table.MAX_COLUMNS:,} columns"
    )


def test_a_line_of_millions_of_fields_is_refused_without_splitting_it():
    # 2.4 million fields on one line (4.8 MB): splitting it costs some 150 MB of strings; a
    # 48 MB line took 1.6 GB before the cap. Counting its commas costs nothing.
    data = (HEADER + "\n" + ",".join(["1"] * 2_400_000) + "\n").encode()
    tracemalloc.start()
    try:
        with pytest.raises(ParseError) as caught:
            parse(data, "x.txt")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.line == 2 and "the limit is 1,000 columns" in str(caught.value)
    assert peak < 8 * len(data)  # the text, decoded and split into lines: a few copies
