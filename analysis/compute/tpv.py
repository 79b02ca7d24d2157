"""Transient photovoltage: small-signal decay time on the open-circuit baseline.

A decay is only described by the fit when it has ended inside the record and before the next
pulse: the record after the peak, and the pulse period where it is known, should span
WINDOW_TAUS longest lifetimes (as for TRPL, analysis-methods.md sections 7 and 8); otherwise
the free baseline trades off against the unfinished tail, and the pre-trigger "Voc" still
holds the previous pulse's tail. Flags say which.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import curve_fit

from ._common import ResultMixin, bic, biexp_decay, exp_decay, finite_pairs
from ._version import ANALYSIS_VERSION

WINDOW_TAUS = 5.0


@dataclass(frozen=True)
class TPVResult(ResultMixin):
    tau_us: float | None  # mono-exponential lifetime (or the bi-exponential's, see model)
    tau_stderr_us: float | None
    delta_v_mv: float | None  # perturbation amplitude at the peak
    baseline_v: float | None  # Voc under bias light (fitted constant)
    r2: float | None
    model: str  # 'mono' or 'bi'
    tau_fast_us: float | None  # bi-exponential components, when fitted
    tau_slow_us: float | None
    bic_mono: float | None
    bic_bi: float | None
    peak_time_us: float | None
    n_points_fit: int
    # What the window check compared the longest lifetime with.
    record_after_peak_us: float | None = None
    repetition_period_us: float | None = None
    flags: list[str] = field(default_factory=list)
    method: str = (
        "V = V0 + dV exp(-(t - t_peak)/tau) fitted (scipy curve_fit) from the peak to the end; "
        "bi-exponential kept only if BIC improves by > 10 and both parts are >= 10 %"
    )
    version: str = ANALYSIS_VERSION


def _window_flags(tau_long_s: float, record_s: float, period_s: float | None) -> list[str]:
    longest = WINDOW_TAUS * tau_long_s
    flags = []
    if record_s < longest:
        flags.append("long_component_exceeds_window")
    if period_s is not None and period_s < longest:
        flags.append("long_component_exceeds_repetition_period")
    return flags


def analyse_tpv(time_s: Any, voltage_v: Any, repetition_rate_hz: float | None = None) -> TPVResult:
    """Decay time of a TPV transient (time in s, voltage in V, baseline included);
    ``repetition_rate_hz``, the pulse rate, is checked against the longest lifetime."""
    if repetition_rate_hz is not None and not (
        np.isfinite(repetition_rate_hz) and repetition_rate_hz > 0
    ):
        raise ValueError(f"a repetition rate of {repetition_rate_hz} Hz is not a rate")
    period_s = None if repetition_rate_hz is None else 1.0 / float(repetition_rate_hz)
    flags: list[str] = []
    t, v = finite_pairs(time_s, voltage_v)
    order = np.argsort(t)
    t, v = t[order], v[order]
    # Pre-trigger baseline: samples before the pulse (t < 0, else the first 10 %).
    pre = v[t < 0] if np.count_nonzero(t < 0) >= 5 else v[: max(t.size // 10, 3)]
    base0 = float(np.median(pre))
    # The perturbation may be positive or negative (AC coupling, inverted probe): fit |dV|.
    sign = 1.0 if np.max(v) - base0 >= base0 - np.min(v) else -1.0
    y = sign * (v - base0)
    kp = int(np.argmax(y))
    x = t[kp:] - t[kp]
    yy = y[kp:]
    if x.size < 8:
        raise ValueError("too few points after the pulse peak")
    noise = float(np.std(pre)) if pre.size > 2 else 0.0
    if yy[0] < 5 * noise:
        flags.append("low_signal_to_noise")
    tau0 = float(x[np.argmax(yy < yy[0] / np.e)]) or float(x[-1] / 5)
    try:
        p, cov = curve_fit(exp_decay, x, yy, p0=[yy[0], tau0, 0.0], maxfev=5000)
    except RuntimeError:
        flags.append("fit_failed")
        return TPVResult(
            None, None, None, base0, None, "mono", None, None, None, None, float(t[kp] * 1e6),
            int(x.size), flags,
        )  # fmt: skip
    res = yy - exp_decay(x, *p)
    r2 = 1.0 - float(np.sum(res**2) / np.sum((yy - yy.mean()) ** 2))
    bic1 = bic(res, 3)
    tau, tau_se = abs(p[1]), float(np.sqrt(cov[1, 1])) if np.isfinite(cov[1, 1]) else None
    model, tf, ts, bic2 = "mono", None, None, None
    try:
        # Trial lifetimes far off make exp() overflow on the way: harmless, and not news.
        with np.errstate(over="ignore"):
            pb, _ = curve_fit(
                biexp_decay,
                x,
                yy,
                p0=[0.5 * p[0], 0.3 * tau, 0.5 * p[0], 2 * tau, p[2]],
                maxfev=5000,
            )
        resb = yy - biexp_decay(x, *pb)
        bic2 = bic(resb, 5)
        d1, t1, d2, t2 = pb[:4]
        if t1 > t2:
            d1, t1, d2, t2 = d2, t2, d1, t1
        frac = min(d1, d2) / (d1 + d2) if d1 > 0 and d2 > 0 else 0.0
        if bic2 < bic1 - 10 and frac >= 0.1 and t1 > 0:
            model, tf, ts = "bi", t1 * 1e6, t2 * 1e6
            flags.append("bi_exponential_better")
    except RuntimeError:
        pass
    if tau > x[-1]:
        flags.append("tau_longer_than_record")
    flags.extend(_window_flags(ts * 1e-6 if ts is not None else tau, float(x[-1]), period_s))
    return TPVResult(
        tau_us=tau * 1e6,
        tau_stderr_us=tau_se * 1e6 if tau_se is not None else None,
        delta_v_mv=1e3 * float(p[0]),
        baseline_v=base0 + sign * float(p[2]),
        r2=r2,
        model=model,
        tau_fast_us=tf,
        tau_slow_us=ts,
        bic_mono=bic1,
        bic_bi=bic2,
        peak_time_us=float(t[kp] * 1e6),
        n_points_fit=int(x.size),
        record_after_peak_us=float(x[-1]) * 1e6,
        repetition_period_us=None if period_s is None else period_s * 1e6,
        flags=flags,
    )
