"""Device-metric distributions: every device visible, excluded ones apart, pages stay small."""

import numpy as np
import pytest

from analysis.figures import METRICS, aging_figure, metric_distribution, metric_grid
from analysis.figures.distributions import VIOLIN_MIN_N

from .samples import (
    CONTROL,
    TARGET,
    aging_panels,
    assert_valid,
    device_group,
    paper_groups,
    payload_bytes,
    traces_of,
)


def _points(result: dict) -> list[dict]:
    return [
        t
        for t in result["data"]
        if t["type"].startswith("scatter") and t["legendgroup"] != "excluded"
    ]


def _excluded(result: dict) -> dict:
    (trace,) = [t for t in result["data"] if t.get("legendgroup") == "excluded"]
    return trace


def test_every_included_device_is_one_point_with_its_code_and_url():
    groups = paper_groups(30)
    result = assert_valid(metric_distribution(groups, "pce_percent"))
    points = _points(result)
    assert [t["name"] for t in points] == [TARGET, CONTROL]
    for trace, group in zip(points, groups, strict=True):
        assert len(trace["y"]) == 30
        assert trace["text"] == group["codes"]
        assert trace["customdata"] == group["urls"]
        assert trace["y"] == pytest.approx(group["values"], rel=1e-5)


def test_hovering_a_point_shows_the_device_code_and_the_value_with_its_unit():
    trace = _points(metric_distribution(paper_groups(), "voc_v"))[0]
    assert "%{text}" in trace["hovertemplate"]
    assert "%{y:.3f} V" in trace["hovertemplate"]


def test_excluded_devices_get_their_own_grey_x_trace_with_the_reason_in_hover():
    groups = paper_groups(30, excluded_every=10)
    result = assert_valid(metric_distribution(groups, "pce_percent"))
    excluded = _excluded(result)
    assert excluded["name"] == "Excluded (6)"
    assert excluded["marker"]["symbol"] == "x"
    assert len(excluded["y"]) == 6
    assert all("shunted pixel" in note for note in excluded["hovertext"])
    assert "%{hovertext}" in excluded["hovertemplate"]
    assert excluded["text"][0] == groups[0]["codes"][0]
    assert excluded["customdata"][0] == groups[0]["urls"][0]
    assert sum(len(t["y"]) for t in _points(result)) == 54


def test_excluded_devices_without_a_reason_say_so():
    group = device_group(TARGET, 12.7, 5)
    group["excluded"] = [True, False, False, False, False]
    del group["reasons"]
    excluded = _excluded(metric_distribution([group], "pce_percent"))
    (note,) = excluded["hovertext"]
    assert note.startswith(f"{TARGET}: excluded (no reason recorded)<br>PCE: ")


def test_excluded_devices_do_not_enter_the_box_statistics():
    group = device_group(TARGET, 12.7, 9)
    group["values"] = [10.0, 11.0, 12.0, 13.0, 14.0, 0.1, 0.2, 0.3, 0.4]
    group["excluded"] = [False] * 5 + [True] * 4
    (box,) = traces_of(metric_distribution([group], "pce_percent"), "box")
    assert box["median"] == [12.0]
    assert box["q1"] == [11.0] and box["q3"] == [13.0]
    assert box["lowerfence"] == [10.0] and box["upperfence"] == [14.0]
    assert box["mean"] == [12.0]


def test_it_draws_a_violin_with_a_box_inside_from_twenty_devices_and_a_box_below():
    result = metric_distribution(
        [device_group(TARGET, 12.7, VIOLIN_MIN_N), device_group(CONTROL, 10.9, VIOLIN_MIN_N - 1)],
        "pce_percent",
    )
    (violin,) = traces_of(result, "violin")
    (box,) = traces_of(result, "box")
    assert violin["name"] == TARGET and violin["box"]["visible"] is True
    assert violin["points"] is False, "points are drawn once, by the scatter trace"
    assert box["name"] == CONTROL and box["boxpoints"] is False


@pytest.mark.parametrize(
    ("metric", "title"),
    [
        ("pce_percent", "PCE (%)"),
        ("voc_v", "V<sub>OC</sub> (V)"),
        ("jsc_ma_cm2", "J<sub>SC</sub> (mA cm<sup>-2</sup>)"),
        ("ff", "FF (%)"),
    ],
)
def test_the_value_axis_names_the_metric_and_its_unit(metric, title):
    result = metric_distribution(paper_groups(), metric)
    assert result["layout"]["yaxis"]["title"]["text"] == title == METRICS[metric].title


def test_fill_factor_fractions_are_shown_in_percent_and_percentages_are_left_alone():
    fraction = device_group(TARGET, 0.58, 5)
    fraction["values"] = [0.5, 0.55, 0.58, 0.6, 0.62]
    as_percent = {**fraction, "values": [50, 55, 58, 60, 62]}
    for group in (fraction, as_percent):
        trace = _points(metric_distribution([group], "ff"))[0]
        assert trace["y"] == pytest.approx([50, 55, 58, 60, 62])


def test_a_device_without_a_value_is_counted_in_the_tick_label_not_hidden():
    group = device_group(TARGET, 12.7, 5)
    group["values"][2] = None
    result = assert_valid(metric_distribution([group], "pce_percent"))
    assert result["layout"]["xaxis"]["ticktext"] == [f"{TARGET}<br>n = 4, 1 without value"]
    assert len(_points(result)[0]["y"]) == 4


def test_tick_labels_count_devices_and_exclusions_per_group():
    result = metric_distribution(paper_groups(30, excluded_every=10), "pce_percent")
    assert result["layout"]["xaxis"]["ticktext"][1] == f"{CONTROL}<br>n = 27, 3 excluded"


def test_tick_labels_count_substrates_too_when_given():
    groups = paper_groups(30, excluded_every=10)
    groups[1]["n_substrates"] = 5  # pixels on one substrate are not independent: both Ns
    result = metric_distribution(groups, "pce_percent")
    ticks = result["layout"]["xaxis"]["ticktext"]
    assert ticks[1] == f"{CONTROL}<br>n = 27 (5 substrates), 3 excluded"
    assert ticks[0] == f"{TARGET}<br>n = 27, 3 excluded"


def test_a_group_keeps_its_colour_across_figures():
    distribution = metric_distribution(paper_groups(), "pce_percent")
    aging = aging_figure(aging_panels())
    for name in (TARGET, CONTROL):
        point_color = _points(distribution)[[TARGET, CONTROL].index(name)]["marker"]["color"]
        mean_line = next(
            t for t in aging["data"] if t.get("name") == name and t["mode"] == "lines+markers"
        )
        assert point_color == mean_line["line"]["color"]


def test_the_same_data_always_draws_the_same_picture():
    assert metric_distribution(paper_groups(), "jsc_ma_cm2") == metric_distribution(
        paper_groups(), "jsc_ma_cm2"
    )


def test_misaligned_codes_are_refused_rather_than_pinned_to_the_wrong_devices():
    group = device_group(TARGET, 12.7, 5)
    group["codes"] = group["codes"][:4]
    with pytest.raises(ValueError, match="expected 5"):
        metric_distribution([group], "pce_percent")


def test_above_two_thousand_points_it_switches_to_webgl_and_precomputed_boxes():
    result = assert_valid(
        metric_distribution(paper_groups(1500, excluded_every=100), "pce_percent")
    )
    assert {t["type"] for t in result["data"]} == {"scattergl", "box"}
    for box in traces_of(result, "box"):
        assert "y" not in box, "the box ships five numbers, not the raw values again"
        assert len(box["q1"]) == 1


def test_ten_thousand_devices_stay_under_two_megabytes():
    groups = paper_groups(5000, excluded_every=50)
    result = assert_valid(metric_distribution(groups, "pce_percent"))
    assert sum(len(t["y"]) for t in result["data"] if t["type"] == "scattergl") == 10_000
    assert payload_bytes(result) < 2_000_000


def test_the_grid_draws_one_panel_per_metric_with_a_single_legend():
    metrics = ("pce_percent", "voc_v", "jsc_ma_cm2", "ff")
    rng = np.random.default_rng(0)
    groups = [
        {**g, "values": {m: rng.normal(1, 0.1, 30).tolist() for m in metrics}}
        for g in paper_groups(30, excluded_every=10)
    ]
    result = assert_valid(metric_grid(groups, metrics))
    layout = result["layout"]
    assert [layout[f"yaxis{s}"]["title"]["text"] for s in ("", "2", "3", "4")] == [
        METRICS[m].title for m in metrics
    ]
    in_legend = [t["name"] for t in result["data"] if t.get("showlegend")]
    assert in_legend == [TARGET, CONTROL, "Excluded (6)"]
    assert {t["xaxis"] for t in result["data"]} == {"x", "x2", "x3", "x4"}


def test_numpy_arrays_from_a_selector_are_accepted_like_lists():
    group = device_group(TARGET, 12.7, 25, excluded_every=5)
    as_arrays = {key: np.asarray(value) for key, value in group.items() if key != "name"}
    result = assert_valid(metric_distribution([{"name": TARGET, **as_arrays}], "pce_percent"))
    assert result == metric_distribution([group], "pce_percent")


def test_the_four_metric_grid_of_ten_thousand_devices_stays_under_two_megabytes():
    metrics = ("pce_percent", "voc_v", "jsc_ma_cm2", "ff")
    groups = [
        {**g, "values": {m: g["values"] for m in metrics}}
        for g in paper_groups(5000, excluded_every=50)
    ]
    assert payload_bytes(assert_valid(metric_grid(groups, metrics))) < 2_000_000
