"""EQE: integrated Jsc against ASTM G173-03 AM1.5G and the inflection-point band gap."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from ._common import ResultMixin, array_field, finite_pairs, odd_window, savgol_interp
from ._version import ANALYSIS_VERSION
from .constants import HC_EV_NM, C, H, Q

REFERENCE_SPECTRUM = "ASTM G173-03 global tilt (pvlib.spectrum.get_reference_spectra)"


@lru_cache(maxsize=1)
def reference_photon_current() -> tuple[np.ndarray, np.ndarray]:
    """AM1.5G on its native grid as q * photon flux: (wavelength nm, mA cm-2 nm-1).

    Cached: pvlib reads the table from disk (~1 ms). Arrays are read-only.
    """
    import pvlib  # heavy import kept out of module import time

    spec = pvlib.spectrum.get_reference_spectra(standard="ASTM G173-03")
    wl = spec.index.to_numpy(dtype=float)
    # W m-2 nm-1 -> photons m-2 s-1 nm-1 (x lambda/hc) -> A m-2 nm-1 (x q) -> mA cm-2 (x 0.1)
    jph = spec["global"].to_numpy(dtype=float) * wl * 1e-9 / (H * C) * Q * 0.1
    wl.setflags(write=False)
    jph.setflags(write=False)
    return wl, jph


@dataclass(frozen=True)
class EQEResult(ResultMixin):
    integrated_jsc_ma_cm2: float
    bandgap_ev: float | None  # inflection point: max dEQE/dE at the absorption edge
    bandgap_nm: float | None
    bandgap_pv_ev: float | None  # Rau et al. 2017: mean E over dEQE/dE >= half its max
    max_eqe: float
    wavelength_range_nm: tuple[float, float]
    n_points: int
    reference_spectrum: str = REFERENCE_SPECTRUM
    flags: list[str] = field(default_factory=list)
    method: str = (
        "Jsc: trapezoid on the reference's native grid inside the measured range, EQE linearly "
        "interpolated; Eg: Savitzky-Golay dEQE/dE on a uniform energy grid"
    )
    version: str = ANALYSIS_VERSION
    cumulative_wavelength_nm: np.ndarray | None = array_field()
    cumulative_jsc_ma_cm2: np.ndarray | None = array_field()


def integrate_jsc(
    wavelength_nm: np.ndarray, eqe_fraction: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative EQE-weighted AM1.5G photocurrent (mA/cm2) from the shortest wavelength.

    Integration grid = reference points strictly inside the measured range plus the two
    end points: a coarse (10 nm) grid would be ~0.75 % low, and padding with zeros outside
    would add a spurious ramp at each end.
    """
    ref_wl, ref_j = reference_photon_current()
    lo, hi = float(wavelength_nm[0]), float(wavelength_nm[-1])
    inside = (ref_wl > lo) & (ref_wl < hi)
    grid = np.concatenate(([lo], ref_wl[inside], [hi]))
    jref = np.interp(grid, ref_wl, ref_j, left=0.0, right=0.0)
    y = np.interp(grid, wavelength_nm, eqe_fraction) * jref
    cum = np.concatenate(([0.0], np.cumsum(0.5 * (y[1:] + y[:-1]) * np.diff(grid))))
    return grid, cum


def _inflection(
    wl: np.ndarray, eqe: np.ndarray, flags: list[str]
) -> tuple[float | None, float | None]:
    """Inflection and PV band gap from dEQE/dE at the low-energy edge."""
    e = HC_EV_NM / wl[::-1]
    y = eqe[::-1]
    n = max(4 * e.size, 400)
    eg = np.linspace(e[0], e[-1], n)
    de = eg[1] - eg[0]
    yu = np.interp(eg, e, y)
    # Window ~ 2 original points' worth of energy per side on average, at least 7 samples:
    # adapts the smoothing to how densely the spectrum was measured.
    w = odd_window(n, max(7, int(round(5 * n / e.size))), 7)
    if w > n:
        flags.append("too_few_points_for_bandgap")
        return None, None
    ys = savgol_interp(yu, w, 3)  # = scipy's savgol_filter, with its edge fits made once
    d = savgol_interp(yu, w, 3, deriv=1, delta=de)
    top = float(ys.max())
    if top <= 0:
        return None, None
    # Edge = energies below the first point (from low E) where EQE reaches 90 % of its max;
    # above it the spectrum has UV features with their own slopes.
    k90 = int(np.argmax(ys >= 0.9 * top))
    region = slice(0, max(k90 + 1, 3))
    k = int(np.argmax(d[region]))
    if d[k] <= 0 or k == 0:
        flags.append("no_absorption_edge")
        return None, None
    # Sub-grid refinement: parabola through the derivative maximum.
    x = eg[k]
    if 0 < k < n - 1:
        den = d[k - 1] - 2 * d[k] + d[k + 1]
        if den < 0:
            x = eg[k] + 0.5 * de * (d[k - 1] - d[k + 1]) / den
    # PV gap: P(E) = dEQE/dE over the contiguous edge region where it is >= half its peak.
    half = d[k] / 2
    a = k
    while a > 0 and d[a - 1] >= half:
        a -= 1
    b = k
    while b < n - 1 and d[b + 1] >= half:
        b += 1
    p = d[a : b + 1]
    epv = float(np.sum(eg[a : b + 1] * p) / np.sum(p))
    return float(x), epv


def analyse_eqe(wavelength_nm: Any, eqe_fraction: Any) -> EQEResult:
    """Integrated Jsc and band gap of an EQE spectrum (EQE as a fraction; % is detected)."""
    wl, eqe = finite_pairs(wavelength_nm, eqe_fraction)
    flags: list[str] = []
    order = np.argsort(wl, kind="stable")
    wl, eqe = wl[order], eqe[order]
    if wl.size < 2:
        raise ValueError("EQE needs at least two points")
    if np.nanmax(eqe) > 1.5:
        # A fraction above 1.5 is not physical: the spectrum is in percent.
        eqe = eqe / 100.0
        flags.append("eqe_percent_converted")
    ref_wl, _ = reference_photon_current()
    if wl[0] < ref_wl[0] or wl[-1] > ref_wl[-1]:
        flags.append("outside_reference_spectrum")
    grid, cum = integrate_jsc(wl, eqe)
    eg, epv = _inflection(wl, eqe, flags)
    return EQEResult(
        integrated_jsc_ma_cm2=float(cum[-1]),
        bandgap_ev=eg,
        bandgap_nm=HC_EV_NM / eg if eg else None,
        bandgap_pv_ev=epv,
        max_eqe=float(eqe.max()),
        wavelength_range_nm=(float(wl[0]), float(wl[-1])),
        n_points=int(wl.size),
        flags=flags,
        cumulative_wavelength_nm=grid,
        cumulative_jsc_ma_cm2=cum,
    )


def jsc_mismatch(eqe_jsc: float, jv_jsc: float, threshold: float = 0.05) -> dict[str, Any]:
    """Relative difference (EQE - JV) / JV of the two Jsc values; flag beyond ``threshold``.

    5 % is a common lab flag, not a standard.
    """
    jv = abs(float(jv_jsc))
    rel = (abs(float(eqe_jsc)) - jv) / jv if jv > 0 else None
    mismatch = rel is None or abs(rel) > threshold
    return {
        "eqe_jsc_ma_cm2": abs(float(eqe_jsc)),
        "jv_jsc_ma_cm2": jv,
        "relative_difference": rel,
        "threshold": threshold,
        "mismatch": mismatch,
        "flags": ["jsc_mismatch"] if mismatch else [],
    }
