"""Light-intensity dependence: ideality factor from Voc(ln I) and alpha from Jsc = A I^alpha."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import linregress

from ._common import ResultMixin
from ._version import ANALYSIS_VERSION
from .constants import thermal_voltage

AUTO_WINDOW_RULE = (
    "drop the lowest-intensity point while the Voc slope from it to the next point exceeds "
    "the slope fitted to the remaining points by more than {tol:.0%} (shunt bending), keeping "
    ">= {min_points} points and >= 1 decade"
)


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
    flags: list[str] = field(default_factory=list)
    method: str = "scipy.stats.linregress of Voc on ln I; n = slope / (kT/q)"
    version: str = ANALYSIS_VERSION


def _auto_window(li: np.ndarray, voc: np.ndarray, tol: float, min_points: int) -> int:
    """Index of the first point kept (data sorted by intensity)."""
    start = 0
    while li.size - start > min_points and li[-1] - li[start + 1] >= np.log(10.0):
        rest = linregress(li[start + 1 :], voc[start + 1 :]).slope
        local = (voc[start + 1] - voc[start]) / (li[start + 1] - li[start])
        if rest > 0 and local > (1.0 + tol) * rest:
            start += 1
        else:
            break
    return start


def analyse_intensity(
    intensity_mw_cm2: Any,
    voc_v: Any,
    jsc_ma_cm2: Any = None,
    temperature_c: float = 25.0,
    window_mw_cm2: tuple[float, float] | None = None,
    *,
    auto_tol: float = 0.25,
    min_points: int = 4,
) -> IntensityResult:
    """Ideality factor n = (q/kT) dVoc/dln I and alpha = dln Jsc/dln I.

    With ``window_mw_cm2`` only the points inside are fitted; otherwise all points minus the
    low-intensity ones where the shunt bends the line (rule in ``window_rule``).
    """
    flags: list[str] = []
    inten = np.asarray(intensity_mw_cm2, dtype=float).ravel()
    voc = np.asarray(voc_v, dtype=float).ravel()
    jsc = None if jsc_ma_cm2 is None else np.abs(np.asarray(jsc_ma_cm2, dtype=float).ravel())
    ok = np.isfinite(inten) & np.isfinite(voc) & (inten > 0)
    n_points = int(inten.size)
    order = np.argsort(inten[ok])
    ii, vo = inten[ok][order], voc[ok][order]
    li = np.log(ii)
    js = None if jsc is None else jsc[ok][order]
    vth = thermal_voltage(temperature_c)
    rule = AUTO_WINDOW_RULE.format(tol=auto_tol, min_points=min_points)

    if window_mw_cm2 is not None:
        sel = (li >= np.log(window_mw_cm2[0])) & (li <= np.log(window_mw_cm2[1]))
        rule = "window given by the caller"
    else:
        sel = np.zeros(li.size, dtype=bool)
        sel[_auto_window(li, vo, auto_tol, min_points) :] = True
    dropped = [float(x) for x in ii[~sel]]
    if dropped and window_mw_cm2 is None:
        flags.append("low_intensity_points_dropped")

    n = n_se = r2 = n_j = slope = intercept = prefactor = None
    window = None
    if sel.sum() >= 3:
        r = linregress(li[sel], vo[sel])
        n, n_se, r2 = r.slope / vth, r.stderr / vth, r.rvalue**2
        slope, intercept = float(r.slope), float(r.intercept)
        window = (float(ii[sel][0]), float(ii[sel][-1]))
        if li[sel][-1] - li[sel][0] < np.log(10.0):
            flags.append("fit_window_below_one_decade")
    else:
        flags.append("too_few_points")

    a = a_se = a_r2 = None
    if js is not None:
        # Alpha over all points with a positive Jsc: the shunt does not bend Jsc(I).
        good = js > 0
        if good.sum() >= 3:
            ra = linregress(li[good], np.log(js[good]))
            a, a_se, a_r2 = ra.slope, ra.stderr, ra.rvalue**2
            prefactor = float(np.exp(ra.intercept))
            gs = good & sel
            if gs.sum() >= 3:
                n_j = linregress(np.log(js[gs]), vo[gs]).slope / vth
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
        temperature_c=float(temperature_c),
        thermal_voltage_v=vth,
        n_points=n_points,
        window_rule=rule,
        slope_v=slope,
        intercept_v=intercept,
        jsc_prefactor_ma_cm2=prefactor,
        flags=flags,
    )
