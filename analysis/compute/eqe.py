"""EQE: integrated Jsc against ASTM G173-03 AM1.5G, band gap, 1S peak and Urbach energy.

analysis-methods.md section 4. What changed with issue 13:

- The unit (percent or fraction) is stated by the caller, from the file's header or the user,
  never guessed from the maximum: a dead device's 1.2 % read as a fraction is a 120 % cell.
  With the unit unknown, only scale-free figures are given (gap, 1S peak position, Urbach) and
  the Jsc is None.
- The gap is the lowest-energy significant maximum of dEQE/dE, the rule the absorbance uses
  for the exciton: a weak 1S below a steep continuum edge is the gap (~0.98 eV), not the
  continuum (1.30 eV).
- The EQE 1S peak is reported beside the inflection, and the Urbach energy from the sub-gap
  tail, with its window, fit quality and the noise floor it stopped at.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.signal import find_peaks

from ._common import ResultMixin, array_field, finite_pairs, odd_window, savgol_interp
from ._version import ANALYSIS_VERSION
from .absorbance import noise_sigma
from .constants import (
    EDGE_MIN_RELATIVE_SLOPE,
    EDGE_MIN_SNR,
    HC_EV_NM,
    URBACH_FLOOR_FACTOR,
    URBACH_MIN_DECADES,
    URBACH_TOP_FRACTION,
    C,
    H,
    Q,
)

REFERENCE_SPECTRUM = "ASTM G173-03 global tilt (pvlib.spectrum.get_reference_spectra)"
UNITS = ("fraction", "percent")
# A fraction above this is no solar cell (multiple exciton generation in PbS reaches ~1.1).
MAX_PHYSICAL_EQE = 1.5

METHOD = (
    "eqe v2: Jsc by trapezoid on the reference's native grid inside the measured range, EQE "
    "linearly interpolated, unit from the file or the user (never from the maximum); Eg = "
    "lowest-energy maximum of Savitzky-Golay dEQE/dE reaching 10 % of the largest and a rise "
    ">= 5 noise sigma; 1S peak = first maximum above it; Urbach = 1/slope of ln EQE below "
    "the gap between 10x the noise floor and 30 % of EQE(Eg), >= 1 decade"
)


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
    integrated_jsc_ma_cm2: float | None  # None when the unit (% or fraction) is unknown
    bandgap_ev: float | None  # inflection: lowest-energy significant maximum of dEQE/dE
    bandgap_nm: float | None
    bandgap_pv_ev: float | None  # Rau et al. 2017: mean E over dEQE/dE >= half its max
    eqe_1s_peak_nm: float | None  # first EQE maximum above the gap (the excitonic peak)
    eqe_1s_peak_ev: float | None
    eqe_1s_peak: float | None  # EQE there (fraction; None when the unit is unknown)
    urbach_mev: float | None
    urbach_error_mev: float | None  # sigma(E_U) = sigma_slope / slope^2
    urbach_window_ev: tuple[float, float] | None
    urbach_r2: float | None
    urbach_n_points: int | None
    urbach_decades: float | None  # how many decades of EQE the fit spans
    urbach_rejected_because: str | None  # why there is no Urbach energy
    noise_floor: float | None  # EQE below which the tail is noise (fraction; None unknown unit)
    eqe_unit: str | None  # unit of the values given: "fraction", "percent", None (unknown)
    eqe_unit_source: str  # "file", "user", "deduced" (a fraction would exceed 150 %), ""
    max_eqe: float | None
    wavelength_range_nm: tuple[float, float]
    n_points: int
    reference_spectrum: str = REFERENCE_SPECTRUM
    flags: list[str] = field(default_factory=list)
    method: str = METHOD
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


@dataclass
class _Edge:
    gap_ev: float
    pv_ev: float
    peak_ev: float | None  # the 1S: first maximum of the smoothed EQE above the gap
    peak_value: float | None


def _significant_maxima(d: np.ndarray, ys: np.ndarray, noise: float):
    """Grid indices of the maxima of the derivative ``d``, lowest energy first, that count as
    an edge: height and prominence at least EDGE_MIN_RELATIVE_SLOPE of the largest (a noise
    bump on the flank of an edge is not prominent), and a rise of the smoothed curve ``ys``
    across their half-maximum width above EDGE_MIN_SNR noise. The same rule as the absorbance
    exciton: the lowest-energy feature that stands out, not the largest."""
    if float(d.max()) <= 0:
        return
    level = EDGE_MIN_RELATIVE_SLOPE * float(d.max())
    peaks, _ = find_peaks(d, height=level, prominence=level)
    for k in peaks:
        a = b = int(k)
        while a > 0 and d[a - 1] >= d[k] / 2:
            a -= 1
        while b < d.size - 1 and d[b + 1] >= d[k] / 2:
            b += 1
        if ys[b] - ys[a] >= EDGE_MIN_SNR * noise:
            yield int(k), a, b


def _vertex(eg: np.ndarray, d: np.ndarray, k: int) -> float:
    """Where the derivative peaks: the vertex of a parabola fitted to its top (>= 70 % of the
    maximum), steadier against noise than the single highest grid point."""
    a = b = k
    while a > 0 and d[a - 1] >= 0.7 * d[k]:
        a -= 1
    while b < d.size - 1 and d[b + 1] >= 0.7 * d[k]:
        b += 1
    if b - a < 4:
        return float(eg[k])
    c2, c1, _ = np.polyfit(eg[a : b + 1] - eg[k], d[a : b + 1], 2)
    if c2 >= 0:
        return float(eg[k])
    x = float(eg[k] - c1 / (2 * c2))
    return x if eg[a] <= x <= eg[b] else float(eg[k])


def _edge(wl: np.ndarray, eqe: np.ndarray, flags: list[str]) -> _Edge | None:
    """Inflection gap, PV gap and 1S peak from dEQE/dE on a uniform energy grid."""
    e = HC_EV_NM / wl[::-1]
    y = eqe[::-1]
    n = max(4 * e.size, 400)
    eg = np.linspace(e[0], e[-1], n)
    de = eg[1] - eg[0]
    yu = np.interp(eg, e, y)
    # Window ~ 2 original points' worth of energy per side on average, and at least 40 meV:
    # dense spectra would otherwise keep their noise in the derivative, where a noise bump
    # below the edge would pass for the lowest-energy edge. 40 meV is narrower than any edge
    # worth the name (a 1S of sigma 20 meV rises over ~50 meV).
    wanted = max(7, int(round(5 * n / e.size)), int(round(0.04 / de)))
    w = odd_window(n, wanted, 7)
    if w > n:
        flags.append("too_few_points_for_bandgap")
        return None
    ys = savgol_interp(yu, w, 3)  # = scipy's savgol_filter, with its edge fits made once
    d = savgol_interp(yu, w, 3, deriv=1, delta=de)
    if float(ys.max()) <= 0:
        return None
    # The lowest-energy edge that stands out of the noise and is not dwarfed by a steeper one
    # above it (a weak 1S below the continuum is the gap). The filter's end rows (cubic fits
    # over the last window) count too: an edge near the end of the range is still the edge.
    found = next(_significant_maxima(d, ys, noise_sigma(y)), None)
    if found is None:
        flags.append("no_absorption_edge")
        return None
    k, a, b = found
    x = _vertex(eg, d, k)
    # PV gap: P(E) = dEQE/dE over the contiguous edge region where it is >= half its peak.
    p = d[a : b + 1]
    epv = float(np.sum(eg[a : b + 1] * p) / np.sum(p))
    peak, peak_value = _first_peak(eg, ys, d, b, n - w // 2, float(x), noise_sigma(y))
    return _Edge(float(x), epv, peak, peak_value)


def _first_peak(
    eg: np.ndarray, ys: np.ndarray, d: np.ndarray, start: int, stop: int, gap: float, noise: float
) -> tuple[float | None, float | None]:
    """The 1S peak: the first maximum of the smoothed EQE above the edge, within 0.25 eV of the
    gap (the excitonic peak sits tens of meV above the inflection), followed by a valley at
    least EDGE_MIN_SNR noise deep (a plateau's wiggle is no peak). (energy, EQE) or Nones."""
    after = np.flatnonzero((np.arange(d.size) > start) & (np.arange(d.size) < stop) & (d <= 0))
    if not after.size or d[after[0] - 1] <= 0:
        return None, None
    m = int(after[0])
    peak = float(eg[m - 1] + (eg[m] - eg[m - 1]) * d[m - 1] / (d[m - 1] - d[m]))
    rising = np.flatnonzero((np.arange(d.size) > m) & (np.arange(d.size) < stop) & (d > 0))
    if peak > gap + 0.25 or not rising.size:
        return None, None
    value = float(np.interp(peak, eg, ys))
    if value - float(ys[m : rising[0] + 1].min()) < EDGE_MIN_SNR * noise:
        return None, None
    return peak, value


def _noise_floor(e: np.ndarray, y: np.ndarray, sigma: float) -> float:
    """The EQE level the sub-gap tail sinks into: 3 noise sigma, or the level of a flat floor
    at the lowest energies when the spectrum reaches one (stray light, offset)."""
    m = max(5, e.size // 10)
    low = y[:m]
    first, second = float(np.median(low[: m // 2])), float(np.median(low[m // 2 :]))
    floor = 3.0 * sigma
    # Flat: the lowest points no longer fall with energy as an exponential tail would.
    if second <= 2.0 * max(first, floor):
        floor = max(floor, float(np.median(low)))
    return floor


def _urbach(wl: np.ndarray, eqe: np.ndarray, gap_ev: float) -> dict[str, Any]:
    """E_U = 1 / (d ln EQE / dE) fitted on the tail below the gap (Urbach 1953; window as in
    analysis-methods.md section 4): above URBACH_FLOOR_FACTOR x the noise floor, below
    URBACH_TOP_FRACTION of EQE(Eg), the contiguous run nearest the gap."""
    e = HC_EV_NM / wl[::-1]
    y = eqe[::-1]
    below = e < gap_ev
    out: dict[str, Any] = {}
    if below.sum() < 10:
        return {"urbach_rejected_because": "fewer than 10 points below the gap"}
    top = URBACH_TOP_FRACTION * float(np.interp(gap_ev, e, y))
    sigma = noise_sigma(y[below & (y <= top)]) if (below & (y <= top)).sum() >= 5 else 0.0
    floor = _noise_floor(e[below], y[below], sigma)
    out["noise_floor"] = floor
    inside = below & (y >= URBACH_FLOOR_FACTOR * floor) & (y > 0) & (y <= top)
    idx = np.flatnonzero(inside)
    if idx.size:
        # The contiguous run that ends nearest the gap: a noise spike far below is no tail.
        breaks = np.flatnonzero(np.diff(idx) > 1)
        idx = idx[breaks[-1] + 1 :] if breaks.size else idx
    decades = float(np.log10(y[idx].max() / y[idx].min())) if idx.size >= 2 else 0.0
    if idx.size < 5 or decades < URBACH_MIN_DECADES:
        # Most lab EQE meets its noise floor within a decade of the edge: FTPS reaches further.
        out["urbach_rejected_because"] = (
            f"the tail spans {decades:.1f} decades above the noise floor ({idx.size} points); "
            f"at least {URBACH_MIN_DECADES:g} decade and 5 points are needed"
        )
        return out
    # ln EQE = a + E / E_U, least squares in closed form (linregress costs ~1 ms a call).
    x, ln = e[idx], np.log(y[idx])
    dx, dy = x - x.mean(), ln - ln.mean()
    sxx, sxy, syy = float(dx @ dx), float(dx @ dy), float(dy @ dy)
    slope = sxy / sxx
    if not slope > 0:
        out["urbach_rejected_because"] = "the sub-gap EQE does not fall below the gap"
        return out
    r2 = sxy * sxy / (sxx * syy)
    stderr = math.sqrt(max(syy - slope * sxy, 0.0) / (x.size - 2) / sxx)
    out.update(
        urbach_mev=1000.0 / slope,
        urbach_error_mev=1000.0 * stderr / slope**2,
        urbach_window_ev=(float(x[0]), float(x[-1])),
        urbach_r2=r2,
        urbach_n_points=int(idx.size),
        urbach_decades=decades,
    )
    return out


def analyse_eqe(
    wavelength_nm: Any, eqe: Any, *, unit: str | None = "fraction", unit_source: str = "file"
) -> EQEResult:
    """Integrated Jsc, band gap, 1S peak and Urbach energy of an EQE spectrum.

    ``unit`` is the unit of ``eqe`` as its file or its user states it ("fraction" or
    "percent"), or None when nobody says: then the Jsc, the 1S peak's EQE and the noise floor
    are None (flag ``eqe_unit_unknown``) and only the scale-free figures are computed. A
    fraction above 1.5 is no solar cell: ValueError names the unit it came with.
    """
    wl, values = finite_pairs(wavelength_nm, eqe)
    flags: list[str] = []
    order = np.argsort(wl, kind="stable")
    wl, values = wl[order], values[order]
    if wl.size < 2:
        raise ValueError("EQE needs at least two points")
    if unit is not None and unit not in UNITS:
        raise ValueError(f"unknown EQE unit '{unit}' (fraction or percent)")
    known = unit is not None
    y = values / 100.0 if unit == "percent" else values
    if known and float(np.max(y)) > MAX_PHYSICAL_EQE:
        raise ValueError(
            f"the EQE reaches {100 * float(np.max(y)):.0f} % read as a {unit} "
            f"({unit_source or 'stated'}): the values are not a {unit}"
        )
    if not known:
        flags.append("eqe_unit_unknown")
    elif unit_source == "deduced":
        flags.append("eqe_unit_deduced_percent")
    ref_wl, _ = reference_photon_current()
    if wl[0] < ref_wl[0] or wl[-1] > ref_wl[-1]:
        flags.append("outside_reference_spectrum")
    grid, cum = integrate_jsc(wl, y)
    edge = _edge(wl, y, flags)
    tail = _urbach(wl, y, edge.gap_ev) if edge else {}
    floor = tail.pop("noise_floor", None)
    return EQEResult(
        integrated_jsc_ma_cm2=float(cum[-1]) if known else None,
        bandgap_ev=edge.gap_ev if edge else None,
        bandgap_nm=HC_EV_NM / edge.gap_ev if edge else None,
        bandgap_pv_ev=edge.pv_ev if edge else None,
        eqe_1s_peak_nm=HC_EV_NM / edge.peak_ev if (edge and edge.peak_ev) else None,
        eqe_1s_peak_ev=edge.peak_ev if edge else None,
        eqe_1s_peak=edge.peak_value if (edge and known) else None,
        urbach_mev=tail.get("urbach_mev"),
        urbach_error_mev=tail.get("urbach_error_mev"),
        urbach_window_ev=tail.get("urbach_window_ev"),
        urbach_r2=tail.get("urbach_r2"),
        urbach_n_points=tail.get("urbach_n_points"),
        urbach_decades=tail.get("urbach_decades"),
        urbach_rejected_because=tail.get("urbach_rejected_because"),
        noise_floor=floor if known else None,
        eqe_unit=unit,
        eqe_unit_source=unit_source if known else "",
        max_eqe=float(y.max()) if known else None,
        wavelength_range_nm=(float(wl[0]), float(wl[-1])),
        n_points=int(wl.size),
        flags=flags,
        cumulative_wavelength_nm=grid if known else None,
        cumulative_jsc_ma_cm2=cum if known else None,
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
