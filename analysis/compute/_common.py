"""Shared helpers: JSON-safe export of result dataclasses and input cleaning."""

from __future__ import annotations

import dataclasses
import math
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.signal import savgol_coeffs

from core.jsonsafe import json_safe

# Field metadata key: fields marked {EXPORT: False} (arrays for plots) stay out of to_dict().
EXPORT = "export"


class ResultMixin:
    """Adds to_dict() to frozen result dataclasses."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if f.metadata.get(EXPORT, True):
                out[f.name] = json_safe(getattr(self, f.name))
        return out


def array_field() -> Any:
    """A dataclass field for arrays kept on the result but not exported (nor compared)."""
    return dataclasses.field(default=None, repr=False, compare=False, metadata={EXPORT: False})


def finite_pairs(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Float arrays of equal length with every pair holding a NaN/inf removed."""
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"x and y differ in length ({x.size} vs {y.size})")
    keep = np.isfinite(x) & np.isfinite(y)
    if keep.all():
        return x, y
    return x[keep], y[keep]


def opt_float(value: Any) -> float | None:
    """float(value) or None when missing/non-finite."""
    if value is None:
        return None
    f = float(value)
    return f if math.isfinite(f) else None


def savgol_interp(
    x: np.ndarray, window: int, polyorder: int, deriv: int = 0, delta: float = 1.0
) -> np.ndarray:
    """``scipy.signal.savgol_filter(x, window, polyorder, deriv=deriv, delta=delta)`` for 1-D
    ``x`` (its default mode 'interp'), equal to it within floating-point rounding.

    The filter is linear in ``x``: the convolution weights and the two edge operators (a
    least-squares polynomial through the first or last ``window`` points, evaluated at the
    ``window // 2`` points nearest the end) depend only on (window, polyorder, deriv) and are
    made once. scipy refits both edge polynomials with ``lstsq`` on every call (~0.2 ms of
    the EQE analysis); ``delta`` only divides a derivative by ``delta ** deriv``.
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.size
    if window > n:
        raise ValueError(
            "If mode is 'interp', window_length must be less than or equal to the size of x."
        )
    coeffs, left, right = _savgol_operators(int(window), int(polyorder), int(deriv))
    half = window // 2
    y = np.convolve(x, coeffs, mode="same")
    if half:
        y[:half] = left @ x[:window]
        y[n - half :] = right @ x[n - window :]
    if deriv:
        y /= delta**deriv
    return y


@lru_cache(maxsize=64)
def _savgol_operators(window: int, polyorder: int, deriv: int) -> tuple[np.ndarray, ...]:
    """Convolution weights (scipy's own, for delta = 1) and the left and right edge
    operators, rows = output points, columns = the window's input points. Read-only."""
    # savgol_coeffs raises scipy's own errors for impossible settings.
    coeffs = savgol_coeffs(window, polyorder, deriv=deriv)
    # The window's positions mapped to [-1, 1], where the least-squares fit is well posed.
    scl = max((window - 1) / 2, 1.0)
    z = (np.arange(window, dtype=np.float64) - (window - 1) / 2) / scl
    fit = np.linalg.pinv(np.vander(z, polyorder + 1))  # window values -> coefficients
    powers = np.arange(polyorder, -1, -1)  # np.vander's order: highest first
    falling = np.ones(polyorder + 1)  # p (p - 1) ... (p - deriv + 1): the deriv-th derivative
    for m in range(deriv):
        falling *= powers - m
    falling /= scl**deriv  # d/dt = d/dz / scl
    exponents = np.clip(powers - deriv, 0, None)
    half = window // 2

    def at(points: np.ndarray) -> np.ndarray:
        return (falling * points[:, None] ** exponents) @ fit

    left, right = at(z[:half]), at(z[window - half :])
    for a in (coeffs, left, right):
        a.setflags(write=False)
    return coeffs, left, right


def odd_window(n_points: int, wanted: int, minimum: int = 5) -> int:
    """Largest odd Savitzky-Golay window <= min(wanted, n_points), at least `minimum` (odd)."""
    w = min(int(wanted), int(n_points))
    if w % 2 == 0:
        w -= 1
    return max(w, minimum if minimum % 2 else minimum + 1)


# Small polynomial fits. np.polyfit / Polynomial.fit cost 40-80 us each (input checks, SVD);
# the J-V hot path fits 3-20 points a few times, where scaled normal equations are exact
# enough (x mapped to [-1, 1], degree <= 4) and ~10x faster. Below ~10 points a numpy call
# (~1 us of overhead each) costs more than the arithmetic, so the tiniest cases (a line, an
# exact interpolation, the roots of a cubic) are plain Python floats.


def polyfit_small(x: np.ndarray, y: np.ndarray, deg: int) -> tuple[np.ndarray, float, float]:
    """Least-squares polynomial (increasing powers of z = (x - off) / scl), off, scl."""
    off = 0.5 * (float(x.max()) + float(x.min()))
    scl = 0.5 * (float(x.max()) - float(x.min())) or 1.0
    z = (x - off) / scl
    a = z[:, None] ** np.arange(deg + 1)
    return np.linalg.solve(a.T @ a, a.T @ y), off, scl


def polyfit_normal(
    x: np.ndarray, y: np.ndarray, deg: int, bounds: tuple[float, float]
) -> tuple[np.ndarray, float, float]:
    """``polyfit_small`` for the hot path (the E1036 quartic on every J-V curve): the same
    least-squares problem, equal within rounding, in ~40 % of the time. The Vandermonde
    columns come as a running product, the normal equations are solved in plain floats
    (``solve_spd``), which raises ``LinAlgError`` for a numerically singular system where
    ``np.linalg.solve`` would return meaningless coefficients.
    """
    lo, hi = bounds
    off = 0.5 * (hi + lo)
    scl = 0.5 * (hi - lo) or 1.0
    a = np.empty((x.size, deg + 1))
    a[:, 0] = 1.0
    a[:, 1:] = ((x - off) / scl)[:, None]
    np.multiply.accumulate(a, axis=1, out=a)  # columns 1, z, z^2, ...
    at = a.T
    return np.array(solve_spd((at @ a).tolist(), (at @ y).tolist())), off, scl


def solve_spd(a: list[list[float]], b: list[float]) -> list[float]:
    """x with a x = b for a small symmetric positive definite a (normal equations), by
    Gaussian elimination without pivoting (stable for such matrices), in plain floats:
    below ~6 x 6 this beats ``np.linalg.solve``, whose Python wrapper costs more than the
    arithmetic. Raises ``numpy.linalg.LinAlgError`` when a pivot is not positive (a singular
    system: the points do not determine the polynomial). ``a`` and ``b`` are overwritten.
    """
    n = len(b)
    for c in range(n):
        top = a[c]
        pivot = top[c]
        if not pivot > 0.0:
            raise np.linalg.LinAlgError("Singular matrix")
        for r in range(c + 1, n):
            row = a[r]
            f = row[c] / pivot
            for k in range(c + 1, n):
                row[k] -= f * top[k]
            b[r] -= f * b[c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        row = a[r]
        s = b[r]
        for k in range(r + 1, n):
            s -= row[k] * x[k]
        x[r] = s / row[r]
    return x


def polyval_small(fit: tuple[np.ndarray, float, float], x: Any) -> Any:
    coef, off, scl = fit
    z = (np.asarray(x, dtype=float) - off) / scl
    out = np.zeros_like(z) + coef[-1]
    for c in coef[-2::-1]:
        out = out * z + c
    return out


def polyder_small(fit: tuple[np.ndarray, float, float]) -> tuple[np.ndarray, float, float]:
    """Derivative with respect to x (not z) of a polyfit_small result."""
    coef, off, scl = fit
    return coef[1:] * np.arange(1, coef.size) / scl, off, scl


def line_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares slope and intercept (closed form, plain floats; NaN slope when every x
    is the same). Fits here take 3-50 points, where a loop beats six numpy calls."""
    xs, ys = x.tolist(), y.tolist()
    n = len(xs)
    xm, ym = sum(xs) / n, sum(ys) / n
    sxx = sxy = 0.0
    for xi, yi in zip(xs, ys, strict=True):
        dx = xi - xm
        sxx += dx * dx
        sxy += dx * (yi - ym)
    slope = sxy / sxx if sxx > 0 else float("nan")
    return slope, ym - slope * xm


def interpolate_at(xs: list[float], ys: list[float], x0: float) -> float:
    """Value at x0 of the polynomial through the points (xs, ys) (Neville's scheme).

    The exact interpolant of 3-4 points, in plain floats: the same polynomial as a
    normal-equations fit of degree n - 1, with less rounding and without ~20 us of numpy calls.
    """
    p = list(ys)
    n = len(xs)
    for level in range(1, n):
        for i in range(n - level):
            xi, xj = xs[i], xs[i + level]
            p[i] = ((x0 - xj) * p[i] + (xi - x0) * p[i + 1]) / (xi - xj)
    return p[0]


def slope_of_quadratic_at(xs: list[float], ys: list[float], x0: float) -> float:
    """dy/dx at x0 of the least-squares parabola through the points (at least 3).

    ``polyfit_small(x, y, 2)`` then the derivative, in plain floats: x mapped to [-1, 1] the
    same way and the 3 x 3 normal equations solved by Cramer's rule (well conditioned on
    [-1, 1]). Raises ``numpy.linalg.LinAlgError`` for a singular system, as
    ``np.linalg.solve`` does.
    """
    hi, lo = max(xs), min(xs)
    off = 0.5 * (hi + lo)
    scl = 0.5 * (hi - lo) or 1.0
    s1 = s2 = s3 = s4 = t0 = t1 = t2 = 0.0
    for xi, yi in zip(xs, ys, strict=True):
        z = (xi - off) / scl
        z2 = z * z
        s1 += z
        s2 += z2
        s3 += z2 * z
        s4 += z2 * z2
        t0 += yi
        t1 += z * yi
        t2 += z2 * yi
    s0 = float(len(xs))
    # Cofactors of the symmetric matrix [[s0, s1, s2], [s1, s2, s3], [s2, s3, s4]].
    m00, m01, m02 = s2 * s4 - s3 * s3, s1 * s4 - s3 * s2, s1 * s3 - s2 * s2
    det = s0 * m00 - s1 * m01 + s2 * m02
    if det == 0.0:
        raise np.linalg.LinAlgError("Singular matrix")
    c1 = (s0 * (t1 * s4 - s3 * t2) - t0 * m01 + s2 * (s1 * t2 - t1 * s2)) / det
    c2 = (s0 * (s2 * t2 - t1 * s3) - s1 * (s1 * t2 - t1 * s2) + t0 * m02) / det
    return (c1 + 2.0 * c2 * ((x0 - off) / scl)) / scl


def cubic_real_roots(c0: float, c1: float, c2: float, c3: float, imag_tol: float) -> list[float]:
    """Real parts of the roots of c0 + c1 z + c2 z^2 + c3 z^3 whose imaginary part is below
    ``imag_tol``: what ``np.roots`` (companion-matrix eigenvalues, ~20 us) gives, by the
    closed form (~2 us) polished with a Newton step.

    Near a double root the closed form cannot tell a real pair from a complex one reliably,
    so that case (and a leading coefficient of zero) is left to ``np.roots``.
    """
    if c3 == 0.0 or not all(map(math.isfinite, (c0, c1, c2, c3))):
        return real_roots([c3, c2, c1, c0], imag_tol)
    a, b, c = c2 / c3, c1 / c3, c0 / c3
    q = (a * a - 3.0 * b) / 9.0
    r = (2.0 * a * a * a - 9.0 * a * b + 27.0 * c) / 54.0
    q3, r2 = q * q * q, r * r
    if abs(r2 - q3) <= 1e-6 * max(abs(r2), abs(q3)):
        return real_roots([c3, c2, c1, c0], imag_tol)
    if r2 < q3:  # three real roots (trigonometric form)
        theta = math.acos(r / math.sqrt(q3))
        m = -2.0 * math.sqrt(q)
        roots = [
            m * math.cos((theta + k) / 3.0) - a / 3.0 for k in (0.0, 2 * math.pi, -2 * math.pi)
        ]
    else:  # one real root and a complex pair
        big = -math.copysign((abs(r) + math.sqrt(r2 - q3)) ** (1.0 / 3.0), r)
        small = q / big if big != 0.0 else 0.0
        roots = [big + small - a / 3.0]
        if abs(0.5 * math.sqrt(3.0) * (big - small)) < imag_tol:
            roots.append(-0.5 * (big + small) - a / 3.0)
            roots.append(roots[-1])
    out = []
    for z in roots:
        d = (3.0 * c3 * z + 2.0 * c2) * z + c1
        if d != 0.0:
            z -= (((c3 * z + c2) * z + c1) * z + c0) / d
        out.append(z)
    return out


def real_roots(coef_decreasing: list[float], imag_tol: float) -> list[float]:
    """Real parts of the roots with an imaginary part below ``imag_tol``, by ``np.roots``
    (none when the polynomial is a constant)."""
    roots = np.roots(coef_decreasing) if any(coef_decreasing[:-1]) else np.array([])
    return roots.real[np.abs(roots.imag) < imag_tol].tolist()


def positive_or_none(value: float | None) -> float | None:
    """A usable positive number, else None (a zero or missing area is no area)."""
    if value is None:
        return None
    f = float(value)
    return f if math.isfinite(f) and f > 0 else None


# The decay models of the transients (TPV, TPC): a step of height d decaying with tau onto c.
def exp_decay(x: np.ndarray, d: float, tau: float, c: float) -> np.ndarray:
    return d * np.exp(-x / tau) + c


def biexp_decay(x: np.ndarray, d1: float, t1: float, d2: float, t2: float, c: float) -> np.ndarray:
    return d1 * np.exp(-x / t1) + d2 * np.exp(-x / t2) + c


def bic(residuals: np.ndarray, k: int) -> float:
    """Bayesian information criterion of a least-squares fit with k parameters."""
    n = residuals.size
    return float(n * np.log(max(np.mean(residuals * residuals), 1e-300)) + k * np.log(n))
