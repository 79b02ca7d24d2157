"""One synthesis: spectra and decays of it and its films, its ligand-exchange runs, and the
PCE of the devices made from it, by recipe."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fabrication.models import Synthesis

from ..kinds import page_figures
from ..selectors.devices import group_rows, synthesis_device_rows
from ..selectors.pages import synthesis_films, synthesis_measurements, synthesis_runs
from ..selectors.results import result_rows_by_kind
from ._common import page_stats, scoped_or_404


@login_required
def page(request: HttpRequest, pk: int) -> HttpResponse:
    synthesis = scoped_or_404(Synthesis, request.user, pk)
    films = synthesis_films(synthesis)
    measurements = synthesis_measurements(synthesis, films)
    results = result_rows_by_kind(measurements)
    groups = group_rows(synthesis_device_rows(synthesis), "recipe")
    return render(
        request,
        "analysis/synthesis.html",
        {
            "synthesis": synthesis,
            "films": films,
            "runs": synthesis_runs(synthesis),
            "figs": page_figures("synthesis", results),
            "stats": page_stats(groups),
            "measurements": measurements,
            "results": results,
        },
    )
