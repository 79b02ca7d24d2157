"""MPP logs written as one table per track, each followed by a summary ("Average PCE ...",
a key/value block) and the column names again: one run, read as one series.

Decision: blocks are joined in file order. When a block's clock restarts (its first time is
not after the previous block's last), its times are shifted to continue one sampling step
after the previous block's end, the step being the median step of the previous block. A
block whose times already continue is kept as written. The joined series records how many
blocks it came from and where each began (``block_starts_s``), so a start-up transient or a
gap between tracks stays visible to the analysis.
"""

from __future__ import annotations

import numpy as np

from .base import Series


def _step(time: np.ndarray) -> float:
    steps = np.diff(time)
    steps = steps[np.isfinite(steps) & (steps > 0)]
    return float(np.median(steps)) if steps.size else 0.0


def join_tracks(series: list[Series], warnings: list[str]) -> list[Series]:
    """One series from MPP blocks of the same columns, pixel and sample; others are left as
    they are (blocks of different pixels are different runs)."""
    if len(series) < 2:
        return series
    keys = {tuple(sorted(s.columns)) for s in series}
    # Only the first block carries the lines above the table (a 'Pixel: 3' there is the
    # run's); another pixel or sample named above a later block makes that block another run.
    named = [
        {s.metadata[key] for s in series if s.metadata.get(key)} for key in ("pixel", "sample")
    ]
    if len(keys) != 1 or any(len(n) > 1 for n in named):
        return series
    if any("time_s" not in s.columns for s in series):
        return series
    times, starts, restarted = [], [], 0
    end = None
    for s in series:
        t = s.columns["time_s"]
        if end is not None and t[0] <= end:
            t = t - t[0] + end + (_step(times[-1]) or _step(t))
            restarted += 1
        starts.append(float(t[0]))
        times.append(t)
        end = float(t[-1])
    columns = {key: np.concatenate([s.columns[key] for s in series]) for key in series[0].columns}
    columns["time_s"] = np.concatenate(times)
    metadata = dict(series[0].metadata)
    metadata["blocks_joined"] = len(series)
    metadata["block_starts_s"] = starts
    how = (
        f"; the clock restarts in {restarted} of them, so their times continue one step after "
        "the block before"
        if restarted
        else ""
    )
    warnings.append(
        f"{len(series)} tables of the same columns, each after a summary block, read as one "
        f"track{how}"
    )
    return [Series(series[0].label, columns, metadata)]
