"""Synthetic files with known answers (tests/data/synthetic) and their truth.json."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

SYNTHETIC = Path(__file__).resolve().parent.parent / "data" / "synthetic"


def load_columns(name: str, skiprows: int = 1, delimiter: str | None = None) -> np.ndarray:
    """The numeric table of a synthetic file as columns (tiny loader: no parsers here)."""
    return np.loadtxt(SYNTHETIC / name, skiprows=skiprows, delimiter=delimiter, unpack=True)


@pytest.fixture(scope="session")
def truth() -> dict:
    return json.loads((SYNTHETIC / "truth.json").read_text())


@pytest.fixture(scope="session")
def jv_a() -> tuple[np.ndarray, np.ndarray]:
    """jv_example_a.txt: 7 header lines + column names, current in A on 0.05 cm2."""
    v, i = load_columns("jv_example_a.txt", skiprows=8)
    return v, i / 0.05 * 1000.0


@pytest.fixture(scope="session")
def jv_b() -> tuple[np.ndarray, np.ndarray]:
    v, j = load_columns("jv_example_b.csv", delimiter=",")
    return v, j
