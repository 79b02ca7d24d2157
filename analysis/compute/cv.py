"""Capacitance-voltage (Mott-Schottky): built-in voltage, doping density and depletion width of
a one-sided junction from the straight part of 1/C^2 against V.

For an abrupt one-sided junction the depletion capacitance per area is C' = eps / W with
W = sqrt(2 eps (V_bi - V) / (q N)), so 1/C'^2 = 2 (V_bi - V) / (q eps N): a straight line whose
x-intercept is V_bi and whose slope gives N = 2 / (q eps |slope|) (Sze & Ng, Physics of
Semiconductor Devices, 3rd ed., 2007, ch. 2; the kT/q term of the full expression is left out,
as is usual in the CQD literature, so V_bi is the intercept itself). The junction model
holds only where the film is partly depleted: forward bias adds chemical/diffusion capacitance
that bends 1/C^2 down, a thin film fully depleted in reverse bias flattens it at the geometric
capacitance, and an injection barrier at a contact adds a constant capacitance in series that
shifts the intercept. Hence the fit window is chosen by one rule (see ``CVResult.method``).

Sign convention: V is the voltage of the contact to the measured (lightly doped) layer. A PbS
CQD cell measured as it is wired for J-V (high terminal on the top contact, forward bias
positive) depletes the p-type CQD layer as V falls, so the slope is negative: carrier_type 'p'.
A positive slope means an n-type layer or reversed leads; V_bi is then minus the intercept.

Units: SI inside (C' in F/m2, eps in F/m, N in m^-3); results in the lab's units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import constants as _sc
from scipy.signal import savgol_filter
from scipy.stats import chi2

from ._common import ResultMixin, finite_pairs, positive_or_none
from ._version import ANALYSIS_VERSION

Q = _sc.e  # C
EPS0 = _sc.epsilon_0  # F/m

# Relative permittivity assumed for a PbS CQD film when none is given: 20, a value commonly
# used for PbS CQD films in Mott-Schottky and depletion-width estimates (check against the
# primary source). C-V of CQD junctions: Clifford et al., "Schottky barriers to colloidal
# quantum dot films", Appl. Phys. Lett. 91, 253117 (2007) (acceptor densities 2-7e16 cm^-3).
# Measured film values depend on dot size, ligand and packing: Grinolds et al., Nano Lett. 15,
# 21-26 (2015) (stacked capacitors, TBAI-treated films). Pass the measured value for the lab's
# films when there is one: N scales as 1/eps_r, W(0 V) as eps_r.
DEFAULT_EPS_R = 20.0
MIN_POINTS = 5  # the smallest window (and the fewest usable points) a line is fitted to
R2_MIN = 0.99  # a window must also be a line by this measure (rejects flat, noise-only windows)
CHI2_QUANTILE = 0.99  # a window is straight when its chi^2 is below this quantile of chi^2(n-2)
NOISE_FLOOR = 1e-3  # relative scatter of 1/C^2 assumed at least (LCR-meter accuracy ~0.05-0.1 %)
MAX_BOUNDARIES = 301  # windows start/end on at most this many points (keeps the scan ~O(1e4))


@dataclass(frozen=True)
class CVResult(ResultMixin):
    vbi_v: float | None  # built-in voltage (x-intercept of the fit, sign as in the docstring)
    doping_cm3: float | None  # N (acceptors for 'p') from the slope; None without an area
    carrier_type: str | None  # 'p' (negative slope) or 'n' (positive slope)
    depletion_width_0v_nm: float | None  # eps0 eps_r A / C(0 V); None without an area
    capacitance_0v_nf: float | None  # C at 0 V, interpolated between the nearest points
    capacitance_0v_nf_cm2: float | None
    slope: float | None  # d(1/C'^2)/dV in cm^4 F^-2 V^-1 (per area; F^-2 V^-1 without one)
    x_intercept_v: float | None
    fit_vmin_v: float | None
    fit_vmax_v: float | None
    r2: float | None
    n_points_fit: int
    noise_relative: float | None  # scatter of 1/C^2 the window test used (fraction)
    relative_permittivity: float
    area_cm2: float | None
    frequency_hz: float | None
    flags: list[str] = field(default_factory=list)
    method: str = (
        "Mott-Schottky: 1/C'^2 = 2 (V_bi - V)/(q eps0 eps_r N), C' = C/A. Points sorted by V, "
        "duplicate V averaged. Window: the longest contiguous run of >= 5 points, on the "
        "depletion side of its own x-intercept, whose weighted straight-line fit lies within "
        "the noise (chi^2 <= 99th percentile of chi^2(n-2); weights from the relative scatter "
        "of 1/C^2, robust MAD of 9-point quartic Savitzky-Golay residuals, at least 0.1 %) "
        "and has R^2 >= 0.99; ties to the higher R^2. V_bi = x-intercept (no kT/q term), "
        "N = 2/(q eps0 eps_r |slope|), W(0 V) = eps0 eps_r A/C(0 V); eps_r = 20 unless given"
    )
    version: str = ANALYSIS_VERSION


def analyse_cv(
    voltage_v: Any,
    capacitance_f: Any,
    area_cm2: float | None = None,
    relative_permittivity: float | None = None,
    frequency_hz: float | None = None,
) -> CVResult:
    """Mott-Schottky analysis of a C-V sweep (V in volts, C in farads, area in cm2)."""
    flags: list[str] = []
    area = positive_or_none(area_cm2)
    if area is None:
        flags.append("no_area")
    if relative_permittivity is None:
        eps_r = DEFAULT_EPS_R
        flags.append("permittivity_assumed")
    else:
        eps_r = float(relative_permittivity)
        if not (math.isfinite(eps_r) and eps_r > 0):
            raise ValueError(f"relative permittivity must be positive, not {relative_permittivity}")
    frequency = positive_or_none(frequency_hz)

    v, c = finite_pairs(voltage_v, capacitance_f)
    if np.any(c <= 0):
        # A non-positive capacitance is an inductive reading or an open contact: no 1/C^2.
        flags.append("nonpositive_capacitance_dropped")
        v, c = v[c > 0], c[c > 0]
    v, c = _merge_duplicates(v, c)

    c0 = _at_zero_bias(v, c, flags)
    c0_nf = c0 * 1e9 if c0 is not None else None
    c0_cm2 = c0_nf / area if c0_nf is not None and area else None
    # W = eps / C' (C' per m2): area in cm2 -> m2 is 1e-4, metres -> nm is 1e9.
    w0 = EPS0 * eps_r * area * 1e-4 / c0 * 1e9 if c0 is not None and area else None
    common = dict(
        depletion_width_0v_nm=w0,
        capacitance_0v_nf=c0_nf,
        capacitance_0v_nf_cm2=c0_cm2,
        relative_permittivity=eps_r,
        area_cm2=area,
        frequency_hz=frequency,
    )
    if v.size < MIN_POINTS:
        flags.append("too_few_points")
        return _empty(common, flags, int(v.size), None)

    # 1/C'^2 per m2 when the area is known (the slope then gives N); else 1/C^2 (V_bi only).
    c_fit = c / (area * 1e-4) if area else c
    y = 1.0 / (c_fit * c_fit)
    noise = _relative_noise(y)
    window = _linear_window(v, y, noise)
    if window is None:
        flags.append("no_linear_region")
        return _empty(common, flags, 0, noise)
    i, j = window
    xs, ys = v[i:j], y[i:j]
    slope, intercept = _weighted_line(xs, ys, 1.0 / ys)
    res = ys - (slope * xs + intercept)
    r2 = 1.0 - float(np.sum(res * res) / np.sum((ys - ys.mean()) ** 2))
    x0 = -intercept / slope
    carrier = "p" if slope < 0 else "n"
    if carrier == "n":
        flags.append("positive_slope")  # unusual for a p-type CQD absorber: n-type or leads swapped
    doping = 2.0 / (Q * EPS0 * eps_r * abs(slope)) * 1e-6 if area else None  # m^-3 -> cm^-3
    return CVResult(
        vbi_v=x0 if slope < 0 else -x0,
        doping_cm3=doping,
        carrier_type=carrier,
        slope=slope * 1e8 if area else slope,  # m^4 F^-2 -> cm^4 F^-2
        x_intercept_v=x0,
        fit_vmin_v=float(xs[0]),
        fit_vmax_v=float(xs[-1]),
        r2=r2,
        n_points_fit=int(xs.size),
        noise_relative=noise,
        flags=flags,
        **common,
    )


def _empty(common: dict[str, Any], flags: list[str], n: int, noise: float | None) -> CVResult:
    return CVResult(
        vbi_v=None,
        doping_cm3=None,
        carrier_type=None,
        slope=None,
        x_intercept_v=None,
        fit_vmin_v=None,
        fit_vmax_v=None,
        r2=None,
        n_points_fit=n,
        noise_relative=noise,
        flags=flags,
        **common,
    )


def _merge_duplicates(v: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted by V, with repeated voltages (up and down sweeps) averaged into one point."""
    order = np.argsort(v, kind="stable")
    v, c = v[order], c[order]
    if v.size < 2 or np.all(np.diff(v) > 0):
        return v, c
    uv, inverse = np.unique(v, return_inverse=True)
    sums = np.bincount(inverse, weights=c)
    return uv, sums / np.bincount(inverse)


def _at_zero_bias(v: np.ndarray, c: np.ndarray, flags: list[str]) -> float | None:
    """C at 0 V between the two nearest points; never extrapolated (flagged instead)."""
    if v.size == 0 or not (v[0] <= 0.0 <= v[-1]):
        flags.append("zero_bias_outside_range")
        return None
    return float(np.interp(0.0, v, c))


def _relative_noise(y: np.ndarray) -> float:
    """Relative scatter of 1/C^2: robust spread (MAD) of the residuals from a 9-point quartic
    Savitzky-Golay smooth, which follows the bends (a quartic follows the forward-bias rise
    better than a quadratic, so the bends inflate the estimate less: ~10 % on the test curves)
    and leaves the noise. White noise leaves residuals of sd sigma sqrt(1 - h), h = 179/429 the
    filter's centre weight. At least NOISE_FLOOR, so a noise-free curve still allows rounding."""
    if y.size < 9:
        return NOISE_FLOOR
    res = (y - savgol_filter(y, 9, 4)) / y
    mad = float(np.median(np.abs(res - np.median(res))))
    return max(1.4826 * mad / math.sqrt(1.0 - 179.0 / 429.0), NOISE_FLOOR)


def _linear_window(v: np.ndarray, y: np.ndarray, noise: float) -> tuple[int, int] | None:
    """[i, j) of the longest window that passes the tests in ``CVResult.method``.

    Every contiguous window is fitted at once from prefix sums (weighted least squares with
    w = 1/(noise y)^2, x centred and y scaled so the sums stay well conditioned). Long sweeps
    start and end windows on an evenly spaced subset of the points.
    """
    n = v.size
    u = v - v.mean()
    ys = y / float(np.median(y))
    w = 1.0 / (noise * ys) ** 2

    def prefix(a: np.ndarray) -> np.ndarray:
        return np.concatenate(([0.0], np.cumsum(a)))

    sw, sn, su, sy = prefix(w), prefix(np.ones(n)), prefix(w * u), prefix(w * ys)
    suu, suy, syy = prefix(w * u * u), prefix(w * u * ys), prefix(w * ys * ys)
    bounds = np.unique(np.linspace(0, n, min(n + 1, MAX_BOUNDARIES)).round().astype(int))
    a, b = np.triu_indices(bounds.size, k=1)
    i, j = bounds[a], bounds[b]
    count = sn[j] - sn[i]
    keep = count >= MIN_POINTS
    i, j, count = i[keep], j[keep], count[keep]
    if i.size == 0:
        return None
    tw = sw[j] - sw[i]
    tu, ty = su[j] - su[i], sy[j] - sy[i]
    cuu = suu[j] - suu[i] - tu * tu / tw
    cuy = suy[j] - suy[i] - tu * ty / tw
    cyy = syy[j] - syy[i] - ty * ty / tw
    with np.errstate(divide="ignore", invalid="ignore"):
        m = cuy / cuu
        r2 = cuy * cuy / (cuu * cyy)
        x0 = v.mean() - (ty - m * tu) / tw / m  # where the window's line reaches 1/C^2 = 0
        chi = cyy - m * cuy
        # The depletion side: below the intercept for a falling line, above it for a rising one.
        side = np.where(m < 0, v[j - 1] < x0, v[i] > x0)
    ok = (
        (cuu > 0)
        & (cyy > 0)
        & (m != 0)
        & (r2 >= R2_MIN)
        & side
        & (chi <= chi2.ppf(CHI2_QUANTILE, count - 2))
    )
    if not ok.any():
        return None
    best = np.lexsort((r2[ok], count[ok]))[-1]  # most points, then the straighter
    return int(i[ok][best]), int(j[ok][best])


def _weighted_line(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Slope and intercept minimising sum((w (y - m x - b))^2): relative residuals, since the
    scatter of 1/C^2 grows with it (an LCR meter's error is a fraction of the reading)."""
    w2 = w * w
    sw = float(w2.sum())
    xm, ym = float((w2 * x).sum()) / sw, float((w2 * y).sum()) / sw
    dx = x - xm
    slope = float((w2 * dx * (y - ym)).sum() / (w2 * dx * dx).sum())
    return slope, ym - slope * xm
