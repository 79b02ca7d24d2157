"""Maximum-power-point tracking: stabilised PCE over the final window."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._common import ResultMixin
from ._version import ANALYSIS_VERSION
from .constants import STC_IRRADIANCE_MW_CM2


@dataclass(frozen=True)
class MPPResult(ResultMixin):
    stabilized_pce_percent: float | None
    stabilized_power_mw_cm2: float | None
    window_s: float  # length of the final window actually averaged
    duration_s: float
    time_to_95_s: float | None  # from the first sample; None if P never settles above 95 %
    final_vmp_v: float | None  # time-weighted mean |V| over the final window
    initial_pce_percent: float | None
    irradiance_mw_cm2: float
    irradiance_assumed: bool
    n_points: int
    flags: list[str] = field(default_factory=list)
    method: str = "time-weighted mean |P| over the final window: trapezoid(P, t) / window"
    version: str = ANALYSIS_VERSION


def _window_mean(t: np.ndarray, y: np.ndarray, t_start: float) -> float:
    """Time-weighted mean of y over [t_start, t[-1]], interpolating at t_start."""
    k = int(np.searchsorted(t, t_start, side="right"))
    tt = np.concatenate(([t_start], t[k:]))
    yy = np.concatenate(([np.interp(t_start, t, y)], y[k:]))
    span = tt[-1] - tt[0]
    return float(np.trapezoid(yy, tt) / span) if span > 0 else float(yy[-1])


def analyse_mpp(
    time_s: Any,
    power_mw_cm2: Any = None,
    voltage_v: Any = None,
    current_density_ma_cm2: Any = None,
    irradiance_mw_cm2: float | None = None,
    window_s: float = 60.0,
) -> MPPResult:
    """Stabilised output of an MPP-tracking run (power, or V and J, per time point).

    |P| is used so either sign convention works. Runs shorter than ``window_s`` are averaged
    over their last half (flag 'run_shorter_than_window').
    """
    flags: list[str] = []
    t = np.asarray(time_s, dtype=float).ravel()
    v = None if voltage_v is None else np.abs(np.asarray(voltage_v, dtype=float).ravel())
    if power_mw_cm2 is not None:
        p = np.abs(np.asarray(power_mw_cm2, dtype=float).ravel())
    elif v is not None and current_density_ma_cm2 is not None:
        p = np.abs(v * np.asarray(current_density_ma_cm2, dtype=float).ravel())
    else:
        raise ValueError("give power_mw_cm2, or voltage_v and current_density_ma_cm2")
    ok = np.isfinite(t) & np.isfinite(p)
    if v is not None:
        v = v[ok]
    t, p = t[ok], p[ok]
    order = np.argsort(t, kind="stable")
    t, p = t[order], p[order]
    v = None if v is None else v[order]
    assumed = irradiance_mw_cm2 is None
    irr = STC_IRRADIANCE_MW_CM2 if assumed else float(irradiance_mw_cm2)
    if assumed:
        flags.append("irradiance_assumed_100")
    if t.size < 2:
        raise ValueError("MPP tracking needs at least two points")

    duration = float(t[-1] - t[0])
    used = float(window_s)
    if duration < window_s:
        used = duration / 2.0
        flags.append("run_shorter_than_window")
    t_start = float(t[-1] - used)
    p_final = _window_mean(t, p, t_start)
    vmp = _window_mean(t, v, t_start) if v is not None and np.isfinite(v).all() else None

    # First time after which P stays >= 95 % of the stabilised value.
    below = np.flatnonzero(p < 0.95 * p_final)
    if below.size == 0:
        t95 = 0.0
    elif below[-1] == t.size - 1:
        t95 = None
        flags.append("not_stable_at_end")
    else:
        t95 = float(t[below[-1] + 1] - t[0])
    return MPPResult(
        stabilized_pce_percent=100.0 * p_final / irr if irr > 0 else None,
        stabilized_power_mw_cm2=p_final,
        window_s=used,
        duration_s=duration,
        time_to_95_s=t95,
        final_vmp_v=vmp,
        initial_pce_percent=100.0 * float(p[0]) / irr if irr > 0 else None,
        irradiance_mw_cm2=irr,
        irradiance_assumed=assumed,
        n_points=int(t.size),
        flags=flags,
    )
