"""Inputs shaped like the selectors' output, with the paper's numbers (Liao, Dong et al. 2025)."""

import json
from datetime import datetime

import numpy as np
import plotly.graph_objects as go

TARGET = "Target (BA)2PbI4"
CONTROL = "Control PbI2"


def assert_valid(result: dict) -> dict:
    """Plotly accepts it and it survives strict JSON (no NaN), as json_script needs."""
    go.Figure(result)
    json.dumps(result, allow_nan=False)
    return result


def payload_bytes(result: dict) -> int:
    return len(json.dumps(result, separators=(",", ":")).encode())


def traces_of(result: dict, type_: str | None = None, name: str | None = None) -> list[dict]:
    return [
        t
        for t in result["data"]
        if (type_ is None or t["type"] == type_) and (name is None or t.get("name") == name)
    ]


def device_group(name: str, mean: float, n: int, excluded_every: int = 0, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    values = rng.normal(mean, 0.6, n)
    excluded = [bool(excluded_every) and i % excluded_every == 0 for i in range(n)]
    prefix = "T" if "Target" in name else "C"
    return {
        "name": name,
        "values": values.tolist(),
        "codes": [f"B12-{prefix}{i // 4:03d}-P{i % 4 + 1}" for i in range(n)],
        "urls": [f"/devices/{prefix}{i}/" for i in range(n)],
        "excluded": excluded,
        "reasons": ["shunted pixel" if e else "" for e in excluded],
    }


def paper_groups(n: int = 30, excluded_every: int = 0) -> list[dict]:
    """30 devices per variant, mean PCE 12.7 % vs 10.9 %."""
    return [
        device_group(TARGET, 12.7, n, excluded_every, seed=1),
        device_group(CONTROL, 10.9, n, excluded_every, seed=2),
    ]


def jv_curve(label: str, direction: str, points: int = 201, jsc: float = 32.9) -> dict:
    """A diode-equation curve in the generator convention, Voc near 0.47 V."""
    v = np.linspace(-0.1, 0.6, points)
    n_vt = 1.49 * 0.02569
    j = jsc - jsc * np.expm1(v / n_vt) / np.expm1(0.47 / n_vt)  # crosses zero at Voc = 0.47 V
    return {
        "label": label,
        "voltage_v": v.tolist(),
        "current_density_ma_cm2": j.tolist(),
        "scan_direction": direction,
        "measured_at": datetime(2025, 3, 4, 14, 30),
        "key_points": {"voc_v": 0.47, "jsc_ma_cm2": jsc, "vmpp_v": 0.37, "jmpp_ma_cm2": 27.0},
    }


def aging_variant(name: str, final: float, devices: int = 6, with_t80: bool = True) -> dict:
    hours = np.array([0, 24, 72, 168, 336, 500, 750, 1000], dtype=float)
    mean = 100 + (final - 100) * hours / hours[-1]
    rng = np.random.default_rng(3)
    return {
        "name": name,
        "hours": hours.tolist(),
        "mean": mean.tolist(),
        "std": np.full(hours.size, 4.0).tolist(),
        "devices": [
            {
                "code": f"B12-{name[0]}{k:03d}-P1",
                "url": f"/devices/{name[0]}{k}/",
                "hours": hours.tolist(),
                "values": (mean + rng.normal(0, 4, hours.size)).tolist(),
            }
            for k in range(devices)
        ],
        "t80_h": 570.0 if with_t80 else None,
        "t80_reference": "first point",
    }


def aging_panels() -> list[dict]:
    return [
        {
            "title": "Argon, 25 °C, dark (ISOS-D-1I)",
            "variants": [aging_variant(TARGET, 105, with_t80=False), aging_variant(CONTROL, 65)],
        },
        {
            "title": "Air, 80-90 % RH, dark (ISOS-D-1)",
            "variants": [aging_variant(TARGET, 90, with_t80=False), aging_variant(CONTROL, 50)],
        },
        {
            "title": "Air, 80 °C, dark (ISOS-D-2)",
            "variants": [aging_variant(TARGET, 89, with_t80=False), aging_variant(CONTROL, 67)],
        },
    ]
