"""Shared by the parser tests: the copied instrument files, read as bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from measurements.parsers import ParsedMeasurement, parse

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def data_file():
    """Bytes of tests/data/<folder>/<name>, e.g. data_file("real/jv", "x.jv.txt")."""

    def read(folder: str, name: str) -> bytes:
        return (DATA / folder / name).read_bytes()

    return read


@pytest.fixture
def parsed(data_file):
    """parse() of a copied data file, under its own name (the name is a sniffing hint)."""

    def run(folder: str, name: str, **kwargs) -> ParsedMeasurement:
        return parse(data_file(folder, name), name, **kwargs)

    return run
