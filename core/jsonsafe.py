"""JSON-safe values from numpy scalars and arrays, tuples and non-finite floats (pure)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


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
