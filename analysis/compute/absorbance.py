"""UV-vis-NIR absorbance of PbS CQDs: first exciton, Moreels size, concentration, Tauc.

The 1S exciton is what sizes a synthesis, so it is reported only when a referee would accept
it (analysis-methods.md section 9):

1. Instrument artefacts first. A detector, lamp or grating changeover leaves a step that a
   derivative reads as a narrow "exciton" (the Lambda 950/1050 at 860.8 nm). Changeovers come
   from the file's header, else the instrument's factory defaults, and steps the spectrum
   itself shows are found by a local cubic-plus-step fit. The points around each are left out
   of every fit (``masked_nm``), and an exciton fit whose window holds one fits its step too.
2. Candidates: minima of the Savitzky-Golay second derivative on a uniform energy grid,
   lowest energy first.
3. Each candidate is fitted with a Gaussian on a linear background. It is the exciton only
   with a width a PbS ensemble can have (HWHM 20-250 meV) and a prominence above the noise,
   the instrument's baseline flatness and, on a changeover, well above the step there; the
   first such, from low energy, wins.
   Otherwise ``no_exciton_found``, with the rejected candidate and the reason beside it.
4. The size comes from the fitted centre (a sloping background drags the visible maximum
   towards higher energy: 1161 instead of 1180 nm for a broad 1S), and only for a material
   that holds dots (``is_qd_material`` not False). The maximum of the fitted curve is kept as
   ``exciton_apparent_peak_nm``.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.optimize import OptimizeWarning, curve_fit

from ._common import ResultMixin, finite_pairs, odd_window, savgol_interp
from ._version import ANALYSIS_VERSION
from .constants import (
    EXCITON_HWHM_MAX_MEV,
    EXCITON_HWHM_MIN_MEV,
    EXCITON_MIN_PROMINENCE,
    EXCITON_MIN_SNR,
    HC_EV_NM,
    INSTRUMENT_CHANGEOVERS_NM,
    STEP_PROMINENCE_FACTOR,
)

SIZING_CURVE = "Moreels et al., ACS Nano 2009, 3, 3023"
# Moreels 2009: E0 = 0.41 + 1 / (0.0252 d^2 + 0.283 d), d in nm; eps400 = 0.0233 d^3 /uM/cm.
_BULK_EV, _A2, _A1 = 0.41, 0.0252, 0.283
EPS400_COEFF = 0.0233
HWHM_PER_SIGMA = math.sqrt(2 * math.log(2))

METHOD = (
    "absorbance v2: changeovers (header, instrument default, detected steps) masked and "
    "fitted as steps; 1S = lowest-energy minimum of Savitzky-Golay d2A/dE2 whose Gaussian + linear "
    "background fit has HWHM 20-250 meV and a prominence >= 5 noise sigma, >= 0.005 A and, "
    "within 2 sigma of a changeover, >= 5x its step; "
    "size (Moreels 2009) from the fitted centre, only for a QD material"
)


def moreels_energy_ev(d_nm: float) -> float:
    """First-exciton energy (eV) of a PbS dot of diameter d (nm), Moreels 2009."""
    return _BULK_EV + 1.0 / (_A2 * d_nm * d_nm + _A1 * d_nm)


def moreels_diameter_nm(e0_ev: float) -> float | None:
    """Diameter (nm) from the first-exciton energy (eV), Moreels 2009; None for E0 <= 0.41 eV."""
    if e0_ev is None or not e0_ev > _BULK_EV:
        return None
    return (-_A1 + math.sqrt(_A1 * _A1 + 4 * _A2 / (e0_ev - _BULK_EV))) / (2 * _A2)


def moreels_dE_dd(d_nm: float) -> float:
    """dE0/dd (eV/nm), to turn an energy width into a size spread."""
    return -(2 * _A2 * d_nm + _A1) / (_A2 * d_nm * d_nm + _A1 * d_nm) ** 2


def instrument_changeovers_nm(instrument: str | None) -> tuple[float, ...]:
    """Factory changeover wavelengths of a known spectrophotometer, () for an unknown one."""
    name = (instrument or "").lower()
    for pattern, wavelengths in INSTRUMENT_CHANGEOVERS_NM:
        if re.search(pattern, name):
            return wavelengths
    return ()


def noise_sigma(y: np.ndarray) -> float:
    """Robust standard deviation of point-to-point noise, from second differences (a smooth
    curve's own curvature barely moves their median)."""
    if y.size < 5:
        return 0.0
    d2 = np.diff(y, 2)
    return float(1.4826 * np.median(np.abs(d2 - np.median(d2))) / math.sqrt(6.0))


@dataclass(frozen=True)
class AbsorbanceResult(ResultMixin):
    exciton_peak_nm: float | None  # centre of the fitted 1S Gaussian (what sizes the dots)
    bandgap_ev: float | None  # energy of that centre (optical gap of the dots)
    diameter_nm: float | None
    sizing_curve: str
    exciton_apparent_peak_nm: float | None  # maximum of the fitted curve, background included
    exciton_hwhm_mev: float | None  # half width at half maximum of the fitted Gaussian
    exciton_prominence: float | None  # Gaussian amplitude above the fitted background (A)
    exciton_snr: float | None  # prominence / noise sigma
    noise_absorbance: float | None  # noise sigma in the search range (A)
    exciton_candidate_nm: float | None  # the rejected candidate when no exciton was accepted
    exciton_rejected_because: str | None
    size_dispersion_nm: float | None  # sigma_d from the Gaussian sigma_E via dE/dd
    peak_absorbance: float | None
    concentration_um: float | None
    extinction_400_per_um_cm: float | None
    absorbance_400: float | None
    baseline_absorbance: float | None
    tauc_bandgap_ev: float | None
    tauc_window_ev: tuple[float, float] | None
    tauc_r2: float | None
    masked_nm: list[list[float]]  # [from, to] ranges left out around changeovers and steps
    changeover_nm: list[float]  # the changeovers looked for (header or instrument default)
    changeover_source: str  # "header", "instrument default" or "" (none known)
    steps: list[dict[str, Any]]  # each changeover or step: nm, estimated jump (A), source
    n_points: int
    flags: list[str] = field(default_factory=list)
    method: str = METHOD
    version: str = ANALYSIS_VERSION


# --- instrument artefacts ----------------------------------------------------------------------


def detect_steps_nm(
    wl: np.ndarray, a: np.ndarray, half: int = 8, t_min: float = 6.0
) -> list[float]:
    """Wavelengths (nm) where the spectrum jumps between two neighbouring points.

    Around every gap between two points, a cubic plus a step is fitted to ``half`` points each
    side: the cubic takes the curvature of real bands, the step what no smooth curve makes. A
    step counts when it exceeds ``t_min`` times its standard error (from the local residuals or
    the global noise, whichever is larger) and is the largest within ``half`` points.
    """
    m = half
    if wl.size < 2 * m + 2:
        return []
    x = sliding_window_view(wl, 2 * m)
    y = sliding_window_view(a, 2 * m)
    mid = 0.5 * (x[:, m - 1] + x[:, m])
    z = (x - mid[:, None]) / np.maximum(0.5 * (x[:, -1] - x[:, 0]), 1e-9)[:, None]
    if np.allclose(z, z[0], atol=1e-6):  # uniform sampling: one design serves every window
        z = z[:1]
    design = np.stack([np.ones_like(z), z, z * z, z**3, (z > 0).astype(float)], axis=-1)
    normal = np.einsum("nki,nkj->nij", design, design)
    try:
        inverse = np.linalg.inv(normal)
    except np.linalg.LinAlgError:
        return []
    p = np.einsum("nij,nj->ni", inverse, np.einsum("nki,nk->ni", design, y))
    residual = y - np.einsum("nki,ni->nk", design, p)
    inverse = np.broadcast_to(inverse, (y.shape[0], 5, 5))
    local_var = (residual * residual).sum(axis=1) / (2 * m - 5)
    sigma = noise_sigma(a)
    se = np.sqrt(np.maximum(local_var, sigma * sigma) * inverse[:, 4, 4])
    jump = p[:, 4]
    size = np.abs(jump)
    found = []
    for k in np.flatnonzero((size >= t_min * np.maximum(se, 1e-12)) & (size >= t_min * sigma)):
        lo, hi = max(0, k - m), min(size.size, k + m + 1)
        if size[k] == size[lo:hi].max():
            found.append(float(mid[k]))
    return found


def _step_offset(
    x_below: np.ndarray, y_below: np.ndarray, x_above: np.ndarray, y_above: np.ndarray, nm: float
) -> float:
    """How much the shorter wavelengths read high at ``nm``: one cubic through both sides plus
    a step (the cubic follows a band's curvature across the gap, which lines through each
    side would read as an offset)."""
    x = np.concatenate((x_below, x_above))
    y = np.concatenate((y_below, y_above))
    z = (x - nm) / max(float(np.ptp(x)), 1e-9)
    degree = min(3, x.size - 3)
    design = np.column_stack([z**p for p in range(degree + 1)] + [(x < nm).astype(float)])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(coef[-1])


def _mask(
    wl: np.ndarray, a: np.ndarray, positions: list[tuple[float, str]]
) -> tuple[np.ndarray, list[list[float]], list[dict[str, Any]]]:
    """(points kept, masked ranges, steps) around each changeover or detected step.

    Points within ``gap`` of it are left out of every fit (the detectors overlap there). The
    jump is estimated from ``k`` points each side for the record, but not subtracted from the
    spectrum: next to a narrow band the estimate is off by more than the step itself, so the
    exciton fit takes any step in its window as a parameter of its own instead.
    """
    keep = np.ones(wl.size, dtype=bool)
    masked: list[list[float]] = []
    steps: list[dict[str, Any]] = []
    h = float(np.median(np.diff(wl))) if wl.size > 1 else 1.0
    # The point(s) at the changeover itself; on a coarse grid, no more than the nearest one.
    gap = max(3.0, 0.6 * h)
    k = max(6, int(round(20.0 / h)))
    for nm, source in sorted(positions):
        near = np.abs(wl - nm) <= gap
        below = np.flatnonzero((wl < nm) & ~near & keep)[-k:]
        above = np.flatnonzero((wl > nm) & ~near)[:k]
        keep &= ~near
        masked.append([round(nm - gap, 1), round(nm + gap, 1)])
        offset = None
        if below.size >= 3 and above.size >= 3:
            offset = _step_offset(wl[below], a[below], wl[above], a[above], nm)
        steps.append({"nm": round(nm, 1), "offset": offset, "source": source})
    return keep, masked, steps


def _artefacts(
    wl: np.ndarray,
    a: np.ndarray,
    changeover_nm: Sequence[float] | None,
    instrument: str | None,
    flags: list[str],
) -> tuple[list[tuple[float, str]], list[float], str]:
    """Changeovers inside the measured range, with detected steps not already among them."""
    known = [float(x) for x in (changeover_nm or ()) if x and np.isfinite(x)]
    source = "header" if known else ""
    if not known:
        known = list(instrument_changeovers_nm(instrument))
        source = "instrument default" if known else ""
    positions: list[tuple[float, str]] = []
    for nm in sorted(set(known)):
        if wl[0] < nm < wl[-1] and all(abs(nm - p) > 5.0 for p, _ in positions):
            positions.append((nm, source))
    for nm in detect_steps_nm(wl, a):
        if all(abs(nm - p) > 10.0 for p, _ in positions):
            positions.append((nm, "detected"))
    if any(source == "detected" for _, source in positions):
        flags.append("instrument_step_detected")
    return positions, sorted(set(known)), source


# --- the exciton -------------------------------------------------------------------------------


def _gauss_lin(
    e: np.ndarray, amp: float, e0: float, sig: float, b0: float, b1: float
) -> np.ndarray:
    return amp * np.exp(-0.5 * ((e - e0) / sig) ** 2) + b0 + b1 * (e - e0)


def _model(steps_ev: list[float]):
    """Gaussian + linear background, plus one step per changeover inside the window (the
    shorter wavelengths, higher energies, offset by their own amount)."""

    def f(e: np.ndarray, *p: float) -> np.ndarray:
        y = _gauss_lin(e, *p[:5])
        for e_step, jump in zip(steps_ev, p[5:], strict=True):
            y = y + jump * (e > e_step)
        return y

    return f


def _candidates(
    eg: np.ndarray, au: np.ndarray, de: float, lo_e: float, hi_e: float, limit: int = 8
) -> list:
    """The ``limit`` deepest second-derivative minima in [lo_e, hi_e], lowest energy first:
    [(index, sigma guess)]."""
    # ~60 meV smoothing window: wider than the noise, narrower than an exciton (HWHM 20-250 meV).
    w = odd_window(eg.size, int(round(0.06 / de)), 7)
    if w > eg.size:
        return []
    d2 = savgol_interp(au, w, 3, deriv=2, delta=de)  # = scipy's savgol_filter, faster
    inner = np.arange(w // 2, eg.size - w // 2)  # edge effects of the filter
    dd = d2[inner]
    is_min = np.zeros(dd.size, dtype=bool)
    is_min[1:-1] = (dd[1:-1] < dd[:-2]) & (dd[1:-1] <= dd[2:]) & (dd[1:-1] < 0)
    if not is_min.any():
        return []
    is_min &= (eg[inner] >= lo_e) & (eg[inner] <= hi_e)
    if not is_min.any():
        return []
    depth = -dd[is_min]
    # Shallow wiggles of the noise are not worth a fit; the fit judges the rest.
    deepest = np.argsort(-depth)[:limit]
    chosen = np.sort(inner[is_min][deepest[depth[deepest] >= 0.10 * depth.max()]])
    out = []
    for i in chosen:
        lo = hi = int(i)
        while lo > 0 and d2[lo] < 0:  # zero crossings of d2 sit at about +-sigma
            lo -= 1
        while hi < eg.size - 1 and d2[hi] < 0:
            hi += 1
        out.append((int(i), max(0.5 * (eg[hi] - eg[lo]), 3 * de)))
    return out


# Fit window around a candidate, in Gaussian sigmas: wide on the low-energy side, where only
# the background lies under the 1S; short above, before the second exciton and the continuum.
_FIT_BELOW, _FIT_ABOVE = 3.0, 1.5


@dataclass
class _Fit:
    e0: float
    sigma: float
    amp: float
    params: np.ndarray  # Gaussian + background, without the steps
    window: tuple[float, float]
    snr: float
    jumps: dict[float, float]  # changeover energy (eV) -> step the fit found there (A)


def _least_squares(model, x: np.ndarray, y: np.ndarray, p0: list[float]):
    """(parameters, covariance) of the Gaussian fit, or None. Unbounded Levenberg-Marquardt
    first (a few ms); when it wanders off (negative height, centre out of the window, runaway
    width), the bounded trust-region fit, ~10x slower, which weak and noisy bumps need."""
    n_steps = len(p0) - 5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)  # no covariance: judged as uncertain
        try:
            p, cov = curve_fit(model, x, y, p0=p0, maxfev=4000)
            if p[0] > 0 and x[0] < p[1] < x[-1] and 0.2 * p0[2] < abs(p[2]) < 5.0 * p0[2]:
                p[2] = abs(p[2])
                return p, cov
        except (RuntimeError, ValueError):
            pass
        lower = [0.0, x[0], 0.2 * p0[2], -np.inf, -np.inf] + [-np.inf] * n_steps
        upper = [np.inf, x[-1], 5.0 * p0[2], np.inf, np.inf] + [np.inf] * n_steps
        try:
            return curve_fit(model, x, y, p0=p0, bounds=(lower, upper), maxfev=4000)
        except (RuntimeError, ValueError):
            return None


def _window(eg, au, valid, e_c, sigma, steps_ev, native_e):
    """The points a candidate is fitted on, and the changeovers among them. A coarse spectrum
    (10 nm steps) holds few points across a narrow 1S: the window widens until the fit has
    at least 4 points more than parameters, up to twice its size."""
    for widen in (1.0, 1.4, 2.0):
        lo, hi = e_c - widen * _FIT_BELOW * sigma, e_c + widen * _FIT_ABOVE * sigma
        win = (eg >= lo) & (eg <= hi) & valid
        x, y = eg[win], au[win]
        inside = [e for e in steps_ev if lo < e < hi]
        # Measured points count, not grid points (the grid is finer at short wavelengths).
        measured = int(np.count_nonzero((native_e >= lo) & (native_e <= hi)))
        if x.size >= 8 and measured >= 5 + len(inside) + 4:
            return x, y, inside
    return None, None, []


def _fit_candidate(
    eg: np.ndarray,
    au: np.ndarray,
    valid: np.ndarray,
    i: int,
    sigma: float,
    noise: float,
    steps_ev: list[float],
    native_e: np.ndarray,
) -> tuple[_Fit | None, str]:
    """Gaussian + linear background (+ a step per changeover in the window) around a
    candidate, refitted once on its own window: (fit, "") when it is an exciton, else (None or
    the fit, why not)."""
    e_c, fit = float(eg[i]), None
    for _ in range(2):
        x, y, inside = _window(eg, au, valid, e_c, sigma, steps_ev, native_e)
        if x is None:
            return fit, "too few points around it"
        slope = (y[-1] - y[0]) / (x[-1] - x[0])
        base = y[0] + slope * (e_c - x[0])
        amp0 = max(float(np.interp(e_c, x, y) - base), 1e-4)
        p0 = [amp0, e_c, sigma, base, slope] + [0.0] * len(inside)
        model = _model(inside)
        found = _least_squares(model, x, y, p0)
        if found is None:
            return fit, "the Gaussian fit did not converge"
        p, cov = found
        amp, e_c, sigma = float(p[0]), float(p[1]), float(p[2])
        rms = float(np.sqrt(np.mean((y - model(x, *p)) ** 2)))
        amp_se = float(np.sqrt(cov[0, 0])) if np.isfinite(cov[0, 0]) else np.inf
        # Noise: the spectrum's point-to-point scatter, or what the model leaves, if larger.
        snr = amp / max(noise, rms, 1e-12)
        jumps = dict(zip(inside, (float(j) for j in p[5:]), strict=True))
        fit = _Fit(e_c, sigma, amp, p[:5], (float(x[0]), float(x[-1])), snr, jumps)
    hwhm_mev = 1000.0 * fit.sigma * HWHM_PER_SIGMA
    margin = 0.5 * fit.sigma  # a centre pinned to the window's edge is a slope, not a peak
    if not fit.window[0] + margin <= fit.e0 <= fit.window[1] - margin:
        return fit, "no peak: the fitted centre sits at the edge of its window (a slope)"
    if hwhm_mev < EXCITON_HWHM_MIN_MEV:
        return fit, f"too narrow for PbS dots (HWHM {hwhm_mev:.0f} meV)"
    if hwhm_mev > EXCITON_HWHM_MAX_MEV:
        return fit, f"too broad for an exciton (HWHM {hwhm_mev:.0f} meV)"
    if fit.amp < EXCITON_MIN_PROMINENCE:
        return fit, f"prominence {fit.amp:.4f} A is below the instrument's baseline flatness"
    if fit.snr < EXCITON_MIN_SNR:
        return fit, f"prominence is only {fit.snr:.1f} times the noise"
    if fit.amp < EXCITON_MIN_SNR * amp_se:
        # A broad Gaussian traded against its background: the data do not pin its height.
        return fit, f"the fit leaves its prominence uncertain ({fit.amp:.4f} +- {amp_se:.4f} A)"
    return fit, _on_a_changeover(fit)


def _apparent_peak_ev(fit: _Fit, flags: list[str]) -> float | None:
    """Maximum of the fitted curve (Gaussian on its background): what one reads off the plot."""
    fine = np.linspace(fit.window[0], fit.window[1], 4001)
    k = int(np.argmax(_gauss_lin(fine, *fit.params)))
    if k in (0, fine.size - 1):
        flags.append("exciton_shoulder")  # no local maximum: the 1S is a shoulder
        return None
    return float(fine[k])


def _tauc(eg: np.ndarray, au: np.ndarray, e_peak: float, sigma: float):
    """Direct Tauc fit of (A E)^2 on the steepest linear stretch of the onset below the peak:
    (gap, window, r2) of the steepest window of a quarter of the onset with r2 >= 0.98."""
    sel = (eg >= e_peak - 4 * sigma) & (eg <= e_peak - 0.2 * sigma)
    x = eg[sel]
    y = (au[sel] * x) ** 2
    n = max(int(x.size // 4), 5)
    if x.size < n:
        return None, None, None
    starts = np.arange(0, x.size - n + 1, max(1, n // 5))
    # Every window's least-squares line at once (closed form; linregress costs ~1 ms a call).
    xs = sliding_window_view(x, n)[starts]
    ys = sliding_window_view(y, n)[starts]
    dx = xs - xs.mean(axis=1, keepdims=True)
    dy = ys - ys.mean(axis=1, keepdims=True)
    sxx, syy, sxy = (dx * dx).sum(1), (dy * dy).sum(1), (dx * dy).sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = sxy / sxx
        r2 = sxy * sxy / (sxx * syy)
    good = (slope > 0) & (r2 >= 0.98)
    if not good.any():
        return None, None, None
    k = int(np.flatnonzero(good)[np.argmax(slope[good])])
    intercept = ys[k].mean() - slope[k] * xs[k].mean()
    return float(-intercept / slope[k]), (float(xs[k, 0]), float(xs[k, -1])), float(r2[k])


def _energy_grid(wl: np.ndarray, a: np.ndarray, keep: np.ndarray, lo_e: float, hi_e: float):
    """Uniform energy grid over the search range (padded so the filter edges fall outside):
    (energies, absorbance, valid, measured energies and absorbances used). Grid points inside
    a masked range or a hole in the data are not valid: interpolated for the filter, never
    fitted."""
    wk, ak = wl[keep], a[keep]
    e, ae = HC_EV_NM / wk[::-1], ak[::-1]
    pad = 0.15
    m = (e >= lo_e - pad) & (e <= hi_e + pad)
    if m.sum() < 15:
        raise ValueError("too few points in the exciton search range")
    em, am = e[m], ae[m]
    de = float(np.median(np.diff(em)))
    eg = np.arange(em[0], em[-1], de)
    au = np.interp(eg, em, am)
    # Holes are judged in wavelength, where the instrument's sampling is uniform.
    step = float(np.median(np.diff(wk)))
    j = np.clip(np.searchsorted(wk, HC_EV_NM / eg), 1, wk.size - 1)
    valid = (wk[j] - wk[j - 1]) <= 2.5 * step
    return eg, au, valid, em, am


def _on_a_changeover(fit: _Fit) -> str:
    """Why an exciton sitting on a changeover cannot be told from its artefact, or "".

    Detectors drift as they near their changeover (the Lambda 950 staircase before 860.8 nm),
    which no step removes; a 1S within 2 sigma of a changeover must stand well above the step
    the fit found there."""
    for e_step, jump in fit.jumps.items():
        if abs(e_step - fit.e0) <= 2.0 * fit.sigma and fit.amp < STEP_PROMINENCE_FACTOR * abs(jump):
            return (
                f"it sits on the {HC_EV_NM / e_step:.1f} nm changeover and is under "
                f"{STEP_PROMINENCE_FACTOR:g} times the step there ({abs(jump):.4f} A)"
            )
    return ""


def _find_exciton(eg, au, valid, native_e, lo_e, hi_e, noise, steps_ev):
    """(accepted fit or None, (the rejected fit to report, why it was rejected)).

    The first candidate from low energy that passes is the exciton. Of the rejected ones, the
    one reported is the most prominent with a plausible width (a real but weak 1S, told it is
    too weak), else the lowest-energy one."""
    rejected: list[tuple[_Fit | None, str]] = []
    de = float(eg[1] - eg[0])
    for i, sigma in _candidates(eg, au, de, lo_e, hi_e):
        fit, why = _fit_candidate(eg, au, valid, i, sigma, noise, steps_ev, native_e)
        if not why and fit is not None and not lo_e <= fit.e0 <= hi_e:
            why = "the fitted centre is outside the search range"
        if not why:
            return fit, (None, "")
        rejected.append((fit, why))
    plausible = [
        (fit, why)
        for fit, why in rejected
        if fit is not None
        and EXCITON_HWHM_MIN_MEV <= 1000 * fit.sigma * HWHM_PER_SIGMA <= EXCITON_HWHM_MAX_MEV
    ]
    if plausible:
        return None, max(plausible, key=lambda r: r[0].snr)
    return None, rejected[0] if rejected else (None, "")


def _concentration(
    wl: np.ndarray, a: np.ndarray, d: float, path_length_cm: float, dilution: float, flags: list
) -> tuple[float | None, float | None, float | None, float]:
    """(concentration uM, eps400, A400, baseline) from the 400 nm extinction (Moreels 2009)
    above the long-wavelength baseline (scattering, offset)."""
    base = float(np.median(a[-max(5, wl.size // 20) :]))
    if not wl[0] <= 400.0 <= wl[-1]:
        flags.append("no_400nm_point")
        return None, None, None, base
    a400 = float(np.interp(400.0, wl, a))
    eps = EPS400_COEFF * d**3
    flags.append("extinction_coefficient_literature")
    if a400 > 1.5:
        flags.append("absorbance_400_nonlinear")
    return (a400 - base) / (eps * path_length_cm) * dilution, eps, a400, base


def analyse_absorbance(
    wavelength_nm: Any,
    absorbance: Any,
    path_length_cm: float | None = None,
    dilution: float = 1.0,
    search_range_nm: tuple[float, float] = (700.0, 2000.0),
    *,
    saturation_absorbance: float = 9.5,
    changeover_nm: Sequence[float] | None = None,
    instrument: str | None = None,
    is_qd_material: bool | None = None,
) -> AbsorbanceResult:
    """First exciton, size, width and (with a path length) concentration of PbS dots.

    ``changeover_nm``: the instrument's detector/lamp/grating changeovers from the file's
    header; without them, the factory defaults of ``instrument``. ``is_qd_material``: False for
    a layer that holds no dots (a polymer, an oxide), which gets no exciton and no size.
    """
    flags: list[str] = []
    wl, a = finite_pairs(wavelength_nm, absorbance)
    n_points = int(wl.size)
    ok = a < saturation_absorbance  # PerkinElmer writes 10.0 when the detector saturates
    if not ok.all():
        flags.append("saturated_points_masked")
        wl, a = wl[ok], a[ok]
    order = np.argsort(wl)  # instruments often write descending wavelengths
    wl, a = wl[order], a[order]
    if wl.size < 15:
        raise ValueError("too few points for an absorbance spectrum")

    positions, known, source = _artefacts(wl, a, changeover_nm, instrument, flags)
    keep, masked, steps = _mask(wl, a, positions)

    lo_e, hi_e = HC_EV_NM / max(search_range_nm), HC_EV_NM / min(search_range_nm)
    eg, au, valid, native_e, native = _energy_grid(wl, a, keep, lo_e, hi_e)
    noise = noise_sigma(native)

    fit = None
    rejected: tuple[_Fit | None, str] = (None, "")
    if is_qd_material is False:
        flags.append("not_a_qd_material")
    else:
        steps_ev = [HC_EV_NM / nm for nm, _ in positions]
        fit, rejected = _find_exciton(eg, au, valid, native_e, lo_e, hi_e, noise, steps_ev)
        if fit is None:
            flags.append("no_exciton_found")

    e_peak = sig = None
    apparent = None
    if fit is not None:
        e_peak, sig = fit.e0, fit.sigma
        apparent = _apparent_peak_ev(fit, flags)

    d = moreels_diameter_nm(e_peak) if e_peak else None
    sd = sig / abs(moreels_dE_dd(d)) if (d and sig) else None
    if d is not None and not 2.0 <= d <= 10.0:
        flags.append("diameter_outside_calibration")  # Moreels' sizing covers ~2.5-7 nm dots

    conc = eps = a400 = base = None
    if path_length_cm and d:
        conc, eps, a400, base = _concentration(wl, a, d, path_length_cm, dilution, flags)

    te = tw = tr = None
    if e_peak and sig:
        te, tw, tr = _tauc(eg, au, e_peak, sig)

    cand_fit, why = rejected
    return AbsorbanceResult(
        exciton_peak_nm=HC_EV_NM / e_peak if e_peak else None,
        bandgap_ev=e_peak,
        diameter_nm=d,
        sizing_curve=SIZING_CURVE,
        exciton_apparent_peak_nm=HC_EV_NM / apparent if apparent else None,
        exciton_hwhm_mev=1000.0 * sig * HWHM_PER_SIGMA if sig else None,
        exciton_prominence=fit.amp if fit else None,
        exciton_snr=fit.snr if fit else None,
        noise_absorbance=noise,
        exciton_candidate_nm=HC_EV_NM / cand_fit.e0 if (fit is None and cand_fit) else None,
        exciton_rejected_because=why if (fit is None and why) else None,
        size_dispersion_nm=sd,
        peak_absorbance=float(np.interp(e_peak, eg, au)) if e_peak else None,
        concentration_um=conc,
        extinction_400_per_um_cm=eps,
        absorbance_400=a400,
        baseline_absorbance=base,
        tauc_bandgap_ev=te,
        tauc_window_ev=tw,
        tauc_r2=tr,
        masked_nm=masked,
        changeover_nm=known,
        changeover_source=source,
        steps=steps,
        n_points=n_points,
        flags=flags,
    )
