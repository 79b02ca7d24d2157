"""Light-intensity dependence: ideality factor from Voc(ln I) and alpha from Jsc = A I^alpha.

Voc is linear in ln I only between two bends (analysis-methods.md section 5): at low
intensity the shunt carries the photocurrent and the local slope climbs (device b, R_sh
250 ohm cm2, true n 1.6, reads 3.12 over 0.01-1 sun); at high intensity heating and the
transport losses of the series resistance flatten it. One rule (WINDOW_RULE) picks the
straight part for every device, so windows are comparable; what lies outside it is reported
as the bend it shows (flags ``shunt_limited_low_intensity``, ``series_resistance_high_intensity``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import linregress

from ._common import ResultMixin
from ._version import ANALYSIS_VERSION
from .constants import thermal_voltage

ASSUMED_TEMPERATURE_C = 25.0  # STC (IEC 60904-1), used only when nothing states one
WINDOW_RULE = (
    "the longest contiguous run of points (of equally long ones, the highest in intensity) "
    "whose local slopes dVoc/dln I (centred, at each inner point) all lie within {tol:.0%} of "
    "the slope fitted over the run, with at least {min_points} points spanning at least one "
    "decade"
)
_DECADE = float(np.log(10.0))


@dataclass(frozen=True)
class IntensityResult(ResultMixin):
    ideality_factor: float | None
    ideality_stderr: float | None
    r2: float | None
    fit_window_mw_cm2: tuple[float, float] | None
    n_points_fit: int
    dropped_intensities_mw_cm2: list[float]
    ideality_factor_vs_jsc: float | None  # Voc vs ln Jsc (no intensity calibration needed)
    alpha: float | None
    alpha_stderr: float | None
    alpha_r2: float | None
    temperature_c: float
    thermal_voltage_v: float
    n_points: int
    window_rule: str
    # The fitted lines, for plots: Voc = slope_v ln(I / 1 mW cm-2) + intercept_v and
    # Jsc = jsc_prefactor_ma_cm2 (I / 1 mW cm-2)^alpha.
    slope_v: float | None = None
    intercept_v: float | None = None
    jsc_prefactor_ma_cm2: float | None = None
    temperature_assumed: bool = False
    # Local ideality factors (q/kT) dVoc/dln I between neighbouring points, at the
    # geometric mean of each pair's intensities: the curvature the flags are read from.
    local_ideality: list[float] = field(default_factory=list)
    local_intensity_mw_cm2: list[float] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    method: str = "scipy.stats.linregress of Voc on ln I; n = slope / (kT/q)"
    version: str = ANALYSIS_VERSION


def _merge_repeats(
    inten: np.ndarray, voc: np.ndarray, jsc: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Points sorted by intensity, repeats at one intensity averaged (a zero-width step
    has no slope)."""
    levels, inverse, counts = np.unique(inten, return_inverse=True, return_counts=True)
    voc_m = np.bincount(inverse, weights=voc) / counts
    jsc_m = None if jsc is None else np.bincount(inverse, weights=jsc) / counts
    return levels, voc_m, jsc_m


def _auto_window(li: np.ndarray, voc: np.ndarray, tol: float, min_points: int) -> tuple[int, int]:
    """(first, last) index of the WINDOW_RULE run, or (-1, -1) when there is none.

    Local slopes are centred differences (point k from its two neighbours): half the noise
    of a slope between neighbours, so 1 mV of Voc scatter does not break a straight run.
    Each candidate run grows downward from its top point with running sums, so a slope and
    a local-slope range cost O(1) per run and the search O(n^2).
    """
    n = li.size
    centred = np.full(n, np.nan)
    centred[1:-1] = (voc[2:] - voc[:-2]) / (li[2:] - li[:-2])
    best = (-1, -1)
    for j in range(n - 1, min_points - 2, -1):
        sx = sy = sxx = sxy = 0.0
        lo_s, hi_s = np.inf, -np.inf
        for i in range(j, -1, -1):
            x, y = float(li[i]), float(voc[i])
            sx, sy, sxx, sxy = sx + x, sy + y, sxx + x * x, sxy + x * y
            if i + 1 < j:  # the inner points of run i..j are i+1..j-1
                lo_s, hi_s = min(lo_s, centred[i + 1]), max(hi_s, centred[i + 1])
            m = j - i + 1
            if m < min_points or li[j] - li[i] < _DECADE or m <= best[1] - best[0] + 1:
                continue  # too short, or no longer than a run found higher up
            slope = (m * sxy - sx * sy) / (m * sxx - sx * sx)
            if slope > 0 and lo_s >= (1 - tol) * slope and hi_s <= (1 + tol) * slope:
                best = (i, j)
    return best


def _bend_flags(local: np.ndarray, first: int, last: int, slope: float, tol: float) -> list[str]:
    """What the points outside the window show: a local slope climbing above the window's
    toward low intensity (the shunt takes over), or falling below it at the top (series
    resistance, heating)."""
    flags = []
    below, above = local[:first], local[last:]
    if below.size and float(np.max(below)) > (1 + tol) * slope:
        flags.append("shunt_limited_low_intensity")
    if above.size and float(np.min(above)) < (1 - tol) * slope:
        flags.append("series_resistance_high_intensity")
    return flags


def analyse_intensity(
    intensity_mw_cm2: Any,
    voc_v: Any,
    jsc_ma_cm2: Any = None,
    temperature_c: float | None = None,
    window_mw_cm2: tuple[float, float] | None = None,
    *,
    auto_tol: float = 0.25,
    min_points: int = 4,
) -> IntensityResult:
    """Ideality factor n = (q/kT) dVoc/dln I and alpha = dln Jsc/dln I.

    With ``window_mw_cm2`` only the points inside are fitted; otherwise the window follows
    WINDOW_RULE. Without ``temperature_c``, 25 C is used and flagged ``temperature_assumed``.
    """
    flags: list[str] = []
    inten = np.asarray(intensity_mw_cm2, dtype=float).ravel()
    voc = np.asarray(voc_v, dtype=float).ravel()
    jsc = None if jsc_ma_cm2 is None else np.abs(np.asarray(jsc_ma_cm2, dtype=float).ravel())
    if voc.size != inten.size or (jsc is not None and jsc.size != inten.size):
        raise ValueError("intensity, Voc (and Jsc) must have one value per point")
    ok = np.isfinite(inten) & np.isfinite(voc) & (inten > 0)
    n_points = int(inten.size)
    ii, vo, js = _merge_repeats(inten[ok], voc[ok], None if jsc is None else jsc[ok])
    li = np.log(ii)
    assumed = temperature_c is None
    temp = ASSUMED_TEMPERATURE_C if temperature_c is None else float(temperature_c)
    if assumed:
        flags.append("temperature_assumed")
    vth = thermal_voltage(temp)
    local = np.diff(vo) / np.diff(li) if ii.size > 1 else np.zeros(0)

    first = last = -1
    if window_mw_cm2 is not None:
        sel = (li >= np.log(window_mw_cm2[0])) & (li <= np.log(window_mw_cm2[1]))
        rule = "window given by the caller"
    else:
        rule = WINDOW_RULE.format(tol=auto_tol, min_points=min_points)
        first, last = _auto_window(li, vo, auto_tol, min_points)
        sel = np.zeros(li.size, dtype=bool)
        if first >= 0:
            sel[first : last + 1] = True
        else:
            # No straight part: every point, said plainly rather than a window by chance.
            sel[:] = True
            flags.append("no_linear_window")
    dropped = [float(x) for x in ii[~sel]]

    n = n_se = r2 = n_j = slope = intercept = prefactor = None
    window = None
    if sel.sum() >= 3:
        r = linregress(li[sel], vo[sel])
        n, n_se, r2 = r.slope / vth, r.stderr / vth, r.rvalue**2
        slope, intercept = float(r.slope), float(r.intercept)
        window = (float(ii[sel][0]), float(ii[sel][-1]))
        if li[sel][-1] - li[sel][0] < _DECADE:
            flags.append("fit_window_below_one_decade")
        if first >= 0:
            if first > 0:
                flags.append("low_intensity_points_dropped")
            if last < ii.size - 1:
                flags.append("high_intensity_points_dropped")
            flags.extend(_bend_flags(local, first, last, slope, auto_tol))
    else:
        flags.append("too_few_points")

    a = a_se = a_r2 = None
    if js is not None:
        # Alpha over all points with a positive Jsc: the shunt does not bend Jsc(I).
        good = np.isfinite(js) & (js > 0)
        if good.sum() >= 3:
            ra = linregress(li[good], np.log(js[good]))
            a, a_se, a_r2 = ra.slope, ra.stderr, ra.rvalue**2
            prefactor = float(np.exp(ra.intercept))
            gs = good & sel
            if gs.sum() >= 3:
                n_j = linregress(np.log(js[gs]), vo[gs]).slope / vth
    method = (
        f"scipy.stats.linregress of Voc on ln I over {_window_text(window, int(sel.sum()))}, "
        f"window: {rule}; n = slope / (kT/q) at {temp:g} C"
        + (" (assumed: no temperature stated)" if assumed else "")
    )
    return IntensityResult(
        ideality_factor=n,
        ideality_stderr=n_se,
        r2=r2,
        fit_window_mw_cm2=window,
        n_points_fit=int(sel.sum()),
        dropped_intensities_mw_cm2=dropped,
        ideality_factor_vs_jsc=n_j,
        alpha=a,
        alpha_stderr=a_se,
        alpha_r2=a_r2,
        temperature_c=temp,
        thermal_voltage_v=vth,
        n_points=n_points,
        window_rule=rule,
        slope_v=slope,
        intercept_v=intercept,
        jsc_prefactor_ma_cm2=prefactor,
        temperature_assumed=assumed,
        local_ideality=[float(s / vth) for s in local],
        local_intensity_mw_cm2=[float(x) for x in np.sqrt(ii[:-1] * ii[1:])],
        flags=flags,
        method=method,
    )


def _window_text(window: tuple[float, float] | None, points: int) -> str:
    if window is None:
        return "no window (too few points)"
    return f"{window[0]:g}-{window[1]:g} mW/cm2 ({points} points)"
