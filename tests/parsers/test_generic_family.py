"""The generic delimited-text family: what lab members and cqdlab's demo generator write.

Delimiters, decimal commas, units in every spelling, metadata blocks, kind detection from the
columns, and several series per file.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from measurements.parsers import parse

V = [0.75 - 0.05 * i for i in range(16)]
J = [-3.3 + 2.0 * i for i in range(16)]


def rows(*columns, sep: str = "\t", comma: bool = False) -> str:
    lines = []
    for values in zip(*columns, strict=True):
        cells = [f"{v:g}" for v in values]
        lines.append(sep.join(c.replace(".", ",") if comma else c for c in cells))
    return "\n".join(lines) + "\n"


def read(text: str, filename: str = "upload.txt", **kwargs):
    return parse(text.encode("utf-8"), filename, **kwargs)


def test_it_reads_the_demo_generator_layout_with_its_metadata_block():
    text = (
        "Sample: B1-S1-P1\nArea (cm2): 0.05\nIrradiance (mW/cm2): 100\n\n"
        "Voltage (V)\tCurrent density (mA/cm2)\n" + rows(V, J)
    )
    result = read(text)
    assert (result.format, result.kind) == ("generic", "jv")
    (scan,) = result.series
    assert scan.label == "B1-S1-P1"
    assert scan.columns["voltage_v"][[0, -1]] == pytest.approx([0.75, 0.0])
    assert scan.columns["current_density_ma_cm2"][[0, -1]] == pytest.approx([-3.3, 26.7])
    assert scan.metadata["scan_direction"] == "reverse"
    assert result.metadata == {"sample": "B1-S1-P1", "area_cm2": 0.05, "irradiance_mw_cm2": 100.0}
    assert result.header["Area (cm2)"] == "0.05"


@pytest.mark.parametrize(
    ("separator", "comma"),
    [
        ("\t", False),
        (",", False),
        (";", False),
        (" ", False),
        ("  ", False),
        (";", True),
        ("\t", True),
        (" ", True),
        (", ", False),
    ],
)
def test_it_reads_every_delimiter_and_the_decimal_comma(separator, comma):
    header = separator.join(["Voltage (V)", "Current density (mA/cm2)"])
    result = read(header + "\n" + rows(V, J, sep=separator, comma=comma))
    (scan,) = result.series
    assert scan.columns["voltage_v"] == pytest.approx(V)
    assert scan.columns["current_density_ma_cm2"] == pytest.approx(J)


@pytest.mark.parametrize(
    ("name", "values", "key", "expected"),
    [
        ("Current (A)", [0.001], "current_a", 0.001),
        ("Current (mA)", [1.0], "current_a", 0.001),
        ("Current (uA)", [1000.0], "current_a", 0.001),
        ("Current (µA)", [1000.0], "current_a", 0.001),
        ("I (nA)", [1e6], "current_a", 0.001),
        ("current_mA", [1.0], "current_a", 0.001),
        ("J (A/cm2)", [0.02], "current_density_ma_cm2", 20.0),
        ("J (mA/cm^2)", [20.0], "current_density_ma_cm2", 20.0),
        ("J (mA cm-2)", [20.0], "current_density_ma_cm2", 20.0),
        ("J_mA_cm2", [20.0], "current_density_ma_cm2", 20.0),
        ("Current density (A/m2)", [200.0], "current_density_ma_cm2", 20.0),
        ("Current density (mA/cm²)", [20.0], "current_density_ma_cm2", 20.0),
    ],
)
def test_it_converts_current_units(name, values, key, expected):
    text = f"Voltage (V)\t{name}\n" + rows(V[:6], values * 6)
    (scan,) = read(text).series
    assert scan.columns[key][0] == pytest.approx(expected)


@pytest.mark.parametrize(("unit", "factor"), [("V", 1.0), ("mV", 1e-3)])
def test_it_converts_voltage_units(unit, factor):
    text = f"Voltage ({unit})\tJ (mA/cm2)\n" + rows([600.0 - 50 * i for i in range(6)], J[:6])
    (scan,) = read(text).series
    assert scan.columns["voltage_v"][0] == pytest.approx(600.0 * factor)


def test_it_makes_current_a_density_when_the_header_gives_an_area():
    text = "Area: 0.1 cm2\nV (V)\tI (mA)\n" + rows(V[:6], [-2.0] * 6)
    (scan,) = read(text).series
    assert scan.columns["current_a"][0] == pytest.approx(-0.002)
    assert scan.columns["current_density_ma_cm2"][0] == pytest.approx(-20.0)
    assert scan.metadata["area_cm2"] == 0.1


def test_it_keeps_current_in_amperes_when_there_is_no_area():
    result = read("V (V)\tI (A)\n" + rows(V[:6], [-0.002] * 6))
    (scan,) = result.series
    assert set(scan.columns) == {"voltage_v", "current_a"}
    assert any("without an area" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("header", "x", "expected_nm"),
    [
        ("Wavelength (nm)", [300.0 + 10 * i for i in range(6)], 300.0),
        ("Wavelength (um)", [0.3 + 0.01 * i for i in range(6)], 300.0),
        ("Wavelength (µm)", [0.3 + 0.01 * i for i in range(6)], 300.0),
        ("Energy (eV)", [4.1328 - 0.1 * i for i in range(6)], 300.0),
        ("lambda", [300.0 + 10 * i for i in range(6)], 300.0),
    ],
)
def test_it_converts_wavelength_units_and_sorts_spectra(header, x, expected_nm):
    text = f"{header}\tEQE (%)\n" + rows(x, [50.0 + i for i in range(6)])
    (spectrum,) = read(text).series
    wavelength = spectrum.columns["wavelength_nm"]
    assert np.all(np.diff(wavelength) > 0)
    assert wavelength[0] == pytest.approx(expected_nm, rel=1e-4)


@pytest.mark.parametrize(
    ("header", "values", "expected"),
    [
        ("EQE (%)", [80.0], 0.8),
        ("EQE", [80.0], 0.8),
        ("EQE", [0.8], 0.8),
        ("IPCE (%)", [80.0], 0.8),
        ("QE (fraction)", [0.8], 0.8),
    ],
)
def test_it_reads_eqe_in_percent_or_as_a_fraction(header, values, expected):
    text = f"Wavelength (nm)\t{header}\n" + rows([400.0 + i for i in range(6)], values * 6)
    (spectrum,) = read(text).series
    assert spectrum.columns["eqe_fraction"][0] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("header", "key", "factor"),
    [
        ("Time (ps)", "time_ns", 1e-3),
        ("Time (ns)", "time_ns", 1.0),
        ("t (us)", "time_ns", 1e3),
        ("Time (µs)", "time_ns", 1e3),
        ("time_ms", "time_ns", 1e6),
        ("Time (s)", "time_ns", 1e9),
    ],
)
def test_it_converts_decay_time_units(header, key, factor):
    text = f"{header}\tCounts\n" + rows(
        [float(i) for i in range(1, 7)], [100.0 - i for i in range(6)]
    )
    (decay,) = read(text).series
    assert decay.columns[key][0] == pytest.approx(factor)


@pytest.mark.parametrize(
    ("header", "values", "expected"),
    [
        ("Light intensity (mW/cm2)", [100.0], 100.0),
        ("Irradiance (W/m2)", [1000.0], 100.0),
        ("Suns", [1.0], 100.0),
        ("Intensity (suns)", [0.5], 50.0),
        ("Intensity (%)", [50.0], 50.0),
    ],
)
def test_it_converts_light_intensity_units(header, values, expected):
    text = f"{header}\tVoc (V)\n" + rows(values * 6, [0.4 + 0.01 * i for i in range(6)])
    result = read(text)
    assert result.kind == "intensity"
    assert result.series[0].columns["intensity_mw_cm2"][0] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("Voltage (V)\tCurrent (A)", "jv"),
        ("V\tJ", "jv"),
        ("Wavelength (nm)\tEQE (%)", "eqe"),
        ("Wavelength (nm)\tIPCE", "eqe"),
        ("Wavelength (nm)\tAbsorbance", "absorbance"),
        ("Wavelength (nm)\tAbs", "absorbance"),
        ("Wavelength (nm)\tOD", "absorbance"),
        ("Wavelength (nm)\tPL intensity (a.u.)", "pl"),
        ("Wavelength (nm)\tCounts", "pl"),
        ("Time (ns)\tCounts", "trpl"),
        ("Time (s)\tVoltage (V)", "tpv"),
        ("Time (s)\tVoltage (V)\tCurrent density (mA/cm2)\tPower (mW/cm2)", "mpp"),
        ("Time (s)\tVoltage (V)\tPCE (%)", "mpp"),
        ("Light intensity (mW/cm2)\tVoc (V)", "intensity"),
        ("Intensity\tVoc", "intensity"),
    ],
)
def test_it_tells_the_kind_from_the_column_names(header, kind):
    ncols = header.count("\t") + 1
    first = [400.0 + i for i in range(8)] if "Wavelength" in header else [1.0 + i for i in range(8)]
    others = [[0.5 + 0.01 * i for i in range(8)] for _ in range(ncols - 1)]
    result = read(header + "\n" + rows(first, *others))
    assert result.kind == kind


def test_it_tells_a_jv_sweep_with_a_time_column_from_an_mpp_track():
    sweep = [-0.1 + 0.1 * i for i in range(9)]
    text = "VSource (V)\tCurrent Density (mA/cm2)\tTime (s)\n" + rows(
        sweep, [20.0 - 3 * i for i in range(9)], [0.1 * i for i in range(9)]
    )
    assert read(text).kind == "jv"
    track = [0.5, 0.51, 0.5, 0.49, 0.5, 0.51, 0.5, 0.5, 0.49]
    text = "Time (s)\tVoltage (V)\tCurrent density (mA/cm2)\n" + rows(
        [float(i) for i in range(9)], track, [-20.0] * 9
    )
    assert read(text).kind == "mpp"


def test_it_lets_the_upload_kind_choose_between_fitting_readings():
    text = "Time (s)\tVoltage (V)\tCurrent (A)\n" + rows(
        [float(i) for i in range(9)], [0.5] * 9, [-0.002] * 9
    )
    assert read(text).kind == "mpp"
    assert read(text, kind="tpv").kind == "tpv"


def test_it_uses_the_file_name_tag_for_a_table_without_header():
    text = rows([1.0, 2.0, 3.0, 4.0, 5.0], [0.1, 0.2, 0.3, 0.4, 0.5])
    assert read(text, "sample.notes.jv.txt").kind == "jv"
    assert read(text, "sample.eqe.dat").kind == "eqe"
    assert read(text, "plain.txt", kind="absorbance").kind == "absorbance"


def test_it_reads_repeated_voltage_current_pairs_as_several_scans():
    text = "V1,J1,V2,J2\n" + rows(V[:8], J[:8], V[:8][::-1], J[:8][::-1], sep=",")
    result = read(text)
    assert [s.label for s in result.series] == ["J1", "J2"]
    assert [s.metadata["scan_direction"] for s in result.series] == ["reverse", "forward"]


def test_it_pairs_each_current_with_the_voltage_after_it_when_currents_come_first():
    text = "J1,V1,J2,V2\n" + rows(J[:8], V[:8], J[:8][::-1], V[:8][::-1], sep=",")
    result = read(text)
    assert [s.label for s in result.series] == ["J1", "J2"]
    assert result.series[1].columns["voltage_v"][0] == pytest.approx(V[7])
    assert result.series[1].columns["current_density_ma_cm2"][0] == pytest.approx(J[7])


def test_it_reads_ossila_pixel_pairs_of_different_lengths():
    lines = ["Pixel 1,,Pixel 2,,", "V (V),J (A/cm^2),V (V),J (A/cm^2),"]
    for i in range(9):
        pixel2 = f"{0.1 * i:.1f},{-0.021 + 0.003 * i:.4f}," if i < 7 else ",,"
        lines.append(f"{0.1 * i:.1f},{-0.02 + 0.003 * i:.4f}," + pixel2)
    result = read("\n".join(lines), "ossila.csv")
    assert [s.label for s in result.series] == ["Pixel 1", "Pixel 2"]
    assert [s.metadata["pixel"] for s in result.series] == ["1", "2"]
    assert [len(s) for s in result.series] == [9, 7]
    assert result.series[1].columns["current_density_ma_cm2"][0] == pytest.approx(-21.0)


def test_it_reads_one_voltage_column_with_several_current_columns():
    text = "Voltage (V)\tJ pixel 1 (mA/cm2)\tJ pixel 2 (mA/cm2)\n" + rows(V[:8], J[:8], J[:8])
    result = read(text)
    assert [s.metadata["pixel"] for s in result.series] == ["1", "2"]
    assert result.series[0].columns["voltage_v"] is result.series[1].columns["voltage_v"] or (
        np.array_equal(result.series[0].columns["voltage_v"], result.series[1].columns["voltage_v"])
    )


def test_it_reads_blank_line_separated_blocks_with_their_own_metadata():
    text = (
        "Area (cm2): 0.05\n\nPixel: 1\nScan direction: reverse\nV (V)\tJ (mA/cm2)\n"
        + rows(V[:8], J[:8])
        + "\nPixel: 2\nScan direction: forward\nV (V)\tJ (mA/cm2)\n"
        + rows(V[:8][::-1], J[:8][::-1])
    )
    result = read(text)
    assert [s.label for s in result.series] == ["pixel 1 reverse", "pixel 2 forward"]
    assert [s.metadata["pixel"] for s in result.series] == ["1", "2"]
    assert [s.metadata["scan_direction"] for s in result.series] == ["reverse", "forward"]
    assert result.metadata["area_cm2"] == 0.05


def test_it_repeats_the_header_for_blocks_that_carry_none():
    text = "V (V)\tJ (mA/cm2)\n" + rows(V[:8], J[:8]) + "\n\n" + rows(V[:8][::-1], J[:8][::-1])
    result = read(text)
    assert len(result.series) == 2
    assert [s.metadata["scan_direction"] for s in result.series] == ["reverse", "forward"]


def test_it_reads_a_units_row_under_the_names():
    text = "Time\tVoltage\tCurrent Density\tPower\tPCE\ns\tV\tmA/cm^2\tmW/cm^2\t%\n" + rows(
        [float(i) for i in range(8)], [0.5] * 8, [-20.0] * 8, [10.0] * 8, [10.0] * 8
    )
    result = read(text)
    assert result.kind == "mpp"
    assert set(result.series[0].columns) == {
        "time_s",
        "voltage_v",
        "current_density_ma_cm2",
        "power_mw_cm2",
        "pce_percent",
    }


def test_it_reads_names_with_spaces_over_whitespace_separated_numbers():
    text = "Voltage (V) Current density (mA/cm2)\n" + rows(V, J, sep="   ")
    (scan,) = read(text).series
    assert scan.columns["current_density_ma_cm2"] == pytest.approx(J)


@pytest.mark.parametrize(
    ("line", "key", "value"),
    [
        ("Area (cm2): 0.05", "area_cm2", 0.05),
        ("# area = 5 mm2", "area_cm2", 0.05),
        ("Cell area;0,05", "area_cm2", 0.05),
        ("Active area [cm2]\t0.05", "area_cm2", 0.05),
        ("Irradiance: 1000 W/m2", "irradiance_mw_cm2", 100.0),
        ("Irradiance (suns): 1", "irradiance_mw_cm2", 100.0),
        ("Intensity (%): 50", "irradiance_mw_cm2", 50.0),
        ("Temperature (K): 298.15", "temperature_c", 25.0),
        ("Temperature: 25 °C", "temperature_c", 25.0),
        ("Date: 2025-06-02 14:22:00", "measured_at", "2025-06-02T14:22:00"),
        ("Date: 30.11.2023 17:30", "measured_at", "2023-11-30T17:30:00"),
        ("Operator: Ana", "operator", "Ana"),
        ("Scan rate (V/s): 0.1", "scan_rate_mv_s", 100.0),
        ("Scan direction: Voc to Jsc", "declared_scan_direction", "reverse"),
    ],
)
def test_it_reads_canonical_facts_from_the_metadata_block(line, key, value):
    separator = ";" if ";" in line else "\t"
    header = separator.join(["Voltage (V)", "J (mA/cm2)"])
    result = read(f"{line}\n{header}\n" + rows(V, J, sep=separator, comma=";" in line))
    assert result.metadata[key] == pytest.approx(value) if isinstance(value, float) else value
    if isinstance(value, str):
        assert result.metadata[key] == value


def test_it_keeps_the_declared_scan_direction_and_flags_a_voltage_order_that_contradicts_it():
    # One curve with its own voltage column: the order is reliable, so the clash is flagged;
    # the label still wins (analysis-methods 2).
    result = read("Scan direction: forward\nVoltage (V)\tJ (mA/cm2)\n" + rows(V, J))
    (scan,) = result.series
    assert scan.metadata["scan_direction"] == "forward"
    assert scan.metadata["declared_scan_direction"] == "forward"
    assert scan.metadata["seen_scan_direction"] == "reverse"
    assert scan.metadata["direction_layout_reliable"] is True
    assert scan.metadata["direction_conflict"] is True
    assert any("keeps the label" in w for w in result.warnings)


def test_it_converts_transmittance_to_absorbance():
    text = "Wavelength (nm),T (%)\n" + rows([400.0 + i for i in range(6)], [10.0] * 6, sep=",")
    (spectrum,) = read(text).series
    assert spectrum.columns["absorbance"][0] == pytest.approx(1.0)


def test_it_reads_a_cp1252_file_with_squared_units():
    text = "Voltage (V)\tJ (mA/cm²)\n" + rows(V, J)
    result = parse(text.encode("cp1252"), "windows.txt")
    assert result.series[0].columns["current_density_ma_cm2"] == pytest.approx(J)


def test_it_reads_a_utf16_file_with_a_byte_order_mark():
    text = "Voltage (V)\tJ (mA/cm2)\r\n" + rows(V, J).replace("\n", "\r\n")
    result = parse(text.encode("utf-16"), "windows.txt")
    assert result.series[0].columns["voltage_v"] == pytest.approx(V)


def test_it_reads_a_utf8_file_with_a_byte_order_mark():
    text = "\ufeffVoltage (V)\tJ (mA/cm2)\n" + rows(V, J)
    result = parse(text.encode("utf-8"), "bom.txt")
    assert result.series[0].columns["voltage_v"] == pytest.approx(V)


def test_it_pairs_extra_columns_with_their_own_scan():
    text = "Area (cm2): 0.1\nV (V)\tJ1 (mA/cm2)\tI1 (mA)\tJ2 (mA/cm2)\tI2 (mA)\n" + rows(
        V[:6], J[:6], [1.0] * 6, J[:6], [2.0] * 6
    )
    first, second = read(text).series
    assert first.columns["current_a"][0] == pytest.approx(0.001)
    assert second.columns["current_a"][0] == pytest.approx(0.002)
    assert second.columns["current_density_ma_cm2"][0] == pytest.approx(J[0])  # the J column


def test_it_reads_a_thousand_columns_without_slowing_to_a_crawl():
    # 999 curves on one voltage column: 1,000 fields, the most a line may hold (_table.py).
    # Names without spaces: _table.py's width check also counts whitespace-split words.
    header = "\t".join(["V[V]"] + [f"J{i}[mA/cm2]" for i in range(999)])
    body = "\n".join("\t".join([f"{v:g}"] + ["-1.5"] * 999) for v in V[:8])
    start = time.perf_counter()
    result = read(header + "\n" + body)
    assert len(result.series) == 999
    assert time.perf_counter() - start < 5.0  # quadratic bookkeeping would take minutes
