"""J-V analysis of illuminated solar cells (generator convention: J > 0 for 0 < V < Voc).

Pipeline: split round trips -> sort, average duplicate V -> decide the sign from the data ->
drop compliance-clipped points -> Jsc/Voc by local interpolation -> ASTM E1036 key points
(numpy port of pvlib's astm_e1036) accepted when they agree with the interpolation -> apparent
slopes -> flags. All pure numpy: this runs on every uploaded curve.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._common import (
    ResultMixin,
    finite_pairs,
    interpolate_at,
    line_fit,
    opt_float,
    polyder_small,
    polyfit_small,
    polyval_small,
    slope_of_quadratic_at,
)
from ._jv_prep import scan_direction, sort_average, split_bounds, split_scans
from ._version import ANALYSIS_VERSION
from .constants import STC_IRRADIANCE_MW_CM2
from .e1036 import E1036Error, astm_e1036
from .jv_dark import DarkJVResult, analyse_dark_jv

__all__ = [
    "DarkJVResult",
    "JVResult",
    "JVThresholds",
    "analyse_dark_jv",
    "analyse_jv",
    "compare_with_instrument",
    "hysteresis_index",
    "scan_direction",
    "split_scans",
]


@dataclass(frozen=True)
class JVThresholds:
    """Every tunable limit of the J-V analysis (the Django settings pass their own)."""

    shorted_ff: float = 0.30  # FF <= this: shorted/ohmic (an ohmic line has FF 0.25)
    shorted_rsh_ohm_cm2: float = 100.0  # apparent Rsh below this: shunted
    shorted_voc_v: float = 0.05  # Voc below this: shorted
    dark_jsc_ma_cm2: float = 0.02  # |J(0)| below this (or the fraction below): dark curve
    dark_jsc_fraction: float = 1e-3  # ... relative to max |J| of the curve
    compliance_rel_tol: float = 2e-4  # points this close to the extreme J are "flat"
    compliance_min_points: int = 2  # a flat run needs this many points to count as clipped
    max_extrapolation_v: float = 0.1  # farthest we extrapolate to V = 0 or J = 0
    voc_extrapolation_max_fraction: float = 0.2  # last J must be below this x Jsc to extrapolate
    rs_points: int = 5  # points nearest Voc for the slope at Voc (quadratic fit)
    rsh_window_v: float = 0.05  # |V| window for the slope at Jsc (line fit)
    rsh_min_points: int = 3
    e1036_voc_tol_v: float = 1e-3  # E1036 Voc accepted if within this of the interpolation
    e1036_jsc_rel_tol: float = 2e-3  # E1036 Isc accepted if within this (relative)
    pmax_poly_min_ratio: float = 0.995  # polynomial Pmax accepted in [min, max] x discrete max
    pmax_poly_max_ratio: float = 1.02
    duplicate_v_decimals: int = 6  # V rounded to this many decimals to find duplicates


@dataclass(frozen=True)
class JVResult(ResultMixin):
    voc_v: float | None
    jsc_ma_cm2: float | None
    ff: float | None
    pce_percent: float | None
    pmax_mw_cm2: float | None
    vmp_v: float | None
    jmp_ma_cm2: float | None
    rs_ohm_cm2: float | None  # apparent: -dV/dJ at Voc
    rsh_ohm_cm2: float | None  # apparent: -dV/dJ at V = 0
    scan_direction: str | None
    sign_flipped: bool
    irradiance_mw_cm2: float
    irradiance_assumed: bool
    n_points: int
    flags: list[str] = field(default_factory=list)
    method: dict[str, str] = field(default_factory=dict)
    version: str = ANALYSIS_VERSION


# ---------------------------------------------------------------- preprocessing


def _value_at_zero(v: np.ndarray, j: np.ndarray) -> float:
    """J at V = 0 by linear interpolation (nearest end point outside the range)."""
    return float(np.interp(0.0, v, j))


def _drop_compliance(
    v: np.ndarray, j: np.ndarray, j0: float, t: JVThresholds
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Drop flat runs at the extreme current at either end of the sweep (SMU compliance)."""
    keep = None  # made only when something is dropped (rare), saving two array calls
    # High-V end: forward injection saturating at the compliance (J most negative).
    jn = j[-1]
    tol = t.compliance_rel_tol * abs(jn) + 1e-12
    run = 0
    while run < v.size and abs(j[-1 - run] - jn) <= tol:
        run += 1
    if run >= t.compliance_min_points and jn <= j.min() + tol:
        keep = np.ones(v.size, dtype=bool)
        keep[v.size - run :] = False
    # Low-V end: reverse-bias clipping. An ideal cell is flat there too, so only a plateau
    # clearly above J(0) counts, and points at V >= 0 are never dropped (Jsc must stay measured).
    j1 = j[0]
    tol = t.compliance_rel_tol * abs(j1) + 1e-12
    run = 0
    while run < v.size and abs(j[run] - j1) <= tol:
        run += 1
    if run >= t.compliance_min_points and j1 >= j.max() - tol and abs(j1) > 1.01 * abs(j0):
        keep = np.ones(v.size, dtype=bool) if keep is None else keep
        keep[:run] &= v[:run] >= 0
    if keep is None or keep.all():
        return v, j, False
    return v[keep], j[keep], True


# ---------------------------------------------------------------- key points


def _jsc(v: np.ndarray, j: np.ndarray, t: JVThresholds) -> tuple[float | None, str]:
    if v[0] <= 0.0 <= v[-1]:
        k = int(np.abs(v).argmin())
        if abs(v[k]) < 1e-9:
            return float(j[k]), "point"
        return _value_at_zero(v, j), "linear_interpolation"
    # No V = 0 inside the sweep: line through the 3 points nearest 0 V, if not too far.
    gap = float(min(abs(v[0]), abs(v[-1])))
    if gap > t.max_extrapolation_v:
        return None, "none"
    idx = np.abs(v).argsort()[:3]
    slope, icpt = line_fit(v[idx], j[idx])
    return icpt, "line_extrapolation"


def _inverse_interp(v: np.ndarray, j: np.ndarray, k: int) -> float:
    """V at J = 0 between points k and k+1 (J[k] > 0 >= J[k+1]).

    Cubic V(J) through 2 points either side: a straight line between 50 mV steps is
    several mV off on the exponential part of the curve, the inverse cubic < 0.5 mV.
    """
    a, b = max(k - 1, 0), min(k + 3, v.size)
    jj, vv = j[a:b].tolist(), v[a:b].tolist()  # 2-4 points: plain floats beat numpy calls
    k -= a
    if jj[k + 1] == 0.0:
        return vv[k + 1]
    lin = vv[k] + (vv[k + 1] - vv[k]) * jj[k] / (jj[k] - jj[k + 1])
    if len(jj) >= 3 and all(x > y for x, y in zip(jj, jj[1:], strict=False)):
        est = interpolate_at(jj, vv, 0.0)  # the exact interpolating polynomial V(J) at J = 0
        if vv[k] <= est <= vv[k + 1]:
            return est
    return lin


def _voc(
    v: np.ndarray, j: np.ndarray, jsc: float | None, kmp: int, t: JVThresholds, flags: list[str]
) -> tuple[float | None, str]:
    pos = j > 0
    ks = (pos[:-1] & ~pos[1:] & (v[1:] > 0)).nonzero()[0]
    if ks.size > 1:
        flags.append("multiple_voc_crossings")
    if ks.size:
        # Several crossings (noise near Voc): take the first one above the MPP.
        above = ks[ks >= kmp]
        k = int(above[0] if above.size else ks[-1])
        return _inverse_interp(v, j, k), "cubic_inverse_interpolation"
    # No crossing: extrapolate a short way if the sweep stops just short of Voc.
    if jsc and j[-1] > 0 and j[-1] <= t.voc_extrapolation_max_fraction * jsc and v.size >= 3:
        slope, icpt = line_fit(v[-3:], j[-3:])
        if slope < 0:
            voc = -icpt / slope
            if 0 < voc - v[-1] <= t.max_extrapolation_v:
                flags.append("voc_extrapolated")
                return voc, "line_extrapolation"
    flags.append("no_voc_crossing")
    return None, "none"


def _cubic_max(v: np.ndarray, j: np.ndarray, k: int) -> tuple[float, float] | None:
    """Maximum of V*J(V) with J(V) a cubic through the 4 points around the discrete maximum.

    For coarse sweeps (E1036 window too sparse): on 50-100 mV steps a parabola through
    P(V) overshoots by 0.5-4 %, the local cubic in J by 0.1-1.2 % (one-diode tests).
    """
    if k <= 0 or k >= v.size - 1:
        return None
    s = k - 1 if (k + 2 < v.size and v[k + 1] * j[k + 1] > v[k - 1] * j[k - 1]) else k - 2
    s = min(max(s, 0), v.size - 4)
    if s < 0:
        return None
    try:
        fit = polyfit_small(v[s : s + 4], j[s : s + 4], 3)
    except np.linalg.LinAlgError:
        return None
    vv = np.linspace(v[k - 1], v[k + 1], 401)
    pp = vv * polyval_small(fit, vv)
    i = int(np.argmax(pp))
    return float(vv[i]), float(pp[i])


def _slope_at(v: np.ndarray, j: np.ndarray, x0: float, n: int, deg: int) -> float:
    """dJ/dV at x0 from a least-squares polynomial through the n points nearest x0."""
    idx = np.abs(v - x0).argsort()[:n]
    if idx.size < 2:
        return float("nan")
    deg = max(1, min(deg, idx.size - 2))
    try:
        if deg == 2:  # the usual case (5 points near Voc): plain floats, no numpy calls
            return slope_of_quadratic_at(v[idx].tolist(), j[idx].tolist(), x0)
        fit = polyfit_small(v[idx], j[idx], deg)
    except np.linalg.LinAlgError:
        return float("nan")
    return float(polyval_small(polyder_small(fit), x0))


def _resistance(djdv: float) -> float | None:
    # -dV/dJ with J in mA/cm2 -> x1000 for ohm cm2. Non-negative slope: undefined.
    if not np.isfinite(djdv) or djdv >= 0:
        return None
    return -1000.0 / djdv


def _rsh(v: np.ndarray, j: np.ndarray, t: JVThresholds) -> float | None:
    idx = (np.abs(v) <= t.rsh_window_v).nonzero()[0]
    if idx.size < t.rsh_min_points:
        idx = np.abs(v).argsort()[: t.rsh_min_points]
    slope, _ = line_fit(v[idx], j[idx])
    return _resistance(slope)


# ---------------------------------------------------------------- main entry


def analyse_jv(
    voltage_v: Any,
    current_density_ma_cm2: Any,
    irradiance_mw_cm2: float | None = None,
    *,
    thresholds: JVThresholds = JVThresholds(),
) -> JVResult:
    """Figures of merit of one illuminated J-V sweep (V in volts, J in mA/cm2, any sign).

    Round trips are split and the longest leg analysed (flag 'round_trip_split'; use
    ``split_scans`` to analyse each leg). PCE = Pmax / irradiance, 100 mW/cm2 assumed (and
    flagged) when no irradiance is given.
    """
    t = thresholds
    flags: list[str] = []
    method: dict[str, str] = {}
    assumed = irradiance_mw_cm2 is None
    irr = STC_IRRADIANCE_MW_CM2 if assumed else float(irradiance_mw_cm2)
    if assumed:
        flags.append("irradiance_assumed_100")
    v, j = finite_pairs(voltage_v, current_density_ma_cm2)
    n_points = int(v.size)
    empty = dict(
        voc_v=None, jsc_ma_cm2=None, ff=None, pce_percent=None, pmax_mw_cm2=None, vmp_v=None,
        jmp_ma_cm2=None, rs_ohm_cm2=None, rsh_ohm_cm2=None, irradiance_mw_cm2=irr,
        irradiance_assumed=assumed, n_points=n_points, method=method,
    )  # fmt: skip
    if n_points < 4:
        flags.append("too_few_points")
        return JVResult(scan_direction=None, sign_flipped=False, flags=flags, **empty)

    bounds = split_bounds(v, 0, v.size, 3)
    if len(bounds) > 1:
        flags.append("round_trip_split")
        a, b = max(bounds, key=lambda ab: ab[1] - ab[0])  # longest leg; first on ties
        v, j = v[a:b], j[a:b]
    direction = scan_direction(v)
    v, j, dup = sort_average(v, j, t.duplicate_v_decimals)
    if dup:
        flags.append("duplicate_v_averaged")

    # Sign from the data: under light J(0) is the photocurrent, positive in the generator
    # convention; in the dark the forward-bias current is negative in that convention.
    j0 = _value_at_zero(v, j)
    dark = irr <= 0 or abs(j0) < max(t.dark_jsc_ma_cm2, t.dark_jsc_fraction * np.abs(j).max())
    flip = bool(v[-1] > 0 and j[-1] > 0) if dark else j0 < 0
    if flip:
        j, j0 = -j, -j0
    empty["rsh_ohm_cm2"] = _rsh(v, j, t)
    if dark:
        flags.append("dark")
        empty["jsc_ma_cm2"] = j0
        return JVResult(scan_direction=direction, sign_flipped=flip, flags=flags, **empty)

    v, j, clipped = _drop_compliance(v, j, j0, t)
    if clipped:
        flags.append("compliance_clipped")

    jsc, method["jsc"] = _jsc(v, j, t)
    if method["jsc"] == "line_extrapolation":
        flags.append("jsc_extrapolated")
    elif jsc is None:
        flags.append("no_jsc")
    p = v * j
    # ndarray methods, not np.* functions: the same C code without a Python wrapper each.
    quad = ((v >= 0) & (j > 0)).nonzero()[0]
    kmp = int(quad[p[quad].argmax()]) if quad.size else int(p.argmax())
    voc, method["voc"] = _voc(v, j, jsc, kmp, t, flags)

    pmax, vmp = float(p[kmp]), float(v[kmp])
    method["pmax"] = "discrete"
    try:
        e = astm_e1036(v, j, with_poly=False)
    except (E1036Error, np.linalg.LinAlgError, ValueError) as exc:
        e = None
        method["e1036"] = f"failed: {exc}"
    if e is not None:
        if t.pmax_poly_min_ratio * pmax <= e["pmp"] <= t.pmax_poly_max_ratio * pmax:
            pmax, vmp = e["pmp"], e["vmp"]
            method["pmax"] = f"e1036_poly4 ({e['n_fit']} points)"
        if voc is not None and abs(e["voc"] - voc) <= t.e1036_voc_tol_v:
            voc, method["voc"] = e["voc"], f"e1036_{e['voc_method']}"
        if jsc is not None and abs(e["isc"] - jsc) <= t.e1036_jsc_rel_tol * abs(jsc):
            jsc, method["jsc"] = e["isc"], f"e1036_{e['isc_method']}"
    if method["pmax"] == "discrete":
        cub = _cubic_max(v, j, kmp)
        if cub is not None and pmax <= cub[1] <= t.pmax_poly_max_ratio * pmax:
            vmp, pmax = cub
            method["pmax"] = "local_cubic_4pt"

    ff = pmax / (voc * jsc) if voc and jsc and voc > 0 and jsc > 0 else None
    pce = 100.0 * pmax / irr if voc is not None and irr > 0 else None
    rs = _resistance(_slope_at(v, j, voc, t.rs_points, 2)) if voc is not None else None
    rsh = empty["rsh_ohm_cm2"]
    if (
        (ff is not None and ff <= t.shorted_ff)
        or (rsh is not None and rsh < t.shorted_rsh_ohm_cm2)
        or (voc is not None and voc < t.shorted_voc_v)
    ):
        flags.append("shorted")
    method["rs"] = f"quadratic J(V) over the {t.rs_points} points nearest Voc"
    method["rsh"] = f"line over |V| <= {t.rsh_window_v} V"

    return JVResult(
        voc_v=opt_float(voc),
        jsc_ma_cm2=opt_float(jsc),
        ff=opt_float(ff),
        pce_percent=opt_float(pce),
        pmax_mw_cm2=pmax,
        vmp_v=vmp,
        jmp_ma_cm2=pmax / vmp if vmp else None,
        rs_ohm_cm2=rs,
        rsh_ohm_cm2=rsh,
        scan_direction=direction,
        sign_flipped=bool(flip),
        irradiance_mw_cm2=irr,
        irradiance_assumed=assumed,
        n_points=n_points,
        flags=flags,
        method=method,
    )


# ---------------------------------------------------------------- comparisons


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)


def _rel(a: float | None, b: float | None) -> float | None:
    """(a - b) / |b|, None when either is missing or b is zero."""
    if a is None or b is None or b == 0:
        return None
    return (a - b) / abs(b)


def hysteresis_index(reverse: JVResult | Mapping, forward: JVResult | Mapping) -> dict[str, Any]:
    """HI_PCE = (PCE_RS - PCE_FS) / PCE_RS, plus the same ratio for Voc, Jsc and FF.

    Any single index is protocol-dependent (Habisreutinger, Noel & Snaith, ACS Energy Lett.
    2018): store scan rate, step, dwell and pre-conditioning with it.
    """
    flags: list[str] = []
    if _get(reverse, "scan_direction") not in (None, "reverse"):
        flags.append("reverse_scan_is_not_reverse")
    if _get(forward, "scan_direction") not in (None, "forward"):
        flags.append("forward_scan_is_not_forward")
    out: dict[str, Any] = {
        "definition": "HI_PCE = (PCE_RS - PCE_FS) / PCE_RS",
        "pce_rs_percent": _get(reverse, "pce_percent"),
        "pce_fs_percent": _get(forward, "pce_percent"),
    }
    for key, name in (
        ("pce_percent", "hi_pce"), ("voc_v", "hi_voc"), ("jsc_ma_cm2", "hi_jsc"), ("ff", "hi_ff")
    ):  # fmt: skip
        # (RS - FS) / RS == -(FS - RS) / RS for the positive figures compared here.
        r = _rel(_get(forward, key), _get(reverse, key))
        out[name] = None if r is None else -r
    out["flags"] = flags
    return out


# Instruments disagree on the sign of currents and powers: compare magnitudes for these.
_MAGNITUDE_KEYS = ("jsc", "jmp", "isc", "imp", "pmax", "pmp", "p_mpp", "j_mpp")


VERDICT_KEYS = ("voc_v", "jsc_ma_cm2", "ff", "pce_percent")


def compare_with_instrument(
    ours: Mapping[str, Any],
    theirs: Mapping[str, Any],
    rel_tol: float | Mapping[str, float] = 0.02,
) -> dict[str, Any]:
    """Compare our figures with the instrument's header figures, key by key.

    Both dicts use the same (canonical) keys and units; values missing on either side are
    listed, not compared. ``rel_tol`` may be one number or a per-key mapping (default 0.02).
    """
    figures: dict[str, dict[str, Any]] = {}
    missing: list[str] = []
    for key in sorted(set(ours) & set(theirs)):
        a, b = ours[key], theirs[key]
        if isinstance(a, bool) or isinstance(b, bool):
            continue
        if not isinstance(a, (int, float, np.number)) or not isinstance(b, (int, float, np.number)):
            if a is None or b is None:
                missing.append(key)
            continue
        a, b = float(a), float(b)
        if not (np.isfinite(a) and np.isfinite(b)):
            missing.append(key)
            continue
        if any(m in key.lower() for m in _MAGNITUDE_KEYS):
            a, b = abs(a), abs(b)
        tol = rel_tol.get(key, 0.02) if isinstance(rel_tol, Mapping) else float(rel_tol)
        rel = _rel(a, b)
        ok = abs(a - b) <= 1e-12 if rel is None else abs(rel) <= tol
        figures[key] = {
            "ours": a, "theirs": b, "relative_difference": rel, "rel_tol": tol, "consistent": ok,
        }  # fmt: skip
    # The verdict rests on the figures every tester defines alike; apparent resistances and
    # MPP coordinates depend on each tool's fitting window, so they are listed, not judged.
    judged = [f["consistent"] for k, f in figures.items() if k in VERDICT_KEYS]
    return {
        "figures": figures,
        "consistent": bool(judged) and all(judged),
        "judged_on": [k for k in VERDICT_KEYS if k in figures],
        "missing": missing,
        "note": "currents and powers compared as magnitudes (instrument sign conventions differ)",
    }


DIRECTIONS = ("reverse", "forward")


def resolve_direction(
    declared: str | None, seen: str | None, layout_reliable: bool = True
) -> tuple[str | None, list[str]]:
    """The scan direction a result carries, and its flags (analysis-methods.md section 2).

    The order of the stored voltages tells the direction only when each curve keeps its own
    voltages in measurement order; many exports share one voltage column between curves or
    re-sort rows. So the file's own label wins where it exists, the voltage order is used
    when the label is missing, and a label contradicting a reliable voltage order is kept
    and flagged ``direction_conflict``.
    """
    declared = declared if declared in DIRECTIONS else None
    seen = seen if seen in DIRECTIONS else None
    if declared is not None:
        conflict = layout_reliable and seen is not None and seen != declared
        return declared, ["direction_conflict"] if conflict else []
    if seen is not None and layout_reliable:
        return seen, []
    return None, ["direction_unknown"]


@dataclass(frozen=True)
class Scan:
    """A light J-V scan as pairing sees it: where it sits in time and what it is."""

    key: Any
    pixel: str
    direction: str | None
    time_s: float  # when its measurement was made (epoch seconds)
    order: int  # position within its file


def pair_scans(scans: Sequence[Scan], window_s: float) -> list[tuple[Any, Any]]:
    """(reverse key, forward key) pairs of one device's light scans, in measurement order.

    Per pixel, scans are taken in time order (then file order); each scan pairs with the
    next one of the opposite direction measured within ``window_s``, if neither is paired
    yet. Separate forward and reverse files of one device pair like scans of one file.
    """
    by_pixel: dict[str, list[Scan]] = {}
    for scan in scans:
        if scan.direction in DIRECTIONS:
            by_pixel.setdefault(scan.pixel, []).append(scan)
    pairs = []
    for items in by_pixel.values():
        items.sort(key=lambda s: (s.time_s, s.order))
        i = 0
        while i < len(items) - 1:
            a, b = items[i], items[i + 1]
            if a.direction != b.direction and abs(b.time_s - a.time_s) <= window_s:
                pairs.append((a.key, b.key) if a.direction == "reverse" else (b.key, a.key))
                i += 2
            else:
                i += 1
    return pairs
