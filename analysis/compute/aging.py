"""Stability (ISOS) series: T80/T95 against the first point, TS80 against the peak."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._common import ResultMixin, finite_pairs
from ._version import ANALYSIS_VERSION

REFERENCES = {
    "t": "first point (t = 0 value)",
    "ts": "maximum of the series (peak after burn-in), time counted from t = 0",
}


@dataclass(frozen=True)
class AgingResult(ResultMixin):
    normalised: list[float]  # values / first value
    hours: list[float]
    t80_h: float | None
    t95_h: float | None
    ts80_h: float | None
    ts95_h: float | None
    reached: dict[str, bool]  # per figure ('t80', 't95', 'ts80', 'ts95')
    extrapolated_h: dict[str, float | None]  # linear extrapolation for figures not reached
    t80_extrapolated_h: float | None
    peak_ratio: float  # maximum / first value
    peak_time_h: float
    final_ratio: float  # last / first value
    persist_points: int
    reference: dict[str, str]
    flags: list[str] = field(default_factory=list)
    method: str = (
        "first time below X % that persists for k points, linear interpolation between the "
        "last point above and the first below; not reached: None + linear extrapolation of "
        "the last points (flagged)"
    )
    version: str = ANALYSIS_VERSION


def crossing_time(
    h: np.ndarray, y: np.ndarray, level: float, persist: int, start: int = 0
) -> tuple[float | None, bool]:
    """First time y drops below level and stays below for `persist` points.

    Linear interpolation between the last point above and the first below (a single noisy
    dip does not count). Returns (time, confirmed); confirmed is False when the series ends
    before `persist` points could confirm the drop.
    """
    below = y < level
    for k in range(max(start, 1), y.size):
        run = below[k : k + persist]
        if run.all():
            if below[k - 1]:  # already below at the reference point (level above 100 %)
                return float(h[k - 1]), run.size == persist
            f = (y[k - 1] - level) / (y[k - 1] - y[k])
            return float(h[k - 1] + f * (h[k] - h[k - 1])), run.size == persist
    return None, False


def extrapolate_crossing(h: np.ndarray, y: np.ndarray, level: float, n_last: int) -> float | None:
    """Time at which a line through the last points reaches the level (None if not falling)."""
    n = min(n_last, h.size)
    if n < 2:
        return None
    slope, icpt = np.polyfit(h[-n:], y[-n:], 1)
    if slope >= 0:
        return None
    t = (level - icpt) / slope
    return float(t) if t > h[-1] else None


def analyse_aging(
    hours: Any,
    values: Any,
    thresholds: tuple[float, ...] = (80, 95),
    persist_points: int = 2,
    *,
    extrapolation_points: int = 4,
) -> AgingResult:
    """T_X (first-point reference) and TS_X (peak reference) for each threshold X in %."""
    flags: list[str] = []
    h, v = finite_pairs(hours, values)
    order = np.argsort(h, kind="stable")
    h, v = h[order], v[order]
    if h.size < 2 or v[0] == 0:
        raise ValueError("need >= 2 points and a non-zero first value")
    y = v / v[0]
    kpk = int(np.argmax(y))
    peak = float(y[kpk])
    figs: dict[str, float | None] = {}
    reached: dict[str, bool] = {}
    extra: dict[str, float | None] = {}
    for x in thresholds:
        lvl = x / 100.0
        for prefix, ref, start in (("t", 1.0, 0), ("ts", peak, kpk)):
            key = f"{prefix}{int(x) if float(x).is_integer() else x}"
            val, confirmed = crossing_time(h, y, lvl * ref, persist_points, start)
            if val is not None and not confirmed:
                flags.append(f"{key}_unconfirmed")
            figs[key] = val
            reached[key] = val is not None
            if val is None:
                extra[key] = extrapolate_crossing(h, y, lvl * ref, extrapolation_points)
                flags.append(f"{key}_not_reached")
                if extra[key] is not None:
                    flags.append(f"{key}_extrapolated")
    if peak > 1.0:
        flags.append("initial_increase")  # burn-in gain: TS figures are more meaningful
    return AgingResult(
        normalised=[float(q) for q in y],
        hours=[float(q) for q in h],
        t80_h=figs.get("t80"),
        t95_h=figs.get("t95"),
        ts80_h=figs.get("ts80"),
        ts95_h=figs.get("ts95"),
        reached=reached,
        extrapolated_h=extra,
        t80_extrapolated_h=extra.get("t80"),
        peak_ratio=peak,
        peak_time_h=float(h[kpk]),
        final_ratio=float(y[-1]),
        persist_points=persist_points,
        reference=REFERENCES,
        flags=flags,
    )


def aggregate_series(
    series: list[tuple[Any, Any]], grid_h: Any = None
) -> dict[str, list[float | None]]:
    """Mean and sample std of several normalised series on a common time grid.

    Default grid: the union of all time points; each series is linearly interpolated only
    inside its own time range (no extrapolation), so `n` may vary along the grid.
    """
    clean = []
    for hh, yy in series:
        a, b = finite_pairs(hh, yy)
        o = np.argsort(a)
        clean.append((a[o], b[o]))
    if grid_h is None:
        grid = np.unique(np.concatenate([a for a, _ in clean]))
    else:
        grid = np.asarray(grid_h, dtype=float)
    stack = np.full((len(clean), grid.size), np.nan)
    for i, (a, b) in enumerate(clean):
        inside = (grid >= a[0]) & (grid <= a[-1])
        stack[i, inside] = np.interp(grid[inside], a, b)
    n = np.sum(np.isfinite(stack), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(np.isfinite(stack), stack, 0.0)
        mean = np.where(n > 0, s.sum(0) / np.maximum(n, 1), np.nan)
        dev = np.where(np.isfinite(stack), stack - mean, 0.0)
        std = np.where(n > 1, np.sqrt((dev**2).sum(0) / np.maximum(n - 1, 1)), np.nan)

    def lst(a: np.ndarray) -> list[float | None]:
        return [float(q) if np.isfinite(q) else None for q in a]

    return {"hours": lst(grid), "mean": lst(mean), "std": lst(std), "n": [int(q) for q in n]}
