"""The contract between instrument files and the rest of cqdlab.

Parsers are pure: bytes in, :class:`ParsedMeasurement` out, or :class:`ParseError`.
They know nothing of Django, the database or the analysis. Arrays are numpy float64
in the canonical units named by the column keys below, whatever units the file used.

Canonical column names per kind (a series carries the ones its file provides):

=========== ===============================================================
kind        columns
=========== ===============================================================
jv          voltage_v, current_density_ma_cm2 (sign as in the file) and/or
            current_a (when the file gives only current and no area)
eqe         wavelength_nm, eqe_fraction (0-1)
mpp         time_s, voltage_v, current_density_ma_cm2, power_mw_cm2?, pce_percent?
intensity   intensity_mw_cm2, voc_v, jsc_ma_cm2?
trpl        time_ns, counts
tpv         time_s, voltage_v
absorbance  wavelength_nm, absorbance
pl          wavelength_nm, intensity
cv          voltage_v, capacitance_f (F, as measured: not per area),
            frequency_hz? (a column of test frequencies; a single one from
            the header is metadata["frequency_hz"])
tpc         time_s and current_a (with current_density_ma_cm2 when the area
            is known) or current_density_ma_cm2, or voltage_v (a scope trace
            across a load resistor: I = V / R_load, R_load in
            metadata["load_resistance_ohm"] when the header names it)
=========== ===============================================================

Parsers may add further columns with unit-suffixed names (e.g. ``voltage_set_v``,
``spectral_response_a_w``); analysis reads only the canonical ones. A NaN in a column marks a
value the parser masked (saturated, unphysical), always with a line in ``warnings``. Spectra
(eqe, absorbance, pl) come sorted by ascending wavelength; J-V, MPP, C-V and decays keep file
order.

Every J-V series carries in ``metadata`` (one reading for all parsers: ``_labels.py``):

=============================== ==========================================================
declared_scan_direction         "reverse" / "forward" / None: the file's own label (header,
                                curve name, `rev`/`fwd`/`_REV` tags, the file name)
seen_scan_direction             from the order of the series' own voltages; None when flat
direction_layout_reliable       False when the stored order cannot tell (one voltage column
                                shared by several curves, a format that re-sorts rows)
scan_direction                  the declared direction where there is one, else the seen one
                                (analysis-methods 2); None for a derived curve (an average)
scan_direction_source           "label", "voltage order" or None
direction_conflict              True when a reliable voltage order contradicts the label
illumination                    "light" / "dark" / None, from labels and header (a lamp at
                                0 mW/cm2 is dark)
pixel, pixel_label              normalised ("7", "A") and as the file writes it ("px7", "a")
=============================== ==========================================================

A stated irradiance outside 1-500 mW/cm2 never reaches ``irradiance_mw_cm2`` (file or series
metadata): it is kept as ``irradiance_raw`` with an ``irradiance_problem`` sentence and a line in
``warnings`` (``_irradiance.py``). MPP series joined from several tables carry
``blocks_joined`` and ``block_starts_s``; a log timed by date-times has ``started_at``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

KINDS = ("jv", "eqe", "mpp", "intensity", "trpl", "tpv", "absorbance", "pl", "cv", "tpc")


class ParseError(ValueError):
    """A file that cannot be read. The message is for a lab member, not a programmer."""

    def __init__(self, message: str, line: int | None = None, column: str | None = None):
        self.message = message
        self.line = line
        self.column = column
        # Read as a lab member would say it: "line 17: 'abc' is not a number in column 'I (A)'".
        text = f"line {line}: {message}" if line is not None else message
        if column is not None:
            text += f" in column '{column}'"
        super().__init__(text)


@dataclass
class Series:
    """One curve: a J-V scan, one pixel, one spectrum, one decay."""

    label: str
    columns: dict[str, np.ndarray]
    # Per-series facts: the J-V direction/illumination/pixel keys of the module docstring,
    # area_cm2, and the instrument's own figures under "instrument_figures" (canonical keys
    # and units).
    metadata: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0


@dataclass
class ParsedMeasurement:
    kind: str
    format: str  # registry name of the parser that read it, e.g. "hzb-keithley"
    series: list[Series]
    # File-level facts read from the header, in canonical units where they have one:
    # area_cm2, irradiance_mw_cm2, temperature_c, measured_at (ISO string), sample, ...
    metadata: dict[str, Any] = field(default_factory=dict)
    # The raw header as read (key -> text), kept so nothing the instrument said is lost.
    header: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Format:
    """One registered file format: how to recognise it and how to read it.

    ``sniff(text, filename)`` answers a confidence 0..1 from the text alone (cheap: it looks at
    the head); ``parse(text, filename, kind_hint)`` reads it or raises :class:`ParseError`.
    ``KIND`` is None when the format can hold several kinds (the generic family).
    """

    NAME: str
    KIND: str | None
    sniff: Callable[[str, str], float]
    parse: Callable[[str, str, str | None], ParsedMeasurement]
