"""What a measurement kind declares, and what it is given: the shapes every kind module shares.

A kind is pure: a :class:`ParsedMeasurement` and an :class:`AnalysisContext` in, result rows
(:class:`RowSpec`) out. Everything it needs from the database (area, irradiance, the device's
reference J-V Jsc, the synthesis's exciton peak, thresholds) the pipeline gathers for a whole
chunk and passes in; a kind module imports no Django and no model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from measurements.parsers import ParsedMeasurement, Series

from ..compute.downsample import minmax_indices

MAX_CURVE_POINTS = 1000


class AnalysisError(ValueError):
    """The file was read but cannot be analysed as asked (a user-facing message)."""


@dataclass(frozen=True)
class Thresholds:
    """The lab's conventions, from settings (analysis-methods.md section 12)."""

    shorted_max_ff: float = 0.30
    shorted_max_rsh_ohm_cm2: float = 100.0
    eqe_jsc_mismatch_fraction: float = 0.10


@dataclass(frozen=True)
class AnalysisContext:
    """What a kind may know beyond its file, gathered by the pipeline for a whole chunk.

    Conditions come from the measurement row (the upload's fields, else the file's header,
    else for J-V the device's active area); the cross-check inputs from the device's and the
    synthesis's other results at the time of the analysis. When a cross-check input changes
    later (a J-V after its EQE), the pipeline queues the dependent measurement again.
    """

    target_type: str = ""
    area_cm2: float | None = None
    irradiance_mw_cm2: float | None = None
    temperature_c: float | None = None
    # The device's latest light reverse-scan Jsc (any light scan if there is no reverse one).
    reference_jsc_ma_cm2: float | None = None
    # The synthesis of the measured material: measured 1S peak, else the target one.
    exciton_peak_nm: float | None = None
    # Whether the measured material holds the dots (absorbance): False for a layer that does
    # not (a polymer, an oxide), which gets no exciton and no size; None when not known.
    is_qd_material: bool | None = None
    thresholds: Thresholds = field(default_factory=Thresholds)
    # Conditions the upload stated beyond the common ones (relative_permittivity for C-V,
    # load_resistance_ohm for transients), by name, in the units the names say.
    conditions: dict[str, Any] = field(default_factory=dict)
    # A file of several pixels feeds one measurement per pixel's device: this one's pixel.
    pixel: str = ""
    # Where the area came from (upload, mask, device, file) and whether they disagree.
    area_provenance: dict[str, Any] = field(default_factory=dict)
    # TRPL: the instrument response (time_ns, counts) of the measurement the upload named as
    # its IRF, parsed by the pipeline; with it the decay is fitted by reconvolution.
    irf: tuple[np.ndarray, np.ndarray] | None = field(default=None, compare=False, repr=False)

    def condition(self, parsed: ParsedMeasurement, key: str) -> float | None:
        """A stated condition: the upload's, else the file header's."""
        for value in (self.conditions.get(key), parsed.metadata.get(key)):
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
                return float(value)
        return None


@dataclass
class RowSpec:
    label: str
    figures: dict[str, Any]
    flags: list[str] = field(default_factory=list)
    curve: dict[str, list[float]] = field(default_factory=dict)
    pixel: str = ""


@dataclass(frozen=True)
class SummaryField:
    """A figure the API and the tables show for a kind, with its unit ('' for none)."""

    key: str
    label: str
    unit: str = ""


@dataclass(frozen=True)
class PageFigure:
    """A figure a page draws from result rows: ``build(results)`` gets the page's result rows
    per kind and answers a plotly figure dict, or None when it has nothing to draw. A figure
    drawn from several kinds (absorbance and PL in one plot) names them all in ``kinds``."""

    page: str  # "device" or "synthesis"
    key: str
    kinds: tuple[str, ...]
    build: Callable[[dict[str, list]], dict | None]


@dataclass(frozen=True)
class KindSpec:
    """One measurement kind, declared once (see analysis/kinds/__init__.py for the registry)."""

    name: str
    label: str
    targets: tuple[str, ...]
    analyse: Callable[[ParsedMeasurement, AnalysisContext], list[RowSpec]]
    result_model: str  # class name in analysis.models
    summary: tuple[SummaryField, ...] = ()
    figures: tuple[PageFigure, ...] = ()
    # Kinds whose results this kind reads through its context: when one of them is stored for
    # the same device (or synthesis), this kind's measurements there are analysed again.
    depends_on: tuple[str, ...] = ()
    # J-V: the device's active area is the measured area when nothing else states one.
    area_from_device: bool = False
    # EQE: the context carries the device's reference J-V Jsc (one query per chunk).
    needs_reference_jsc: bool = False


def downsample(columns: dict[str, np.ndarray], max_points: int = MAX_CURVE_POINTS) -> dict:
    """Plot data for the pages: every point of short curves; of long ones (a 32,768-channel
    TRPL histogram), each bucket's extremes of the measured quantity, so peaks survive."""
    if not columns:
        return {}
    measured = list(columns.values())[-1] if len(columns) > 1 else next(iter(columns.values()))
    keep = minmax_indices(np.asarray(measured, dtype=float), max_points)
    return {
        key: [None if not np.isfinite(v) else round(float(v), 6) for v in np.asarray(a)[keep]]
        for key, a in columns.items()
    }


def simple_row(series: Series, fn: Callable[..., Any], **kwargs: Any) -> RowSpec:
    """A row from one compute call on one series: its figures, flags and plot data."""
    figures = fn(**kwargs).to_dict()
    return RowSpec(
        label=series.label,
        figures=figures,
        flags=list(figures.get("flags", [])),
        curve=downsample(series.columns),
    )


def series_value(series: Series, parsed: ParsedMeasurement, key: str) -> Any:
    """A fact of the series, else of the file (per-pixel area, else the header's)."""
    value = series.metadata.get(key)
    return value if value is not None else parsed.metadata.get(key)
