"""IEC 60904-7 spectral mismatch factor of a test cell measured under a simulator set with a
reference cell, and the Jsc corrected by it (issue 16, item 3).

    M = ∫E_ref S_ref dλ · ∫E_sim S_test dλ / (∫E_sim S_ref dλ · ∫E_ref S_test dλ)

E_ref is the ASTM G173-03 global tilt spectrum (pvlib), E_sim the simulator's measured spectral
irradiance, S_ref the reference cell's spectral response and S_test the test cell's (from its
EQE: S = EQE · λ / 1239.84 A/W). Every factor enters once in the numerator and once in the
denominator, so each may be on any scale (relative counts, A/W or mA/W): only shapes matter.
With the simulator set so the reference cell gives its calibrated current, the test cell's
current under AM1.5G is the measured one divided by M (IEC 60904-7, 60904-1).

All four integrals run over the simulator spectrum's measured range (what is not measured is
not known, and restricting only the E_sim integrals would bias M); a spectral response is zero
outside its own range. When a response reaches beyond the simulator's range that part is lost
to every integral: flagged with the share of the AM1.5G-weighted response it holds.

Pure: numpy and pvlib's G173 table (through ``losses``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._common import ResultMixin, finite_pairs
from .constants import HC_EV_NM

METHOD = (
    "IEC 60904-7: M = ∫E_ref S_ref · ∫E_sim S_test / (∫E_sim S_ref · ∫E_ref S_test), E_ref = "
    "ASTM G173-03 global (pvlib), S_test = EQE·λ/1239.84, trapezoid on the union of the "
    "wavelength grids within the simulator spectrum's range (responses zero outside their "
    "own); corrected Jsc = measured Jsc / M"
)
# A response holding more than this share of its AM1.5G-weighted integral outside the
# simulator spectrum's range makes M unreliable (flagged, still computed).
OUTSIDE_RANGE_FLAG = 0.01


@dataclass(frozen=True)
class MismatchResult(ResultMixin):
    mismatch_factor: float
    range_nm: tuple[float, float]
    # Share of each response's AM1.5G-weighted integral outside the simulator's range.
    test_outside_share: float
    reference_outside_share: float
    flags: list[str] = field(default_factory=list)
    method: str = METHOD


def _reference_irradiance() -> tuple[np.ndarray, np.ndarray]:
    """ASTM G173-03 global tilt as (wavelength nm, W m-2 nm-1)."""
    import pvlib  # heavy import kept out of module import time

    spec = pvlib.spectrum.get_reference_spectra(standard="ASTM G173-03")
    return spec.index.to_numpy(dtype=float), spec["global"].to_numpy(dtype=float)


def _curve(wl: Any, y: Any, what: str) -> tuple[np.ndarray, np.ndarray]:
    x, v = finite_pairs(wl, y)
    keep = x > 0
    x, v = x[keep], v[keep]
    order = np.argsort(x)
    x, v = x[order], np.clip(v[order], 0.0, None)
    x, unique = np.unique(x, return_index=True)
    v = v[unique]
    if x.size < 2:
        raise ValueError(f"the {what} has fewer than 2 usable points")
    if not np.any(v > 0):
        raise ValueError(f"the {what} is zero everywhere")
    return x, v


def _on(grid: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """y on the grid, zero outside its measured range (a response is not extrapolated)."""
    return np.interp(grid, x, y, left=0.0, right=0.0)


def _integral(y: np.ndarray, x: np.ndarray) -> float:
    return float(np.sum(0.5 * (y[1:] + y[:-1]) * np.diff(x))) if x.size > 1 else 0.0


def sr_from_eqe(wavelength_nm: Any, eqe_fraction: Any) -> np.ndarray:
    """Spectral response (A/W) from an EQE fraction: S = EQE · λ / (hc/q)."""
    return np.asarray(eqe_fraction, dtype=float) * np.asarray(wavelength_nm, dtype=float) / HC_EV_NM


def spectral_mismatch(
    *,
    reference_sr_wavelength_nm: Any,
    reference_sr: Any,
    simulator_wavelength_nm: Any,
    simulator_irradiance: Any,
    test_sr_wavelength_nm: Any,
    test_sr: Any,
    reference_spectrum: tuple[Any, Any] | None = None,
) -> MismatchResult:
    """M of a test cell against a reference cell under a simulator (any scales; see module).

    ``reference_spectrum`` replaces AM1.5G G173 (wavelength nm, irradiance) when given: the
    analytic tests use it, a lab would use it for another standard spectrum.
    """
    ref_x, ref_s = _curve(reference_sr_wavelength_nm, reference_sr, "reference cell response")
    sim_x, sim_e = _curve(simulator_wavelength_nm, simulator_irradiance, "simulator spectrum")
    test_x, test_s = _curve(test_sr_wavelength_nm, test_sr, "test cell response")
    if reference_spectrum is None:
        std_x, std_e = _reference_irradiance()
    else:
        std_x, std_e = _curve(*reference_spectrum, "reference spectrum")
    lo, hi = float(sim_x[0]), float(sim_x[-1])
    full = np.union1d(np.union1d(ref_x, test_x), np.union1d(sim_x, std_x))
    full = full[(full >= min(ref_x[0], test_x[0])) & (full <= max(ref_x[-1], test_x[-1]))]
    grid = full[(full >= lo) & (full <= hi)]
    if grid.size < 2:
        raise ValueError(
            f"the simulator spectrum ({lo:.0f}-{hi:.0f} nm) does not overlap the responses"
        )
    e_ref, e_sim = _on(grid, std_x, std_e), _on(grid, sim_x, sim_e)
    s_ref, s_test = _on(grid, ref_x, ref_s), _on(grid, test_x, test_s)
    a = _integral(e_ref * s_ref, grid)
    b = _integral(e_sim * s_test, grid)
    c = _integral(e_sim * s_ref, grid)
    d = _integral(e_ref * s_test, grid)
    if not (a > 0 and b > 0 and c > 0 and d > 0):
        raise ValueError("a response and a spectrum do not overlap: M is undefined")
    shares = []
    for x, s in ((test_x, test_s), (ref_x, ref_s)):
        whole = _integral(_on(full, std_x, std_e) * _on(full, x, s), full)
        inside = _integral(_on(grid, std_x, std_e) * _on(grid, x, s), grid)
        shares.append(max(0.0, 1.0 - inside / whole) if whole > 0 else 0.0)
    flags = []
    if shares[0] > OUTSIDE_RANGE_FLAG:
        flags.append("test_response_beyond_simulator_spectrum")
    if shares[1] > OUTSIDE_RANGE_FLAG:
        flags.append("reference_response_beyond_simulator_spectrum")
    return MismatchResult(a * b / (c * d), (lo, hi), shares[0], shares[1], flags)


def corrected_jsc(jsc_ma_cm2: float, mismatch_factor: float) -> float:
    """The test cell's Jsc under the reference spectrum: measured / M (IEC 60904-1)."""
    if not (mismatch_factor and math.isfinite(mismatch_factor) and mismatch_factor > 0):
        raise ValueError(f"M must be positive (got {mismatch_factor})")
    return float(jsc_ma_cm2) / float(mismatch_factor)


# --- the two files a lab has: a reference cell's SR, a simulator's spectrum --------------------

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_SPLIT = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class SpectrumTable:
    wavelength_nm: list[float]
    values: list[float]
    # "A/W", "EQE" (converted to A/W), or "" when the header names nothing (taken as given).
    unit: str
    notes: list[str]


def read_two_columns(text: str, what: str) -> SpectrumTable:
    """Wavelength and one value per line from a delimited text file (comma, semicolon, tab or
    spaces; header and comment lines skipped). Wavelengths in µm (all below 10) become nm.
    ``what`` is "reference_sr" or "lamp_spectrum": a reference SR whose header says EQE or QE
    (or %, a percentage EQE) is turned into A/W, since M needs the response per watt."""
    wl: list[float] = []
    val: list[float] = []
    header = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        cells = [c for c in _SPLIT.split(line) if c]
        if len(cells) >= 2 and all(_NUMBER.fullmatch(c) for c in cells[:2]):
            wl.append(float(cells[0]))
            val.append(float(cells[1]))
        elif wl:
            raise ValueError(f"line {number}: expected two numbers, got {line[:60]!r}")
        else:
            header.append(line.lower())
    if len(wl) < 2:
        raise ValueError("no table of wavelength and value found (two numbers per line)")
    notes: list[str] = []
    x = np.asarray(wl)
    y = np.asarray(val)
    if np.nanmax(x) < 10:
        x = x * 1000.0
        notes.append("wavelengths read as µm (all below 10), converted to nm")
    words = " ".join(header)
    unit = ""
    if what == "reference_sr":
        if re.search(r"\bi?qe\b|eqe", words):
            if "%" in words or np.nanmax(y) > 1.5:
                y = y / 100.0
            y = sr_from_eqe(x, y)
            unit = "A/W"
            notes.append("the file gives a quantum efficiency: converted to A/W (EQE·λ/1239.84)")
        elif re.search(r"a\s*/\s*w|amps? per watt|responsivity|spectral response", words):
            unit = "A/W"
    x, y = _curve(x, y, "reference cell response" if what == "reference_sr" else "spectrum")
    return SpectrumTable(x.tolist(), y.tolist(), unit, notes)
