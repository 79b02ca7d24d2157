"""Whatever bytes arrive, parse() answers a ParsedMeasurement or a ParseError, nothing else.

Bounded (a few hundred examples per property) so the suite stays fast. A failure prints the
example and the @reproduce_failure line to replay it.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from measurements.parsers import KINDS, ParseError, UnexpectedParseError, parse

DATA = Path(__file__).resolve().parents[1] / "data"
REAL = sorted(
    p for p in (DATA / "real").glob("*/*") if p.parent.name != "batch" and p.suffix != ".md"
)
SYNTHETIC = sorted(p for p in (DATA / "synthetic").glob("*") if p.suffix in (".txt", ".csv"))
FILES = [(p.name, p.read_bytes()) for p in REAL + SYNTHETIC]
# The 32768-line TCSPC file is kept out of the mutation pool: each mutation re-parses all of it.
SMALL = [(name, data) for name, data in FILES if len(data) < 100_000]

FUZZ = settings(
    # PARSER_FUZZ_EXAMPLES=20000 for a deeper hunt by hand; the suite stays at 300.
    max_examples=int(os.environ.get("PARSER_FUZZ_EXAMPLES", "300")),
    deadline=None,
    database=None,
    # Fixed examples keep CI repeatable; FUZZ_RANDOM=1 explores new ones by hand.
    derandomize=os.environ.get("FUZZ_RANDOM") != "1",
    # The suite's autouse fixtures (settings, tmp_path) are function-scoped; they play no
    # part in parsing, so running them once per test rather than per example is fine.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def check(data: bytes, filename: str = "") -> None:
    try:
        result = parse(data, filename)
    except UnexpectedParseError as exc:  # a bug dressed as a ParseError: fail loudly
        raise AssertionError(f"parser bug: {exc}") from exc
    except ParseError:
        return
    assert result.kind in KINDS
    assert result.series
    for series in result.series:
        lengths = {len(v) for v in series.columns.values()}
        assert len(lengths) == 1 and lengths.pop() >= 5
        for values in series.columns.values():
            assert isinstance(values, np.ndarray) and values.dtype == np.float64


@FUZZ
@given(st.binary(max_size=3000))
def test_random_bytes_give_a_result_or_a_parse_error(data: bytes) -> None:
    check(data)


@FUZZ
@given(st.text(max_size=3000), st.sampled_from(["", "x.jv.txt", "x.eqe.dat", "y.csv"]))
def test_random_text_gives_a_result_or_a_parse_error(text: str, filename: str) -> None:
    check(text.encode("utf-8"), filename)


_CELL = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**6), 10**6).map(str),
    st.sampled_from(["", " ", "abc", "V (V)", "J (mA/cm2)", "1,5", "nan", "-", "#", ":", "e"]),
)
_LINE = st.tuples(st.lists(_CELL, max_size=6), st.sampled_from(["\t", ",", ";", " ", "  "]))


@FUZZ
@given(
    st.lists(_LINE, max_size=40).map(lambda ls: "\n".join(sep.join(cells) for cells, sep in ls)),
    st.sampled_from(["", "a.jv.txt", "b.eqe.txt", "c.trpl.dat", "d.mpp.csv", "e.abs.csv"]),
)
def test_random_tables_give_a_result_or_a_parse_error(text: str, filename: str) -> None:
    check(text.encode("utf-8"), filename)


@st.composite
def mutated(draw) -> tuple[str, bytes]:
    name, data = draw(st.sampled_from(SMALL))
    how = draw(st.sampled_from(["truncate", "delete line", "flip bytes", "duplicate line"]))
    if how == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif how in ("delete line", "duplicate line"):
        lines = data.split(b"\n")
        i = draw(st.integers(0, len(lines) - 1))
        lines[i:i] = [lines[i]] if how == "duplicate line" else []
        if how == "delete line":
            del lines[i]
        data = b"\n".join(lines)
    else:
        buffer = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            buffer[draw(st.integers(0, len(buffer) - 1))] = draw(st.integers(0, 255))
        data = bytes(buffer)
    return name, data


@FUZZ
@given(mutated())
def test_damaged_real_files_give_a_result_or_a_parse_error(case: tuple[str, bytes]) -> None:
    name, data = case
    check(data, name)
