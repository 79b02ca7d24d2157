"""Plotly figure builders: plain data in, a JSON-safe {"data", "layout"} dict out.

Builders never query the database; selectors hand them lists, dicts and arrays. Pages embed the
result with the `plot_json` template filter (what `json_script` writes, compact; `to_json`) and
call `Plotly.newPlot(el, fig.data, fig.layout, config)`.
"""

from ._common import to_json
from .aging import aging_figure
from .curves import intensity_figure, jv_figure, mpp_figure
from .distributions import METRICS, metric_distribution, metric_grid
from .spectra import eqe_figure, spectra_figure, trpl_figure

__all__ = [
    "METRICS",
    "aging_figure",
    "eqe_figure",
    "intensity_figure",
    "jv_figure",
    "metric_distribution",
    "metric_grid",
    "mpp_figure",
    "spectra_figure",
    "to_json",
    "trpl_figure",
]
