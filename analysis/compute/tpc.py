"""Transient photocurrent: decay time and extracted charge of a small light pulse at short
circuit.

The decay is fitted as in ``tpv``: I = I0 + dI exp(-(t - t_peak)/tau) from the peak to the end
(a bi-exponential kept only if BIC is clearly better). The charge is the area of the transient
above the baseline, dQ = integral (I - I_base) dt, which with the TPV amplitude at the same
bias light gives the differential capacitance C = dQ/dV0 (the methods doc, section 8). A scope
trace across a load resistor gives I = V/R_load; the decay time needs no R_load, the charge
does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import curve_fit
from scipy.stats import trim_mean

from ._common import ResultMixin, bic, biexp_decay, exp_decay, finite_pairs, positive_or_none
from ._version import ANALYSIS_VERSION

MIN_FIT_POINTS = 8  # samples from the peak to the end a decay fit needs (as tpv)
MIN_PRETRIGGER = 5  # samples before t = 0 that make a measured baseline


@dataclass(frozen=True)
class TPCResult(ResultMixin):
    tau_us: float | None  # mono-exponential decay time (the bi-exponential's parts below)
    tau_stderr_us: float | None
    model: str  # 'mono' or 'bi'
    tau_fast_us: float | None
    tau_slow_us: float | None
    bic_mono: float | None
    bic_bi: float | None
    r2: float | None
    peak_time_us: float | None
    peak_current_ua: float | None  # peak above the baseline (positive whatever the polarity)
    peak_current_density_ma_cm2: float | None
    baseline_current_ua: float | None  # steady current under the bias light (sign as given)
    charge_nc: float | None  # integral of (I - baseline) over the transient
    charge_nc_cm2: float | None
    signal: str  # which input the analysis used: current_a, current_density_ma_cm2, voltage_v
    polarity: str  # 'positive' or 'negative' (load convention, inverted probe): |I| is fitted
    load_resistance_ohm: float | None  # as used (a scope trace's I = V/R_load)
    area_cm2: float | None
    n_points_fit: int
    flags: list[str] = field(default_factory=list)
    method: str = (
        "I = I0 + dI exp(-(t - t_peak)/tau) fitted (scipy curve_fit) from the peak to the end; "
        "bi-exponential kept only if BIC improves by > 10 and both parts are >= 10 %. "
        "Charge = trapezoidal integral of (I - baseline) from the last pre-trigger sample "
        "(t < 0) to the end, baseline = 10 %-trimmed mean before t = 0 (the fitted I0 without a "
        "pre-trigger), plus the fitted tail when the record stops before 4.6 tau; "
        "I = V/R_load for a scope trace"
    )
    version: str = ANALYSIS_VERSION


def analyse_tpc(
    time_s: Any,
    current_a: Any = None,
    current_density_ma_cm2: Any = None,
    load_resistance_ohm: float | None = None,
    area_cm2: float | None = None,
    voltage_v: Any = None,
) -> TPCResult:
    """Decay time and charge of a TPC transient (time in s, baseline included).

    The signal is the first given of: ``current_a``; ``current_density_ma_cm2``; ``voltage_v``
    across ``load_resistance_ohm`` (an oscilloscope trace).
    """
    flags: list[str] = []
    area = positive_or_none(area_cm2)
    r_load = positive_or_none(load_resistance_ohm)
    # Everything is analysed in amperes when possible, else in the signal's own unit.
    if current_a is not None:
        signal, to_amps = "current_a", 1.0
        t, s = finite_pairs(time_s, current_a)
    elif current_density_ma_cm2 is not None:
        signal = "current_density_ma_cm2"
        to_amps = area * 1e-3 if area else None  # mA/cm2 x cm2 -> A
        t, s = finite_pairs(time_s, current_density_ma_cm2)
    elif voltage_v is not None:
        signal = "voltage_v"
        to_amps = 1.0 / r_load if r_load else None
        if r_load is None:
            flags.append("no_load_resistance")
        t, s = finite_pairs(time_s, voltage_v)
    else:
        raise ValueError("no signal: give current_a, current_density_ma_cm2 or voltage_v")
    if area is None:
        flags.append("no_area")

    order = np.argsort(t, kind="stable")
    t, s = t[order], s[order]
    pre_mask = t < 0
    measured_base = np.count_nonzero(pre_mask) >= MIN_PRETRIGGER
    if measured_base:
        pre = s[pre_mask]
    else:
        # No pre-trigger: the end of a decayed record is the better first guess of the
        # baseline (tpv's first 10 % would be the pulse itself); the fit then refines it.
        flags.append("no_pretrigger_baseline")
        pre = s[-max(t.size // 10, 3) :]
    # A trimmed mean, not tpv's median: the baseline error integrates over the whole record
    # into the charge, and the median of 8-bit scope samples sticks to one level (a bias of up
    # to half a step) where the mean of noisy samples does not; trimming keeps spikes out.
    base0 = float(trim_mean(pre, 0.1)) if pre.size else 0.0
    # The transient may be positive or negative (load convention, inverted probe): fit |dI|.
    sign = 1.0 if s.size == 0 or np.max(s) - base0 >= base0 - np.min(s) else -1.0
    y = sign * (s - base0)
    kp = int(np.argmax(y)) if y.size else 0
    x = t[kp:] - t[kp]
    yy = y[kp:]
    polarity = "positive" if sign > 0 else "negative"
    if x.size < MIN_FIT_POINTS or yy[0] <= 0:
        flags.append("too_few_points" if x.size < MIN_FIT_POINTS else "no_transient")
        return _empty(signal, polarity, int(x.size), flags, r_load, area)
    noise = float(np.std(pre)) if pre.size > 2 else 0.0
    if yy[0] < 5 * noise:
        flags.append("low_signal_to_noise")

    # Fit in microseconds and in units of the peak: well-scaled parameters near 1.
    amp, xu = float(yy[0]), x * 1e6
    yn = yy / amp
    tau0 = float(xu[np.argmax(yn < 1 / np.e)]) or float(xu[-1] / 5)
    try:
        p, cov = curve_fit(exp_decay, xu, yn, p0=[1.0, tau0, 0.0], maxfev=5000)
    except RuntimeError:
        flags.append("fit_failed")
        return _empty(
            signal, polarity, int(x.size), flags, r_load, area, peak_time_us=float(t[kp] * 1e6)
        )
    res = yn - exp_decay(xu, *p)
    r2 = 1.0 - float(np.sum(res**2) / np.sum((yn - yn.mean()) ** 2))
    bic1 = bic(res, 3)
    tau = abs(float(p[1]))
    tau_se = float(np.sqrt(cov[1, 1])) if np.isfinite(cov[1, 1]) else None
    tail = _tail(p[0], tau, xu[-1])  # area beyond the record, units of peak x us
    model, tf, ts, bic2 = "mono", None, None, None
    try:
        pb, _ = curve_fit(
            biexp_decay, xu, yn, p0=[0.5 * p[0], 0.3 * tau, 0.5 * p[0], 2 * tau, p[2]], maxfev=5000
        )
        bic2 = bic(yn - biexp_decay(xu, *pb), 5)
        d1, t1, d2, t2 = (float(v) for v in pb[:4])
        if t1 > t2:
            d1, t1, d2, t2 = d2, t2, d1, t1
        frac = min(d1, d2) / (d1 + d2) if d1 > 0 and d2 > 0 else 0.0
        if bic2 < bic1 - 10 and frac >= 0.1 and t1 > 0:
            model, tf, ts = "bi", t1, t2
            tail = _tail(d1, t1, xu[-1]) + _tail(d2, t2, xu[-1])
            flags.append("bi_exponential_better")
    except RuntimeError:
        pass
    if tau > xu[-1]:
        flags.append("tau_longer_than_record")

    # Baseline for the charge: the measured pre-trigger level when there is one (the physical
    # zero of the transient); otherwise the fit's constant.
    base = base0 if measured_base else base0 + sign * float(p[2]) * amp
    start = int(np.flatnonzero(pre_mask)[-1]) if measured_base else 0
    recorded = float(np.trapezoid(sign * (s[start:] - base), t[start:]))
    beyond = tail * amp * 1e-6  # from (peak units x us) back to (signal units x s)
    if beyond > 0.01 * abs(recorded + beyond):
        flags.append("charge_extrapolated")  # the record stops before the decay does
    area_signal = recorded + beyond

    charge = charge_cm2 = peak_ua = peak_j = base_ua = None
    if to_amps is not None:
        charge = area_signal * to_amps * 1e9  # C -> nC
        charge_cm2 = charge / area if area else None
        peak_ua = amp * to_amps * 1e6
        peak_j = peak_ua * 1e-3 / area if area else None  # uA / cm2 -> mA/cm2
        base_ua = base * to_amps * 1e6
    elif signal == "current_density_ma_cm2":
        charge_cm2 = area_signal * 1e6  # mA/cm2 x s = mC/cm2 -> nC/cm2
        peak_j = amp
    return TPCResult(
        tau_us=tau,
        tau_stderr_us=tau_se,
        model=model,
        tau_fast_us=tf,
        tau_slow_us=ts,
        bic_mono=bic1,
        bic_bi=bic2,
        r2=r2,
        peak_time_us=float(t[kp] * 1e6),
        peak_current_ua=peak_ua,
        peak_current_density_ma_cm2=peak_j,
        baseline_current_ua=base_ua,
        charge_nc=charge,
        charge_nc_cm2=charge_cm2,
        signal=signal,
        polarity=polarity,
        load_resistance_ohm=r_load,
        area_cm2=area,
        n_points_fit=int(x.size),
        flags=flags,
    )


def _tail(amplitude: float, tau: float, x_end: float) -> float:
    """Integral of amplitude exp(-x/tau) from the end of the record to infinity."""
    return float(amplitude) * tau * math.exp(-x_end / tau) if tau > 0 else 0.0


def _empty(
    signal: str,
    polarity: str,
    n: int,
    flags: list[str],
    load_resistance_ohm: float | None,
    area_cm2: float | None,
    peak_time_us: float | None = None,
) -> TPCResult:
    return TPCResult(
        tau_us=None,
        tau_stderr_us=None,
        model="mono",
        tau_fast_us=None,
        tau_slow_us=None,
        bic_mono=None,
        bic_bi=None,
        r2=None,
        peak_time_us=peak_time_us,
        peak_current_ua=None,
        peak_current_density_ma_cm2=None,
        baseline_current_ua=None,
        charge_nc=None,
        charge_nc_cm2=None,
        signal=signal,
        polarity=polarity,
        load_resistance_ohm=load_resistance_ohm,
        area_cm2=area_cm2,
        n_points_fit=n,
        flags=flags,
    )
