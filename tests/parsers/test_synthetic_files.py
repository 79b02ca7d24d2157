"""The synthetic files of known answer (tests/data/synthetic, see truth.json there).

Parsers compute no figures, but the canonical arrays they give must carry the truth: the
current density at V = 0 is the true Jsc, the zero crossing the true Voc, whatever units and
sign convention the file used.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

FOLDER = "synthetic"


@pytest.fixture(scope="module")
def truth():
    path = Path(__file__).resolve().parents[1] / "data" / "synthetic" / "truth.json"
    return json.loads(path.read_text())


def jsc_and_voc(series) -> tuple[float, float]:
    v, j = series.columns["voltage_v"], series.columns["current_density_ma_cm2"]
    order = np.argsort(v)
    v, j = v[order], j[order]
    i = np.flatnonzero(np.diff(np.sign(j)) != 0)[-1]
    voc = v[i] - j[i] * (v[i + 1] - v[i]) / (j[i + 1] - j[i])
    return abs(float(np.interp(0.0, v, j))), float(voc)


def test_it_turns_the_current_of_example_a_into_density_with_the_header_area(parsed, truth):
    result = parsed(FOLDER, "jv_example_a.txt")
    assert (result.format, result.kind) == ("generic", "jv")
    (scan,) = result.series
    assert scan.columns["voltage_v"].shape == (86,)
    assert scan.columns["voltage_v"][[0, -1]].tolist() == [0.75, -0.1]
    assert scan.columns["current_a"][[0, -1]].tolist() == [0.00331876, -0.00160079]
    # I / area x 1000: 0.00331876 A / 0.05 cm2 = 66.3752 mA/cm2
    assert scan.columns["current_density_ma_cm2"][[0, -1]] == pytest.approx([66.3752, -32.0158])
    assert scan.metadata["scan_direction"] == "reverse"
    assert scan.metadata["declared_scan_direction"] == "reverse"
    assert result.metadata == {
        "sample": "HX-jv_example_a",
        "measured_at": "2025-06-02T14:22:00",
        "area_cm2": 0.05,
        "irradiance_mw_cm2": 100.0,
        "declared_scan_direction": "reverse",
        "scan_rate_mv_s": 100.0,
    }
    jsc, voc = jsc_and_voc(scan)
    assert jsc == pytest.approx(truth["jv_example_a.txt"]["jsc_ma_cm2"], rel=0.005)
    assert voc == pytest.approx(truth["jv_example_a.txt"]["voc_v"], abs=0.002)


def test_it_keeps_the_positive_sign_convention_of_example_b(parsed, truth):
    result = parsed(FOLDER, "jv_example_b.csv")
    assert (result.format, result.kind) == ("generic", "jv")
    (scan,) = result.series
    assert scan.columns["voltage_v"].shape == (86,)
    assert scan.columns["voltage_v"][[0, -1]].tolist() == [-0.1, 0.75]
    assert scan.columns["current_density_ma_cm2"][[0, -1]].tolist() == [27.5613, -38.1794]
    assert scan.metadata["scan_direction"] == "forward"
    assert "current_a" not in scan.columns
    jsc, voc = jsc_and_voc(scan)
    assert jsc == pytest.approx(truth["jv_example_b.csv"]["jsc_ma_cm2"], rel=0.005)
    assert voc == pytest.approx(truth["jv_example_b.csv"]["voc_v"], abs=0.002)


def test_it_reads_the_synthetic_eqe_in_percent_as_a_fraction(parsed):
    result = parsed(FOLDER, "eqe_example.txt")
    assert (result.format, result.kind) == ("generic", "eqe")
    (spectrum,) = result.series
    assert spectrum.columns["wavelength_nm"].shape == (111,)
    assert spectrum.columns["wavelength_nm"][[0, -1]].tolist() == [300.0, 1400.0]
    assert spectrum.columns["eqe_fraction"][[0, -1]] == pytest.approx([0.014103, -0.000346])


def test_it_reads_the_synthetic_decay_with_its_negative_times(parsed):
    result = parsed(FOLDER, "trpl_example.txt")
    assert (result.format, result.kind) == ("generic", "trpl")
    (decay,) = result.series
    assert decay.columns["time_ns"].shape == (1010,)
    assert decay.columns["time_ns"][[0, 10, -1]].tolist() == [-200.0, 0.0, 19980.0]
    assert decay.columns["counts"][[0, 10, -1]].tolist() == [6.0, 3920.0, 5.0]


def test_it_reads_the_synthetic_absorbance(parsed):
    result = parsed(FOLDER, "abs_example.csv")
    assert (result.format, result.kind) == ("generic", "absorbance")
    (spectrum,) = result.series
    assert spectrum.columns["wavelength_nm"].shape == (1201,)
    assert spectrum.columns["wavelength_nm"][[0, -1]].tolist() == [400.0, 1600.0]
    assert spectrum.columns["absorbance"][[0, -1]].tolist() == [5.44827, 0.03198]


def test_it_reads_the_voc_versus_intensity_series(parsed):
    result = parsed(FOLDER, "voc_intensity_example.csv")
    assert (result.format, result.kind) == ("generic", "intensity")
    (points,) = result.series
    assert points.columns["intensity_mw_cm2"].shape == (9,)
    assert points.columns["intensity_mw_cm2"][[0, -1]].tolist() == [1.0, 100.0]
    assert points.columns["voc_v"][[0, -1]].tolist() == [0.31536, 0.46991]
