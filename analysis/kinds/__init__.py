"""The one registry of measurement kinds.

Each kind declares itself once, in its own module, as a :class:`KindSpec`: its name and label,
the targets it attaches to, how its rows are computed (pure: parsed file + context), its
result model, the summary fields the API and tables show, and the figures pages draw from it.
Everything else derives from :data:`KINDS`: the kind choices of measurements (registered in
the app's ready()), the result-model map, the analysers, summaries and page figures.

Adding a kind: a module here with its SPEC and a line below, its compute module, its result
model and migration, its tests (docs/adding-a-kind.md).
"""

from __future__ import annotations

from dataclasses import replace

from measurements.parsers import ParsedMeasurement

from . import absorbance, cv, eqe, intensity, jv, mpp, pl, tpc, tpv, trpl
from .base import AnalysisContext, AnalysisError, KindSpec, PageFigure, RowSpec, Thresholds

KINDS: dict[str, KindSpec] = {
    spec.name: spec
    for spec in (
        jv.SPEC,
        eqe.SPEC,
        mpp.SPEC,
        intensity.SPEC,
        trpl.SPEC,
        tpv.SPEC,
        absorbance.SPEC,
        pl.SPEC,
        cv.SPEC,
        tpc.SPEC,
    )
}

__all__ = [
    "KINDS",
    "AnalysisContext",
    "AnalysisError",
    "KindSpec",
    "RowSpec",
    "Thresholds",
    "analyse_parsed",
    "dependents_of",
    "page_figures",
    "summary_items",
]


def analyse_parsed(parsed: ParsedMeasurement, context: AnalysisContext) -> list[RowSpec]:
    """The result rows of a parsed file, or AnalysisError saying why there are none."""
    spec = KINDS.get(parsed.kind)
    if spec is None:
        raise AnalysisError(f"No analysis for kind '{parsed.kind}'.")
    if context.pixel:
        # One pixel's measurement of a file of several: only that pixel's curves are its own.
        mine = [s for s in parsed.series if str(s.metadata.get("pixel") or "") == context.pixel]
        if not mine:
            raise AnalysisError(f"The file holds no curve of pixel {context.pixel}.")
        parsed = replace(parsed, series=mine)
    try:
        rows = spec.analyse(parsed, context)
    except KeyError as exc:
        raise AnalysisError(
            f"The file has no {exc.args[0]} column for a {parsed.kind} analysis."
        ) from exc
    if not rows:
        raise AnalysisError("The file holds no curve to analyse.")
    return rows


def summary_items(kind: str, figures: dict | None) -> list[tuple[str, object, str]]:
    """(label, value, unit) of a kind's summary fields present in ``figures``, for tables."""
    spec = KINDS.get(kind)
    if spec is None or not figures:
        return []
    return [
        (f.label, figures[f.key], f.unit) for f in spec.summary if figures.get(f.key) is not None
    ]


def dependents_of(kind: str) -> list[str]:
    """Kinds whose results read ``kind``'s through their context."""
    return [spec.name for spec in KINDS.values() if kind in spec.depends_on]


def _page_figures_of(page: str) -> list[PageFigure]:
    seen: dict[str, PageFigure] = {}
    for spec in KINDS.values():
        for figure in spec.figures:
            if figure.page == page:
                seen.setdefault(figure.key, figure)  # a shared figure is drawn once
    return list(seen.values())


def page_figures(page: str, results: dict[str, list]) -> dict[str, dict]:
    """{figure key: plotly figure} for a page, from its result rows per kind."""
    out = {}
    for figure in _page_figures_of(page):
        if any(results.get(kind) for kind in figure.kinds):
            built = figure.build(results)
            if built is not None:
                out[figure.key] = built
    return out
