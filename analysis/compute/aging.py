"""Stability (ISOS) series: T80/T95, TS80/TS95, burn-in, dead pixels and T80 survival.

Khenkin et al., Nat. Energy 5, 35 (2020); analysis-methods.md section 11.

- T_X: the first time the normalised series drops below X % and stays there for k points
  (interpolated between the last point above and the first below). Normalised to the first
  point (a J-V series), or to the first stabilised value (an MPP log: the tracker's start-up
  samples are not the cell's power; ``first_stable_window``).
- TS_X: the same against a robust peak, time counted from t = 0: the maximum of the series
  smoothed by a running median of three points (of bin medians for long logs), so one noisy
  point cannot become the reference (``robust_peaks``).
- Burn-in (where the data allow): P(t) = (P0 - A (1 - exp(-t/tau))) (1 - k t); E_s = P0 - A is
  the post-burn-in line back-extrapolated to t = 0, and TS80 (E_s) the time to 80 % of it.
- Dead pixels: a scan that failed (no PCE, PCE <= 0, or a curve flagged shorted that delivers
  under a tenth of the device's first PCE: ``failed_scans``) after which the device never
  worked again is a failure at that time: value 0, which T80 crosses, held at 0 to the end of
  the study in variant means. A failed scan followed by working ones is a measurement glitch
  and is dropped (``mark_failures``). A device is on test while it is scanned in the study's
  last round; one that stopped being scanned earlier is no longer measured (lost).
- Survival: Kaplan-Meier of T80 per group, devices that never reached it (still on test, or
  no longer measured) censored at their last scan; log-rank test across groups (lifelines).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import brentq, curve_fit
from scipy.stats import chi2 as chi2_distribution
from scipy.stats import norm

from ._common import ResultMixin, finite_pairs
from ._version import ANALYSIS_VERSION

# Defaults of both analyses: T_X for X in THRESHOLDS %, a drop held PERSIST_POINTS points, and
# the line for figures not reached through the last EXTRAPOLATION_POINTS points.
THRESHOLDS = (80, 95)
PERSIST_POINTS = 2
EXTRAPOLATION_POINTS = 4
# Longer series are reduced to this many bin medians before the running median of three: at
# 100,000 MPP samples the tracker's noise would otherwise set the peak.
PEAK_BINS = 200
# An MPP log has stabilised in the first window whose samples spread by at most twice this
# fraction of their mean, with at least STABLE_MIN_POINTS samples, and whose mean the next
# window's matches within it (a slow start-up made of calm windows has not settled).
STABLE_TOLERANCE = 0.05
STABLE_MIN_POINTS = 3
# A burn-in model has four parameters: fewer points cannot tell it from noise. Longer series
# are fitted through this many time-bin means (a variant's mean on the union of 1,000 devices'
# scan times, or an MPP log, would take a second per fit and say nothing more).
BURN_IN_MIN_POINTS = 6
BURN_IN_FIT_POINTS = 400

REFERENCES = {
    "t": "first point (t = 0 value)",
    "ts": (
        "robust peak: maximum of the running median of 3 points (of bin medians for long "
        "series), time counted from t = 0"
    ),
    "ts_burn_in": "E_s: post-burn-in fit back-extrapolated to t = 0 (where a burn-in is fitted)",
}
STABILISED_REFERENCE = (
    "first stabilised value: mean of the first window in which the samples settled within "
    f"±{STABLE_TOLERANCE:.0%}; figures counted from the start of the log"
)
# A curve flagged shorted for its low shunt resistance may still deliver most of its power (an
# aged diode); an ohmic line, a dead pixel, delivers a few % of it.
DEAD_SHORTED_FRACTION = 0.1
DEAD_PIXEL_RULE = (
    "a scan without PCE, with PCE ≤ 0, or flagged shorted at under "
    f"{DEAD_SHORTED_FRACTION:.0%} of the device's first PCE, after which the device never "
    "worked again, is a failure at that time (value 0); a failed scan followed by working ones "
    "is a measurement glitch and is left out"
)


@dataclass(frozen=True)
class BurnIn(ResultMixin):
    """The fitted burn-in, values relative to the series' reference (first point)."""

    e_s: float  # E_s / reference: the post-burn-in line at t = 0
    amplitude: float  # A / reference: the burn-in loss
    tau_h: float
    k_per_h: float  # slope of the post-burn-in decay (relative to P0 - A)
    end_h: float  # 3 tau after t = 0: 95 % of the burn-in is over
    ts80_h: float | None  # first time the data stay below 80 % of E_s, after end_h
    ts80_extrapolated_h: float | None  # the model's crossing, when the data do not reach it
    rms: float  # residual of the fit, relative to the reference
    method: str = "P(t) = (P0 - A(1 - exp(-t/tau)))(1 - k t), least squares (scipy curve_fit)"


@dataclass(frozen=True)
class AgingResult(ResultMixin):
    normalised: list[float]  # values / reference value
    hours: list[float]
    t80_h: float | None
    t95_h: float | None
    ts80_h: float | None
    ts95_h: float | None
    reached: dict[str, bool]  # per figure ('t80', 't95', 'ts80', 'ts95')
    extrapolated_h: dict[str, float | None]  # linear extrapolation for figures not reached
    t80_extrapolated_h: float | None
    peak_ratio: float  # raw maximum / reference (from the reference point on)
    ts_reference_ratio: float  # the robust peak TS figures use, / reference
    peak_time_h: float  # time of the robust peak
    final_ratio: float  # last / reference
    reference_h: float  # time of the reference (0, or the start of the stabilised window)
    reference_value: float  # in the series' own unit
    persist_points: int
    reference: dict[str, str]
    burn_in: dict[str, Any] | None
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
    # Held: `persist` points in a row below, counted with a cumulative sum (one pass, however
    # long the hold: an MPP log holds for hundreds of samples).
    padded = np.concatenate([run, np.ones((rows_n, max(persist - 1, 0)), dtype=bool)], axis=1)
    count = np.zeros((rows_n, padded.shape[1] + 1), dtype=np.int64)
    np.cumsum(padded, axis=1, out=count[:, 1:])
    held = (count[:, persist : persist + width] - count[:, :width]) == persist
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


def _median3(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    return np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c))


def _smoothed_peaks(y: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Maximum of the running median of three per row, and the index where it sits first.

    The ends follow Tukey's end-point rule, median(y0, s1, 3 s1 - 2 s2): a trend carries on
    to the first and last points, a lone outlier there does not. Rows of one or two points
    cannot be smoothed and keep their raw maximum; a row of three has one median for all.
    NaN for empty rows.
    """
    rows_n, width = y.shape
    r = np.arange(rows_n)
    k = np.arange(width)[None, :]
    smooth = np.full((rows_n, width), np.nan)
    if width >= 3:
        smooth[:, 1:-1] = _median3(y[:, :-2], y[:, 1:-1], y[:, 2:])
        last = np.clip(lengths - 1, 0, width - 1)
        inner = np.clip(lengths - 2, 0, width - 1)
        inner2 = np.clip(lengths - 3, 0, width - 1)
        s1, s2 = smooth[:, 1], smooth[:, min(2, width - 1)]
        sa, sb = smooth[r, inner], smooth[r, inner2]
        four = lengths >= 4
        with np.errstate(invalid="ignore"):
            head = np.where(four, _median3(y[:, 0], s1, 3 * s1 - 2 * s2), s1)
            tail = np.where(four, _median3(y[r, last], sa, 3 * sa - 2 * sb), sa)
        smooth[:, 0] = head
        smooth[r, last] = np.where(lengths >= 3, tail, smooth[r, last])
    smoothed = (lengths[:, None] >= 3) & (k < lengths[:, None])
    raw = (lengths[:, None] < 3) & (k < lengths[:, None])
    candidates = np.where(smoothed, smooth, np.where(raw, y, -np.inf))
    candidates = np.where(np.isnan(candidates), -np.inf, candidates)
    at = candidates.argmax(axis=1)
    peak = candidates[r, at]
    return np.where(np.isfinite(peak), peak, np.nan), at


def robust_peaks(y: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The TS reference of each row of y (``lengths[i]`` points) and the index it starts at.

    Rows longer than PEAK_BINS points are first reduced to bin medians (the index returned is
    the first point of the bin).
    """
    peak, at = _smoothed_peaks(y, lengths)
    for i in np.flatnonzero(lengths > PEAK_BINS).tolist():
        n = int(lengths[i])
        size = -(-n // PEAK_BINS)
        bins = -(-n // size)
        padded = np.full(bins * size, np.nan)
        padded[:n] = y[i, :n]
        medians = np.nanmedian(padded.reshape(bins, size), axis=1)
        p, b = _smoothed_peaks(medians[None, :], np.array([bins]))
        peak[i], at[i] = p[0], b[0] * size
    return peak, at


def first_stable_window(
    hours: Any,
    values: Any,
    window_h: float,
    tolerance: float = STABLE_TOLERANCE,
    min_points: int = STABLE_MIN_POINTS,
) -> tuple[int, float] | None:
    """(index of its first sample, its mean) of the first window in which a log has settled.

    Consecutive windows of ``window_h`` (widened to hold ``min_points`` samples at the median
    step) from the first sample, searched in the first half of the log; None when none settles.
    The index counts the finite samples in time order.
    """
    h, v = finite_pairs(hours, values)
    order = np.argsort(h, kind="stable")
    h, v = h[order], v[order]
    if h.size < 2 * min_points:
        return None
    step = float(np.median(np.diff(h)))
    width = max(float(window_h), min_points * step)
    if not width > 0:
        return None
    block = np.floor((h - h[0]) / width).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, block[1:] != block[:-1]])
    counts = np.diff(np.r_[starts, h.size])
    high = np.maximum.reduceat(v, starts)
    low = np.minimum.reduceat(v, starts)
    mean = np.add.reduceat(v, starts) / counts
    calm = (counts >= min_points) & (high - low <= 2 * tolerance * np.abs(mean)) & (mean != 0)
    agrees = np.zeros(starts.size, dtype=bool)
    agrees[:-1] = np.abs(mean[1:] - mean[:-1]) <= tolerance * np.abs(mean[:-1])
    early = h[starts] - h[0] <= (h[-1] - h[0]) / 2
    settled = np.flatnonzero(calm & agrees & early)
    if not settled.size:
        return None
    b = int(settled[0])
    return int(starts[b]), float(mean[b])


def bin_means(hours: np.ndarray, values: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean time and mean value of the samples in each of ``bins`` equal time bins (sorted
    input; empty bins are left out)."""
    edges = np.linspace(hours[0], hours[-1], bins + 1)
    index = np.clip(np.searchsorted(edges, hours, side="right") - 1, 0, bins - 1)
    counts = np.bincount(index, minlength=bins)
    full = counts > 0
    mean_h = np.bincount(index, weights=hours, minlength=bins)[full] / counts[full]
    mean_v = np.bincount(index, weights=values, minlength=bins)[full] / counts[full]
    return mean_h, mean_v


def _burn_in_model(t: np.ndarray, p0: float, a: float, tau: float, k: float) -> np.ndarray:
    return (p0 - a * (1 - np.exp(-t / tau))) * (1 - k * t)


def fit_burn_in(hours: Any, normalised: Any, persist_points: int = PERSIST_POINTS) -> BurnIn | None:
    """The burn-in of a normalised series, or None where the data cannot show one.

    Fitted only with BURN_IN_MIN_POINTS points or more (through BURN_IN_FIT_POINTS time-bin
    means when there are more); kept only when the loss A is at least 1 % and twice its
    standard error, and at least three points follow the burn-in (3 tau).
    """
    h, y = finite_pairs(hours, normalised)
    order = np.argsort(h, kind="stable")
    h, y = h[order], y[order]
    if h.size < BURN_IN_MIN_POINTS or not h[-1] > h[0]:
        return None
    if h.size > BURN_IN_FIT_POINTS:
        h, y = bin_means(h, y, BURN_IN_FIT_POINTS)
    t = h - h[0]
    duration = float(t[-1])
    late = t >= duration / 2
    slope, icpt = np.polyfit(t[late], y[late], 1)
    guess = [
        float(y[0]),
        float(max(y[0] - icpt, 0.01)),
        duration / 20,
        float(min(max(-slope / icpt, 0.0), 1 / duration)) if icpt > 0 else 0.0,
    ]
    top = float(np.max(np.abs(y))) * 2
    bounds = ([0.0, 0.0, duration * 1e-4, 0.0], [top, top, duration / 2, 10 / duration])
    guess = [min(max(g, lo), hi) for g, lo, hi in zip(guess, *bounds, strict=True)]
    try:
        popt, pcov = curve_fit(_burn_in_model, t, y, p0=guess, bounds=bounds, maxfev=4000)
    except (RuntimeError, ValueError, np.linalg.LinAlgError):
        return None
    errors = np.sqrt(np.diag(pcov))
    p0, a, tau, k = (float(q) for q in popt)
    end = 3 * tau
    e_s = p0 - a
    if not (np.isfinite(errors).all() and a >= 0.01 * p0 and a > 2 * errors[1] and e_s > 0):
        return None
    after = int(np.searchsorted(t, end, side="right"))
    if t.size - after < 3:
        return None
    ts80, _ = crossing_time(h, y, 0.8 * e_s, persist_points, max(after, 1))
    extrapolated = None
    if ts80 is None and k > 0:

        def above(q: float) -> float:
            return float(_burn_in_model(np.array([q]), p0, a, tau, k)[0]) - 0.8 * e_s

        # At end + 1/k the model is below zero: the root is bracketed when it starts above.
        if above(end) > 0:
            root = brentq(above, end, end + 1 / k) + h[0]
            extrapolated = float(root) if root > h[-1] else None
    residual = y - _burn_in_model(t, *popt)
    return BurnIn(
        e_s=e_s,
        amplitude=a,
        tau_h=tau,
        k_per_h=k,
        end_h=float(end + h[0]),
        ts80_h=ts80,
        ts80_extrapolated_h=extrapolated,
        rms=float(np.sqrt(np.mean(residual**2))),
    )


def _key(prefix: str, threshold: float) -> str:
    return f"{prefix}{int(threshold) if float(threshold).is_integer() else threshold}"


def _figures(
    h: np.ndarray, y: np.ndarray, usable: np.ndarray, thresholds: tuple[float, ...], persist: int
) -> dict[str, np.ndarray]:
    """T_X and TS_X of every row at once (the one implementation of both figures)."""
    n, width = y.shape
    ref, ref_at = robust_peaks(y, usable)
    inside = np.arange(width)[None, :] < usable[:, None]
    peak_at = np.where(inside, y, -np.inf).argmax(axis=1)
    out = {
        "ts_reference_ratio": ref,
        "ts_reference_at": ref_at,
        "peak_ratio": y[np.arange(n), peak_at],
    }
    for x in thresholds:
        level = x / 100.0
        for prefix, reference, start in (
            ("t", np.ones(n), np.zeros(n, dtype=int)),
            ("ts", ref, ref_at),
        ):
            times, confirmed = crossing_times(h, y, level * reference, persist, start, usable)
            out[f"{_key(prefix, x)}_h"] = times
            out[f"{_key(prefix, x)}_confirmed"] = confirmed
    return out


def analyse_aging(
    hours: Any,
    values: Any,
    thresholds: tuple[float, ...] = THRESHOLDS,
    persist_points: int = PERSIST_POINTS,
    *,
    extrapolation_points: int = EXTRAPOLATION_POINTS,
    stabilised_window_h: float | None = None,
    bins: int | None = None,
    burn_in: bool = True,
) -> AgingResult:
    """T_X (first-point reference) and TS_X (robust-peak reference) for each threshold X in %.

    With ``stabilised_window_h`` (MPP logs) the reference is the first stabilised value
    (``first_stable_window``), and figures are read from that window on; hours still count
    from the first sample. ``bins``: figures are read from at most that many time-bin means
    (a dense log's sample noise would delay a held crossing, or fake one). ``burn_in``: fit
    one where the data allow (``fit_burn_in``). ``normalised`` and ``hours`` are the samples.
    """
    flags: list[str] = []
    h, v = finite_pairs(hours, values)
    order = np.argsort(h, kind="stable")
    h, v = h[order], v[order]
    if h.size < 2:
        raise ValueError("need >= 2 points")
    k0, reference = 0, float(v[0])
    references = dict(REFERENCES)
    if stabilised_window_h is not None:
        stable = first_stable_window(h, v, stabilised_window_h)
        if stable is None:
            flags.append("not_stabilised")  # the first sample stands in, as it did before
        else:
            k0, reference = stable
            references["t"] = STABILISED_REFERENCE
    if reference == 0 or h.size - k0 < 2:
        raise ValueError("need >= 2 points and a non-zero reference value")
    y = v / reference
    hs, ys = h[k0:], y[k0:]
    if bins is not None and hs.size > bins:
        hs, ys = bin_means(hs, ys, bins)
    got = _figures(hs[None, :], ys[None, :], np.array([hs.size]), thresholds, persist_points)
    figs: dict[str, float | None] = {}
    reached: dict[str, bool] = {}
    extra: dict[str, float | None] = {}
    for x in thresholds:
        for prefix, ref in (("t", 1.0), ("ts", float(got["ts_reference_ratio"][0]))):
            key = _key(prefix, x)
            value = float(got[f"{key}_h"][0])
            val = None if math.isnan(value) else value
            if val is not None and not got[f"{key}_confirmed"][0]:
                flags.append(f"{key}_unconfirmed")
            figs[key] = val
            reached[key] = val is not None
            if val is None:
                extra[key] = extrapolate_crossing(hs, ys, x / 100.0 * ref, extrapolation_points)
                flags.append(f"{key}_not_reached")
                if extra[key] is not None:
                    flags.append(f"{key}_extrapolated")
    robust = float(got["ts_reference_ratio"][0])
    if robust > 1.0:
        flags.append("initial_increase")  # burn-in gain: TS figures are more meaningful
    fitted = fit_burn_in(hs, ys, persist_points) if burn_in else None
    if fitted is not None:
        flags.append("burn_in_fitted")
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
        peak_ratio=float(got["peak_ratio"][0]),
        ts_reference_ratio=robust,
        peak_time_h=float(hs[int(got["ts_reference_at"][0])]),
        final_ratio=float(y[-1]),
        reference_h=float(h[k0]),
        reference_value=reference,
        persist_points=persist_points,
        reference=references,
        burn_in=fitted.to_dict() if fitted is not None else None,
        flags=flags,
    )


def failed_scans(ids: np.ndarray, pce: Any, shorted: Any) -> np.ndarray:
    """The dead-pixel rule per J-V scan of series grouped by ``ids``: no PCE, PCE <= 0, or the
    curve flagged shorted while delivering under DEAD_SHORTED_FRACTION of the series' first
    PCE (DEAD_PIXEL_RULE)."""
    p = np.asarray(pce, dtype=float)
    s = np.asarray(shorted, dtype=bool)
    if not p.size:
        return np.zeros(0, dtype=bool)
    starts = _series_starts(np.asarray(ids))
    lengths = np.diff(np.append(starts, p.size))
    usable = np.isfinite(p) & (p > 0)
    position = np.where(usable, np.arange(p.size), p.size)
    first_at = np.minimum.reduceat(position, starts)
    first = np.append(p, np.nan)[first_at]  # NaN for a series without a working scan
    with np.errstate(invalid="ignore"):
        ohmic = s & (p < DEAD_SHORTED_FRACTION * np.repeat(first, lengths))
        return ~usable | ohmic


def _series_starts(ids: np.ndarray) -> np.ndarray:
    new = np.ones(ids.size, dtype=bool)
    new[1:] = ids[1:] != ids[:-1]
    return np.flatnonzero(new)


def mark_failures(
    ids: np.ndarray, values: np.ndarray, failed: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(kept, values, dead) per point of series grouped by ``ids``.

    A point is dead when it failed and no later point of its series worked (a dead pixel does
    not come back); its value becomes 0. Kept: working points (not failed, finite value) and
    dead ones; a failed point followed by a working one is a glitch and is not kept.
    """
    n = ids.size
    if n == 0:
        empty = np.zeros(0, dtype=bool)
        return empty, np.zeros(0), empty
    starts = _series_starts(ids)
    series = np.repeat(np.arange(starts.size), np.diff(np.append(starts, n)))
    working = ~failed & np.isfinite(values)
    position = np.arange(n)
    last_working = np.maximum.reduceat(np.where(working, position, -1), starts)
    dead = failed & (position > last_working[series])
    return working | dead, np.where(dead, 0.0, values), dead


def analyse_aging_many(
    ids: np.ndarray,
    hours: np.ndarray,
    values: np.ndarray,
    thresholds: tuple[float, ...] = THRESHOLDS,
    persist_points: int = PERSIST_POINTS,
    *,
    extrapolation_points: int = EXTRAPOLATION_POINTS,
    failed: np.ndarray | None = None,
    study_hours: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """``analyse_aging`` of many series at once, from one padded series x time matrix.

    The points come flat, grouped by ``ids`` and sorted by time within a series, all finite
    unless ``failed`` marks them (``mark_failures``: dead pixels become 0, glitches are left
    out). Per series, in order of first appearance: ``ids``, ``lengths``, the padded
    ``hours`` and ``normalised`` matrices, ``valid`` (False for fewer than two points or a
    first value of zero, which cannot be normalised), ``t{X}_h`` and ``ts{X}_h`` per
    threshold, ``peak_ratio``, ``ts_reference_ratio``, ``final_ratio``,
    ``t80_extrapolated_h``, ``died_h`` (the first dead scan) and ``last_h`` (the last scan),
    with NaN for analyse_aging's None, and with ``study_hours`` (hours since the study's first
    scan, per point) ``on_test``: scanned in the study's last round, its last scan no more
    than its mean interval between scans before the study's last one, in study time or in
    hours since its own first scan (pixels are scanned one after another, a variant may start
    hours after another); a series not on test was no longer measured. The figures are
    analyse_aging's (without burn-in), float for float (tests compare them), without a call
    per series.
    """
    dead = np.zeros(ids.size, dtype=bool)
    if failed is not None:
        kept, values, dead = mark_failures(ids, np.asarray(values, dtype=float), failed)
        ids, hours, values, dead = ids[kept], hours[kept], values[kept], dead[kept]
        study_hours = study_hours[kept] if study_hours is not None else None
    if not ids.size:
        return {"ids": ids, "lengths": np.zeros(0, dtype=np.int64), "valid": np.zeros(0, bool)}
    starts = _series_starts(ids)
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
    got = _figures(h, y, usable, thresholds, persist_points)
    r = np.arange(n)
    died = np.full(n, np.nan)
    if dead.any():
        died = np.minimum.reduceat(np.where(dead, hours, np.inf), starts)
        died[~np.isfinite(died)] = np.nan
    out = {
        "ids": ids[starts],
        "lengths": lengths,
        "hours": h,
        "normalised": y,
        "valid": valid,
        "peak_ratio": np.where(valid, got["peak_ratio"], np.nan),
        "ts_reference_ratio": got["ts_reference_ratio"],
        "final_ratio": y[r, np.maximum(lengths - 1, 0)],
        "died_h": died,
        "last_h": h[r, np.maximum(lengths - 1, 0)],
    }
    for x in thresholds:
        for prefix in ("t", "ts"):
            out[f"{_key(prefix, x)}_h"] = got[f"{_key(prefix, x)}_h"]
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
    if study_hours is not None:
        ends = starts + lengths - 1
        first, last = study_hours[starts], study_hours[ends]
        step = (last - first) / np.maximum(lengths - 1, 1)
        own = out["last_h"]

        def in_last_round(t: np.ndarray, end: float) -> np.ndarray:
            # Strictly within one interval: a series that missed a whole round has stopped.
            return (t >= end) | (t > end - step)

        out["on_test"] = in_last_round(last, study_hours.max()) | in_last_round(own, own.max())
    return out


def aggregate_series(
    series: list[tuple[Any, Any]], grid_h: Any = None, held: Sequence[bool] | None = None
) -> dict[str, list[float | None]]:
    """Mean and sample std of several normalised series on a common time grid.

    Default grid: the union of all time points; each series is linearly interpolated only
    inside its own time range (no extrapolation), so `n` may vary along the grid. A ``held``
    series keeps its last value to the end of the grid: a dead pixel stays a failure (0) in
    the mean instead of leaving it to the survivors.
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
    keep = list(held) if held is not None else [False] * len(clean)
    stack = np.full((len(clean), grid.size), np.nan)
    for i, (a, b) in enumerate(clean):
        inside = (grid >= a[0]) & (grid <= a[-1])
        stack[i, inside] = np.interp(grid[inside], a, b)
        if keep[i]:
            stack[i, grid > a[-1]] = b[-1]
    n = np.sum(np.isfinite(stack), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(np.isfinite(stack), stack, 0.0)
        mean = np.where(n > 0, s.sum(0) / np.maximum(n, 1), np.nan)
        dev = np.where(np.isfinite(stack), stack - mean, 0.0)
        std = np.where(n > 1, np.sqrt((dev**2).sum(0) / np.maximum(n - 1, 1)), np.nan)

    def lst(a: np.ndarray) -> list[float | None]:
        return [float(q) if np.isfinite(q) else None for q in a]

    return {"hours": lst(grid), "mean": lst(mean), "std": lst(std), "n": [int(q) for q in n]}


def _listed(values: Any) -> list[float | None]:
    return [float(q) if math.isfinite(q) else None for q in np.asarray(values, dtype=float)]


def kaplan_meier(
    durations: Any, events: Any, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(timeline, survival, ci_low, ci_high): the Kaplan-Meier estimate with Greenwood's
    variance on the log(-log) scale, as lifelines' KaplanMeierFitter gives them (the tests
    hold the two equal). Vectorised: lifelines' pandas machinery cost 15 ms per group, which
    at 20 variants put the aging page past its speed target."""
    d = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=bool)
    times = np.unique(d)
    timeline = np.concatenate([[0.0], times[times > 0]])
    at_risk = d.size - np.searchsorted(np.sort(d), timeline, side="left")
    event_times = np.sort(d[e])
    deaths = np.searchsorted(event_times, timeline, side="right") - np.searchsorted(
        event_times, timeline, side="left"
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(np.where(at_risk > 0, 1.0 - deaths / np.maximum(at_risk, 1), 1.0))
        survivors = at_risk - deaths
        greenwood = np.cumsum(
            np.where(survivors > 0, deaths / (at_risk * np.maximum(survivors, 1)), 0.0)
        )
        z = norm.ppf(1 - alpha / 2)
        log_s = np.log(survival)
        spread = z * np.sqrt(greenwood) / log_s
        low = np.exp(-np.exp(np.log(-log_s) - spread))
        high = np.exp(-np.exp(np.log(-log_s) + spread))
    # Before the first event the estimate is certain (1), after the last death it is 0.
    low = np.where(survival >= 1, 1.0, np.where(survival <= 0, 0.0, low))
    high = np.where(survival >= 1, 1.0, np.where(survival <= 0, 0.0, high))
    return timeline, survival, low, high


def logrank(durations: Any, events: Any, groups: Sequence[str]) -> tuple[float, int, float]:
    """(chi2, degrees of freedom, p) of the log-rank test comparing every group at once, as
    lifelines' multivariate_logrank_test gives them (the tests hold the two equal)."""
    d = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=bool)
    names = list(dict.fromkeys(groups))
    index = np.array([names.index(g) for g in groups])
    k = len(names)
    t = np.unique(d[e])
    member = index[None, :] == np.arange(k)[:, None]  # group x device
    at_risk = ((d[None, :] >= t[:, None])[:, None, :] & member[None]).sum(2).astype(float)
    observed = (((d[None, :] == t[:, None]) & e[None, :])[:, None, :] & member[None]).sum(2)
    n_all = at_risk.sum(1)
    d_all = observed.sum(1)
    expected = (d_all / n_all)[:, None] * at_risk
    weight = np.where(n_all > 1, d_all * (n_all - d_all) / (n_all**2 * np.maximum(n_all - 1, 1)), 0)
    covariance = -np.einsum("t,tk,tl->kl", weight, at_risk, at_risk)
    covariance[np.diag_indices(k)] = np.einsum(
        "t,tk->k", weight, at_risk * (n_all[:, None] - at_risk)
    )
    diff = (observed - expected).sum(0)[:-1]
    statistic = float(diff @ np.linalg.pinv(covariance[:-1, :-1]) @ diff)
    return statistic, k - 1, float(chi2_distribution.sf(statistic, k - 1))


def t80_survival(durations: Any, events: Any, groups: Sequence[str]) -> dict[str, Any]:
    """Kaplan-Meier estimate of "T80 not reached yet" per group, and the log-rank test.

    ``durations``: T80 where it was reached (``events`` True; a dead pixel reaches it when it
    dies at the latest), else the last scan (censored: still on test or no longer measured).
    95 % confidence band from Greenwood's variance (log(-log) transform). The log-rank test
    compares every group at once (None with fewer than two groups or no event).
    """
    d = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=bool)
    names = list(dict.fromkeys(groups))
    labels = np.asarray(list(groups), dtype=object)
    curves = []
    for name in names:
        sel = labels == name
        timeline, survival, low, high = kaplan_meier(d[sel], e[sel])
        censored = np.sort(d[sel][~e[sel]])
        # Survival at the censoring times: the estimate in force then (a step function).
        at_censor = survival[np.searchsorted(timeline, censored, side="right") - 1]
        below = np.flatnonzero(survival <= 0.5)
        median = float(timeline[below[0]]) if below.size else None
        curves.append(
            {
                "name": name,
                "n": int(sel.sum()),
                "events": int(e[sel].sum()),
                "censored": int(censored.size),
                "hours": _listed(timeline),
                "survival": _listed(survival),
                "ci_low": _listed(low),
                "ci_high": _listed(high),
                "censored_hours": _listed(censored),
                "censored_survival": _listed(at_censor),
                "median_h": median,
            }
        )
    result = None
    if len(names) >= 2 and e.any():
        statistic, df, p = logrank(d, e, labels.tolist())
        result = {"chi2": statistic, "df": df, "p": p}
    return {"groups": curves, "logrank": result}
