"""One reading of a UV-vis y axis for the vendor parsers (Cary, Shimadzu, JASCO): absorbance
as written, transmittance converted, and the wavelengths sorted ascending as the contract asks.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import ParseError

# Instruments write a fixed over-range value where the detector saw no light (Cary: 10).
SATURATED = 10.0

# The y-axis words vendors write, to one of three modes.
_MODES = {
    "abs": "A",
    "abs.": "A",
    "a": "A",
    "absorbance": "A",
    "%t": "%T",
    "t%": "%T",
    "%transmittance": "%T",
    "transmittance": "%T",  # JASCO writes the word for a percent scale
    "t": "T",
}


def y_mode(word: str) -> str | None:
    """'Abs', 'ABSORBANCE', '%T', 'T%' -> 'A' or '%T' ('T' for a 0-1 fraction); None otherwise."""
    return _MODES.get(" ".join(word.strip().strip('"').lower().split()))


def spectrum_columns(
    wavelength: np.ndarray, y: np.ndarray, mode: str, warnings: list[str], what: str = ""
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Canonical columns (ascending wavelength) and the series facts of one spectrum.

    Transmittance becomes absorbance, A = 2 - log10(%T) or -log10(T), stated in ``warnings``
    and in ``converted_from``; a non-positive transmittance or an over-range absorbance has no
    absorbance and is masked (NaN) with a warning, so a fit never sees it.
    """
    if len(wavelength) and np.any(wavelength <= 0):
        raise ParseError(f"{what or 'the spectrum'} has a wavelength that is not positive")
    order = np.argsort(wavelength, kind="stable")
    wavelength, y = wavelength[order], y[order]
    prefix = f"{what}: " if what else ""
    meta: dict[str, Any] = {"y_mode": mode}
    columns: dict[str, np.ndarray] = {"wavelength_nm": wavelength}
    if mode == "A":
        absorbance = y.copy()
        saturated = absorbance >= SATURATED
        if saturated.any():
            absorbance[saturated] = np.nan
            warnings.append(
                f"{prefix}{int(saturated.sum())} points at or above A = {SATURATED:g} are "
                "over the instrument's range; masked"
            )
    else:
        percent = mode == "%T"
        fraction = y / 100.0 if percent else y
        absorbance = np.full_like(fraction, np.nan)
        positive = fraction > 0
        absorbance[positive] = -np.log10(fraction[positive])
        source = "transmittance_percent" if percent else "transmittance_fraction"
        columns[source] = y.copy()
        meta["converted_from"] = source
        formula = "A = 2 - log10(%T)" if percent else "A = -log10(T)"
        warnings.append(f"{prefix}transmittance converted to absorbance, {formula}")
        if not positive.all():
            warnings.append(
                f"{prefix}{int((~positive).sum())} points with transmittance <= 0 have no "
                "absorbance; masked"
            )
    columns["absorbance"] = absorbance
    return columns, meta


def file_conversion(series_meta: list[dict[str, Any]]) -> dict[str, Any]:
    """File-level ``converted_from`` when every spectrum of the file was converted alike."""
    sources = {m.get("converted_from") for m in series_meta}
    if len(sources) == 1 and None not in sources:
        return {"converted_from": sources.pop()}
    return {}
