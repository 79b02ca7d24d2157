"""TRPL (TCSPC histograms): bi-exponential tail fit, or reconvolution with a measured IRF.

Model: I(t) = sum_i A_i exp(-(t - t0)/tau_i) + B. Tail fits start a few IRF widths after
the peak and write the model in (t - t0), so the amplitudes are those back-extrapolated to the
peak time t0 (a tail-start reference would bias a1: 0.632 instead of 0.700 in the doc test).
Weights 1/sqrt(max(counts, 1)) (Neyman chi2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import least_squares

from ._common import ResultMixin
from ._version import ANALYSIS_VERSION


@dataclass(frozen=True)
class TRPLResult(ResultMixin):
    tau1_ns: float | None  # the shorter lifetime
    tau2_ns: float | None
    a1: float | None  # amplitudes at t0, normalised so a1 + a2 = 1
    a2: float | None
    f1: float | None  # intensity fractions a_i tau_i / sum a_j tau_j
    f2: float | None
    background: float | None  # counts per bin
    tau_avg_amplitude_ns: float | None  # sum a tau / sum a
    tau_avg_intensity_ns: float | None  # sum a tau^2 / sum a tau
    chi2_red: float | None
    fit_start_ns: float | None
    fit_end_ns: float | None
    t0_ns: float | None
    bin_width_ns: float
    n_points_fit: int
    fit_kind: str  # 'tail' or 'reconvolution'
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
    # Background: pre-peak bins if there are enough of them, else the last 5 % of the record.
    bg = float(pre.mean()) if pre.size >= 10 else float(c[-max(n // 20, 5) :].mean())
    height = sm[kp] - bg
    if height <= 0:
        raise ValueError("no decay above background")
    rise = kp - int(np.argmax(c[: kp + 1] > bg + 0.1 * height))
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


def _tail_fit(t: np.ndarray, c: np.ndarray, flags: list[str]) -> dict[str, Any]:
    kp, s, e, bg, rise = _window(t, c, flags)
    t0 = float(t[kp])
    x, y = t[s:e] - t0, c[s:e]
    sig = np.sqrt(np.maximum(y, 1.0))
    span = float(x[-1] - x[0])
    dt = float(np.median(np.diff(t)))
    # Starting values: early and late log-slopes of the background-subtracted decay.
    ex = y - bg
    q = max(x.size // 5, 3)
    tau_f = _log_slope_tau(x[:q], ex[:q]) or span / 20
    tau_s = _log_slope_tau(x[q : 3 * q], ex[q : 3 * q]) or span / 4
    tau_f, tau_s = sorted((max(tau_f, dt), max(tau_s, dt)))
    if tau_s < 2 * tau_f:
        tau_s = 3 * tau_f
    amp = max(float(c[kp]) - bg, 1.0)

    def resid(p: np.ndarray) -> np.ndarray:
        a1, l1, a2, l2, b = p
        m = a1 * np.exp(-x / np.exp(l1)) + a2 * np.exp(-x / np.exp(l2)) + b
        return (y - m) / sig

    # Lifetimes fitted as logs: they span decades and must stay positive.
    lo = [0, np.log(dt / 10), 0, np.log(dt / 10), 0]
    hi = [np.inf, np.log(100 * span), np.inf, np.log(100 * span), np.inf]
    best = None
    for frac in (0.7, 0.3):
        p0 = [frac * amp, np.log(tau_f), (1 - frac) * amp, np.log(tau_s), max(bg, 1e-3)]
        r = least_squares(resid, p0, bounds=(lo, hi), x_scale="jac", method="trf")
        if best is None or r.cost < best.cost:
            best = r
    a1, l1, a2, l2, b = best.x
    p = np.array([a1, np.exp(l1), a2, np.exp(l2), b])
    dof = max(x.size - 5, 1)
    out = _summary(p)
    if min(out["a1"], out["a2"]) < 0.01 or abs(np.log(out["tau2_ns"] / out["tau1_ns"])) < 0.1:
        flags.append("second_component_insignificant")
    out.update(
        background=float(b), chi2_red=float(2 * best.cost / dof), fit_start_ns=float(t[s]),
        fit_end_ns=float(t[e - 1]), t0_ns=t0, n_points_fit=int(x.size), fit_kind="tail",
        method=(
            f"bi-exponential tail fit (scipy least_squares, Neyman weights) from {s - kp} bins "
            "after the peak; amplitudes back-extrapolated to the peak time"
        ),
    )  # fmt: skip
    if not best.success:
        flags.append("fit_not_converged")
    return out


def _shift(irf: np.ndarray, s: float) -> np.ndarray:
    """IRF delayed by s bins (linear interpolation for the fractional part)."""
    idx = np.arange(irf.size) - s
    return np.interp(idx, np.arange(irf.size), irf, left=0.0, right=0.0)


def _reconvolution_fit(
    t: np.ndarray, c: np.ndarray, irf: np.ndarray, flags: list[str]
) -> dict[str, Any]:
    import lmfit
    from scipy.signal import fftconvolve

    n = c.size
    dt = float(np.median(np.diff(t)))
    irf = np.clip(irf, 0, None)
    irf = irf / irf.sum()
    kp, _, e, bg, _ = _window(t, c, flags)
    ki = int(np.argmax(irf))
    s = max(int(np.argmax(irf > 0.01 * irf[ki])) - 2, 0)  # start where the IRF rises
    tt = np.arange(n) * dt
    y = c[s:e]
    sig = np.sqrt(np.maximum(y, 1.0))
    span = float(tt[e - 1] - tt[ki])
    tail = c[kp:e] - bg
    q = max(tail.size // 5, 3)
    tau_f = _log_slope_tau(tt[kp : kp + q], tail[:q]) or span / 20
    tau_s = max(_log_slope_tau(tt[kp + q : kp + 3 * q], tail[q : 3 * q]) or span / 4, 3 * tau_f)
    amp = max(float(c[kp]) - bg, 1.0)

    params = lmfit.Parameters()
    params.add("a1", value=0.6 * amp, min=0)
    params.add("tau1", value=tau_f, min=dt / 10, max=100 * span)
    params.add("a2", value=0.4 * amp, min=0)
    params.add("tau2", value=tau_s, min=dt / 10, max=100 * span)
    params.add("b", value=max(bg, 1e-3), min=0)
    # Same time axis as the decay: start unshifted, allow +-20 bins (colour/cable delays).
    params.add("shift", value=0.0, min=-20, max=20)

    def resid(pr: lmfit.Parameters) -> np.ndarray:
        v = pr.valuesdict()
        decay = v["a1"] * np.exp(-tt / v["tau1"]) + v["a2"] * np.exp(-tt / v["tau2"])
        model = fftconvolve(_shift(irf, v["shift"]), decay)[:n] + v["b"]
        return (c[s:e] - model[s:e]) / sig

    r = lmfit.minimize(resid, params, method="least_squares")
    v = r.params.valuesdict()
    out = _summary(np.array([v["a1"], v["tau1"], v["a2"], v["tau2"], v["b"]]))
    out.update(
        background=float(v["b"]), chi2_red=float(r.redchi), fit_start_ns=float(t[s]),
        fit_end_ns=float(t[e - 1]), t0_ns=float(t[0] + (ki + v["shift"]) * dt),
        n_points_fit=int(y.size), fit_kind="reconvolution",
        method="bi-exponential reconvolution with the measured IRF (lmfit, fftconvolve, shift)",
    )  # fmt: skip
    return out


def analyse_trpl(time_ns: Any, counts: Any, irf_counts: Any = None) -> TRPLResult:
    """Bi-exponential lifetimes of a TCSPC decay (time in ns, counts per bin)."""
    flags: list[str] = []
    t = np.asarray(time_ns, dtype=float).ravel()
    c = np.asarray(counts, dtype=float).ravel()
    irf = None if irf_counts is None else np.asarray(irf_counts, dtype=float).ravel()
    if c.size != t.size or (irf is not None and irf.size != t.size):
        raise ValueError("time, counts (and IRF) must share one time axis")
    ok = np.isfinite(t) & np.isfinite(c) & (True if irf is None else np.isfinite(irf))
    t, c = t[ok], c[ok]
    if t.size < 20:
        raise ValueError("TRPL needs at least 20 bins")
    dt = float(np.median(np.diff(t)))
    if irf is not None:
        out = _reconvolution_fit(t, c, irf[ok], flags)
    else:
        out = _tail_fit(t, c, flags)
    method = out.pop("method")
    return TRPLResult(**out, bin_width_ns=dt, flags=flags, method=method)
