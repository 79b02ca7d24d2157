"""How a metric moves with one parameter, the others held as they were: partial dependence.

One gradient-boosted model (the importance model, same settings) is fitted on every device,
then scikit-learn's ``partial_dependence`` (brute method: set the parameter to each grid value
for every device, predict, average) gives the average predicted metric along a grid of the
parameter. Numeric parameters get a grid between their 5th and 95th percentiles (beyond, the
trees extrapolate flat and the curve says nothing); text parameters one point per category.

The curve describes the fitted model, not a causal law: it is shown only for parameters the
importance ranking has found, and below the importance minimum (``MIN_BATCHES`` batches,
``MIN_DEVICES`` devices) no curve is drawn at all. Alongside the average, the 10th and 90th
percentiles of the individual devices' curves (ICE) show how much the effect differs between
devices (a wide band: the parameter acts together with others).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.inspection import partial_dependence
from threadpoolctl import threadpool_limits

from .importance import MIN_BATCHES, MIN_DEVICES, _features, _model

GRID_POINTS = 20
PERCENTILES = (0.05, 0.95)
METHOD = (
    "partial dependence (scikit-learn, brute method) of a HistGradientBoostingRegressor fitted "
    f"on every device; numeric grids of {GRID_POINTS} points between the 5th and 95th "
    "percentiles, one point per category; band: 10th-90th percentile of the devices' own "
    "curves (ICE)"
)


@dataclass
class Curve:
    parameter: str
    categorical: bool
    x: list  # grid values: floats, or category labels
    mean: list[float]  # average predicted metric at each grid value
    low: list[float]  # 10th percentile of the individual curves
    high: list[float]  # 90th percentile


@dataclass
class PartialDependence:
    value: str
    n_devices: int
    n_batches: int
    enough_data: bool
    summary: str
    method: str
    curves: list[Curve]


def partial_dependence_curves(
    frame: pd.DataFrame,
    value: str,
    group: str,
    parameters: list[str],
    top: list[str],
    seed: int = 0,
) -> PartialDependence:
    """Partial dependence of ``value`` on each of ``top`` (usually the top-ranked parameters),
    from one model over every varying column of ``parameters``."""
    data = frame.dropna(subset=[value, group]).reset_index(drop=True)
    n, n_batches = len(data), int(data[group].nunique())
    x, names = _features(data, parameters)
    answer = PartialDependence(value, n, n_batches, False, "", METHOD, [])
    if n_batches < MIN_BATCHES or n < MIN_DEVICES or not names:
        answer.summary = (
            f"not enough data: {n} devices in {n_batches} batches; partial dependence needs "
            f"at least {MIN_DEVICES} devices in {MIN_BATCHES} batches"
        )
        return answer
    y = data[value].to_numpy(dtype=float)
    categorical = [name for name in names if isinstance(x[name].dtype, pd.CategoricalDtype)]
    with threadpool_limits(limits=1):
        model = _model(seed).fit(x, y)
        for name in [name for name in top if name in names]:
            is_cat = name in categorical
            result = partial_dependence(
                model,
                x,
                [name],
                categorical_features=[name] if is_cat else None,
                percentiles=PERCENTILES,
                grid_resolution=GRID_POINTS,
                kind="both",
                method="brute",
            )
            grid = result["grid_values"][0]
            individual = np.asarray(result["individual"][0], dtype=float)
            answer.curves.append(
                Curve(
                    parameter=name,
                    categorical=is_cat,
                    x=[str(v) for v in grid] if is_cat else [float(v) for v in grid],
                    mean=[float(v) for v in result["average"][0]],
                    low=[float(v) for v in np.percentile(individual, 10, axis=0)],
                    high=[float(v) for v in np.percentile(individual, 90, axis=0)],
                )
            )
    answer.enough_data = True
    answer.summary = f"{len(answer.curves)} parameters; model fitted on {n} devices"
    return answer


def effect_size(curve: Curve) -> float:
    """How far the average prediction moves along the curve (max - min), in the metric's unit."""
    return float(max(curve.mean) - min(curve.mean)) if curve.mean else 0.0
