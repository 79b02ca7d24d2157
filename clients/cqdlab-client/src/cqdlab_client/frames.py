"""API answers as tables: pure, no network. One row per scan or curve, so a file holding a
forward and a reverse scan gives two rows; columns are the results' own keys."""

from __future__ import annotations

from typing import Any

import pandas as pd

# The columns every results row starts with (the rest come from the results themselves).
RESULT_ID_COLUMNS = ["measurement", "code", "kind", "analysis_version"]


def _flat(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested figures (``hysteresis``: {``hi_pce``: ...}) become ``hysteresis.hi_pce``."""
    flat: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def result_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of ``/api/v1/results/`` items: one per entry of ``results.scans`` where a file
    holds scans (its own figures over the file's), else one per measurement."""
    rows = []
    for item in items:
        ids = {key: item.get(key) for key in RESULT_ID_COLUMNS}
        results = dict(item.get("results") or {})
        scans = results.pop("scans", None)
        whole = _flat(results)
        if isinstance(scans, list) and scans:
            for index, scan in enumerate(scans):
                rows.append({**ids, **whole, "scan": index, **_flat(scan)})
        else:
            rows.append({**ids, **whole})
    return rows


def results_frame(items: list[dict[str, Any]]) -> pd.DataFrame:
    rows = result_rows(items)
    if not rows:
        return pd.DataFrame(columns=RESULT_ID_COLUMNS)
    return pd.DataFrame(rows)


def objects_frame(items: list[dict[str, Any]]) -> pd.DataFrame:
    """API objects (devices, batches, ...) as a table, one column per field."""
    return pd.DataFrame([_flat(item) for item in items])
