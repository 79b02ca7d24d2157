"""The fast paths of the generic parser (bench/README.md section 1) give what the careful
per-line path gives: the same arrays, metadata and warnings, and the same errors with the
same line and column. The careful path is forced by switching the bulk read off."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from demo.generators import instruments as demo
from measurements.parsers import ParseError, _table, _text, parse

JV = (
    "Sample: B1-S1-P1\n"
    "Date: 2025-06-02T09:30:00\n"
    "Area (cm2): 0.05\n"
    "Irradiance (mW/cm2): 100\n"
    "Scan direction: reverse\n"
    "\n"
    "Voltage (V)\tCurrent density (mA/cm2)\n"
    + "".join(f"{0.7 - 0.05 * i:.2f}\t{-20.0 + 2.0 * i * i / 10:.3f}\n" for i in range(16))
)


def _variants() -> list[tuple[str, str]]:
    lines = JV.split("\n")
    first = lines.index("Voltage (V)\tCurrent density (mA/cm2)") + 1
    out = [("plain", JV), ("crlf", JV.replace("\n", "\r\n")), ("blank tail", JV + "\n \n\n")]
    edits = {
        "word in a cell": (first + 5, "0.45\tabc"),
        "word first": (first, "abc\t-20.0"),
        "nan": (first + 3, "0.55\tnan"),
        "inf first": (first, "inf\t1"),
        "ragged short": (first + 4, "0.5"),
        "ragged long": (first + 4, "0.5\t1\t2"),
        "trailing tab": (first + 2, "0.6\t-19.2\t"),
        "empty cell": (first + 2, "0.6\t\t"),
        "decimal comma": (first + 6, "0,4\t-12,8"),
        "quoted": (first + 6, '"0.4"\t"-12.8"'),
        "leading blank": (first + 1, " 0.65\t-19.8"),
        "number in the header block": (1, "100"),
        "metadata with a tab": (2, "Area (cm2)\t0.05"),
        "digit-led metadata": (0, "1 Sample: x"),
    }
    for name, (index, line) in edits.items():
        edited = list(lines)
        edited[index] = line
        out.append((name, "\n".join(edited)))
    out.append(("too few rows", "\n".join(lines[: first + 4])))
    out.append(("semicolons", JV.replace("\t", ";")))
    out.append(("commas", JV.replace("\t", ",")))
    out.append(("spaces", JV.replace("\t", "   ")))
    out.append(("no metadata", "\n".join(lines[first - 1 :])))
    out.append(("two blocks", JV + "\n" + "\n".join(lines[first - 1 :])))
    return out


def _outcome(data: bytes, name: str):
    try:
        r = parse(data, name)
    except ParseError as exc:
        return ("error", str(exc), exc.line, exc.column)
    return (
        r.kind,
        r.format,
        r.metadata,
        r.header,
        r.warnings,
        [(s.label, s.metadata, {k: v.tolist() for k, v in s.columns.items()}) for s in r.series],
    )


def _careful(monkeypatch, data: bytes, name: str):
    with monkeypatch.context() as m:
        m.setattr(_table, "_bulk_numeric", lambda *args: None)
        return _outcome(data, name)


@pytest.mark.parametrize(("case", "text"), _variants(), ids=[c for c, _ in _variants()])
def test_the_bulk_read_gives_what_the_per_line_read_gives(monkeypatch, case, text):
    data = text.encode()
    assert _outcome(data, "x.jv.txt") == _careful(monkeypatch, data, "x.jv.txt")


def test_every_demo_instrument_file_reads_the_same_both_ways(monkeypatch):
    group = demo.GROUPS[0]
    rng = np.random.default_rng(4)
    start = datetime(2025, 6, 2, 9, 30)
    files = list(demo.device_files(group, "D1/S1/P1", demo.champion_indices(group)[0], start, rng))
    files += list(demo.film_files(group, "D1/F1", start, rng))
    assert {f.kind for f in files} >= {"jv", "eqe", "mpp", "trpl", "absorbance"}
    for f in files:
        assert _outcome(f.content, f.filename) == _careful(monkeypatch, f.content, f.filename)


def test_a_word_among_the_numbers_is_still_reported_with_its_line_and_column():
    lines = JV.split("\n")
    lines[12] = "0.45\tabc"  # line 13 of the file
    with pytest.raises(ParseError) as caught:
        parse("\n".join(lines).encode(), "x.jv.txt")
    assert (caught.value.line, caught.value.column) == (13, "Current density (mA/cm2)")


def test_the_tab_shortcut_answers_what_pick_delimiter_answers():
    for _, text in _variants():
        lines = _text.split_lines(text)
        assert _table._delimiter_and_bulk(lines)[0] == _table.pick_delimiter(lines)


@pytest.mark.parametrize(
    "text",
    [
        "2025-06-02T09:30:00",
        "2025-06-02T09:30",
        "2025-06-02T09:30:00.25",
        "2025-06-02T09:30:00Z",
        "2025-06-02T09:30:00+02:00",
        "2025-06-02",
        "2025-13-02T09:30:00",
    ],
)
def test_iso_dates_read_as_fromisoformat_reads_them(text):
    try:
        expected = datetime.fromisoformat(text).isoformat()
    except ValueError:
        expected = None
    assert _text.parse_datetime(text) == expected


def test_other_date_spellings_and_caller_formats_still_come_first():
    assert _text.parse_datetime("2025-06-02 09:30") == "2025-06-02T09:30:00"
    assert _text.parse_datetime("02.06.2025 09:30:00") == "2025-06-02T09:30:00"
    # A caller's format wins over the ISO reading of the same text.
    assert _text.parse_datetime("2025-06-02", ("%Y-%d-%m",)) == "2025-02-06T00:00:00"


@pytest.mark.parametrize("text", ["1\t2\n" * 50, "a\x01b\x02" * 30, "x\x7f" * 40 + "é\x85" * 3])
def test_control_characters_are_counted_alike_on_both_paths(text):
    sample = text[:65536]
    count = len(_text._CONTROL.findall(sample))
    if count > 0.05 * len(sample):
        with pytest.raises(ParseError):
            _text._check_text(text)
    else:
        assert _text._check_text(text) == text
