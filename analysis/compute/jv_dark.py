"""Dark J-V: local ideality n(V), rectification, leakage (sign-agnostic, uses |J|)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._common import ResultMixin, finite_pairs
from ._jv_prep import sort_average, split_bounds
from ._version import ANALYSIS_VERSION
from .constants import thermal_voltage


@dataclass(frozen=True)
class DarkJVResult(ResultMixin):
    ideality_factor: float | None  # median n(V) over the flattest window
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
    temperature_c: float
    n_points: int
    flags: list[str] = field(default_factory=list)
    method: str = "n(V) = dV/dln|J| / (kT/q) on the forward branch; flattest-window median"
    version: str = ANALYSIS_VERSION


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
        ideality_factor=n_ideal,
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
        temperature_c=float(temperature_c),
        n_points=n_points,
        flags=flags,
    )
