"""Extension points another app fills in its ready(), so measurements can show what it does
not compute without importing it (analysis depends on measurements, never the reverse)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

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
