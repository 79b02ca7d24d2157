"""Instrument files to arrays: ``parse(data, filename)`` -> :class:`ParsedMeasurement`.

Pure Python (numpy only): no Django, no database. Any unreadable input raises
:class:`ParseError` with a message for the lab member who uploaded it.
"""

from .base import KINDS, Format, ParsedMeasurement, ParseError, Series
from .registry import PARSERS, UnexpectedParseError, detect, parse

__all__ = [
    "KINDS",
    "PARSERS",
    "Format",
    "ParseError",
    "ParsedMeasurement",
    "Series",
    "UnexpectedParseError",
    "detect",
    "parse",
]
