"""Sweep preprocessing shared by light and dark J-V: turning points, sorting, duplicates."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._common import finite_pairs


def scan_direction(voltage_v: Any) -> str:
    """'reverse' (V decreasing, Voc -> Jsc) or 'forward' from the order of the V values."""
    v = np.asarray(voltage_v, dtype=float)
    return "reverse" if v[-1] < v[0] else "forward"


def split_bounds(v: np.ndarray, lo: int, hi: int, min_points: int) -> list[tuple[int, int]]:
    """Recursively split [lo, hi) at interior V extrema that turn the sweep round."""
    seg = v[lo:hi]
    n = seg.size
    if n < 2 * min_points:
        return [(lo, hi)]
    kmax, kmin = int(seg.argmax()), int(seg.argmin())
    span = float(seg[kmax] - seg[kmin])
    if span <= 0:
        return [(lo, hi)]
    for k in (kmax, kmin):
        # A turn must be interior and both legs must cover a real part of the range:
        # a noisy first point is not a turn.
        if min_points - 1 <= k <= n - min_points:
            if abs(seg[k] - seg[0]) > 0.1 * span and abs(seg[k] - seg[-1]) > 0.1 * span:
                # The turning point belongs to both sweeps.
                return split_bounds(v, lo, lo + k + 1, min_points) + split_bounds(
                    v, lo + k, hi, min_points
                )
    return [(lo, hi)]


def split_scans(
    voltage_v: Any, current_density_ma_cm2: Any, min_points: int = 3
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Split a round-trip (or multi-leg) sweep at its turning points.

    Returns (voltage, current) pairs in measurement order; use ``scan_direction`` on each.
    A monotonic sweep comes back as a single pair.
    """
    v, j = finite_pairs(voltage_v, current_density_ma_cm2)
    return [(v[a:b], j[a:b]) for a, b in split_bounds(v, 0, v.size, min_points)]


def sort_average(
    v: np.ndarray, j: np.ndarray, decimals: int
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Sort by V and average J over duplicate V values (repeated set points)."""
    order = v.argsort(kind="stable")
    v, j = v[order], j[order]
    vr = v.round(decimals)
    if not (vr[1:] == vr[:-1]).any():  # the method: np.any's wrapper costs more than the test
        return v, j, False
    uniq, inv = np.unique(vr, return_inverse=True)
    counts = np.bincount(inv)
    return uniq, np.bincount(inv, weights=j) / counts, True
