"""The plain-float and cached helpers of the hot paths (bench/README.md section 1) agree with
the numpy/scipy calls they replace, to within floating-point rounding."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import savgol_filter

from analysis.compute import E1036Error, astm_e1036
from analysis.compute._common import (
    cubic_real_roots,
    interpolate_at,
    line_fit,
    polyder_small,
    polyfit_normal,
    polyfit_small,
    polyval_small,
    real_roots,
    savgol_interp,
    slope_of_quadratic_at,
)

RNG = np.random.default_rng(20261125)


def _cubics() -> list[tuple[float, float, float, float]]:
    out = [tuple(RNG.normal(size=4)) for _ in range(300)]
    out += [
        (1.0, -3.0, 3.0, -1.0),  # (1 - z)^3: a triple root
        (0.0, 0.0, 1.0, 1.0),  # a double root at 0
        (-1.0, 0.0, 0.0, 1.0),  # z^3 = 1: one real root and a complex pair
        (2.0, -1.0, 0.5, 0.0),  # not a cubic
        (0.0, 0.0, 0.0, 0.0),  # no polynomial at all
        (1e-3, 2.0, -1.0, 1e-9),  # a tiny leading coefficient
    ]
    return out


@pytest.mark.parametrize("c", _cubics())
def test_cubic_roots_agree_with_np_roots(c):
    ours = sorted(cubic_real_roots(*c, imag_tol=1e-5))
    theirs = sorted(real_roots([c[3], c[2], c[1], c[0]], 1e-5))
    assert len(ours) == len(theirs)
    scale = max(1.0, *(abs(r) for r in theirs)) if theirs else 1.0
    assert np.allclose(ours, theirs, rtol=1e-9, atol=1e-9 * scale)


@pytest.mark.parametrize("n", [3, 4])
def test_neville_interpolation_is_the_exact_interpolating_polynomial(n):
    for _ in range(50):
        x = np.sort(RNG.uniform(-1, 1, n))[::-1]
        y = RNG.normal(size=n)
        fit = polyfit_small(x, y, n - 1)
        assert interpolate_at(x.tolist(), y.tolist(), 0.1) == pytest.approx(
            float(polyval_small(fit, 0.1)), rel=1e-9, abs=1e-12
        )


def test_the_quadratic_slope_is_polyfit_then_the_derivative():
    for n in (3, 5, 9):
        x = np.sort(RNG.uniform(0.4, 0.6, n))
        y = 30 - 40 * np.exp((x - 0.5) / 0.03) + RNG.normal(0, 0.1, n)
        expected = float(polyval_small(polyder_small(polyfit_small(x, y, 2)), 0.55))
        assert slope_of_quadratic_at(x.tolist(), y.tolist(), 0.55) == pytest.approx(
            expected, rel=1e-9
        )
    with pytest.raises(np.linalg.LinAlgError):
        slope_of_quadratic_at([0.1, 0.1, 0.2, 0.2], [1.0, 2.0, 3.0, 4.0], 0.15)


def test_the_normal_equations_fit_agrees_with_polyfit_small():
    for n in (5, 8, 20):
        x = np.sort(RNG.uniform(0.3, 0.5, n))
        y = x * (30 - np.exp((x - 0.5) / 0.03)) + RNG.normal(0, 0.01, n)
        ours, theirs = polyfit_normal(x, y, 4, (x.min(), x.max())), polyfit_small(x, y, 4)
        grid = np.linspace(x.min(), x.max(), 7)
        assert polyval_small(ours, grid) == pytest.approx(polyval_small(theirs, grid), rel=1e-9)
    x = np.array([0.1, 0.1, 0.2, 0.2, 0.3, 0.3])  # three voltages cannot make a quartic
    with pytest.raises(np.linalg.LinAlgError):
        polyfit_normal(x, x**2, 4, (0.1, 0.3))


def test_the_line_fit_is_np_polyfit_of_degree_one():
    x, y = RNG.normal(size=7), RNG.normal(size=7)
    slope, intercept = line_fit(x, y)
    assert (slope, intercept) == pytest.approx(tuple(np.polyfit(x, y, 1)), rel=1e-12)
    assert np.isnan(line_fit(np.ones(3), np.arange(3.0))[0])


def test_e1036_refuses_a_window_with_too_few_distinct_voltages():
    v = np.repeat(np.linspace(0.0, 0.5, 11), 2)
    j = 30 - np.exp((v - 0.5) / 0.02)
    with pytest.raises(E1036Error):
        astm_e1036(v, j)


@pytest.mark.parametrize(("n", "window"), [(9, 5), (9, 7), (40, 7), (40, 31), (400, 31)])
@pytest.mark.parametrize(("polyorder", "deriv"), [(2, 0), (3, 0), (3, 1), (3, 2)])
def test_savgol_matches_scipy(n, window, polyorder, deriv):
    x = np.cumsum(RNG.normal(size=n)) + 3 * np.sin(np.linspace(0, 5, n))
    for delta in (1.0, 0.004):
        theirs = savgol_filter(x, window, polyorder, deriv=deriv, delta=delta)
        ours = savgol_interp(x, window, polyorder, deriv=deriv, delta=delta)
        assert np.allclose(ours, theirs, rtol=1e-10, atol=1e-10 * np.abs(theirs).max())


def test_savgol_refuses_what_scipy_refuses():
    with pytest.raises(ValueError, match="window_length must be less than or equal"):
        savgol_interp(np.ones(5), 7, 2)
    with pytest.raises(ValueError):
        savgol_interp(np.ones(9), 5, 5)
