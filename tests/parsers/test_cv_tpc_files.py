"""C-V and TPC files in the generic reader: the synthetic files of known answer
(tests/data/synthetic_kinds, see truth.json and README.md there) and the column names, units,
tags and hints that make a file one of these kinds, without changing how the others are told.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from analysis.compute import analyse_cv, analyse_tpc
from measurements.parsers import ParseError, parse
from measurements.parsers._columns import classify
from measurements.parsers._text import filename_kind

FOLDER = "synthetic_kinds"
HERE = Path(__file__).resolve().parents[1] / "data" / FOLDER
V = [-1.0 + 0.1 * i for i in range(12)]
C = [5e-9 * (1.6 / (0.6 - v)) ** 0.5 for v in V]  # a depletion capacitance, F
TIME = [-1e-6 + 1e-7 * k for k in range(40)]
DECAY = [0.0 if t < 0 else 2e-5 * np.exp(-t / 1e-6) for t in TIME]


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((HERE / "truth.json").read_text())


def table(header: str, *columns, sep: str = "\t") -> str:
    lines = [header] + [sep.join(f"{v:.6g}" for v in row) for row in zip(*columns, strict=True)]
    return "\n".join(lines) + "\n"


def read(text: str, filename: str = "upload.txt", **kwargs):
    return parse(text.encode("utf-8"), filename, **kwargs)


# --- the synthetic files -------------------------------------------------------------------


def test_the_e4980_csv_is_read_as_cv_with_capacitance_in_farads_and_its_frequency(parsed):
    result = parsed(FOLDER, "cv_e4980_cp.csv")
    assert (result.format, result.kind) == ("generic", "cv")
    (sweep,) = result.series
    assert set(sweep.columns) == {"voltage_v", "capacitance_f"}  # the D column is not needed
    assert sweep.columns["voltage_v"][[0, -1]] == pytest.approx([-1.0, 0.8])
    assert sweep.columns["capacitance_f"][0] == pytest.approx(2.578873e-09)
    assert result.metadata["frequency_hz"] == 1e4 and sweep.metadata["frequency_hz"] == 1e4
    assert result.metadata["area_cm2"] == 0.05 and sweep.metadata["area_cm2"] == 0.05
    assert sweep.label == "B3-S2-P4" and result.warnings == []


def test_the_tab_file_in_nanofarads_is_converted_to_farads(parsed):
    result = parsed(FOLDER, "cv_hp4284_nf.txt")
    assert result.kind == "cv"
    raw = np.loadtxt(HERE / "cv_hp4284_nf.txt", comments="#", skiprows=6, unpack=True)
    (sweep,) = result.series
    assert sweep.columns["voltage_v"] == pytest.approx(raw[0])
    assert sweep.columns["capacitance_f"] == pytest.approx(raw[1] * 1e-9)
    assert result.metadata["frequency_hz"] == 1000.0
    assert result.metadata["area_cm2"] == 0.0314
    assert result.warnings == ["column 'V' has no unit; read as V"]


def test_a_cv_file_is_known_by_its_columns_without_a_file_name_tag(data_file):
    for name in ("cv_e4980_cp.csv", "cv_hp4284_nf.txt"):
        assert parse(data_file(FOLDER, name), "export.txt").kind == "cv"


def test_the_current_trace_is_tpc_from_its_time_and_current_columns(data_file):
    result = parse(data_file(FOLDER, "tpc_current_trace.txt"), "trace_0042.txt")
    assert result.kind == "tpc"
    (trace,) = result.series
    assert set(trace.columns) == {"time_s", "current_a", "current_density_ma_cm2"}
    assert trace.columns["time_s"][[0, 1]] == pytest.approx([-2e-6, -1.996e-6])
    assert trace.columns["current_a"][0] == pytest.approx(-1.1452e-05)
    # Area 0.05 cm2 from the header: A -> mA/cm2 is x 1e3 / 0.05.
    assert trace.columns["current_density_ma_cm2"] == pytest.approx(
        trace.columns["current_a"] * 2e4
    )


def test_the_scope_trace_is_tpv_by_default_and_tpc_by_its_tag_or_a_hint(data_file):
    data = data_file(FOLDER, "tpc_scope_50ohm.tpc.csv")
    assert parse(data, "scope_0001.csv").kind == "tpv"  # time + voltage: TPV, as before
    tagged = parse(data, "tpc_scope_50ohm.tpc.csv")
    hinted = parse(data, "scope_0001.csv", kind="tpc")
    for result in (tagged, hinted):
        assert result.kind == "tpc" and result.warnings == []
        (trace,) = result.series
        assert set(trace.columns) == {"time_s", "voltage_v"}
        # Units from 'Horizontal Units,s' and 'Vertical Units,V': seconds and volts as written.
        assert trace.columns["time_s"][[0, -1]] == pytest.approx([-2e-6, 7.999e-6])
        assert trace.columns["voltage_v"][0] == pytest.approx(4e-5)
        assert len(trace) == 10000


@pytest.mark.parametrize(
    "name",
    ["cv_e4980_cp.csv", "cv_hp4284_nf.txt", "tpc_current_trace.txt", "tpc_scope_50ohm.tpc.csv"],
)
def test_parsing_then_analysing_recovers_the_truth(parsed, truth, name):
    result = parsed(FOLDER, name)
    known = truth[name]
    assert result.kind == known["kind"]
    (series,) = result.series
    c = series.columns
    if result.kind == "cv":
        r = analyse_cv(
            c["voltage_v"],
            c["capacitance_f"],
            area_cm2=series.metadata["area_cm2"],
            relative_permittivity=known["relative_permittivity"],
            frequency_hz=result.metadata["frequency_hz"],
        )
        assert r.vbi_v == pytest.approx(known["vbi_v"], abs=0.03)
        assert r.doping_cm3 == pytest.approx(known["doping_cm3"], rel=0.05)
        assert r.depletion_width_0v_nm == pytest.approx(known["depletion_width_0v_nm"], rel=0.02)
        assert r.capacitance_0v_nf == pytest.approx(known["capacitance_0v_nf"], rel=0.01)
        assert r.carrier_type == known["carrier_type"]
        assert r.frequency_hz == known["frequency_hz"] and r.flags == []
    else:
        # The scope file names neither the area nor the load: the lab knows them (truth).
        area = series.metadata.get("area_cm2", known["area_cm2"])
        r = analyse_tpc(
            c["time_s"],
            current_a=c.get("current_a"),
            voltage_v=c.get("voltage_v"),
            load_resistance_ohm=known["load_resistance_ohm"],
            area_cm2=area,
        )
        assert r.tau_us == pytest.approx(known["tau_us"], rel=0.03)
        assert r.charge_nc == pytest.approx(known["charge_nc"], rel=0.03)
        assert r.charge_nc_cm2 == pytest.approx(known["charge_nc_cm2"], rel=0.03)
        assert r.polarity == known["polarity"]


# --- column names, units, tags and hints ---------------------------------------------------


@pytest.mark.parametrize(
    ("header", "factor"),
    [
        ("Cp (F)", 1.0),
        ("Cs [F]", 1.0),
        ("C (mF)", 1e-3),
        ("Capacitance (uF)", 1e-6),
        ("Capacitance (µF)", 1e-6),
        ("C (nF)", 1e-9),
        ("Cp (pF)", 1e-12),
        ("Capacitance_nF", 1e-9),
        ("C/pF", 1e-12),
    ],
)
def test_capacitance_columns_are_read_in_every_unit(header, factor):
    values = [c / factor for c in C]
    result = read(table(f"Bias (V)\t{header}", V, values))
    assert result.kind == "cv"
    assert result.series[0].columns["capacitance_f"] == pytest.approx(C, rel=1e-5)


def test_a_bare_c_column_without_a_unit_is_read_as_nanofarads_when_the_numbers_are_big():
    result = read(table("V\tC", V, [c * 1e9 for c in C]))
    assert result.kind == "cv"
    assert result.series[0].columns["capacitance_f"] == pytest.approx(C, rel=1e-5)
    assert "column 'C' has no unit; read as nF" in result.warnings


def test_a_frequency_column_is_carried_as_frequency_hz():
    freq = [10.0] * len(V)
    result = read(table("Bias (V),Freq (kHz),Cp (F)", V, freq, C, sep=","))
    (sweep,) = result.series
    assert sweep.columns["frequency_hz"] == pytest.approx([1e4] * len(V))


def test_blocks_at_several_frequencies_keep_each_its_own_frequency():
    text = (
        "Area (cm2): 0.05\nFrequency: 1 kHz\n"
        + table("Bias (V)\tCp (F)", V, C)
        + "\nFrequency: 100 kHz\n"
        + table("Bias (V)\tCp (F)", V, C)
    )
    result = read(text)
    assert result.kind == "cv"
    assert [s.metadata["frequency_hz"] for s in result.series] == [1e3, 1e5]
    assert "frequency_hz" not in result.metadata


def test_two_capacitance_columns_give_two_sweeps():
    result = read(table("V (V)\tC 1kHz (nF)\tC 100kHz (nF)", V, C, C))
    assert result.kind == "cv" and len(result.series) == 2


@pytest.mark.parametrize("header", ["Time (s)\tCurrent (A)", "t (us)\tJ (mA/cm2)"])
def test_time_and_current_without_a_voltage_is_tpc(header):
    result = read(table(header, TIME, DECAY))
    assert result.kind == "tpc"
    assert {"time_s"} < set(result.series[0].columns)


def test_time_voltage_and_current_stay_mpp_and_time_and_voltage_stay_tpv():
    three = table("Time (s)\tVoltage (V)\tCurrent density (mA/cm2)", TIME, [0.4] * 40, DECAY)
    assert read(three).kind == "mpp"
    assert read(table("Time (s)\tVoltage (V)", TIME, DECAY)).kind == "tpv"


def test_a_load_resistance_in_the_header_is_read_for_a_tpc_trace():
    text = "Load resistance: 50 Ohm\n\n" + table("Time (s)\tVoltage (V)", TIME, DECAY)
    result = read(text, "run.tpc.txt")
    assert result.kind == "tpc" and result.metadata["load_resistance_ohm"] == 50.0
    assert result.series[0].metadata["load_resistance_ohm"] == 50.0
    text = "R_load (kOhm): 1\n\n" + table("Time (s)\tVoltage (V)", TIME, DECAY)
    assert read(text, kind="tpc").metadata["load_resistance_ohm"] == 1000.0


def test_a_cv_hint_on_a_file_without_capacitance_says_what_is_missing():
    with pytest.raises(ParseError, match="no capacitance column"):
        read(table("Voltage (V)\tCurrent (A)", V, C), kind="cv")
    with pytest.raises(ParseError, match="no current or voltage column"):
        read(table("Time (ns)\tCounts", TIME, DECAY), kind="tpc")  # a TRPL decay
    with pytest.raises(ParseError, match="no time column"):
        read(table("Wavelength (nm)\tCounts", V, C), kind="tpc")


def test_headerless_tables_tagged_cv_or_tpc_are_read_with_a_warning():
    cv = read(table("", V, C).lstrip("\n"), "sample.cv.txt")
    assert cv.kind == "cv" and "capacitance_f" in cv.series[0].columns
    tpc = read(table("", TIME, DECAY).lstrip("\n"), "sample.tpc.txt")
    assert tpc.kind == "tpc" and "voltage_v" in tpc.series[0].columns  # a scope dump
    assert any("no header row" in w for w in tpc.warnings)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("B1.dark.cv.txt", "cv"),
        ("B1_mott-schottky.csv", "cv"),
        ("B1.c-v.csv", "cv"),
        ("B1.tpc.csv", "tpc"),
        ("B1_tpc_0.3sun.txt", "tpc"),
        ("B1.tpv.csv", "tpv"),
    ],
)
def test_file_name_tags_name_cv_and_tpc(name, kind):
    assert filename_kind(name) == kind


@pytest.mark.parametrize(
    ("name", "quantity", "unit"),
    [
        ("Voltage_F", "voltage", ""),  # a forward scan, not farads
        ("Current F", "current", ""),
        ("T (F)", "temperature", "f"),
        ("Cp (F)", "capacitance", "f"),
        ("C", "capacitance", ""),
        ("Freq (Hz)", "frequency", "hz"),
        ("CH1", None, ""),
    ],
)
def test_a_lone_f_is_farads_only_in_a_unit_position(name, quantity, unit):
    column = classify(0, name)
    assert (column.quantity, column.unit) == (quantity, unit)
