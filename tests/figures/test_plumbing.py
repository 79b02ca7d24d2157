"""Palette, JSON-safe arrays and the downsampling every builder shares (compute.downsample)."""

import json

import numpy as np

from analysis.compute.downsample import downsample, evenly_spaced, minmax_indices
from analysis.figures import palette
from analysis.figures._common import json_floats, json_strings


def test_target_and_control_always_get_their_fixed_colours():
    colors = palette.colors_for(["Control PbI2", "Target (BA)2PbI4", "MAPbI3"])
    assert colors["Target (BA)2PbI4"] == palette.TARGET
    assert colors["Control PbI2"] == palette.CONTROL
    assert colors["MAPbI3"] in palette.OTHERS


def test_a_name_gets_the_same_colour_whatever_else_is_in_the_figure():
    alone = palette.colors_for(["Quasi-2D n = 5"])["Quasi-2D n = 5"]
    with_others = palette.colors_for(["Target", "Quasi-2D n = 5", "Control"])["Quasi-2D n = 5"]
    assert alone == with_others


def test_groups_in_one_figure_never_share_a_colour_while_colours_last():
    names = [f"batch {i}" for i in range(len(palette.OTHERS))]
    assert len(set(palette.colors_for(names).values())) == len(names)


def test_non_finite_values_become_null_so_the_browser_can_parse_the_json():
    values = json_floats([1.0, float("nan"), None, float("inf"), 2.5])
    assert values == [1.0, None, None, None, 2.5]
    assert json.loads(json.dumps(values, allow_nan=False)) == values


def test_values_are_rounded_to_six_significant_digits_at_any_magnitude():
    values = json_floats([12.3456789, 0.000123456789, 123456789.0, -0.4712346, 0.0, 1e-320])
    assert values == [12.3457, 0.000123457, 123457000.0, -0.471235, 0.0, 1e-320]
    assert json.dumps(values[:2]) == "[12.3457, 0.000123457]", "no float noise in the payload"


def test_numpy_arrays_come_out_as_plain_python_lists():
    values = json_floats(np.arange(3, dtype=np.float32))
    assert values == [0.0, 1.0, 2.0] and all(type(v) is float for v in values)


def test_absent_per_device_strings_default_for_every_point():
    assert json_strings(None, 3, "?") == ["?", "?", "?"]
    assert json_strings(["a", None, ""], 3, "?") == ["a", "?", "?"]


def test_short_arrays_are_not_downsampled():
    y = np.arange(10.0)
    assert minmax_indices(y, 10).tolist() == list(range(10))


def test_downsampling_caps_the_size_and_keeps_ends_and_extremes():
    x = np.arange(100_000, dtype=float)
    y = np.sin(x / 5000)
    y[31_337] = 50.0
    y[77_777] = -50.0
    xs, ys = downsample(x, y, max_points=1000)
    assert len(xs) <= 1000
    assert xs[0] == 0 and xs[-1] == 99_999
    assert ys.max() == 50.0 and ys.min() == -50.0
    assert np.all(np.diff(xs) > 0), "still in order, so lines do not zigzag back"


def test_downsampling_ignores_gaps_and_carries_aligned_arrays_along():
    y = np.linspace(0, 1, 20_000)
    y[::7] = np.nan
    extra = np.arange(y.size)
    _, ys, kept = downsample(np.arange(y.size), y, extra, max_points=500)
    assert len(kept) <= 500
    assert np.isfinite(ys[1:-1]).all()
    assert kept[0] == 0 and kept[-1] == y.size - 1, "ends kept even when they are gaps"
    assert np.array_equal(y[kept], ys, equal_nan=True)


def test_whole_traces_are_thinned_by_even_spacing_and_short_lists_kept_whole():
    devices = list(range(250))
    sample = evenly_spaced(devices, 100)
    assert len(sample) == 100 and sample[0] == 0 and len(set(sample)) == 100
    assert evenly_spaced(devices[:7], 100) == devices[:7]
