"""DeviceColumns built by hand, for dashboard tests that need no database rows."""

from __future__ import annotations

from typing import Any

import numpy as np

from analysis.selectors.devices import METRICS, DeviceColumns


def device_columns(devices: list[dict[str, Any]]) -> DeviceColumns:
    """One device per dict: metric values (absent or None: no value), and optionally
    "measured" (default True), "status", "reason", "flags", "substrate", "batch" (default 1)."""
    n = len(devices)
    label = {"variant_name": "v", "batch_code": "B"}
    return DeviceColumns(
        ids=np.arange(1, n + 1, dtype=np.int64),
        codes=[f"D{i + 1}" for i in range(n)],
        status=[d.get("status", "ok") for d in devices],
        status_reasons=[d.get("reason", "") for d in devices],
        substrate_ids=np.array([d.get("substrate", 0) for d in devices], dtype=np.int64),
        substrate_codes=[f"S{d.get('substrate', 0)}" for d in devices],
        batch_ids=np.array([d.get("batch", 1) for d in devices], dtype=np.int64),
        labels=[label] * n,
        values={
            m: np.array([np.nan if d.get(m) is None else d[m] for d in devices], dtype=float)
            for m in METRICS
        },
        measured=np.array([d.get("measured", True) for d in devices], dtype=bool),
        flags=[list(d.get("flags", [])) for d in devices],
    )
