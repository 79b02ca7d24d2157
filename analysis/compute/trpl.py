"""TRPL (TCSPC histograms): bi-exponential tail fit, or reconvolution with a measured IRF.

Model: I(t) = sum_i A_i exp(-(t - t0)/tau_i) + B. Tail fits start a few IRF widths after
the peak and write the model in (t - t0), so the amplitudes are those back-extrapolated to the
peak time t0 (a tail-start reference would bias a1: 0.632 instead of 0.700 in the doc test).

Estimator (analysis-methods.md section 7): Poisson maximum likelihood when any fitted bin
holds fewer than LOW_COUNTS counts, Neyman chi2 (weights 1/sqrt(max(counts, 1))) otherwise.
Neyman weights trust a bin that fluctuated low more than one that fluctuated high, so at a few
counts per bin they pull the background and the tail down (Laurence & Chromy, Nat. Methods
2010); above ~20 counts both give the same answer and chi2 is the familiar figure.

Window: a decay is only described by the fit when it has ended inside the record and before
the next pulse (period > 5 x the longest lifetime, section 7); otherwise the flags say so
(``long_component_exceeds_window``, ``long_component_exceeds_repetition_period``), and
``slow_tail_in_background`` when a tail slower than both components hides in the background.
When the repetition rate is known, the model also holds the tails of all earlier pulses:
sum_k>=0 exp(-(x + kT)/tau) = exp(-x/tau) / (1 - exp(-T/tau)), so each component is raised by
1/(1 - exp(-T/tau)), and the bins before the rise (the previous pulse's tail) join the fit;
the amplitudes are then those of one pulse rather than of the pile-up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.fft import next_fast_len
from scipy.optimize import least_squares
from scipy.special import xlogy

from ._common import ResultMixin
from ._version import ANALYSIS_VERSION

# Below this many counts in a fitted bin the Poisson likelihood is used (see module doc).
LOW_COUNTS = 20.0
# The record after the peak, and the repetition period, should span this many longest
# lifetimes (analysis-methods.md section 7: period > 5 x the longest tau).
WINDOW_TAUS = 5.0
# A component carrying less than this share of the photons does not set the window check
# (a 0.1 % long tail is the background's business).
MIN_INTENSITY_FRACTION = 0.01
ESTIMATORS = ("auto", "poisson_mle", "neyman_chi2")


@dataclass(frozen=True)
class TRPLResult(ResultMixin):
    tau1_ns: float | None  # the shorter lifetime
    tau2_ns: float | None
    a1: float | None  # amplitudes at t0 (of one pulse), normalised so a1 + a2 = 1
    a2: float | None
    f1: float | None  # intensity fractions a_i tau_i / sum a_j tau_j
    f2: float | None
    background: float | None  # counts per bin
    tau_avg_amplitude_ns: float | None  # sum a tau / sum a
    tau_avg_intensity_ns: float | None  # sum a tau^2 / sum a tau
    chi2_red: float | None  # Neyman chi2 per degree of freedom, or Pearson's for the MLE
    fit_start_ns: float | None
    fit_end_ns: float | None
    t0_ns: float | None
    bin_width_ns: float
    n_points_fit: int
    fit_kind: str  # 'tail' or 'reconvolution'
    estimator: str = "neyman_chi2"  # or 'poisson_mle'
    # What the window check compared the longest lifetime with.
    record_after_peak_ns: float | None = None
    repetition_period_ns: float | None = None
    flags: list[str] = field(default_factory=list)
    method: str = ""
    version: str = ANALYSIS_VERSION


def _moving_mean(y: np.ndarray, w: int) -> np.ndarray:
    if w <= 1:
        return y.astype(float)
    c = np.cumsum(np.concatenate(([0.0], y)))
    out = (c[w:] - c[:-w]) / w
    pad = w // 2
    return np.concatenate((np.full(pad, out[0]), out, np.full(y.size - out.size - pad, out[-1])))


def _log_slope_tau(t: np.ndarray, y: np.ndarray) -> float | None:
    """Lifetime from a straight line through ln(y) (positive points only)."""
    ok = y > 0
    if ok.sum() < 3:
        return None
    s = np.polyfit(t[ok], np.log(y[ok]), 1)[0]
    return -1.0 / s if s < 0 else None


def _summary(p: np.ndarray) -> dict[str, float]:
    a1, tau1, a2, tau2 = p[:4]
    if tau1 > tau2:
        a1, tau1, a2, tau2 = a2, tau2, a1, tau1
    s = a1 + a2
    w = a1 * tau1 + a2 * tau2
    return {
        "tau1_ns": tau1, "tau2_ns": tau2, "a1": a1 / s, "a2": a2 / s, "f1": a1 * tau1 / w,
        "f2": a2 * tau2 / w, "tau_avg_amplitude_ns": w / s,
        "tau_avg_intensity_ns": (a1 * tau1**2 + a2 * tau2**2) / w,
    }  # fmt: skip


def _window(t: np.ndarray, c: np.ndarray, flags: list[str]) -> tuple[int, int, int, float, float]:
    """Peak index, fit start, fit end, background estimate and rise width (bins)."""
    n = c.size
    sm = _moving_mean(c, 3)
    # Smoothed maximum finds the peak despite single-bin noise; the raw maximum next to it
    # is the bin where the decay starts (a 3-bin mean peaks one bin late on a sharp rise).
    ks = int(np.argmax(sm))
    kp = max(ks - 1, 0) + int(np.argmax(c[max(ks - 1, 0) : ks + 2]))
    pre = c[: max(kp - 5, 0)]
    # Background: pre-peak bins if there are enough of them (their median: a slow IRF's
    # rise may reach into them), else the last 5 % of the record.
    bg = float(np.median(pre)) if pre.size >= 10 else float(c[-max(n // 20, 5) :].mean())
    height = sm[kp] - bg
    if height <= 0:
        raise ValueError("no decay above background")
    rise = kp - int(np.argmax(c[: kp + 1] > bg + 0.1 * height))
    before = c[: _rise_start(kp, rise)]
    if before.size >= 10:
        bg = float(before.mean())  # the bins before the rise (a median of counts is whole)
        height = sm[kp] - bg
    # Skip 3 rise widths (at least 2 bins) so the IRF no longer shapes the curve.
    start = min(kp + max(2, 3 * rise), n - 10)
    # End: where the smoothed excess falls below 0.2 % of the peak excess, plus 50 % to pin
    # the background; long flat records (32768 bins of mostly zeros) are cut there.
    w = max(5, n // 200)
    ex = _moving_mean(c, w) - bg
    below = np.flatnonzero(ex[start:] < 2e-3 * height)
    end = n if below.size == 0 else min(n, start + int(1.5 * below[0]) + w)
    if end - start < 10:
        end = min(n, start + 10)
        flags.append("short_fit_window")
    return kp, start, end, bg, float(max(rise, 1))


def _rise_start(kp: int, rise: float) -> int:
    """The first bin of the rise, with a margin: the bins before it hold no light of this
    pulse (only dark counts and the earlier pulses' tails)."""
    return max(kp - 2 * int(rise) - 2, 0)


def _slow_tail_flags(c: np.ndarray, kp: int, rise: float, background: float) -> list[str]:
    """The fitted background cannot exceed the level before the rise (dark counts plus the
    earlier pulses' tails). When it does, by more than 3 standard errors and 20 %, a tail
    slower than the two components is sitting in it (the real Si decay: 0.9 counts per bin
    fitted, 0.19 before the rise), and the lifetimes describe only the faster part."""
    before = c[: _rise_start(kp, rise)]
    if before.size < 20:
        return []
    level = float(before.mean())
    margin = max(3.0 * np.sqrt(max(level, 1.0 / before.size) / before.size), 0.2 * level)
    return ["slow_tail_in_background"] if background > level + margin else []


def _estimator(wanted: str, y: np.ndarray) -> str:
    if wanted != "auto":
        return wanted
    return "poisson_mle" if float(np.min(y)) < LOW_COUNTS else "neyman_chi2"


def _residuals(y: np.ndarray, estimator: str) -> Callable[[np.ndarray], np.ndarray]:
    """Residuals whose sum of squares the fit minimises: Neyman's chi2 terms, or the Poisson
    deviance residuals (their sum of squares is -2 ln L + const, so its minimum is the MLE)."""
    if estimator == "neyman_chi2":
        sig = np.sqrt(np.maximum(y, 1.0))
        return lambda m: (y - m) / sig

    def deviance(m: np.ndarray) -> np.ndarray:
        m = np.maximum(m, 1e-12)  # a zero model under a counted photon: huge but finite
        d = 2.0 * (m - y) + 2.0 * xlogy(y, y / m)
        return np.sign(y - m) * np.sqrt(np.maximum(d, 0.0))

    return deviance


def _chi2_red(y: np.ndarray, m: np.ndarray, estimator: str, n_params: int) -> float:
    """Neyman chi2, or for the MLE Pearson's (variance = model): ~1 for a good fit at any
    count level, where the deviance per bin is not."""
    var = np.maximum(y, 1.0) if estimator == "neyman_chi2" else np.maximum(m, 1e-12)
    return float(np.sum((y - m) ** 2 / var) / max(y.size - n_params, 1))


def _pile_up(tau: float, period_ns: float | None) -> float:
    """Factor by which the tails of all earlier pulses raise a component: 1/(1 - e^-T/tau)."""
    return 1.0 if period_ns is None else 1.0 / -np.expm1(-period_ns / tau)


def _tail_fit(
    t: np.ndarray, c: np.ndarray, period_ns: float | None, wanted: str, flags: list[str]
) -> dict[str, Any]:
    kp, s, e, bg, rise = _window(t, c, flags)
    t0 = float(t[kp])
    x, y = t[s:e] - t0, c[s:e]
    span = float(x[-1] - x[0])
    dt = float(np.median(np.diff(t)))
    # Starting values (from the decay alone): early and late log-slopes above the background.
    ex = y - bg
    q = max(x.size // 5, 3)
    tau_f = _log_slope_tau(x[:q], ex[:q]) or span / 20
    tau_s = _log_slope_tau(x[q : 3 * q], ex[q : 3 * q]) or span / 4
    tau_f, tau_s = sorted((max(tau_f, dt), max(tau_s, dt)))
    if tau_s < 2 * tau_f:
        tau_s = 3 * tau_f
    amp = max(float(c[kp]) - bg, 1.0)
    if period_ns is not None:
        # The bins before the rise hold the earlier pulses' tails, one period on.
        pre = _rise_start(kp, rise)
        x = np.concatenate((t[:pre] - t0 + period_ns, x))
        y = np.concatenate((c[:pre], y))
    estimator = _estimator(wanted, y)
    resid_of = _residuals(y, estimator)

    def model(p: np.ndarray) -> np.ndarray:
        a1, l1, a2, l2, b = p
        tau1, tau2 = np.exp(l1), np.exp(l2)
        return (
            a1 * _pile_up(tau1, period_ns) * np.exp(-x / tau1)
            + a2 * _pile_up(tau2, period_ns) * np.exp(-x / tau2)
            + b
        )

    # Lifetimes fitted as logs: they span decades and must stay positive.
    lo = [0, np.log(dt / 10), 0, np.log(dt / 10), 0]
    hi = [np.inf, np.log(100 * span), np.inf, np.log(100 * span), np.inf]
    best = None
    for frac in (0.7, 0.3):
        p0 = [frac * amp, np.log(tau_f), (1 - frac) * amp, np.log(tau_s), max(bg, 1e-3)]
        r = least_squares(
            lambda p: resid_of(model(p)), p0, bounds=(lo, hi), x_scale="jac", method="trf"
        )
        if best is None or r.cost < best.cost:
            best = r
    a1, l1, a2, l2, b = best.x
    out = _summary(np.array([a1, np.exp(l1), a2, np.exp(l2), b]))
    if min(out["a1"], out["a2"]) < 0.01 or abs(np.log(out["tau2_ns"] / out["tau1_ns"])) < 0.1:
        flags.append("second_component_insignificant")
    weights = "Poisson maximum likelihood" if estimator == "poisson_mle" else "Neyman weights"
    out.update(
        background=float(b), chi2_red=_chi2_red(y, model(best.x), estimator, 5),
        fit_start_ns=float(t[s]), fit_end_ns=float(t[e - 1]), t0_ns=t0,
        n_points_fit=int(x.size), fit_kind="tail", estimator=estimator,
        method=(
            f"bi-exponential tail fit (scipy least_squares, {weights}) from {s - kp} bins "
            "after the peak; amplitudes back-extrapolated to the peak time"
        ),
    )  # fmt: skip
    if not best.success:
        flags.append("fit_not_converged")
    flags.extend(_slow_tail_flags(c, kp, rise, float(b)))
    return out


class _ShiftedConvolution:
    """IRF (delayed by s bins) convolved with a decay, both on the first ``n`` bins.

    The delay is a phase ramp on the IRF's spectrum, so the model is smooth in s: a linear
    interpolation between bins has a kink at every whole bin, where the fit's finite-difference
    Jacobian goes wrong and the solver stops short (seen: background 4.1 for 2.9).
    Zero-padded past twice the length, so nothing wraps around into the record.
    """

    def __init__(self, irf: np.ndarray, n: int, max_shift: float) -> None:
        self.n = n
        self.size = next_fast_len(2 * n + int(np.ceil(max_shift)) + 2, real=True)
        self.irf_spectrum = np.fft.rfft(irf[:n], self.size)
        self.phase = -2j * np.pi * np.fft.rfftfreq(self.size)

    def __call__(self, decay: np.ndarray, s: float) -> np.ndarray:
        spectrum = self.irf_spectrum * np.fft.rfft(decay, self.size) * np.exp(self.phase * s)
        return np.fft.irfft(spectrum, self.size)[: self.n]


def _half_rise(y: np.ndarray, base: float) -> int:
    """First bin above half the peak height: where a curve rises, noise-robust enough."""
    return int(np.argmax(y > base + 0.5 * (float(np.max(y)) - base)))


def _reconvolution_fit(
    t: np.ndarray,
    c: np.ndarray,
    irf: np.ndarray,
    period_ns: float | None,
    wanted: str,
    flags: list[str],
) -> dict[str, Any]:
    dt = float(np.median(np.diff(t)))
    irf = irf / irf.sum()
    kp, _, e, bg, rise = _window(t, c, flags)
    ki = int(np.argmax(irf))
    # The whole record up to the end of the decay: the bins before the rise pin the
    # background (and, with the period known, the earlier pulses' tails the model holds).
    tt = np.arange(e) * dt
    y = c[:e]
    centroid = float(np.sum(np.arange(e) * irf[:e]) / max(irf[:e].sum(), 1e-300))
    estimator = _estimator(wanted, y)
    resid_of = _residuals(y, estimator)
    span = float(tt[e - 1] - tt[min(ki, e - 1)])
    tail = c[kp:e] - bg
    q = max(tail.size // 5, 3)
    tau_f = _log_slope_tau(tt[kp : kp + q], tail[:q]) or span / 20
    tau_s = max(_log_slope_tau(tt[kp + q : kp + 3 * q], tail[q : 3 * q]) or span / 4, 3 * tau_f)
    amp = max(float(c[kp]) - bg, 1.0)
    # The IRF may have been recorded with another cable or colour delay: start from the
    # offset of the two rises and allow 20 bins either way.
    shift0 = float(_half_rise(y, bg) - _half_rise(irf[:e], 0.0))
    convolve = _ShiftedConvolution(irf, e, abs(shift0) + 20)

    def model(p: np.ndarray) -> np.ndarray:
        a1, l1, a2, l2, b, sh = p
        taus, amps = (np.exp(l1), np.exp(l2)), (a1, a2)
        m = convolve(sum(a * np.exp(-tt / tau) for a, tau in zip(amps, taus, strict=True)), sh)
        if period_ns is not None:
            # Earlier pulses: their tails, far from the IRF, as plain exponentials.
            since = tt - (centroid + sh) * dt
            for a, tau in zip(amps, taus, strict=True):
                m = m + a * (_pile_up(tau, period_ns) - 1.0) * np.exp(-since / tau)
        return m + b

    lo = [0, np.log(dt / 10), 0, np.log(dt / 10), 0, shift0 - 20]
    hi = [np.inf, np.log(100 * span), np.inf, np.log(100 * span), np.inf, shift0 + 20]
    p0 = [0.6 * amp, np.log(tau_f), 0.4 * amp, np.log(tau_s), max(bg, 1e-3), shift0]
    r = least_squares(lambda p: resid_of(model(p)), p0, bounds=(lo, hi), x_scale="jac")
    a1, l1, a2, l2, b, sh = r.x
    out = _summary(np.array([a1, np.exp(l1), a2, np.exp(l2), b]))
    if min(out["a1"], out["a2"]) < 0.01 or abs(np.log(out["tau2_ns"] / out["tau1_ns"])) < 0.1:
        flags.append("second_component_insignificant")
    if not r.success:
        flags.append("fit_not_converged")
    flags.extend(_slow_tail_flags(c, kp, rise, float(b)))
    weights = "Poisson maximum likelihood" if estimator == "poisson_mle" else "Neyman weights"
    out.update(
        background=float(b), chi2_red=_chi2_red(y, model(r.x), estimator, 6),
        fit_start_ns=float(t[0]), fit_end_ns=float(t[e - 1]),
        t0_ns=float(t[0] + (ki + sh) * dt), n_points_fit=int(y.size),
        fit_kind="reconvolution", estimator=estimator,
        method=(
            "bi-exponential reconvolution with the measured IRF (scipy least_squares, "
            f"FFT convolution, fitted sub-bin shift, {weights})"
        ),
    )  # fmt: skip
    return out


def _without_baseline(irf: np.ndarray) -> np.ndarray:
    """The IRF less its dark-count floor. Left in, the floor spreads a share of every photon
    evenly over the record, a constant the fitted background then misses. The floor is read
    before the rise (at least 5 widths before the peak: after it, tails and afterpulses
    are part of the response), and is not clipped afterwards: its noise averages out."""
    irf = np.clip(irf, 0.0, None)
    if irf.size == 0 or not np.max(irf) > 0:
        return irf
    k = int(np.argmax(irf))
    above = np.flatnonzero(irf >= 0.5 * irf[k])
    width = int(above[-1] - above[0]) + 1  # full width at half maximum, in bins
    before = irf[: max(k - 5 * width, 0)]
    return irf - float(before.mean()) if before.size >= 20 else irf


def _irf_on_axis(t: np.ndarray, irf_counts: Any, irf_time_ns: Any) -> np.ndarray:
    """The IRF, without its floor, on the decay's time axis: as given when it shares it,
    else interpolated (an IRF recorded separately may have its own length or bin width)."""
    irf = np.asarray(irf_counts, dtype=float).ravel()
    if irf_time_ns is None:
        if irf.size != t.size:
            raise ValueError(
                f"the IRF has {irf.size} bins and the decay {t.size}: they must share one "
                "time axis, or the IRF's own time axis must be given"
            )
        return _without_baseline(irf)
    it = np.asarray(irf_time_ns, dtype=float).ravel()
    if it.size != irf.size:
        raise ValueError("the IRF's times and counts differ in length")
    ok = np.isfinite(it) & np.isfinite(irf)
    order = np.argsort(it[ok])
    return np.interp(t, it[ok][order], _without_baseline(irf[ok][order]), left=0.0, right=0.0)


def _longest_tau(out: dict[str, Any]) -> float:
    """The longest lifetime that carries a real share of the photons."""
    taus = [out["tau1_ns"]]
    if out["f2"] >= MIN_INTENSITY_FRACTION:
        taus.append(out["tau2_ns"])
    return float(max(taus))


def _window_flags(out: dict[str, Any], record_ns: float, period_ns: float | None) -> list[str]:
    longest = WINDOW_TAUS * _longest_tau(out)
    flags = []
    if record_ns < longest:
        flags.append("long_component_exceeds_window")
    if period_ns is not None and period_ns < longest:
        flags.append("long_component_exceeds_repetition_period")
    return flags


def _period(
    repetition_rate_hz: float | None, t: np.ndarray, c: np.ndarray, flags: list[str]
) -> float | None:
    """The repetition period in ns, or None when unknown or impossible for this record."""
    if repetition_rate_hz is None:
        return None
    if not (np.isfinite(repetition_rate_hz) and repetition_rate_hz > 0):
        raise ValueError(f"a repetition rate of {repetition_rate_hz} Hz is not a rate")
    period_ns = 1e9 / float(repetition_rate_hz)
    # A record holding more than a period before or after its peak would show another
    # pulse: the stated rate does not belong to this file, and modelling it would distort
    # the fit.
    peak = float(t[int(np.argmax(c))])
    if max(float(t[-1]) - peak, peak - float(t[0])) > period_ns:
        flags.append("repetition_rate_inconsistent_with_record")
        return None
    return period_ns


def analyse_trpl(
    time_ns: Any,
    counts: Any,
    irf_counts: Any = None,
    *,
    irf_time_ns: Any = None,
    repetition_rate_hz: float | None = None,
    estimator: str = "auto",
) -> TRPLResult:
    """Bi-exponential lifetimes of a TCSPC decay (time in ns, counts per bin).

    ``irf_counts`` (on the decay's time axis, or on ``irf_time_ns``) selects reconvolution;
    ``repetition_rate_hz`` adds the earlier pulses' tails to the model and is checked
    against the longest lifetime; ``estimator`` is 'auto' (Poisson MLE at low counts),
    'poisson_mle' or 'neyman_chi2'.
    """
    if estimator not in ESTIMATORS:
        raise ValueError(f"unknown estimator '{estimator}' (one of {', '.join(ESTIMATORS)})")
    flags: list[str] = []
    t = np.asarray(time_ns, dtype=float).ravel()
    c = np.asarray(counts, dtype=float).ravel()
    if c.size != t.size:
        raise ValueError(f"time and counts differ in length ({t.size} vs {c.size})")
    irf = None if irf_counts is None else _irf_on_axis(t, irf_counts, irf_time_ns)
    ok = np.isfinite(t) & np.isfinite(c) & (True if irf is None else np.isfinite(irf))
    t, c = t[ok], c[ok]
    if t.size < 20:
        raise ValueError("TRPL needs at least 20 bins")
    if irf is not None and not np.sum(irf[ok]) > 0:
        raise ValueError("the IRF holds no counts inside the decay's time range")
    dt = float(np.median(np.diff(t)))
    period_ns = _period(repetition_rate_hz, t, c, flags)
    if irf is not None:
        out = _reconvolution_fit(t, c, irf[ok], period_ns, estimator, flags)
    else:
        out = _tail_fit(t, c, period_ns, estimator, flags)
    record_ns = float(t[-1] - out["t0_ns"])
    flags.extend(_window_flags(out, record_ns, period_ns))
    method = out.pop("method")
    if period_ns is not None:
        method += (
            f"; tails of earlier pulses modelled ({1e-3 * float(repetition_rate_hz):g} kHz "
            "repetition, the bins before the rise fitted as the previous pulse's tail), "
            "amplitudes of one pulse"
        )
    return TRPLResult(
        **out,
        bin_width_ns=dt,
        record_after_peak_ns=record_ns,
        repetition_period_ns=period_ns,
        flags=flags,
        method=method,
    )
