"""J-V figures with the right meaning on files that trap a naive reader (tests/data/traps/):
the direction the lab declared, dark curves without a PCE, an irradiance that is no
irradiance. Pure: parsed file + context in, rows out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.kinds import AnalysisContext, analyse_parsed
from measurements import parsers

TRAPS = Path(__file__).resolve().parents[1] / "data" / "traps"
TRUTH = json.loads((TRAPS / "truth.json").read_text())


def _rows(name: str, **context):
    parsed = parsers.parse((TRAPS / name).read_bytes(), filename=name)
    rows = analyse_parsed(parsed, AnalysisContext(**context))
    # Labels as the truth names them, without the unit the column header carries.
    return {row.label.split(" (")[0]: row for row in rows}


@pytest.mark.parametrize(
    "name",
    [
        "shared_voltage_two_pixels.jv.txt",
        "iris_rev_stored_ascending.jv.json",
        "jv_records.jv.json",
        "jv_columns.jv.json",
    ],
)
def test_each_scan_carries_the_direction_the_file_declares_and_its_true_figures(name):
    rows = _rows(name, area_cm2=0.1)
    for label, truth in TRUTH[name]["series"].items():
        row = rows[label]
        assert row.figures["scan_direction"] == truth["scan_direction"], label
        assert row.figures["jsc_ma_cm2"] == pytest.approx(truth["jsc_ma_cm2"], rel=0.01)
        assert row.figures["voc_v"] == pytest.approx(truth["voc_v"], abs=0.005)
        assert row.figures["pce_percent"] == pytest.approx(truth["pce_percent"], rel=0.02)
        assert "direction_conflict" not in row.flags


def test_a_leaky_dark_curve_declared_dark_gets_no_pce_but_its_diode_figures():
    (row,) = _rows("dark_leaky.jv.txt", area_cm2=0.1).values()
    assert row.figures["is_dark"] is True and "dark" in row.flags
    assert row.figures["pce_percent"] is None and row.figures["ff"] is None
    assert row.figures["dark"]["diode_n"] is not None


def test_an_implausible_irradiance_is_not_used_and_the_default_is_flagged():
    rows = _rows("irradiance_35980.jv.json", area_cm2=0.1)
    for row in rows.values():
        assert "irradiance_implausible" in row.flags
        assert "irradiance_assumed_100" in row.flags
        assert "35980" in row.figures["irradiance_problem"]
    truth = TRUTH["irradiance_35980.jv.json"]["series"]["A_REV"]
    assert rows["A_REV"].figures["pce_percent"] == pytest.approx(truth["pce_percent"], rel=0.02)


def test_the_user_may_declare_a_curve_dark():
    name = "jv_records.jv.json"
    (row,) = _rows(name, area_cm2=0.1, conditions={"illumination": "dark"}).values()
    assert row.figures["is_dark"] and row.figures["pce_percent"] is None
