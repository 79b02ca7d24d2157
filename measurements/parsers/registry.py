"""Which parser reads a file: every format sniffs the text, the most confident one parses.

Specific instrument formats answer 0.9+ on their signature and 0 otherwise; the generic
family answers 0.2 for any text with numbers, so it reads whatever no instrument claims.
The file-name tag (`.jv.txt`) only breaks ties between formats of different kinds.
"""

from __future__ import annotations

import numpy as np

from . import (
    acqeqe,
    beckerhickl,
    bentham,
    cary,
    edinburgh,
    fluotime,
    generic,
    headerless,
    horiba,
    hzb_keithley,
    iris,
    isfh,
    jasco,
    kit,
    labview_jv,
    lockin_eqe,
    oceanoptics,
    oriel,
    ossila,
    perkinelmer,
    picoquant,
    pvcomb,
    scopes,
    shimadzu,
    singapore,
    trq,
)
from ._labels import ensure_jv
from ._text import decode, filename_kind
from .base import KINDS, Format, ParsedMeasurement, ParseError

_ALL: tuple[Format, ...] = (
    hzb_keithley.FORMAT,
    pvcomb.FORMAT,
    *iris.FORMATS,
    *kit.FORMATS,
    *singapore.FORMATS,
    acqeqe.FORMAT,
    trq.FORMAT,
    bentham.FORMAT,
    picoquant.FORMAT,
    edinburgh.FORMAT,
    perkinelmer.FORMAT,
    oceanoptics.FORMAT,
    horiba.FORMAT,
    fluotime.FORMAT,
    beckerhickl.FORMAT,
    *scopes.FORMATS,
    cary.FORMAT,
    shimadzu.FORMAT,
    jasco.FORMAT,
    isfh.FORMAT,
    labview_jv.FORMAT,
    oriel.FORMAT,
    ossila.FORMAT,
    lockin_eqe.FORMAT,
    headerless.FORMAT,
    generic.FORMAT,
)
PARSERS: dict[str, Format] = {f.NAME: f for f in _ALL}
SIGNATURE = 0.9  # a score this high means the file carries the format's own signature


def ranked(text: str, filename: str = "") -> list[tuple[float, Format]]:
    """Formats that could read the text, most confident first."""
    tag = filename_kind(filename)
    scores = []
    for fmt in _ALL:
        score = fmt.sniff(text, filename)
        if score > 0:
            if tag and fmt.KIND == tag:
                score += 0.01
            scores.append((score, fmt))
    scores.sort(key=lambda pair: -pair[0])
    return scores


class UnexpectedParseError(ParseError):
    """A parser bug met by some input; still a ParseError, so callers see one error type."""


def parse(
    data: bytes, filename: str = "", kind: str | None = None, format: str | None = None
) -> ParsedMeasurement:
    try:
        return _parse(data, filename, kind, format)
    except ParseError:
        raise
    except (RecursionError, MemoryError):
        raise ParseError("the file is too deeply nested or too large to read") from None
    except Exception as exc:  # noqa: BLE001 - the contract is: only ParseError leaves here
        raise UnexpectedParseError(
            f"the file could not be read ({type(exc).__name__}: {str(exc)[:100]})"
        ) from exc


def _parse(data: bytes, filename: str, kind: str | None, format: str | None) -> ParsedMeasurement:
    if kind is not None and kind not in KINDS:
        raise ParseError(f"unknown kind '{kind}'; kinds are: {', '.join(KINDS)}")
    if format is not None and format not in PARSERS:
        raise ParseError(f"unknown format '{format}'; formats are: {', '.join(PARSERS)}")
    text = decode(data)
    if format is not None:
        return _checked(PARSERS[format].parse(text, filename, kind), kind)
    candidates = ranked(text, filename)
    if not candidates:
        raise ParseError("unknown format: the file holds no numbers")
    score, best = candidates[0]
    if score >= SIGNATURE:
        return _checked(best.parse(text, filename, kind), kind)
    return _checked(generic.FORMAT.parse(text, filename, kind), kind)


def _checked(result: ParsedMeasurement, kind: str | None) -> ParsedMeasurement:
    """The guarantees every caller may rely on, whichever parser answered."""
    if kind is not None and result.kind != kind:
        raise ParseError(f"this is a {result.format} file with {result.kind} data, not {kind} data")
    if not result.series:
        raise ParseError("the file holds no curves")
    for series in result.series:
        # Own float64 arrays: curves that shared a column in the file must not share memory,
        # or an in-place change to one would change the others.
        series.columns = {key: np.array(v, dtype=np.float64) for key, v in series.columns.items()}
        series.metadata.setdefault("instrument_figures", {})
        if result.kind == "jv":
            # The direction/illumination/pixel contract, whichever parser answered; parsers
            # that read labels have filled it, the rest get what the data alone says.
            ensure_jv(series)
    result.header = {str(k): str(v) for k, v in result.header.items()}
    return result


def detect(data: bytes, filename: str = "") -> tuple[str, str] | None:
    """(format, kind) from the signature alone when it settles the kind; else by parsing."""
    try:
        text = decode(data)
    except ParseError:
        return None
    candidates = ranked(text, filename)
    if candidates and candidates[0][0] >= SIGNATURE and candidates[0][1].KIND:
        return candidates[0][1].NAME, candidates[0][1].KIND  # type: ignore[return-value]
    try:
        result = parse(data, filename)
    except ParseError:
        return None
    return result.format, result.kind
