"""J-V, MPP tracking and light-intensity figures."""

import numpy as np
import pytest

from analysis.figures import intensity_figure, jv_figure, mpp_figure

from .samples import assert_valid, jv_curve, payload_bytes, traces_of


def _lines(result: dict) -> list[dict]:
    return [t for t in result["data"] if t["mode"] == "lines"]


def test_reverse_scans_are_solid_and_forward_scans_dashed_in_one_colour():
    result = assert_valid(jv_figure([jv_curve("T1", "reverse"), jv_curve("T1", "forward")]))
    reverse, forward = _lines(result)
    assert (reverse["name"], forward["name"]) == ("T1 (reverse)", "T1 (forward)")
    assert reverse["line"]["dash"] == "solid" and forward["line"]["dash"] == "dash"
    assert reverse["line"]["color"] == forward["line"]["color"]


def test_curves_of_one_group_share_a_colour_and_other_groups_differ():
    curves = [
        {**jv_curve("T1", "reverse"), "group": "Target"},
        {**jv_curve("T2", "reverse"), "group": "Target"},
        {**jv_curve("C1", "reverse"), "group": "Control"},
    ]
    colors = [t["line"]["color"] for t in _lines(jv_figure(curves))]
    assert colors[0] == colors[1] != colors[2]


def test_the_jv_axes_have_units_and_zero_lines():
    layout = jv_figure([jv_curve("T1", "reverse")])["layout"]
    assert layout["xaxis"]["title"]["text"] == "Voltage (V)"
    assert layout["yaxis"]["title"]["text"] == "Current density (mA cm<sup>-2</sup>)"
    assert layout["xaxis"]["zeroline"] and layout["yaxis"]["zeroline"]


def test_the_view_focuses_on_the_power_quadrant_of_an_illuminated_curve():
    layout = jv_figure([jv_curve("T1", "reverse")])["layout"]
    low, high = layout["yaxis"]["range"]
    assert low < 0 < 32.9 < high < 40


def test_a_dark_curve_keeps_autoscale():
    layout = jv_figure([jv_curve("dark", "reverse", jsc=0.0)])["layout"]
    assert "range" not in layout["yaxis"]


def test_voc_jsc_and_mpp_are_marked_when_the_analysis_gives_them():
    (markers,) = traces_of(jv_figure([jv_curve("T1", "reverse")]), name="T1: key points")
    assert markers["x"] == [0.47, 0.0, 0.37] and markers["y"] == [0.0, 32.9, 27.0]
    assert markers["marker"]["symbol"] == ["circle", "square", "star"]
    assert markers["hovertext"][0].startswith("V<sub>OC</sub>: 0.470 V")


def test_the_measurement_time_is_in_the_hover():
    (curve,) = _lines(jv_figure([jv_curve("T1", "reverse")]))
    assert "2025-03-04 14:30" in curve["hovertemplate"]


def test_a_long_sweep_is_downsampled_but_keeps_its_ends():
    curve = jv_curve("T1", "reverse", points=50_000)
    (trace,) = _lines(assert_valid(jv_figure([curve], max_points=2000)))
    assert len(trace["x"]) <= 2000
    assert trace["x"][0] == -0.1 and trace["x"][-1] == 0.6


def test_misaligned_arrays_are_refused():
    curve = jv_curve("T1", "reverse")
    curve["voltage_v"] = curve["voltage_v"][:-1]
    with pytest.raises(ValueError, match="differ in length"):
        jv_figure([curve])


def test_the_stabilised_window_is_shaded_and_its_value_in_the_legend():
    trace = {
        "label": "T1",
        "time_s": np.linspace(0, 60, 601),
        "pce_percent": 12.5 - np.exp(-np.linspace(0, 60, 601)),
        "stabilised_window_s": [30, 60],
        "stabilised_pce_percent": 12.5,
    }
    result = assert_valid(mpp_figure([trace]))
    assert result["data"][0]["name"] == "T1 (stabilised 12.50 %)"
    rect, level = result["layout"]["shapes"]
    assert (rect["type"], rect["x0"], rect["x1"]) == ("rect", 30.0, 60.0)
    assert level["y0"] == level["y1"] == 12.5
    assert result["layout"]["xaxis"]["title"]["text"] == "Time (s)"
    assert result["layout"]["yaxis"]["title"]["text"] == "PCE (%)"


def _intensity_series(label: str, n: float, jsc: bool = True) -> dict:
    intensity = np.array([1, 3, 10, 30, 100], dtype=float)
    series = {
        "label": label,
        "intensity_mw_cm2": intensity,
        "voc_v": n * 0.02569 * np.log(intensity) + 0.35,
    }
    if jsc:
        series["jsc_ma_cm2"] = 0.33 * intensity**0.98
    return series


def test_voc_vs_intensity_is_log_x_with_the_fit_line_and_n_in_the_legend():
    fit = [
        {"label": "Target", "ideality_factor": 1.49, "slope_v": 1.49 * 0.02569, "intercept_v": 0.35}
    ]
    result = assert_valid(intensity_figure([_intensity_series("Target", 1.49, jsc=False)], fit))
    layout = result["layout"]
    assert layout["xaxis"]["type"] == "log"
    assert layout["xaxis"]["title"]["text"] == "Light intensity (mW cm<sup>-2</sup>)"
    assert layout["yaxis"]["title"]["text"] == "V<sub>OC</sub> (V)"
    assert "xaxis2" not in layout
    points, line = result["data"]
    assert len(points["y"]) == 5
    assert line["name"] == "Target fit: n = 1.49"
    assert line["x"] == [1.0, 100.0]
    assert line["y"][-1] == pytest.approx(points["y"][-1], abs=1e-5)


def test_jsc_vs_intensity_is_a_log_log_panel_with_alpha():
    fit = [
        {
            "label": "Control",
            "ideality_factor": 1.91,
            "slope_v": 1.91 * 0.02569,
            "intercept_v": 0.35,
            "alpha": 0.98,
            "jsc_prefactor_ma_cm2": 0.33,
        }
    ]
    result = assert_valid(intensity_figure([_intensity_series("Control", 1.91)], fit))
    layout = result["layout"]
    assert layout["xaxis2"]["type"] == "log" and layout["yaxis2"]["type"] == "log"
    assert layout["yaxis2"]["title"]["text"] == "J<sub>SC</sub> (mA cm<sup>-2</sup>)"
    jsc_fit = next(t for t in result["data"] if t["xaxis"] == "x2" and t["mode"] == "lines")
    assert jsc_fit["name"] == "Control fit: α = 0.98"


def test_series_without_a_fit_are_still_plotted():
    result = assert_valid(intensity_figure([_intensity_series("Target", 1.49)]))
    assert [t["mode"] for t in result["data"]] == ["markers", "markers"]
    assert payload_bytes(result) < 10_000
