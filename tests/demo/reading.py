"""Test-side reading of the generic text format and plain numpy figures of merit.

Deliberately independent of cqdlab's parsers and analysis: the demo must be right on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TextFile:
    metadata: dict[str, str]
    headers: list[str]
    data: np.ndarray  # rows x columns

    def column(self, header: str) -> np.ndarray:
        return self.data[:, self.headers.index(header)]


def read(content: bytes) -> TextFile:
    """Parse `Key: value` lines, one blank line, a tab-separated header, numeric rows."""
    lines = content.decode("utf-8").split("\n")
    assert lines[-1] == "", "the file ends with a newline"
    blank = lines.index("")
    metadata = dict(line.split(": ", 1) for line in lines[:blank])
    headers = lines[blank + 1].split("\t")
    rows = [[float(cell) for cell in line.split("\t")] for line in lines[blank + 2 : -1]]
    return TextFile(metadata, headers, np.array(rows))


@dataclass(frozen=True)
class Figures:
    voc_v: float
    jsc_ma_cm2: float
    ff: float
    pce_percent: float


def jv_figures(voltage: np.ndarray, j_load: np.ndarray, irradiance: float = 100.0) -> Figures:
    """Voc, Jsc, FF, PCE of one scan written in the load convention (J < 0 under light)."""
    order = np.argsort(voltage)
    v, j = voltage[order], -j_load[order]
    jsc = float(np.interp(0.0, v, j))
    k = int(np.nonzero((j[:-1] > 0) & (j[1:] <= 0))[0][0])  # first crossing, ascending V
    voc = float(v[k] + j[k] * (v[k + 1] - v[k]) / (j[k] - j[k + 1]))
    quadrant = (v >= 0) & (v <= voc)
    pmax = float(np.max(v[quadrant] * j[quadrant]))
    return Figures(voc, jsc, pmax / (voc * jsc), 100.0 * pmax / irradiance)
