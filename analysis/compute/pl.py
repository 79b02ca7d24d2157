"""Steady-state photoluminescence: peak and FWHM on an energy axis (Jacobian applied)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.signal import peak_widths

from ._common import ResultMixin, finite_pairs, odd_window, savgol_interp
from ._version import ANALYSIS_VERSION
from .constants import HC_EV_NM


@dataclass(frozen=True)
class PLResult(ResultMixin):
    peak_nm: float  # HC / peak_ev (Jacobian-corrected)
    peak_ev: float
    peak_nm_raw: float  # maximum of I(lambda) as the instrument plots it
    fwhm_nm: float | None  # on the wavelength spectrum (how papers quote "65 nm")
    fwhm_mev: float | None  # on I(E) = I(lambda) lambda^2 / hc
    stokes_shift_mev: float | None
    peak_intensity: float
    n_points: int
    flags: list[str] = field(default_factory=list)
    method: str = (
        "I(E) = I(lambda) lambda^2/hc on a uniform energy grid, light Savitzky-Golay smoothing "
        "(~15 meV), parabola over the top 20 %, scipy.signal.peak_widths at half height"
    )
    version: str = ANALYSIS_VERSION


def _peak_and_width(x: np.ndarray, y: np.ndarray) -> tuple[float, float | None, float]:
    """Parabola-refined maximum and full width at half maximum (same units as x)."""
    k = int(np.argmax(y))
    xp = float(x[k])
    # Least-squares parabola over the contiguous top (>= 80 % of the maximum): averages the
    # noise that a 3-point vertex would follow.
    a, b = k, k
    while a > 0 and y[a - 1] >= 0.8 * y[k]:
        a -= 1
    while b < y.size - 1 and y[b + 1] >= 0.8 * y[k]:
        b += 1
    if b - a >= 4:
        c2, c1, _ = np.polyfit(x[a : b + 1] - xp, y[a : b + 1], 2)
        if c2 < 0 and x[a] <= xp - c1 / (2 * c2) <= x[b]:
            xp -= c1 / (2 * c2)
    if k in (0, y.size - 1):
        return xp, None, float(y[k])  # maximum at the edge: the peak is cut off
    w, _, left, right = peak_widths(y, [k], rel_height=0.5)
    fw = None
    # A half-maximum crossing clipped at the spectrum's end is not a width.
    if w[0] > 0 and left[0] > 0 and right[0] < y.size - 1:
        fw = float(w[0] * (x[1] - x[0]))
    return xp, fw, float(y[k])


def analyse_pl(
    wavelength_nm: Any, intensity: Any, exciton_peak_nm: float | None = None
) -> PLResult:
    """PL peak position and width; Stokes shift against the absorbance exciton if given."""
    flags: list[str] = []
    wl, inten = finite_pairs(wavelength_nm, intensity)
    order = np.argsort(wl)
    wl, inten = wl[order], inten[order]
    if wl.size < 7:
        raise ValueError("PL needs at least 7 points")
    # Energy domain with the Jacobian (without it a 1010 nm peak reads 1007 nm).
    e = HC_EV_NM / wl[::-1]
    ie = (inten * wl * wl / HC_EV_NM)[::-1]
    de = float(np.median(np.diff(e)))
    eg = np.arange(e[0], e[-1], de)
    iu = np.interp(eg, e, ie)
    w = odd_window(eg.size, int(round(0.015 / de)), 5)
    if w <= eg.size:
        iu = savgol_interp(iu, w, 2)  # = scipy's savgol_filter, with its edge fits made once
    pe, fwe, _ = _peak_and_width(eg, iu)
    # Wavelength domain (uniform grid at the native median step), for the quoted nm width.
    dl = float(np.median(np.diff(wl)))
    lg = np.arange(wl[0], wl[-1], dl)
    il = np.interp(lg, wl, inten)
    w = odd_window(lg.size, int(round(HC_EV_NM * 0.015 / (HC_EV_NM / pe) ** 2 / dl)), 5)
    if w <= lg.size:
        il = savgol_interp(il, w, 2)
    pl_raw, fwl, peak_i = _peak_and_width(lg, il)
    if fwe is None:
        flags.append("peak_truncated")
    stokes = None
    if exciton_peak_nm:
        stokes = 1000.0 * (HC_EV_NM / float(exciton_peak_nm) - pe)
    return PLResult(
        peak_nm=HC_EV_NM / pe,
        peak_ev=pe,
        peak_nm_raw=pl_raw,
        fwhm_nm=fwl,
        fwhm_mev=1000.0 * fwe if fwe else None,
        stokes_shift_mev=stokes,
        peak_intensity=peak_i,
        n_points=int(wl.size),
        flags=flags,
    )
