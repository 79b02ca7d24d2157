"""Shared helpers: JSON-safe export of result dataclasses and input cleaning."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

# Field metadata key: fields marked {EXPORT: False} (arrays for plots) stay out of to_dict().
EXPORT = "export"


def json_safe(value: Any) -> Any:
    """Convert numpy scalars/arrays, tuples and non-finite floats into JSON-safe values."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        # NaN and +-inf have no JSON representation: None means "not available".
        return f if math.isfinite(f) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [json_safe(v) for v in value]
    # Anything else (a date in a header, say) is stored as its text, never lost or rejected.
    return str(value)


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


def odd_window(n_points: int, wanted: int, minimum: int = 5) -> int:
    """Largest odd Savitzky-Golay window <= min(wanted, n_points), at least `minimum` (odd)."""
    w = min(int(wanted), int(n_points))
    if w % 2 == 0:
        w -= 1
    return max(w, minimum if minimum % 2 else minimum + 1)


# Small polynomial fits. np.polyfit / Polynomial.fit cost 40-80 us each (input checks, SVD);
# the J-V hot path fits 3-20 points a few times, where scaled normal equations are exact
# enough (x mapped to [-1, 1], degree <= 4) and ~10x faster.


def polyfit_small(x: np.ndarray, y: np.ndarray, deg: int) -> tuple[np.ndarray, float, float]:
    """Least-squares polynomial (increasing powers of z = (x - off) / scl), off, scl."""
    off = 0.5 * (float(x.max()) + float(x.min()))
    scl = 0.5 * (float(x.max()) - float(x.min())) or 1.0
    z = (x - off) / scl
    a = z[:, None] ** np.arange(deg + 1)
    return np.linalg.solve(a.T @ a, a.T @ y), off, scl


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
