"""Aging figure: one subplot per storage condition, mean ± std, devices on demand, T80."""

import pytest

from analysis.figures import aging_figure

from .samples import CONTROL, TARGET, aging_panels, aging_variant, assert_valid


def _by_axis(result: dict, axis: str) -> list[dict]:
    return [t for t in result["data"] if t["xaxis"] == axis]


def test_each_storage_condition_gets_its_own_titled_subplot():
    result = assert_valid(aging_figure(aging_panels()))
    layout = result["layout"]
    assert {"xaxis", "xaxis2", "xaxis3"} <= layout.keys()
    titles = [a["text"] for a in layout["annotations"] if a["yref"] == "paper"]
    assert titles == [f"<b>{p['title']}</b>" for p in aging_panels()]
    for suffix in ("", "2", "3"):
        assert layout[f"xaxis{suffix}"]["title"]["text"] == "Time (h)"
    assert layout["yaxis"]["title"]["text"] == "Normalised PCE (%)"


def test_the_y_title_is_written_once_per_row_of_panels():
    panels = aging_panels() * 2  # six panels: two rows of three
    layout = aging_figure(panels)["layout"]
    titled = [
        k for k in ("yaxis", *(f"yaxis{i}" for i in range(2, 7))) if layout[k]["title"]["text"]
    ]
    assert titled == ["yaxis", "yaxis4"]


def test_the_axis_label_follows_the_metric():
    result = aging_figure(aging_panels(), metric="voc")
    assert result["layout"]["yaxis"]["title"]["text"] == "Normalised V<sub>OC</sub> (%)"


def test_subplots_share_the_y_range_so_eighty_percent_sits_at_one_height():
    layout = aging_figure(aging_panels())["layout"]
    assert layout["yaxis2"]["matches"] == "y" and layout["yaxis3"]["matches"] == "y"


def test_each_variant_has_a_mean_line_and_a_std_band_in_every_panel():
    result = aging_figure(aging_panels())
    for axis in ("x", "x2", "x3"):
        traces = _by_axis(result, axis)
        means = [t for t in traces if t.get("mode") == "lines+markers"]
        bands = [t for t in traces if t.get("fill") == "toself"]
        assert [t["name"] for t in means] == [TARGET, CONTROL]
        assert [t["legendgroup"] for t in bands] == [TARGET, CONTROL]
    band = next(t for t in result["data"] if t.get("fill") == "toself")
    assert band["y"][0] == 104.0 and band["y"][-1] == 96.0, "mean ± 4 around the first point"


def test_a_variant_is_listed_once_in_the_legend_however_many_panels_show_it():
    result = aging_figure(aging_panels())
    listed = [t["name"] for t in result["data"] if t.get("showlegend")]
    assert listed == [TARGET, f"{TARGET}: devices", CONTROL, f"{CONTROL}: devices"]


def test_device_lines_are_hidden_until_asked_for_and_open_the_device_on_click():
    result = aging_figure(aging_panels())
    devices = [t for t in result["data"] if t["name"].endswith(": devices")]
    assert len(devices) == 6, "one trace per variant per panel, not one per device"
    trace = devices[0]
    assert trace["visible"] == "legendonly"
    assert trace["legendgroup"] == f"{TARGET}::devices"
    assert trace["x"].count(None) == 6, "six devices separated by gaps"
    assert trace["customdata"][0] == "/devices/T0/" and trace["text"][0] == "B12-T000-P1"
    assert len(trace["customdata"]) == len(trace["x"])


def test_every_panel_has_a_dashed_eighty_percent_line():
    layout = aging_figure(aging_panels())["layout"]
    lines = layout["shapes"]
    assert [s["yref"] for s in lines] == ["y", "y2", "y3"]
    assert all(s["y0"] == s["y1"] == 80 and s["line"]["dash"] == "dash" for s in lines)
    assert [s["xref"] for s in lines] == ["x domain", "x2 domain", "x3 domain"]


def test_t80_is_marked_only_where_it_was_reached():
    result = aging_figure(aging_panels())
    markers = [t for t in result["data"] if t.get("marker", {}).get("symbol") == "diamond"]
    assert len(markers) == 3 and all(t["name"] == CONTROL for t in markers)
    assert markers[0]["x"] == [570.0] and markers[0]["y"] == [80.0]
    assert markers[0]["hovertext"] == ["T<sub>80</sub> = 570 h (reference: first point)"]


def test_out_of_order_hours_are_sorted_so_the_band_does_not_fold():
    variant = aging_variant(TARGET, 90, devices=0)
    variant["hours"] = variant["hours"][::-1]
    variant["mean"] = variant["mean"][::-1]
    result = aging_figure([{"title": "Air", "variants": [variant]}])
    mean = next(t for t in result["data"] if t.get("mode") == "lines+markers")
    assert mean["x"] == sorted(mean["x"])


def test_a_variant_without_spread_or_devices_still_draws_its_mean():
    variant = {"name": TARGET, "hours": [0, 10], "mean": [100, 89], "t80_h": None}
    result = assert_valid(aging_figure([{"title": "80 °C", "variants": [variant]}]))
    assert [t["mode"] for t in result["data"]] == ["lines+markers"]


def test_the_mean_hover_shows_the_spread_only_when_there_is_one():
    with_std = aging_figure(aging_panels())["data"]
    mean = next(t for t in with_std if t.get("mode") == "lines+markers")
    assert "± %{customdata:.1f}" in mean["hovertemplate"]
    variant = {"name": TARGET, "hours": [0, 10], "mean": [100, 89]}
    (bare,) = aging_figure([{"title": "80 °C", "variants": [variant]}])["data"]
    assert "±" not in bare["hovertemplate"]


def test_a_device_with_misaligned_hours_and_values_is_refused():
    variant = aging_variant(TARGET, 90, devices=1)
    variant["devices"][0]["values"] = variant["devices"][0]["values"][:-1]
    with pytest.raises(ValueError, match="B12-T000-P1"):
        aging_figure([{"title": "Air", "variants": [variant]}])


# --- survival of T80 (Kaplan-Meier) -------------------------------------------------------


def _survival_panels() -> list[dict]:
    from analysis.compute.aging import t80_survival

    durations = [200, 210, 230, 100, 150, 400, 400, 400]
    events = [True, True, True, False, True, False, False, False]
    names = [CONTROL] * 4 + [TARGET] * 4
    s = t80_survival(durations, events, names)
    return [
        {"title": "Air, 65 °C", "note": "log-rank p = 0.20", **s},
        {"title": "Argon", "groups": [], "logrank": None},  # nothing aged yet: no subplot
    ]


def test_survival_curves_are_steps_with_a_band_and_censoring_ticks():
    from analysis.figures.survival import survival_figure

    result = assert_valid(survival_figure(_survival_panels()))
    steps = [t for t in result["data"] if t.get("line", {}).get("shape") == "hv"]
    assert [t["name"] for t in steps] == [CONTROL, TARGET]
    assert steps[0]["y"][0] == 100.0 and steps[0]["y"][-1] == 0.0
    bands = [t for t in result["data"] if t.get("fill") == "toself"]
    assert len(bands) == 2 and all(t["hoverinfo"] == "skip" for t in bands)
    ticks = {t["name"]: t for t in result["data"] if t["name"].endswith(": censored")}
    assert ticks[f"{CONTROL}: censored"]["x"] == [100.0]
    assert ticks[f"{TARGET}: censored"]["x"] == [400.0, 400.0, 400.0]
    assert ticks[f"{TARGET}: censored"]["marker"]["symbol"] == "line-ns-open"
    (title,) = result["layout"]["annotations"]
    assert title["text"] == "<b>Air, 65 °C</b><br>log-rank p = 0.20"
    assert result["layout"]["yaxis"]["title"]["text"] == "Devices above 80 % (%)"


def test_a_survival_figure_without_aged_devices_says_so():
    from analysis.figures.survival import survival_figure

    result = assert_valid(survival_figure([{"title": "Argon", "groups": []}]))
    assert result["data"] == []
    assert "No device has two scans yet" in result["layout"]["annotations"][0]["text"]


def test_names_in_the_survival_figure_are_shown_as_typed_not_as_markup():
    from analysis.figures.survival import survival_figure

    panels = _survival_panels()
    panels[0]["title"] = "<a href='x'>air</a>"
    panels[0]["groups"][0]["name"] = "<b>bold</b>"
    result = assert_valid(survival_figure(panels))
    text = str(result)
    assert "<a href" not in text and "<b>bold" not in text
    assert "&lt;b&gt;bold&lt;/b&gt;" in [t["name"] for t in result["data"]]
