"""Fewer points to draw, the look kept: the one downsampler of stored curves and figures.

A TRPL histogram has 32,768 channels and a J-V sweep can hold tens of thousands of points; a
screen is ~2,000 pixels wide. Keeping the minimum and maximum of each bucket preserves peaks,
noise envelopes and steep edges, which uniform striding would alias away. Only whole items
(device traces drawn over one another) are thinned by even spacing, in ``evenly_spaced``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

MAX_POINTS = 5000

T = TypeVar("T")


def minmax_indices(y: np.ndarray, max_points: int = MAX_POINTS) -> np.ndarray:
    """Sorted indices of at most `max_points` samples: first, last, and each bucket's extremes."""
    n = len(y)
    if n <= max_points:
        return np.arange(n)
    buckets = max(1, (max_points - 2) // 2)
    inner = np.asarray(y[1:-1], dtype=float)
    size = math.ceil(len(inner) / buckets)
    rows = math.ceil(len(inner) / size)
    padded = np.full(rows * size, np.nan)
    padded[: len(inner)] = inner
    padded = padded.reshape(rows, size)
    # NaN must never win: +inf/-inf make padding and gaps lose both contests.
    lows = np.where(np.isnan(padded), np.inf, padded).argmin(axis=1)
    highs = np.where(np.isnan(padded), -np.inf, padded).argmax(axis=1)
    starts = np.arange(rows) * size + 1
    picked = np.concatenate(([0], starts + lows, starts + highs, [n - 1]))
    return np.unique(np.minimum(picked, n - 1))


def downsample(
    x: np.ndarray, y: np.ndarray, *others: np.ndarray, max_points: int = MAX_POINTS
) -> tuple[np.ndarray, ...]:
    """Downsample x, y and any arrays aligned with them, choosing points by the shape of y."""
    keep = minmax_indices(y, max_points)
    return tuple(np.asarray(a)[keep] for a in (x, y, *others))


def evenly_spaced(items: Sequence[T], limit: int) -> list[T]:
    """At most ``limit`` of ``items``, evenly spaced from the first: whole traces to draw (a
    1,000-device study stays light), where a curve's shape has no meaning to keep."""
    if len(items) <= limit:
        return list(items)
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]
