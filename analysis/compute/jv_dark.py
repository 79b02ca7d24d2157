"""Dark J-V: a one-diode fit with series and shunt resistance, the local ideality n(V) where it
plateaus, rectification and leakage (sign-agnostic, uses |J|)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pvlib.pvsystem import i_from_v
from scipy.optimize import least_squares

from ._common import ResultMixin, finite_pairs
from ._jv_prep import sort_average, split_bounds
from ._version import ANALYSIS_VERSION
from .constants import thermal_voltage


@dataclass(frozen=True)
class DarkJVResult(ResultMixin):
    # n(V) plateau median, reported only when a plateau exists and 1 <= n <= 2.5: a shunted
    # or resistive diode gives any "plateau" number (n = 14) that is no ideality at all.
    ideality_factor: float | None
    ideality_window_v: tuple[float, float] | None
    ideality_spread: float | None  # (max - min) / median of n(V) in that window
    ideality_min: float | None  # minimum local n(V) above 4 kT/q (a bound without plateau)
    plateau_found: bool
    j0_ma_cm2: float | None  # intercept of ln|J| vs V over the window
    rectification_ratio: float | None
    rectification_v: float | None  # |J(+V)| / |J(-V)| at this V
    leakage_ma_cm2: float | None  # |J| at leakage_v
    leakage_v: float
    rsh_ohm_cm2: float | None  # from the slope at 0 V
    # One-diode fit (least squares in log10|J|, Lambert-W form of pvlib's i_from_v).
    diode_n: float | None
    diode_j0_ma_cm2: float | None
    diode_rs_ohm_cm2: float | None
    diode_rsh_ohm_cm2: float | None
    diode_rms_log10: float | None  # residual of the fit, decades
    temperature_c: float
    n_points: int
    flags: list[str] = field(default_factory=list)
    method: str = (
        "one-diode J = J0[exp((V - J Rs)/(n kT/q)) - 1] + (V - J Rs)/Rsh fitted in log10|J| "
        "(pvlib i_from_v, scipy least_squares, bounded n 0.8-4, Rs 1e-3-1e3, Rsh 1-1e9 Ohm cm2); "
        "n(V) = dV/dln|J| / (kT/q) on the forward branch, flattest-window median, reported "
        "only on a plateau with 1 <= n <= 2.5"
    )
    version: str = ANALYSIS_VERSION


IDEALITY_RANGE = (1.0, 2.5)
ZERO_BIAS_EXCLUDED_V = 0.02
# Bounds of the fit (n, log10 J0 [A/cm2], log10 Rs, log10 Rsh [Ohm cm2]).
_LOWER = np.array([0.8, -20.0, -3.0, 0.0])
_UPPER = np.array([4.0, -2.0, 3.0, 9.0])


def fit_one_diode(
    voltage_v: Any, current_density_ma_cm2: Any, temperature_c: float = 25.0
) -> dict[str, float] | None:
    """One-diode parameters of a dark curve (load convention, either sign given), or None.

    Residuals are log10|J_model| - log10|J_meas|, so each decade weighs alike: the forward
    exponential, the shunt-dominated low bias and the series-limited high bias all count.
    """
    v, j = finite_pairs(voltage_v, current_density_ma_cm2)
    if v.size < 8:
        return None
    order = np.argsort(v)
    v, j = v[order], j[order]
    j_load = (j if j[-1] >= 0 else -j) / 1000.0  # A/cm2, forward current positive
    # Near 0 V the current changes sign through zero: its log says nothing about the diode
    # and a single point there would outweigh a decade of data.
    keep = (np.abs(j_load) > 0) & (np.abs(v) >= ZERO_BIAS_EXCLUDED_V)
    v, j_load = v[keep], j_load[keep]
    if v.size < 8 or v.max() <= 0:
        return None
    vth = thermal_voltage(temperature_c)
    target = np.log10(np.abs(j_load))

    def model(p: np.ndarray) -> np.ndarray:
        n, log_j0, log_rs, log_rsh = p
        # Dark: no photocurrent; i_from_v gives the generator-convention current.
        i = i_from_v(v, 0.0, 10**log_j0, 10**log_rs, 10**log_rsh, n * vth)
        return -np.asarray(i, dtype=float)

    def residuals(p: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.log10(np.abs(model(p))) - target
        return np.where(np.isfinite(r), r, 10.0)

    starts = [np.array([n0, lj0, -1.0, 3.0]) for n0, lj0 in ((1.3, -11.0), (2.0, -6.0))]
    best = None
    for p0 in starts:
        try:
            # A small finite-difference step: n and log J0 trade off over many decades.
            fit = least_squares(
                residuals, p0, bounds=(_LOWER, _UPPER), x_scale="jac", diff_step=1e-6
            )
        except (ValueError, FloatingPointError):
            continue
        if best is None or fit.cost < best.cost:
            best = fit
    if best is None:
        return None
    n, log_j0, log_rs, log_rsh = best.x
    rms = float(np.sqrt(np.mean(best.fun**2)))
    return {
        "n": float(n),
        "j0_ma_cm2": float(10**log_j0 * 1000.0),
        "rs_ohm_cm2": float(10**log_rs),
        "rsh_ohm_cm2": float(10**log_rsh),
        "rms_log10": rms,
    }


def analyse_dark_jv(
    voltage_v: Any,
    current_density_ma_cm2: Any,
    temperature_c: float = 25.0,
    *,
    rectification_v: float = 0.5,
    leakage_v: float = -0.5,
    window_v: float = 0.1,
    plateau_max_spread: float = 0.10,
) -> DarkJVResult:
    """Analyse a dark J-V curve (V in volts, J in mA/cm2, either sign convention).

    n(V) is computed point by point on the forward branch; the reported ideality is the
    median over the window (>= ``window_v`` wide, >= 5 points) where n(V) is flattest. Low
    shunt resistance inflates n everywhere: without a window whose relative spread is
    below ``plateau_max_spread`` the value is flagged 'no_ideality_plateau'.
    """
    flags: list[str] = []
    v, j = finite_pairs(voltage_v, current_density_ma_cm2)
    n_points = int(v.size)
    bounds = split_bounds(v, 0, v.size, 3)
    if len(bounds) > 1:
        flags.append("round_trip_split")
        a, b = max(bounds, key=lambda ab: ab[1] - ab[0])
        v, j = v[a:b], j[a:b]
    v, j, _ = sort_average(v, j, 6)
    ja = np.abs(j)
    vth = thermal_voltage(temperature_c)

    n_ideal = spread = n_min = j0 = None
    window = None
    plateau = False
    # n(V) only means something well above kT/q (below, J ~ V/Rsh and the "-1" dominate).
    fwd = (v > 4 * vth) & (ja > 0)
    vf, lj = v[fwd], np.log(ja[fwd])
    if vf.size >= 5:
        with np.errstate(divide="ignore", invalid="ignore"):
            n_loc = 1.0 / (vth * np.gradient(lj, vf))
        step = float(np.median(np.diff(vf)))
        w = int(min(vf.size, max(5, round(window_v / step) + 1)))
        best = None
        for s in range(vf.size - w + 1):
            seg = n_loc[s : s + w]
            if np.all(np.isfinite(seg)) and np.all(seg > 0):
                med = float(np.median(seg))
                sc = float(seg.max() - seg.min()) / med
                if best is None or sc < best[0]:
                    best = (sc, s, med)
        good = n_loc[np.isfinite(n_loc) & (n_loc > 0)]
        n_min = float(good.min()) if good.size else None
        if best is not None:
            spread, s, n_ideal = best
            window = (float(vf[s]), float(vf[s + w - 1]))
            plateau = spread <= plateau_max_spread
            slope = 1.0 / (n_ideal * vth)
            j0 = float(np.exp(np.mean(lj[s : s + w] - slope * vf[s : s + w])))
    if not plateau:
        flags.append("no_ideality_plateau")
    elif n_ideal is not None and not (IDEALITY_RANGE[0] <= n_ideal <= IDEALITY_RANGE[1]):
        flags.append("ideality_out_of_range")
    report_n = n_ideal if plateau and "ideality_out_of_range" not in flags else None
    fit = fit_one_diode(v, j, temperature_c)
    if fit is None:
        flags.append("diode_fit_failed")

    # Rectification at the stated V, or the largest symmetric V the sweep covers.
    vr = min(rectification_v, float(v.max()), float(-v.min()))
    rect = None
    if vr > 0:
        jr = abs(float(np.interp(-vr, v, j)))
        rect = abs(float(np.interp(vr, v, j))) / jr if jr > 0 else None
        if vr < rectification_v:
            flags.append("rectification_at_reduced_voltage")
    else:
        vr = None
        flags.append("no_reverse_bias")
    leak = abs(float(np.interp(leakage_v, v, j))) if v.min() <= leakage_v <= v.max() else None
    if leak is None:
        flags.append("leakage_voltage_not_measured")

    near0 = np.flatnonzero(np.abs(v) <= 0.05)
    if near0.size < 3:
        near0 = np.argsort(np.abs(v))[:3]
    # Load convention (forward current positive) whatever the file used, then 1/slope.
    j_load = j if j[-1] >= 0 else -j
    slope = float(np.polyfit(v[near0], j_load[near0], 1)[0])
    rsh = 1000.0 / slope if slope > 0 else None

    return DarkJVResult(
        ideality_factor=report_n,
        ideality_window_v=window,
        ideality_spread=spread,
        ideality_min=n_min,
        plateau_found=plateau,
        j0_ma_cm2=j0,
        rectification_ratio=rect,
        rectification_v=vr,
        leakage_ma_cm2=leak,
        leakage_v=leakage_v,
        rsh_ohm_cm2=rsh,
        diode_n=fit["n"] if fit else None,
        diode_j0_ma_cm2=fit["j0_ma_cm2"] if fit else None,
        diode_rs_ohm_cm2=fit["rs_ohm_cm2"] if fit else None,
        diode_rsh_ohm_cm2=fit["rsh_ohm_cm2"] if fit else None,
        diode_rms_log10=fit["rms_log10"] if fit else None,
        temperature_c=float(temperature_c),
        n_points=n_points,
        flags=flags,
    )
