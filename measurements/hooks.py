"""Extension points another app fills in its ready(), so measurements can show what it does
not compute without importing it (analysis depends on measurements, never the reverse)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .models import Measurement

ResultsFor = Callable[[list[Measurement]], dict[int, dict | None]]


def _no_results(measurements: list[Measurement]) -> dict[int, dict | None]:
    return {m.pk: None for m in measurements}


_results_for: ResultsFor = _no_results


def provide_results(function: ResultsFor) -> None:
    """The analysis app hands over how a measurement's ``results`` are read."""
    global _results_for
    _results_for = function


def results_for(measurements: Iterable[Measurement]) -> dict[int, dict | None]:
    """The API's ``results`` per measurement id (None until it has any)."""
    return _results_for(list(measurements))


PreviewAnalysis = Callable[[str, Any, dict], dict]


def _no_preview(kind: str, parsed: Any, conditions: dict) -> dict:
    return {"available": False, "rows": [], "error": "no analysis is installed"}


_preview_analysis: PreviewAnalysis = _no_preview


def provide_preview_analysis(function: PreviewAnalysis) -> None:
    """The analysis app hands over how a parsed file is analysed without storing anything."""
    global _preview_analysis
    _preview_analysis = function


def preview_analysis(kind: str, parsed: Any, conditions: dict | None = None) -> dict:
    """What the analysis finds in a parsed file (the teach page's live result): rows of
    (label, [label, value, unit] figures, flags), or the reason there are none. ``conditions``:
    area_cm2, irradiance_mw_cm2, as an upload would state them."""
    return _preview_analysis(kind, parsed, conditions or {})
