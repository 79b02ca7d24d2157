"""Generic delimited text and JSON tables: what lab members and cqdlab's demo generator write.

    Sample: B1-S1-P1
    Area (cm2): 0.05
    Irradiance (mW/cm2): 100

    Voltage (V)	Current density (mA/cm2)
    0.75	-3.3

Tab, comma, semicolon or whitespace; decimal comma; an optional metadata block; a header row
whose names and units say what each column holds, so the kind comes from the columns when the
upload does not name it. Repeated column groups (`V1, J1, V2, J2`, `Pixel 1,,Pixel 2,,`) and
blank-line-separated blocks give several series; an MPP log's blocks of the same columns (a
summary after each track) are one track (`_tracks.py`). Date-time and duration cells are read
as seconds (`_timecols.py`). A JSON list of records or object of column arrays is read as the
same kind of table (`_json_table.py`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import _convert
from . import _json_table as json_table
from ._columns import Column, classify
from ._labels import (
    describe_jv,
    direction_in,
    illumination_from_irradiance,
    illumination_in,
    normalise_pixel,
    pixel_label_in,
    shared_column_note,
)
from ._meta import canonical, read_block
from ._table import MIXED, NUMERIC, TEXT, Block, Layout, find_layout
from ._text import (
    UNITS,
    filename_kind,
    key_and_unit,
    norm_unit,
    numeric_table,
    require_points,
    split_lines,
    value_and_unit,
)
from ._timecols import TimeColumn, clock_columns
from ._tracks import join_tracks
from .base import Format, ParsedMeasurement, ParseError, Series

NAME = "generic"
KIND = None
_SORTED = ("eqe", "absorbance", "pl")  # spectra: order carries no meaning, sort by wavelength
_DEFAULT_LABEL = {
    "jv": "scan",
    "mpp": "track",
    "trpl": "decay",
    "tpv": "transient",
    "tpc": "transient",
    "cv": "sweep",
    "intensity": "series",
}

# C-V and TPC on top of the shared tables of _convert: the x quantity, the y alternatives (in
# order of preference) and the extra columns of each kind.
_X = {**_convert.X, "cv": ("voltage",), "tpc": ("time",)}
_Y = {**_convert.Y, "cv": ("capacitance",), "tpc": ("current", "current_density", "voltage")}
_EXTRA = {
    **_convert.EXTRA,
    "cv": frozenset({"frequency"}),
    "tpc": frozenset({"current", "current_density"}),
}
# Quantities TPC shares with another kind convert exactly as they do there.
_BORROWED = {"time": "tpv", "voltage": "tpv", "current": "jv", "current_density": "jv"}
_FREQUENCY_KEYS = {
    "frequency",
    "freq",
    "ac frequency",
    "test frequency",
    "measurement frequency",
    "osc frequency",
    "oscillator frequency",
}
_LOAD_KEYS = {
    "load",
    "load resistance",
    "load resistor",
    "r load",
    "rload",
    "r_load",
    "termination",
}
_SCOPE_CHANNEL = re.compile(r"^\s*ch(?:annel)?\s*\d\s*$", re.I)


_DIGIT = re.compile(r"\d")


def sniff(text: str, filename: str = "") -> float:
    # The fallback for any text with digits in it: specific formats score far higher.
    return 0.2 if _DIGIT.search(text) else 0.0


@dataclass
class _Source:
    """What the tables are read from: delimited text, or a JSON table laid out as one."""

    lines: list[str]
    layout: Layout
    header: dict[str, str]
    clocks: list[TimeColumn] = field(default_factory=list)
    row_word: str | None = None  # JSON: errors name the record or row, not a line


def parse(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    warnings: list[str] = []
    source = _json_source(text, warnings) if json_table.looks_like_json(text) else None
    if source is None:
        source = _text_source(text)
    try:
        return _read(source, filename, kind_hint, warnings)
    except ParseError as exc:
        if source.row_word is None or exc.line is None:
            raise
        # The lines of a JSON table are its records: a cell's error names the record (or
        # row); one about the whole table ('too few points') names none.
        if exc.column is None:
            raise ParseError(exc.message) from None
        raise ParseError(
            f"{source.row_word} {exc.line}: {exc.message}", column=exc.column
        ) from None


def _text_source(text: str) -> _Source:
    lines, clocks = clock_columns(split_lines(text))
    layout = find_layout(lines)
    last = layout.blocks[-1].stop
    tail = [i for i in range(last, len(lines)) if layout.codes[i] in (TEXT, MIXED)]
    header, notes = read_block(lines, layout.blocks[0].context + tail, layout.delim)
    if notes:
        header["notes"] = "\n".join(notes[:100])
    return _Source(lines, layout, header, clocks)


def _json_source(text: str, warnings: list[str]) -> _Source | None:
    """A JSON table as tab-separated lines (one per record, a gap left empty); None for text
    that opens with '[' but is not JSON ('[Header]' sections), which is read as text."""
    try:
        document = json_table.load(text)
    except ParseError:
        if text.lstrip("\ufeff \t\r\n").startswith("["):
            return None
        raise
    table = json_table.read(document)
    warnings.extend(table.notes)
    rows = list(zip(*table.columns, strict=True))
    lines = ["\t".join("" if math.isnan(v) else repr(v) for v in row) for row in rows]
    array = np.array(rows, dtype=np.float64).reshape(len(rows), len(table.names))
    block = Block(0, len(rows), len(table.names), names=table.names)
    bulk = (0, len(rows), array) if np.isfinite(array).all() else None
    layout = Layout("\t", [block], [NUMERIC] * len(rows), [], [None] * len(rows), bulk)
    return _Source(lines, layout, table.header, table.clocks, table.row_word)


def _read(
    source: _Source, filename: str, kind_hint: str | None, warnings: list[str]
) -> ParsedMeasurement:
    lines, layout, header = source.lines, source.layout, source.header
    metadata = canonical(header, warnings)
    _clock_facts(source.clocks, metadata, warnings)
    tag = filename_kind(filename)

    kind = kind_hint
    series: list[Series] = []
    several = len(layout.blocks) > 1
    clock = bool(source.clocks)
    for block in layout.blocks:
        # With several blocks, the lines above each (the first's too) describe that block.
        context = read_block(lines, block.context, layout.delim)[0] if several else {}
        block_meta = canonical(context, []) if several else {}
        kind, found = _read_block(
            lines, layout, block, kind, tag, metadata, block_meta, warnings, header, clock
        )
        if several and kind in ("cv", "tpc"):  # C-V blocks at several test frequencies
            for s in found:
                for key, value in _transient_and_cv_facts(context, kind, []).items():
                    s.metadata.setdefault(key, value)
        series.extend(found)
    for start, stop in layout.ignored:
        warnings.append(f"lines {start + 1}-{stop}: a second table with other columns; ignored")
    if kind is None:  # pragma: no cover - every layout has a block, and each block sets it
        raise ParseError("unknown format: no table found")
    if several and kind == "mpp":
        series = join_tracks(series, warnings)
    if several and len(series) > 1:  # the lines above the first block describe it, not the file
        for key in ("pixel", "pixel_label", "declared_scan_direction"):
            metadata.pop(key, None)
    if kind in ("cv", "tpc"):
        facts = _transient_and_cv_facts(header, kind, warnings)
        if several:  # a frequency above the first block is that block's, not the file's
            facts.pop("frequency_hz", None)
        metadata.update(facts)
        for s in series:
            for key, value in facts.items():
                s.metadata.setdefault(key, value)
    _finish(series, kind, metadata, filename, warnings)
    return ParsedMeasurement(kind, NAME, series, metadata, header, list(dict.fromkeys(warnings)))


def _clock_facts(clocks: list[TimeColumn], metadata: dict[str, Any], warnings: list[str]) -> None:
    """Where a clock column started: the first date-time is when the log began."""
    for c in clocks:
        name = c.name or f"column {c.index + 1}"
        if c.kind == "timestamp":
            metadata.setdefault("started_at", c.origin)
            metadata.setdefault("measured_at", c.origin)
            warnings.append(
                f"column '{name}' holds date-times; read as seconds from the first row ({c.origin})"
            )
        else:
            if c.origin:
                metadata.setdefault("time_offset_s", c.origin)
            warnings.append(
                f"column '{name}' holds durations; read as seconds from the first row"
                + (f" (which reads {c.origin:g} s)" if c.origin else "")
            )


def _read_block(
    lines: list[str],
    layout: Layout,
    block: Block,
    kind: str | None,
    tag: str | None,
    metadata: dict[str, Any],
    block_meta: dict[str, Any],
    warnings: list[str],
    header: dict[str, str],
    clock: bool = False,
) -> tuple[str, list[Series]]:
    names = [n or f"column {i + 1}" for i, n in enumerate(block.names or [""] * block.ncols)]
    table = _table(lines, block, names, layout)
    if block.names is None:
        kind = kind or tag
        if kind is None:
            raise ParseError(
                f"unknown format: the numbers at lines {block.start + 1}-{block.stop} have no "
                "column names, so what they are is unknown; add a header row such as "
                "'Voltage (V)<tab>Current (A)' or name the technique in the file name "
                "(e.g. sample.jv.txt)"
            )
        cols = _headerless(kind, table, warnings)
    else:
        cols = _scope_columns([classify(i, name) for i, name in enumerate(names)], header)
        kind = _kind(cols, kind, tag, table, clock)
    area = block_meta.get("area_cm2", metadata.get("area_cm2"))
    found = []
    groups = _groups(cols, kind)
    xs = [x.index for x, _, _ in groups]
    for x, primary, extras in groups:
        s = _series(block, table, x, primary, extras, kind, area, warnings)
        if kind == "jv":
            # One voltage column under several curves: its order is not each curve's.
            s.metadata["direction_layout_reliable"] = xs.count(x.index) == 1
        found.append(s)
    named = [f"pixel {block_meta['pixel']}"] if "pixel" in block_meta else []
    named += (
        [block_meta["declared_scan_direction"]] if "declared_scan_direction" in block_meta else []
    )
    for s in found:
        for key in (
            "pixel",
            "pixel_label",
            "declared_scan_direction",
            "illumination",
            "area_cm2",
            "measured_at",
            "sample",
        ):
            if key in block_meta:
                s.metadata.setdefault(key, block_meta[key])
        if named and len(found) == 1:
            s.label = " ".join(named)
    return kind, found


def _table(lines: list[str], block: Block, names: list[str], layout: Layout) -> np.ndarray:
    """The block's numbers, from the values parsed while classifying lines when every row is
    complete and finite; otherwise read again, so that errors name their line and column."""
    ncols = len(names)
    if layout.bulk is not None:
        start, stop, array = layout.bulk
        if start <= block.start and block.stop <= stop and array.shape[1] == ncols:
            table = array[block.start - start : block.stop - start]
            if np.isfinite(table).all() and len(table) >= 5:
                return table
    rows = layout.values[block.start : block.stop]
    if all(r is not None and len(r) == ncols and None not in r for r in rows):
        table = np.array(rows, dtype=np.float64)
        if np.isfinite(table).all() and len(table) >= 5:
            return table
    return numeric_table(lines, block.start, block.stop, names, layout.delim, allow_empty=True)


def _kind(
    cols: list[Column], hint: str | None, tag: str | None, table: np.ndarray, clock: bool = False
) -> str:
    options = _supported(cols)
    if hint:
        if hint not in options:
            raise ParseError(_missing(hint, cols))
        return hint
    if not options:
        names = _convert.names_of(cols)
        raise ParseError(
            f"unknown format: cannot tell what the columns hold (columns are: {names}); name "
            "them with units, e.g. 'Voltage (V)' and 'Current density (mA/cm2)'"
        )
    if tag in options:
        return tag
    if options[0] == "mpp" and "jv" in options and not clock:
        # Both fit (time, voltage, current): a J-V sweeps the voltage, a track holds it. A
        # log timed by a clock is a track, however far its voltage drifts over the days.
        voltage = next(c for c in cols if c.quantity == "voltage")
        if _convert.is_sweep(table[:, voltage.index][~np.isnan(table[:, voltage.index])]):
            return "jv"
    return options[0]


def _supported(cols: list[Column]) -> list[str]:
    """The kinds the columns can be, most likely first: the shared table's answer plus C-V and
    TPC. Capacitance is what a C-V file is about, so with a voltage it goes first; TPC goes
    last, so time + voltage stays TPV and time + voltage + current stays MPP, and only time +
    current (no voltage) is TPC without a hint or a file-name tag."""
    options = _convert.supported(cols)
    have = {c.quantity for c in cols}
    if "capacitance" in have and "voltage" in have:
        options = ["cv", *options]
    if "time" in have and have.intersection(_Y["tpc"]):
        options = [*options, "tpc"]
    return options


def _missing(kind: str, cols: list[Column]) -> str:
    """The message for a kind whose columns are not all there."""
    if kind not in ("cv", "tpc"):
        return _convert.missing(kind, cols)
    have = {c.quantity for c in cols}
    names = _convert.names_of(cols)
    if not have.intersection(_X[kind]):
        return f"no {_X[kind][0]} column found; columns are: {names}"
    what = "capacitance" if kind == "cv" else "current or voltage"
    return f"no {what} column found; columns are: {names}"


def _canonical(
    col: Column, values: np.ndarray, kind: str, area: float | None, warnings: list[str]
) -> dict[str, np.ndarray]:
    """Canonical column(s) for one file column (``_convert.convert`` with C-V and TPC)."""
    q = col.quantity
    if kind == "cv":
        if q == "voltage":
            return _convert.convert(col, values, "tpv", area, warnings)
        if q == "capacitance":
            return {"capacitance_f": values * _unit_factor("capacitance", col, values, warnings)}
        if q == "frequency":
            return {"frequency_hz": values * _unit_factor("frequency", col, values, warnings)}
        return {}
    if kind == "tpc":
        borrowed = _BORROWED.get(q or "")
        return _convert.convert(col, values, borrowed, area, warnings) if borrowed else {}
    return _convert.convert(col, values, kind, area, warnings)


def _unit_factor(dimension: str, col: Column, values: np.ndarray, warnings: list[str]) -> float:
    """Factor to farads or hertz. Without a unit, a capacitance above 1 mF cannot be a solar
    cell's (nF per mm2), so bare numbers that big are nF; a frequency is Hz."""
    if col.unit:
        factor = UNITS[dimension].get(col.unit)
        if factor is None:
            raise ParseError(f"unknown unit '{col.unit}' for a {dimension}", column=col.name)
        return factor
    finite = values[np.isfinite(values)]
    unit = "Hz"
    if dimension == "capacitance":
        unit = "nF" if finite.size and float(np.max(np.abs(finite))) > 1e-3 else "F"
    warnings.append(f"column '{col.name}' has no unit; read as {unit}")
    return UNITS[dimension][unit.lower()]


def _scope_columns(cols: list[Column], header: dict[str, str]) -> list[Column]:
    """Oscilloscope exports (Tektronix: 'TIME,CH1' under 'Horizontal Units,s' and 'Vertical
    Units,V') name channels, not quantities: the header's units say what they hold."""
    if not any(_SCOPE_CHANNEL.match(c.name) for c in cols):
        return cols
    units = {key_and_unit(k)[0]: v.strip() for k, v in header.items()}
    vertical, horizontal = units.get("vertical units", ""), units.get("horizontal units", "")
    out = []
    for c in cols:
        if c.quantity is None and not c.unit and _SCOPE_CHANNEL.match(c.name):
            probe = classify(c.index, f"{c.name} ({vertical or 'V'})")
            quantity = probe.quantity if probe.quantity in ("voltage", "current") else None
            c = Column(c.index, c.name, quantity, probe.unit if quantity else "")
        elif c.quantity == "time" and not c.unit and horizontal:
            c = Column(c.index, c.name, "time", classify(c.index, f"t ({horizontal})").unit)
        out.append(c)
    return out


def _transient_and_cv_facts(
    header: dict[str, str], kind: str, warnings: list[str]
) -> dict[str, Any]:
    """Header facts the analysis of these kinds needs: the test frequency of a C-V sweep
    ('Frequency: 10 kHz') and the load resistor a TPC scope trace was taken across."""
    facts: dict[str, Any] = {}
    keys, dimension, name = (
        (_FREQUENCY_KEYS, "frequency", "frequency_hz")
        if kind == "cv"
        else (_LOAD_KEYS, "resistance", "load_resistance_ohm")
    )
    for raw_key, raw_value in header.items():
        key, key_unit = key_and_unit(raw_key)
        if key not in keys:
            continue
        value, value_unit = value_and_unit(raw_value)
        unit = norm_unit(key_unit or value_unit)
        factor = UNITS[dimension].get(unit) if unit else 1.0
        if value is None or factor is None or value <= 0:
            warnings.append(f"header '{raw_key}': '{raw_value}' is not a {dimension}; ignored")
            continue
        facts[name] = value * factor
        break
    return facts


def _headerless(kind: str, table: np.ndarray, warnings: list[str]) -> list[Column]:
    """Columns of a table without names, taken from the kind the upload or file name gave."""
    ncols = table.shape[1]
    if kind in ("eqe", "absorbance", "pl"):
        x = table[:, 0][np.isfinite(table[:, 0])]
        ev = bool(len(x) and x.min() > 0.3 and x.max() < 10.0)  # photon energies, not nm
        first = Column(0, "column 1", "energy" if ev else "wavelength", "ev" if ev else "nm")
        y = {"eqe": "eqe", "absorbance": "absorbance", "pl": "pl"}[kind]
        quantities = [first.quantity, y]
    else:
        quantities = {
            "jv": ["voltage", "current_density"],
            "trpl": ["time", "counts"],
            "tpv": ["time", "voltage"],
            "mpp": ["time", "voltage", "current_density", "power"],
            "intensity": ["light_intensity", "voc"],
            "cv": ["voltage", "capacitance"],
            "tpc": ["time", "voltage"],  # a bare two-column dump is a scope trace
        }[kind]
    if ncols < 2:
        raise ParseError(f"a {kind} table needs at least two columns; this one has {ncols}")
    cols = [Column(i, f"column {i + 1}", q, "") for i, q in enumerate(quantities[:ncols])]
    if cols[0].quantity == "energy":
        cols[0] = Column(0, "column 1", "energy", "ev")
    read_as = ", ".join(f"{c.name} as {c.quantity}" for c in cols)
    warnings.append(f"the table has no header row; read {read_as}")
    return cols


def _groups(cols: list[Column], kind: str):
    """(x column, primary y column, extra columns) for each series."""
    if kind == "intensity" and not any(c.quantity == "light_intensity" for c in cols):
        cols = [
            Column(c.index, c.name, "light_intensity", c.unit) if c.quantity == "pl" else c
            for c in cols
        ]
    xs = [i for i, c in enumerate(cols) if c.quantity in _X[kind]]
    if kind in ("eqe", "absorbance", "pl") and any(cols[i].quantity == "wavelength" for i in xs):
        xs = [i for i in xs if cols[i].quantity == "wavelength"]
    if kind in ("mpp", "tpv", "tpc"):
        xs = xs[:1]
    # Groups start at their x column ('V1, J1, V2, J2'), or one column before it when every
    # x follows its y ('J1, V1, J2, V2').
    y_first = len(xs) > 1 and all(i > 0 and cols[i - 1].quantity in _Y[kind] for i in xs)
    starts = [i - 1 for i in xs] if y_first else xs
    bounds = starts + [len(cols)]
    out = []
    for g, start in enumerate(starts):
        group = cols[start : bounds[g + 1]] if len(xs) > 1 else cols
        x = cols[xs[g]]
        ys = [c for c in group if c.index != x.index and c.quantity in _Y[kind]]
        best = next((q for q in _Y[kind] if any(c.quantity == q for c in ys)), None)
        primaries = [c for c in ys if c.quantity == best]
        if kind in ("mpp", "tpv", "tpc"):
            primaries = primaries[:1]
        taken = {x.index} | {c.index for c in primaries}
        others = [c for c in group if c.index not in taken and c.quantity in _EXTRA[kind]]
        for k, p in enumerate(primaries):
            out.append((x, p, _paired(others, k, len(primaries))))
    return out


def _paired(others: list[Column], k: int, n: int) -> list[Column]:
    """Extra columns for the k-th of n series: one of each quantity, paired by order when
    every series has its own ('V, J1, I1, J2, I2'), shared when the file gives one."""
    out = []
    for quantity in dict.fromkeys(c.quantity for c in others):
        same = [c for c in others if c.quantity == quantity]
        if len(same) == n:
            out.append(same[k])
        elif len(same) == 1 or n == 1:
            out.append(same[0])
    return out


def _series(
    block: Block,
    table: np.ndarray,
    x: Column,
    primary: Column,
    extras: list[Column],
    kind: str,
    area: float | None,
    warnings: list[str],
) -> Series:
    used = [x, primary] + extras
    rows = _rows(block, table, [x, primary])
    columns: dict[str, np.ndarray] = {}
    for col in used:
        values = table[rows, col.index]
        if col is not x and col is not primary and np.isnan(values).any():
            continue  # an optional column with gaps is left out rather than failing the file
        for key, array in _canonical(col, values, kind, area, warnings).items():
            columns.setdefault(key, array)
    if kind in _SORTED:
        order = np.argsort(columns["wavelength_nm"], kind="stable")
        columns = {k: v[order] for k, v in columns.items()}
    label = primary.name
    if block.groups and x.index < len(block.groups) and block.groups[x.index]:
        label = block.groups[x.index]
    return Series(label=label, columns=columns, metadata={})


def _rows(block: Block, table: np.ndarray, needed: list[Column]) -> np.ndarray | slice:
    """Rows holding this series: all-empty rows belong to a shorter neighbour series."""
    part = table[:, [c.index for c in needed]]
    empty = np.isnan(part)
    if not empty.any():  # the common case: every row, without five more array passes
        require_points(len(table), f"column '{needed[1].name}'", line=block.start + 1)
        return slice(None)
    full = ~empty.any(axis=1)
    partial = empty.any(axis=1) & ~empty.all(axis=1)
    if partial.any():
        row = int(np.argmax(partial))
        col = needed[int(np.argmax(empty[row]))]
        raise ParseError("missing value (ragged row)", line=block.start + row + 1, column=col.name)
    require_points(int(full.sum()), f"column '{needed[1].name}'", line=block.start + 1)
    return full.nonzero()[0]


def _finish(
    series: list[Series], kind: str, metadata: dict[str, Any], filename: str, warnings: list[str]
) -> None:
    """Labels, pixels and scan directions once all series are known."""
    labels = [s.label for s in series]
    single = len(series) == 1
    for k, s in enumerate(series):
        if single:
            s.label = metadata.get("sample") or _DEFAULT_LABEL.get(kind, "spectrum")
        elif labels.count(s.label) > 1:
            s.label = f"{s.label} #{k + 1}"
        # The block's 'Pixel:' line first, then the curve's own name, then (one curve) the
        # file's header and its name.
        pixel = s.metadata.get("pixel_label") or pixel_label_in(labels[k])
        if single:
            pixel = pixel or metadata.get("pixel_label") or pixel_label_in(filename)
        if pixel:
            s.metadata["pixel_label"] = pixel
            s.metadata["pixel"] = normalise_pixel(pixel)
        if "area_cm2" in metadata:
            s.metadata.setdefault("area_cm2", metadata["area_cm2"])
        if kind == "jv":
            _label_jv(s, labels[k], single, metadata, filename, warnings)
        s.metadata.setdefault("instrument_figures", {})
    if kind == "jv":
        shared = [s for s in series if not s.metadata["direction_layout_reliable"]]
        note = shared_column_note(shared)
        if note:
            warnings.append(note)


def _label_jv(
    s: Series,
    label: str,
    single: bool,
    metadata: dict[str, Any],
    filename: str,
    warnings: list[str],
) -> None:
    """The J-V contract: direction and illumination from the curve's name (strict tags only:
    a column name is free text), its block, the file's header, and for a lone curve the file
    name."""
    declared = (
        direction_in(label, strict=True)
        or s.metadata.get("declared_scan_direction")
        or metadata.get("declared_scan_direction")  # dropped above for several blocks
    )
    light = illumination_in(label) or s.metadata.get("illumination") or metadata.get("illumination")
    if single:
        declared = declared or direction_in(filename, strict=True)
        light = light or illumination_in(filename)
    if light is None:  # a stated light level, even one refused as implausible, is light
        stated = metadata.get("irradiance_mw_cm2", metadata.get("irradiance_raw"))
        light = illumination_from_irradiance(stated)
    describe_jv(
        s,
        warnings,
        declared=declared,
        layout_reliable=s.metadata.get("direction_layout_reliable", True),
        illumination=light,
        pixel=s.metadata.get("pixel_label"),
    )
    if "current_density_ma_cm2" not in s.columns and "current_a" in s.columns:
        warnings.append(f"{s.label}: current without an area; kept as current_a")


FORMAT = Format(NAME, KIND, sniff, parse)
