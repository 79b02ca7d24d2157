"""UV-vis-NIR absorbance of PbS CQDs: first exciton, Moreels size, concentration, Tauc."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import linregress

from ._common import ResultMixin, finite_pairs, odd_window, savgol_interp
from ._version import ANALYSIS_VERSION
from .constants import HC_EV_NM

SIZING_CURVE = "Moreels et al., ACS Nano 2009, 3, 3023"
# Moreels 2009: E0 = 0.41 + 1 / (0.0252 d^2 + 0.283 d), d in nm; eps400 = 0.0233 d^3 /uM/cm.
_BULK_EV, _A2, _A1 = 0.41, 0.0252, 0.283
EPS400_COEFF = 0.0233


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


@dataclass(frozen=True)
class AbsorbanceResult(ResultMixin):
    exciton_peak_nm: float | None
    bandgap_ev: float | None  # energy of the first exciton (optical gap of the dots)
    diameter_nm: float | None
    sizing_curve: str
    hwhm_mev: float | None  # low-energy half width at half maximum of the exciton
    size_dispersion_nm: float | None  # sigma_d from the Gaussian sigma_E via dE/dd
    peak_absorbance: float | None
    concentration_um: float | None
    extinction_400_per_um_cm: float | None
    absorbance_400: float | None
    baseline_absorbance: float | None
    tauc_bandgap_ev: float | None
    tauc_window_ev: tuple[float, float] | None
    tauc_r2: float | None
    n_points: int
    flags: list[str] = field(default_factory=list)
    method: str = (
        "exciton: min of Savitzky-Golay d2A/dE2 on a uniform energy grid, refined by a local "
        "Gaussian + linear background fit (peak = maximum of the fitted curve)"
    )
    version: str = ANALYSIS_VERSION


def _gauss_lin(
    e: np.ndarray, amp: float, e0: float, sig: float, b0: float, b1: float
) -> np.ndarray:
    return amp * np.exp(-0.5 * ((e - e0) / sig) ** 2) + b0 + b1 * (e - e0)


def _find_exciton(eg: np.ndarray, au: np.ndarray, de: float, flags: list[str]):
    """Second-derivative minimum of the first (lowest-energy) exciton: (index, sigma_guess)."""
    # ~60 meV smoothing window: wider than the noise, narrower than an exciton (HWHM 50-150 meV).
    w = odd_window(eg.size, int(round(0.06 / de)), 7)
    d2 = savgol_interp(au, w, 3, deriv=2, delta=de)  # = scipy's savgol_filter, faster
    inner = slice(w // 2, eg.size - w // 2)  # edge effects of the filter
    k = np.arange(eg.size)[inner]
    dd = d2[inner]
    is_min = np.zeros(dd.size, dtype=bool)
    is_min[1:-1] = (dd[1:-1] < dd[:-2]) & (dd[1:-1] <= dd[2:]) & (dd[1:-1] < 0)
    if not is_min.any():
        return None, None, d2
    depth = -dd[is_min]
    cand = k[is_min]
    # Lowest-energy minimum that is a real feature (>= 25 % of the deepest one): higher
    # excitonic transitions can be deeper but are not the first exciton.
    keep = cand[depth >= 0.25 * depth.max()]
    i = int(keep[0])
    # Zero crossings of d2 either side sit at about +-sigma for a Gaussian peak.
    lo = i
    while lo > 0 and d2[lo] < 0:
        lo -= 1
    hi = i
    while hi < eg.size - 1 and d2[hi] < 0:
        hi += 1
    sigma = max(0.5 * (eg[hi] - eg[lo]), 3 * de)
    return i, sigma, d2


def _refine_peak(eg: np.ndarray, au: np.ndarray, i: int, sigma: float, flags: list[str]):
    """Local Gaussian + linear background fit: (peak energy, sigma, amplitude) or Nones."""
    from scipy.optimize import curve_fit

    e_c = eg[i]
    win = (eg >= e_c - 2.0 * sigma) & (eg <= e_c + 1.5 * sigma)
    x, y = eg[win], au[win]
    if x.size < 8:
        return None, None, None
    slope = (y[-1] - y[0]) / (x[-1] - x[0])
    p0 = [max(float(au[i] - (y[0] + slope * (e_c - x[0]))), 1e-3), e_c, sigma, y[0], slope]
    try:
        p, _ = curve_fit(_gauss_lin, x, y, p0=p0, maxfev=4000)
    except (RuntimeError, ValueError):
        flags.append("exciton_fit_failed")
        return None, None, None
    amp, e0, sig = p[0], p[1], abs(p[2])
    if not (amp > 0 and x[0] < e0 < x[-1] and sig < 4 * sigma):
        flags.append("exciton_fit_rejected")
        return None, None, None
    # The reported peak is the maximum of the fitted curve (Gaussian on its background),
    # i.e. what one reads off the spectrum, not the Gaussian centre.
    fine = np.linspace(x[0], x[-1], 4001)
    model = _gauss_lin(fine, *p)
    k = int(np.argmax(model))
    if k in (0, fine.size - 1):
        flags.append("exciton_shoulder")  # no local maximum: report the Gaussian centre
        return float(e0), float(sig), float(amp)
    return float(fine[k]), float(sig), float(amp)


def _tauc(eg: np.ndarray, au: np.ndarray, e_peak: float, sigma: float):
    """Direct Tauc fit of (A E)^2 on the steepest linear stretch of the onset below the peak."""
    sel = (eg >= e_peak - 4 * sigma) & (eg <= e_peak - 0.2 * sigma)
    x = eg[sel]
    y = (au[sel] * x) ** 2
    n = max(int(x.size // 4), 5)
    best = None
    for s in range(0, x.size - n + 1, max(1, n // 5)):
        r = linregress(x[s : s + n], y[s : s + n])
        if r.slope > 0 and r.rvalue**2 >= 0.98 and (best is None or r.slope > best[0].slope):
            best = (r, s)
    if best is None:
        return None, None, None
    r, s = best
    return float(-r.intercept / r.slope), (float(x[s]), float(x[s + n - 1])), float(r.rvalue**2)


def analyse_absorbance(
    wavelength_nm: Any,
    absorbance: Any,
    path_length_cm: float | None = None,
    dilution: float = 1.0,
    search_range_nm: tuple[float, float] = (700.0, 2000.0),
    *,
    saturation_absorbance: float = 9.5,
) -> AbsorbanceResult:
    """First exciton, size, width and (with a path length) concentration of PbS dots."""
    flags: list[str] = []
    wl, a = finite_pairs(wavelength_nm, absorbance)
    n_points = int(wl.size)
    ok = a < saturation_absorbance  # PerkinElmer writes 10.0 when the detector saturates
    if not ok.all():
        flags.append("saturated_points_masked")
        wl, a = wl[ok], a[ok]
    order = np.argsort(wl)  # instruments often write descending wavelengths
    wl, a = wl[order], a[order]

    e = HC_EV_NM / wl[::-1]
    ae = a[::-1]
    lo_e, hi_e = HC_EV_NM / max(search_range_nm), HC_EV_NM / min(search_range_nm)
    # Uniform energy grid at the native spacing (derivative filters need uniform steps);
    # the window is padded so the filter edges fall outside the search range.
    pad = 0.15
    m = (e >= lo_e - pad) & (e <= hi_e + pad)
    if m.sum() < 15:
        raise ValueError("too few points in the exciton search range")
    em, am = e[m], ae[m]
    de = float(np.median(np.diff(em)))
    eg = np.arange(em[0], em[-1], de)
    au = np.interp(eg, em, am)

    i, sigma, _ = _find_exciton(eg, au, de, flags)
    e_peak = sig = amp = None
    if i is not None and lo_e <= eg[i] <= hi_e:
        e_peak, sig, amp = _refine_peak(eg, au, i, sigma, flags)
        if e_peak is None:
            e_peak, sig = float(eg[i]), sigma
    else:
        flags.append("no_exciton_found")

    d = moreels_diameter_nm(e_peak) if e_peak else None
    sd = sig / abs(moreels_dE_dd(d)) if (d and sig) else None
    peak_nm = HC_EV_NM / e_peak if e_peak else None
    if d is not None and not 2.0 <= d <= 10.0:
        flags.append("diameter_outside_calibration")  # Moreels' sizing covers ~2.5-7 nm dots

    conc = eps = a400 = base = None
    if path_length_cm and d:
        nb = max(5, wl.size // 20)
        base = float(np.median(a[-nb:]))  # scattering/offset: long-wavelength end
        if wl[0] <= 400.0 <= wl[-1]:
            a400 = float(np.interp(400.0, wl, a))
            eps = EPS400_COEFF * d**3
            conc = (a400 - base) / (eps * path_length_cm) * dilution
            flags.append("extinction_coefficient_literature")
            if a400 > 1.5:
                flags.append("absorbance_400_nonlinear")
        else:
            flags.append("no_400nm_point")

    te = tw = tr = None
    if e_peak and sig:
        te, tw, tr = _tauc(eg, au, e_peak, sig)

    return AbsorbanceResult(
        exciton_peak_nm=peak_nm,
        bandgap_ev=e_peak,
        diameter_nm=d,
        sizing_curve=SIZING_CURVE,
        hwhm_mev=1000.0 * sig * math.sqrt(2 * math.log(2)) if sig else None,
        size_dispersion_nm=sd,
        peak_absorbance=float(np.interp(e_peak, eg, au)) if e_peak else None,
        concentration_um=conc,
        extinction_400_per_um_cm=eps,
        absorbance_400=a400,
        baseline_absorbance=base,
        tauc_bandgap_ev=te,
        tauc_window_ev=tw,
        tauc_r2=tr,
        n_points=n_points,
        flags=flags,
    )
