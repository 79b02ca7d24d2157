"""Figure details a researcher reads (issue 15): log axes once a decade, peak labels that never
overlap, the 80 % line above the grid, one colour per spectrum and per variant key, paired
forward/reverse panels, faceted two-factor distributions and the substrate map."""

from __future__ import annotations

import numpy as np

from analysis.figures import eqe_figure, palette, spectra_figure, trpl_figure
from analysis.figures.aging import aging_figure
from analysis.figures.curves import hysteresis_figure, intensity_figure, mpp_figure
from analysis.figures.distributions import metric_facets
from analysis.figures.substrates import pixel_position, substrate_map

from .samples import aging_panels, assert_valid, device_group, jv_curve


def test_log_axes_are_labelled_once_a_decade_as_powers_of_ten():
    t = np.linspace(0, 1000, 200)
    trpl = assert_valid(
        trpl_figure([{"label": "film", "time_ns": t, "counts": 1e4 * np.exp(-t / 90) + 1}])
    )
    assert trpl["layout"]["yaxis"]["exponentformat"] == "power"
    assert trpl["layout"]["yaxis"]["dtick"] == 1 and trpl["layout"]["yaxis"]["type"] == "log"
    series = {"label": "d", "intensity_mw_cm2": [1, 10, 100], "voc_v": [0.4, 0.5, 0.6],
              "jsc_ma_cm2": [0.25, 2.5, 25]}  # fmt: skip
    intensity = assert_valid(intensity_figure([series]))["layout"]
    for key in ("xaxis", "xaxis2", "yaxis2"):
        assert intensity[key]["exponentformat"] == "power" and intensity[key]["dtick"] == 1


def _film(peak: float, label: str = "film") -> dict:
    wl = np.linspace(1400, 600, 401)
    return {"label": label, "wavelength_nm": wl, "absorbance": 0.2 + 300 / wl,
            "exciton_peak_nm": peak, "diameter_nm": 4.1}  # fmt: skip


def _pl(peak: float, label: str = "film") -> dict:
    wl = np.linspace(1000, 1500, 251)
    return {"label": label, "wavelength_nm": wl, "intensity": np.exp(-((wl - peak) / 40) ** 2),
            "peak_nm": peak, "fwhm_nm": 65}  # fmt: skip


def test_exciton_size_and_pl_labels_of_one_film_never_print_over_each_other():
    fig = assert_valid(spectra_figure([_film(1180), _film(1200, "film 2")], [_pl(1250)]))
    notes = fig["layout"]["annotations"]
    assert len(notes) == 3
    # Each label's text sits in the headroom at (ax, ay), in its own axis' coordinates.
    tops = {"y": fig["layout"]["yaxis"]["range"][1], "y2": fig["layout"]["yaxis2"]["range"][1]}
    boxes = [(n["ax"], n["ay"] / tops[n["ayref"]]) for n in notes]
    for i, (x1, y1) in enumerate(boxes):
        for x2, y2 in boxes[i + 1 :]:
            # Labels are ~120 nm wide (a sixth of the range) and a tenth of the height tall.
            assert abs(x1 - x2) >= 800 / 6 * 0.9 or abs(y1 - y2) >= 0.1
    assert all(n["axref"] == "x" and n["ayref"] == n["yref"] for n in notes)
    # Every arrow still points at its peak on the curve.
    assert sorted(n["x"] for n in notes) == [1180.0, 1200.0, 1250.0]


def test_the_80_percent_line_is_drawn_above_the_gridlines_and_the_legend_below():
    fig = assert_valid(aging_figure(aging_panels()))
    assert {s["layer"] for s in fig["layout"]["shapes"]} == {"above"}
    assert fig["layout"]["legend"]["orientation"] == "h" and fig["layout"]["legend"]["y"] < 0


def test_a_variant_colour_given_by_the_page_wins_over_the_figure_order():
    panels = aging_panels()
    panels[0]["variants"][0]["color"] = "#123456"
    fig = aging_figure(panels)
    name = panels[0]["variants"][0]["name"]
    assert {t["line"]["color"] for t in fig["data"] if t["name"] == name and "line" in t} == {
        "#123456"
    }


def test_a_key_has_one_colour_whatever_else_is_drawn():
    assert palette.key_color("A-BA") == palette.key_color(" a-ba ")
    assert palette.key_color(palette.variant_key("control", "A-LX")) == palette.CONTROL
    assert palette.key_color(palette.variant_key("target", "A-LX")) == palette.TARGET
    assert palette.variant_key("other", "A-BA") == "A-BA"
    assert palette.variant_key(None, None, "thick") == "thick"


def test_several_eqe_spectra_of_one_device_each_get_their_own_colour():
    wl = np.linspace(400, 1300, 50)
    spectra = [{"label": "eqe.txt", "wavelength_nm": wl, "eqe_percent": 50 + 0 * wl}] * 3
    fig = assert_valid(eqe_figure(spectra))
    assert len({t["line"]["color"] for t in fig["data"]}) == 3


def test_the_mpp_band_has_a_legend_entry_saying_what_it_is():
    trace = {"label": "mpp", "time_s": [0, 30, 60], "pce_percent": [9, 9.5, 9.5],
             "stabilised_window_s": [30, 60], "stabilised_pce_percent": 9.5}  # fmt: skip
    fig = assert_valid(mpp_figure([trace]))
    (band,) = [t for t in fig["data"] if t["name"].startswith("Grey band")]
    assert band["marker"]["color"] == fig["layout"]["shapes"][0]["fillcolor"].replace(
        "0.06", "0.15"
    )
    assert assert_valid(mpp_figure([{**trace, "stabilised_window_s": None}]))["data"][-1][
        "name"
    ].startswith("mpp")


def test_forward_and_reverse_scans_are_paired_in_panels_with_their_hysteresis_index():
    pairs = [
        {
            "title": f"P{k}",
            "reverse": jv_curve("r", "reverse"),
            "forward": jv_curve("f", "forward"),
            "hi_pce": 0.05 * k,
            "pce_rs_percent": 10.0,
            "pce_fs_percent": 10.0 - 0.5 * k,
        }  # fmt: skip
        for k in (1, 2)
    ]
    fig = assert_valid(hysteresis_figure(pairs))
    assert [(t["name"], t["xaxis"]) for t in fig["data"]] == [
        ("reverse", "x"), ("forward", "x"), ("reverse", "x2"), ("forward", "x2"),
    ]  # fmt: skip
    assert [t["showlegend"] for t in fig["data"]] == [True, True, False, False]
    titles = [a["text"] for a in fig["layout"]["annotations"]]
    assert titles[1] == "P2<br>HI<sub>PCE</sub> = 0.100 (PCE 10.00 % rev, 9.00 % fwd)"


def test_two_factor_distributions_draw_one_panel_per_level_on_one_scale():
    low = [device_group("PbI2", 10, 8, seed=1), device_group("BA", 11, 8, seed=2)]
    high = [device_group("PbI2", 6, 8, seed=3)]
    fig = assert_valid(metric_facets([("1.1 eV", low), ("1.3 eV", high)], "pce_percent"))
    layout = fig["layout"]
    assert [a["text"] for a in layout["annotations"]] == ["<b>1.1 eV</b>", "<b>1.3 eV</b>"]
    assert layout["yaxis2"]["matches"] == "y"
    assert (
        layout["xaxis"]["ticktext"][0].startswith("PbI2") and len(layout["xaxis2"]["ticktext"]) == 1
    )
    pbi2 = {t["marker"]["color"] for t in fig["data"] if t["name"] == "PbI2" and "marker" in t}
    assert len(pbi2) == 1  # one group, one colour in every panel


def test_pixels_sit_on_the_substrate_as_on_the_mask():
    assert pixel_position("P1") == (0, 0) and pixel_position("P4") == (3, 0)
    assert pixel_position("P5") == (0, 1) and pixel_position("p8") == (3, 1)
    assert pixel_position("P9") is None and pixel_position("") is None
    fig = assert_valid(
        substrate_map(
            [
                {
                    "code": "S1",
                    "group": "target",
                    "pixels": [
                        {"pixel": "P1", "code": "S1/P1", "pce": 10.0},
                        {"pixel": "P6", "code": "S1/P6", "pce": None},
                        {"pixel": "P3", "code": "S1/P3", "pce": 2.0, "excluded": True},
                    ],
                }
            ]  # fmt: skip
        )
    )
    measured, unmeasured, excluded = fig["data"]
    assert measured["x"] == [0, 2] and measured["y"] == [0, 0]
    assert measured["marker"]["color"] == [10.0, 2.0] and measured["marker"]["showscale"]
    assert (unmeasured["x"], unmeasured["y"]) == ([1], [-1])
    assert excluded["x"] == [2]
