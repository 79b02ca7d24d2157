"""Stability (ISOS) series: T80/T95 against the first point, TS80 against the peak."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._common import ResultMixin, finite_pairs
from ._version import ANALYSIS_VERSION

# Defaults of both analyses: T_X for X in THRESHOLDS %, a drop held PERSIST_POINTS points, and
# the line for figures not reached through the last EXTRAPOLATION_POINTS points.
THRESHOLDS = (80, 95)
PERSIST_POINTS = 2
EXTRAPOLATION_POINTS = 4

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


def crossing_times(
    h: np.ndarray,
    y: np.ndarray,
    level: np.ndarray,
    persist: int,
    start: np.ndarray,
    lengths: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """First time each row of y drops below its level and stays below for `persist` points.

    ``h`` and ``y`` are (series x points) matrices whose row i holds ``lengths[i]`` points
    (default: every column), ``level`` and ``start`` one value per row. Linear interpolation
    between the last point above and the first below (a single noisy dip does not count), from
    point max(start, 1) on. Returns (time, confirmed) per row: time NaN where the series never
    crosses; confirmed False where it ends before `persist` points could confirm the drop.
    """
    rows_n, width = y.shape
    if lengths is None:
        lengths = np.full(rows_n, width)
    k_all = np.arange(width)
    inside = k_all[None, :] < lengths[:, None]
    below = (y < level[:, None]) & inside
    run = below | ~inside  # past its end a series' run is cut short, as a slice is
    held = run.copy()
    for shift in range(1, persist):
        later = np.ones_like(run)
        later[:, :-shift] = run[:, shift:]
        held &= later
    candidate = held & inside & (k_all[None, :] >= np.maximum(start, 1)[:, None])
    rows = np.flatnonzero(candidate.any(axis=1))
    k = candidate[rows].argmax(axis=1)
    y0, y1 = y[rows, k - 1], y[rows, k]
    h0, h1 = h[rows, k - 1], h[rows, k]
    with np.errstate(divide="ignore", invalid="ignore"):
        f = (y0 - level[rows]) / (y0 - y1)
        t = h0 + f * (h1 - h0)
    times = np.full(rows_n, np.nan)
    # Already below at the reference point (a level above 100 %): the time of that point.
    times[rows] = np.where(below[rows, k - 1], h0, t)
    confirmed = np.zeros(rows_n, dtype=bool)
    confirmed[rows] = k + persist <= lengths[rows]
    return times, confirmed


def crossing_time(
    h: np.ndarray, y: np.ndarray, level: float, persist: int, start: int = 0
) -> tuple[float | None, bool]:
    """``crossing_times`` of one series: (time or None, confirmed)."""
    times, confirmed = crossing_times(
        np.asarray(h, dtype=float)[None, :],
        np.asarray(y, dtype=float)[None, :],
        np.array([level], dtype=float),
        persist,
        np.array([start]),
    )
    if np.isnan(times[0]):
        return None, False
    return float(times[0]), bool(confirmed[0])


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


def _key(prefix: str, threshold: float) -> str:
    return f"{prefix}{int(threshold) if float(threshold).is_integer() else threshold}"


def analyse_aging(
    hours: Any,
    values: Any,
    thresholds: tuple[float, ...] = THRESHOLDS,
    persist_points: int = PERSIST_POINTS,
    *,
    extrapolation_points: int = EXTRAPOLATION_POINTS,
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
            key = _key(prefix, x)
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


def analyse_aging_many(
    ids: np.ndarray,
    hours: np.ndarray,
    values: np.ndarray,
    thresholds: tuple[float, ...] = THRESHOLDS,
    persist_points: int = PERSIST_POINTS,
    *,
    extrapolation_points: int = EXTRAPOLATION_POINTS,
) -> dict[str, np.ndarray]:
    """``analyse_aging`` of many series at once, from one padded series x time matrix.

    The points come flat, grouped by ``ids`` and sorted by time within a series, all finite.
    Per series, in order of first appearance: ``ids``, ``lengths``, the padded ``hours`` and
    ``normalised`` matrices, ``valid`` (False for fewer than two points or a first value of
    zero, which cannot be normalised), ``t{X}_h`` and ``ts{X}_h`` per threshold, ``peak_ratio``,
    ``final_ratio`` and ``t80_extrapolated_h``, with NaN for analyse_aging's None. The numbers
    are analyse_aging's, float for float (tests compare them), without a call per series.
    ``ids`` must hold at least one point.
    """
    new = np.ones(ids.size, dtype=bool)
    new[1:] = ids[1:] != ids[:-1]
    starts = np.flatnonzero(new)
    lengths = np.diff(np.append(starts, ids.size))
    n, width = starts.size, int(lengths.max())
    row = np.repeat(np.arange(n), lengths)
    col = np.arange(ids.size) - np.repeat(starts, lengths)
    h = np.full((n, width), np.nan)
    v = np.full((n, width), np.nan)
    h[row, col], v[row, col] = hours, values
    valid = (lengths >= 2) & (v[:, 0] != 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = v / v[:, :1]
    y[~valid] = np.nan
    usable = np.where(valid, lengths, 0)  # an invalid series crosses nothing
    r = np.arange(n)
    inside = np.arange(width)[None, :] < usable[:, None]
    peak_at = np.where(inside, y, -np.inf).argmax(axis=1)
    peak = y[r, peak_at]
    out = {
        "ids": ids[starts],
        "lengths": lengths,
        "hours": h,
        "normalised": y,
        "valid": valid,
        "peak_ratio": peak,
        "final_ratio": y[r, np.maximum(lengths - 1, 0)],
    }
    for x in thresholds:
        level = x / 100.0
        for prefix, ref, start in (
            ("t", np.ones(n), np.zeros(n, dtype=int)),
            ("ts", peak, peak_at),
        ):
            out[f"{_key(prefix, x)}_h"] = crossing_times(
                h, y, level * ref, persist_points, start, usable
            )[0]
    extrapolated = np.full(n, np.nan)
    not_reached = valid & np.isnan(out["t80_h"]) if "t80_h" in out else np.zeros(n, dtype=bool)
    for i in np.flatnonzero(not_reached).tolist():
        # A line through the last points, as analyse_aging fits it: only series that never
        # reach T80 need one.
        e = extrapolate_crossing(
            h[i, : lengths[i]], y[i, : lengths[i]], 80 / 100.0 * 1.0, extrapolation_points
        )
        extrapolated[i] = np.nan if e is None else e
    out["t80_extrapolated_h"] = extrapolated
    return out


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
