"""Properties every builder must have, whatever the figure."""

import re

import numpy as np
import plotly.graph_objects as go
import pytest

from analysis import figures

from .samples import aging_panels, assert_valid, jv_curve, paper_groups

WAVELENGTH = np.linspace(300, 1300, 501)


def _cases() -> dict:
    return {
        "distribution": lambda: figures.metric_distribution(paper_groups(), "pce_percent"),
        "grid": lambda: figures.metric_grid(
            [
                {**g, "values": {m: g["values"] for m in ("pce_percent", "voc_v")}}
                for g in paper_groups()
            ],
            metrics=("pce_percent", "voc_v"),
        ),
        "aging": lambda: figures.aging_figure(aging_panels()),
        "jv": lambda: figures.jv_figure([jv_curve("T1", "reverse")]),
        "eqe": lambda: figures.eqe_figure(
            [
                {
                    "label": "T1",
                    "wavelength_nm": WAVELENGTH,
                    "eqe_percent": np.full(501, 60.0),
                    "integrated_jsc_ma_cm2": 28.0,
                    "cumulative_jsc_ma_cm2": np.linspace(0, 28, 501),
                }
            ]
        ),
        "mpp": lambda: figures.mpp_figure(
            [{"label": "T1", "time_s": np.arange(60.0), "pce_percent": np.full(60, 12.5)}]
        ),
        "intensity": lambda: figures.intensity_figure(
            [
                {
                    "label": "T1",
                    "intensity_mw_cm2": [1, 10, 100],
                    "voc_v": [0.3, 0.39, 0.47],
                    "jsc_ma_cm2": [0.33, 3.3, 32.9],
                }
            ]
        ),
        "spectra": lambda: figures.spectra_figure(
            [
                {
                    "label": "film",
                    "wavelength_nm": WAVELENGTH,
                    "absorbance": np.exp(-WAVELENGTH / 500),
                }
            ],
            [
                {
                    "label": "film",
                    "wavelength_nm": WAVELENGTH,
                    "intensity": np.exp(-((WAVELENGTH - 1250) ** 2) / 800),
                }
            ],
        ),
        "trpl": lambda: figures.trpl_figure(
            [
                {
                    "label": "film",
                    "time_ns": np.arange(1000.0),
                    "counts": 1e4 * np.exp(-np.arange(1000) / 300),
                }
            ]
        ),
    }


CASES = _cases()
EMPTY = {
    "distribution": lambda: figures.metric_distribution([], "voc_v"),
    "grid": lambda: figures.metric_grid([]),
    "aging": lambda: figures.aging_figure([]),
    "jv": lambda: figures.jv_figure([]),
    "eqe": lambda: figures.eqe_figure([]),
    "mpp": lambda: figures.mpp_figure([]),
    "intensity": lambda: figures.intensity_figure([]),
    "spectra": lambda: figures.spectra_figure([], []),
    "trpl": lambda: figures.trpl_figure([]),
}


def _axes(result: dict) -> dict[str, dict]:
    return {k: v for k, v in result["layout"].items() if re.fullmatch(r"[xy]axis\d*", k)}


@pytest.mark.parametrize("case", CASES)
def test_every_builder_returns_strict_json_that_plotly_accepts(case):
    result = assert_valid(CASES[case]())
    assert set(result) == {"data", "layout"}
    assert result["data"]


@pytest.mark.parametrize("case", CASES)
def test_every_titled_axis_names_its_unit_in_parentheses(case):
    titled = {k: a["title"]["text"] for k, a in _axes(CASES[case]()).items() if a["title"]["text"]}
    assert titled
    for key, title in titled.items():
        assert re.search(r"\(.+\)$", title), f"{key}: {title!r} has no unit"


@pytest.mark.parametrize("case", CASES)
def test_every_value_axis_has_a_title(case):
    result = CASES[case]()
    for key, ax in _axes(result).items():
        # Only the categorical group axis of the distributions may go untitled, and axes that
        # share ("match") another axis' scale, whose title stands for both.
        if (key.startswith("x") and "ticktext" in ax) or "matches" in ax:
            continue
        assert ax["title"]["text"], key


@pytest.mark.parametrize("case", CASES)
def test_no_figure_relies_on_a_plotly_template(case):
    # Pages call Plotly.newPlot without plotly.py's template; the look must travel in the layout.
    assert "template" not in CASES[case]()["layout"]


@pytest.mark.parametrize("case", EMPTY)
def test_no_data_still_gives_a_labelled_figure_with_a_message(case):
    result = assert_valid(EMPTY[case]())
    assert result["data"] == []
    assert result["layout"]["annotations"][0]["text"].startswith("No ")
    assert result["layout"]["yaxis"]["title"]["text"]


def test_the_package_exports_every_builder():
    for name in figures.__all__:
        assert hasattr(figures, name)
    assert isinstance(go.Figure(figures.jv_figure([jv_curve("T1", "reverse")])), go.Figure)
