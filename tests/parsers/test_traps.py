"""Files that mislead a naive reader (tests/data/traps, each with its right answer written in
it and in truth.json): shared voltage columns, re-sorted sweeps, dark labels, a newer IRIS
JSON generation, implausible irradiance, MPP logs in pieces or timed by clocks, JSON tables.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from measurements.parsers import ParseError, parse

TRAPS = Path(__file__).resolve().parents[1] / "data" / "traps"
TRUTH = json.loads((TRAPS / "truth.json").read_text())
CONTRACT = (
    "declared_scan_direction",
    "seen_scan_direction",
    "direction_layout_reliable",
    "scan_direction",
    "scan_direction_source",
    "direction_conflict",
    "illumination",
)


def trap(name: str, **kwargs):
    return parse((TRAPS / name).read_bytes(), name, **kwargs)


def read(text: str, filename: str = "upload.txt", **kwargs):
    return parse(text.encode("utf-8"), filename, **kwargs)


def track_rows(start: float) -> str:
    """Six rows of an MPP track from ``start`` seconds, one a second."""
    return "\n".join(f"{start + i:g}\t0.5\t-18.0" for i in range(6))


def jsc(series) -> float:
    """|J(0 V)| of a curve, whatever order its voltages are stored in."""
    v, j = series.columns["voltage_v"], series.columns["current_density_ma_cm2"]
    order = np.argsort(v)
    return abs(float(np.interp(0.0, v[order], j[order])))


def by_truth_label(result, truth: dict) -> dict:
    """The parsed series under the label truth.json gives it (column names lose their unit)."""
    out = {}
    for label in truth:
        (match,) = [s for s in result.series if s.label.split(" (")[0] == label]
        out[label] = match
    return out


# --- scan direction -------------------------------------------------------------------------


def test_it_takes_each_scan_direction_from_the_column_names_when_curves_share_one_voltage():
    name = "shared_voltage_two_pixels.jv.txt"
    truth = TRUTH[name]["series"]
    result = trap(name)
    assert (result.format, result.kind) == ("generic", "jv")
    for label, series in by_truth_label(result, truth).items():
        meta, expected = series.metadata, truth[label]
        assert meta["scan_direction"] == expected["scan_direction"], label
        assert meta["seen_scan_direction"] == "reverse", label  # the shared column's order
        assert meta["direction_layout_reliable"] is False
        assert meta["direction_conflict"] is False
        assert meta["scan_direction_source"] == "label"
        assert meta["pixel"] == expected["pixel"]
        assert meta["illumination"] == "light"  # 100 mW/cm2 in the header
        # The right current went with the right label.
        assert jsc(series) == pytest.approx(expected["jsc_ma_cm2"], rel=0.005), label
    assert any("J px1 fwd (mA/cm2): forward" in w for w in result.warnings)


def test_it_keeps_the_rev_label_of_iris_curves_stored_with_the_voltage_ascending():
    name = "iris_rev_stored_ascending.jv.json"
    result = trap(name)
    assert result.format == "iris-json"
    truth = TRUTH[name]["series"]
    assert [s.label for s in result.series] == list(truth)
    for series in result.series:
        meta, expected = series.metadata, truth[series.label]
        assert meta["seen_scan_direction"] == "forward"  # every curve is stored ascending
        assert meta["declared_scan_direction"] == expected["scan_direction"]
        assert meta["scan_direction"] == expected["scan_direction"]
        assert meta["direction_layout_reliable"] is False
        assert meta["direction_conflict"] is False
        assert meta["pixel"] == expected["pixel"]
        assert jsc(series) == pytest.approx(expected["jsc_ma_cm2"], rel=0.005)


def test_it_flags_a_label_that_a_reliable_voltage_order_contradicts():
    # One curve, its own voltage column running down, but labelled forward in its name.
    v = [0.7 - 0.05 * i for i in range(16)]
    text = "V (V)\tJ fwd (mA/cm2)\n" + "\n".join(f"{x:.2f}\t{-20 + 2 * i}" for i, x in enumerate(v))
    (scan,) = read(text).series
    meta = scan.metadata
    assert (meta["declared_scan_direction"], meta["seen_scan_direction"]) == ("forward", "reverse")
    assert meta["scan_direction"] == "forward"  # the label wins, and ...
    assert meta["direction_conflict"] is True  # ... the clash is flagged


@pytest.mark.parametrize(
    ("filename", "direction"),
    [
        ("B1_pixel2_rev.jv.txt", "reverse"),
        ("B1_pixel2_fwd.jv.txt", "forward"),
        ("B1_pixel2_Forward.jv.txt", "forward"),
        ("results_for_john.jv.txt", None),  # 'for' in a file name is English, not a tag
        ("B1_fwd_rev.jv.txt", None),  # both: an order, not one direction
    ],
)
def test_a_lone_curve_takes_its_declared_direction_from_the_file_name(filename, direction):
    text = "V (V)\tJ (mA/cm2)\n" + "\n".join(f"{0.1 * i:.1f}\t{-20 + 3 * i}" for i in range(8))
    (scan,) = read(text, filename).series
    assert scan.metadata["declared_scan_direction"] == direction
    assert scan.metadata.get("pixel") == ("2" if "pixel2" in filename else None)
    assert scan.metadata["scan_direction"] == (direction or "forward")


# --- illumination -----------------------------------------------------------------------


def test_it_reads_a_dark_label_whatever_the_size_of_j_at_zero_volts():
    name = "dark_leaky.jv.txt"
    (curve,) = trap(name).series
    truth = TRUTH[name]["series"]["TRAP-DARK"]
    assert curve.metadata["illumination"] == "dark"
    assert curve.metadata["scan_direction"] == truth["scan_direction"]
    # J(0) is far from zero: only the label says dark.
    v, j = curve.columns["voltage_v"], curve.columns["current_density_ma_cm2"]
    assert float(np.interp(0.0, v, j)) == pytest.approx(truth["j_at_0v_ma_cm2"], abs=0.01)
    assert abs(truth["j_at_0v_ma_cm2"]) > 0.1


@pytest.mark.parametrize(
    ("line", "illumination"),
    [
        ("Illumination: dark", "dark"),
        ("Illumination: Dark", "dark"),
        ("illumination = dk", "dark"),
        ("Light: off", "dark"),
        ("Irradiance (mW/cm2): 0", "dark"),
        ("Illumination: lt", "light"),
        ("Irradiance (mW/cm2): 100", "light"),
        ("Operator: Ana", None),
    ],
)
def test_it_reads_the_illumination_a_header_states(line, illumination):
    text = f"{line}\nV (V)\tJ (mA/cm2)\n" + "\n".join(
        f"{0.1 * i:.1f}\t{0.001 * i}" for i in range(8)
    )
    (scan,) = read(text).series
    assert scan.metadata["illumination"] == illumination


def test_it_reads_dark_and_light_tags_in_curve_names():
    text = "V (V)\tJ dark (mA/cm2)\tJ light (mA/cm2)\n" + "\n".join(
        f"{0.1 * i:.1f}\t{0.01 * i}\t{-20 + 3 * i}" for i in range(8)
    )
    dark, light = read(text).series
    assert (dark.metadata["illumination"], light.metadata["illumination"]) == ("dark", "light")


# --- the newer IRIS JSON generation -----------------------------------------------------------


def test_it_reads_the_newer_iris_json_with_the_figures_copied_into_every_point():
    name = "iris_figures_in_every_point.jv.json"
    result = trap(name)
    truth = TRUTH[name]["series"]
    assert (result.format, result.kind) == ("iris-json", "jv")
    assert result.metadata["json_generation"] == "figures in every point"
    assert [s.label for s in result.series] == ["C_FWD", "C_REV"]
    for series in result.series:
        expected = truth[series.label]
        assert len(series) == 51
        figures = series.metadata["instrument_figures"]
        assert {k: figures[k] for k in expected["instrument_figures"]} == pytest.approx(
            expected["instrument_figures"], abs=1e-4
        )
        assert series.metadata["area_cm2"] == 0.16
        assert series.metadata["irradiance_mw_cm2"] == 100.0
        assert series.metadata["scan_direction"] == expected["scan_direction"]
        assert series.metadata["pixel"] == "C"
        assert jsc(series) == pytest.approx(expected["jsc_ma_cm2"], rel=0.005)
    assert result.metadata["irradiance_mw_cm2"] == 100.0
    assert result.metadata["measured_at"] == "2025-03-14T10:15:00"
    assert not [w for w in result.warnings if "differ" in w]


def test_it_warns_when_the_figures_copied_into_the_points_differ():
    document = json.loads((TRAPS / "iris_figures_in_every_point.jv.json").read_text())
    document["data"][0]["measurements"][7]["Voc [V]"] = 0.5
    result = parse(json.dumps(document).encode(), "x.jv.json")
    assert any("C_FWD" in w and "Voc [V]" in w and "first point" in w for w in result.warnings)
    assert result.series[0].metadata["instrument_figures"]["voc_v"] != 0.5


# --- irradiance plausibility -------------------------------------------------------------------


def test_it_refuses_to_use_an_irradiance_of_35980_and_says_why():
    name = "irradiance_35980.jv.json"
    result = trap(name)
    assert "irradiance_mw_cm2" not in result.metadata
    assert result.metadata["irradiance_raw"] == 35980
    assert result.metadata["irradiance_problem"].startswith(
        "35980 is not a plausible irradiance in mW/cm2"
    )
    assert result.metadata["irradiance_problem"].endswith("not used")
    for series in result.series:
        assert "irradiance_mw_cm2" not in series.metadata
        assert series.metadata["irradiance_raw"] == 35980
    assert sum("35980" in w for w in result.warnings) == 1  # one line, not one per curve


@pytest.mark.parametrize(
    ("line", "used", "hint"),
    [
        ("Irradiance: 35980", None, "lux or a sensor reading"),
        ("Irradiance: 1000", None, "as W/m2 it would be 100 mW/cm2"),
        ("Irradiance (mW/cm2): 1000", None, "as W/m2 it would be 100 mW/cm2"),
        ("Irradiance (mW/cm2): 0.5", None, "as suns it would be 50 mW/cm2"),
        ("Irradiance: 50000 lux", None, "illuminance"),
        ("Irradiance (W/m2): 35980", None, "3598 mW/cm2"),
        ("Irradiance (W/m2): 1000", 100.0, None),
        ("Irradiance (suns): 1", 100.0, None),
        ("Intensity (%): 50", 50.0, None),
        ("Irradiance (mW/cm2): 100", 100.0, None),
    ],
)
def test_it_never_uses_an_implausible_irradiance_and_never_converts_one_on_a_guess(
    line, used, hint
):
    text = f"{line}\nV (V)\tJ (mA/cm2)\n" + "\n".join(
        f"{0.1 * i:.1f}\t{-20 + 3 * i}" for i in range(8)
    )
    result = read(text)
    assert result.metadata.get("irradiance_mw_cm2") == (
        pytest.approx(used) if used is not None else None
    )
    if hint is None:
        assert "irradiance_problem" not in result.metadata
    else:
        problem = result.metadata["irradiance_problem"]
        assert hint in problem and problem.endswith("not used")
        assert any(problem in w for w in result.warnings)


def test_every_instrument_parser_checks_its_stated_irradiance(data_file):
    keithley = data_file("real/jv", "HZB_MiGo_20230913_Batch-Test-1_0_0.notessfdsf.jv.txt")
    slipped = keithley.replace(b"intensity [mW/cm2]:\t100.000000", b"intensity [mW/cm2]:\t1000.0")
    assert slipped != keithley
    result = parse(slipped, "k.jv.txt")
    assert "irradiance_mw_cm2" not in result.metadata
    assert "W/m2" in result.metadata["irradiance_problem"]

    singapore = data_file("real/jv", "UserGivenName_pX1_fwd_lt_lp0_20250109T164058.jv.txt")
    result = parse(singapore.replace(b"#sun:\t1\r\n", b"#sun:\t100\r\n"), "s.jv.txt")
    assert "irradiance_mw_cm2" not in result.metadata
    assert result.metadata["irradiance_problem"].startswith("100 suns (10000 mW/cm2)")

    iris = data_file("real/jv", "SE-ALM_RM_20231004_RM_KW40_0_8.jv.txt")
    result = parse(iris.replace(b"(mW/cm^2)\t100", b"(mW/cm^2)\t0.9"), "i.jv.txt")
    assert "suns" in result.metadata["irradiance_problem"]


# --- MPP logs ------------------------------------------------------------------------------


def test_it_reads_an_mpp_log_with_a_summary_after_each_track_as_one_track():
    name = "mpp_footer_after_each_track.mpp.txt"
    truth = TRUTH[name]
    result = trap(name)
    assert (result.format, result.kind) == ("generic", "mpp")
    (track,) = result.series
    t = track.columns["time_s"]
    assert len(t) == truth["points"]
    assert t[0] == 0.0 and t[-1] == pytest.approx(truth["duration_s"])
    assert np.all(np.diff(t) > 0)  # the restarting clocks continue, one step apart
    assert track.metadata["blocks_joined"] == truth["blocks"]
    assert track.metadata["block_starts_s"][:3] == pytest.approx([0.0, 10.0, 20.0])
    assert track.metadata["pixel"] == truth["pixel"]
    last_minute = t >= t[-1] - 60
    power = track.columns["power_mw_cm2"][last_minute]
    assert float(np.mean(power)) == pytest.approx(truth["stabilised_power_mw_cm2"], abs=0.02)
    assert any("12 tables" in w and "restarts in 11" in w for w in result.warnings)


def test_it_keeps_the_times_of_mpp_blocks_whose_clock_runs_on():
    header = "Time (s)\tVoltage (V)\tCurrent density (mA/cm2)\n"
    text = header + track_rows(0) + "\nAverage PCE (%): 9.0\n\n" + header + track_rows(100)
    (track,) = read(text).series
    assert track.columns["time_s"].tolist() == [0, 1, 2, 3, 4, 5, 100, 101, 102, 103, 104, 105]


def test_it_joins_mpp_tables_that_repeat_without_their_column_names():
    rows = "\n".join(f"{i}\t0.5\t-18.0" for i in range(6))
    text = (
        "Time (s)\tVoltage (V)\tCurrent density (mA/cm2)\n"
        + f"{rows}\nAverage PCE (%): 9.0\nTrack 1 done\n{rows}\nAverage PCE (%): 9.1\n{rows}\n"
    )
    (track,) = read(text).series
    assert track.columns["time_s"].tolist() == list(range(18))
    assert track.metadata["blocks_joined"] == 3


def test_it_keeps_mpp_blocks_of_different_pixels_as_different_runs():
    rows = "\n".join(f"{i}\t0.5\t-18.0" for i in range(6))
    header = "Time (s)\tVoltage (V)\tCurrent density (mA/cm2)\n"
    text = f"Pixel: 1\n{header}{rows}\n\nPixel: 2\n{header}{rows}\n"
    result = read(text)
    assert [s.metadata["pixel"] for s in result.series] == ["1", "2"]


@pytest.mark.parametrize("hint", [None, "mpp"])
def test_it_reads_the_aging_rack_log_timed_by_iso_dates_and_durations(hint):
    name = "aging_rack_iso_timestamps.mpp.csv"
    truth = TRUTH[name]
    result = trap(name, kind=hint)
    assert (result.format, result.kind) == ("generic", "mpp")
    (track,) = result.series
    t = track.columns["time_s"]
    assert len(t) == truth["points"]
    assert (t[0], t[1], t[-1]) == (0.0, 600.0, truth["duration_s"])
    assert result.metadata["started_at"] == truth["started_at"]
    assert result.metadata["measured_at"] == truth["started_at"]
    assert {"voltage_v", "current_density_ma_cm2", "power_mw_cm2"} <= set(track.columns)
    assert track.columns["voltage_v"][0] == pytest.approx(0.46, abs=0.01)  # MPPT_V (V)
    assert any("date-times" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("first", "step", "seconds"),
    [
        ("0 days 00:00:00", "0 days 00:10:00", 600),  # pandas
        ("23:00:00", "1 day, 00:00:00", 3600),  # Python timedelta, past a day
        ("00:00:00.5", "00:00:01.5", 1),  # HH:MM:SS with fractions
        ("2025-01-09T23:59:30Z", "2025-01-10T00:00:30Z", 60),  # ISO, across midnight
        ("2025-01-09 17:10:21", "2025-01-09 17:20:21", 600),
    ],
)
def test_it_reads_clock_cells_as_seconds_from_the_first_row(first, step, seconds):
    rows = [f"{first};0.5;9.0", f"{step};0.5;9.1"] + [f"{step};0.5;9.2"] * 4
    result = read("Elapsed;Voltage (V);Power (mW/cm2)\n" + "\n".join(rows), "log.csv", kind="mpp")
    (track,) = result.series
    assert track.columns["time_s"][:2].tolist() == pytest.approx([0, seconds])


def test_it_reads_a_power_log_without_voltage_as_an_mpp_track():
    lines = ["Timestamp,Power (mW/cm2)"] + [
        f"2025-02-01 10:{m:02d}:00,{9.0 - 0.01 * m}" for m in range(10)
    ]
    result = read("\n".join(lines), "rack.csv")
    assert result.kind == "mpp"
    assert result.series[0].columns["time_s"][-1] == 540.0


# --- JSON tables ----------------------------------------------------------------------------


def test_it_reads_a_json_list_of_records_with_the_delimited_text_vocabulary():
    name = "jv_records.jv.json"
    truth = TRUTH[name]
    result = trap(name)
    assert (result.format, result.kind) == ("generic", "jv")
    (scan,) = result.series
    assert len(scan) == truth["points"]
    assert scan.label == "TRAP-JSON-RECORDS"
    assert scan.metadata["pixel"] == "4" and scan.metadata["pixel_label"] == "px4"
    assert scan.metadata["scan_direction"] == "reverse"
    assert result.metadata["area_cm2"] == 0.05
    assert result.metadata["irradiance_mw_cm2"] == 100.0
    assert result.header["Sample"] == "TRAP-JSON-RECORDS"
    expected = truth["series"]["TRAP-JSON-RECORDS"]
    assert jsc(scan) == pytest.approx(expected["jsc_ma_cm2"], rel=0.005)


def test_it_reads_json_columns_as_arrays_nested_under_data():
    name = "jv_columns.jv.json"
    truth = TRUTH[name]["series"]
    result = trap(name)
    assert (result.format, result.kind) == ("generic", "jv")
    for label, series in by_truth_label(result, truth).items():
        assert len(series) == TRUTH[name]["points"]
        assert series.metadata["pixel"] == truth[label]["pixel"]
        assert series.metadata["scan_direction"] == "forward"  # the file's 'Scan direction'
        assert series.metadata["direction_layout_reliable"] is False  # one shared V array
        assert jsc(series) == pytest.approx(truth[label]["jsc_ma_cm2"], rel=0.005)
    assert result.metadata["sample"] == "TRAP-JSON-COLUMNS"


def test_it_reads_a_top_level_json_list_with_a_clock_column_as_an_mpp_log():
    records = [
        {"timestamp": f"2025-02-01T10:00:{s:02d}", "V (V)": 0.5, "J (mA/cm2)": -18.0, "pixel": "A"}
        for s in range(0, 60, 10)
    ]
    result = parse(json.dumps(records).encode(), "log.json")
    assert result.kind == "mpp"
    assert result.series[0].columns["time_s"].tolist() == [0, 10, 20, 30, 40, 50]
    assert result.metadata["started_at"] == "2025-02-01T10:00:00"
    assert any("'pixel' holds words" in w for w in result.warnings)


def test_it_names_the_record_and_column_of_a_json_cell_that_is_not_a_number():
    records = [{"V (V)": 0.1 * i, "J (mA/cm2)": -20 + i} for i in range(8)]
    records[4]["J (mA/cm2)"] = "n/a"
    with pytest.raises(ParseError) as caught:
        parse(json.dumps(records).encode(), "x.json")
    assert str(caught.value) == "record 5: 'n/a' is not a number in column 'J (mA/cm2)'"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"sample": "B1", "V": 1}', "the JSON holds no table"),
        ('{"V": [1, 2, 3', "the JSON is broken"),
        ('[{"V (V)": 0.1, "J (mA/cm2)": 1}]', "too few points"),
        ('{"V (V)": [0, 1, 2, 3, 4], "J (mA/cm2)": [1, 2, NaN, 4, 5]}', "not a finite number"),
    ],
)
def test_it_says_what_is_wrong_with_a_json_file_it_cannot_read(text, message):
    with pytest.raises(ParseError) as caught:
        parse(text.encode(), "x.json")
    assert message in str(caught.value)


def test_text_opening_with_a_bracket_is_still_read_as_text():
    text = "[Measurement]\nArea (cm2): 0.1\nV (V)\tJ (mA/cm2)\n" + "\n".join(
        f"{0.1 * i:.1f}\t{-20 + 3 * i}" for i in range(8)
    )
    result = read(text)
    assert result.kind == "jv" and result.metadata["area_cm2"] == 0.1


# --- the contract as a whole ----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(n for n, t in TRUTH.items() if t["kind"] == "jv"))
def test_every_trap_j_v_series_carries_the_whole_direction_contract(name):
    result = trap(name)
    truth = TRUTH[name]["series"]
    for series in result.series:
        assert set(CONTRACT) <= set(series.metadata), series.label
        expected = truth.get(series.label.split(" (")[0]) or truth.get(series.label)
        assert series.metadata["scan_direction"] == expected["scan_direction"]
        json.dumps(series.metadata, allow_nan=False)
