"""A TRPL measurement gets the instrument response only of a measurement in its own project."""

from __future__ import annotations

from pathlib import Path

from analysis import pipeline
from measurements import services
from measurements.models import Measurement

TRANSIENTS = Path(__file__).resolve().parents[1] / "data" / "transients"


def _trpl(user, film, name: str) -> Measurement:
    measurement, _ = services.measurement_create(
        user=user,
        target=film,
        data=(TRANSIENTS / name).read_bytes(),
        filename=name,
        options=services.UploadOptions(confirm_duplicate=True),
    )
    return measurement


def test_two_projects_naming_the_same_irf_id_get_only_their_own_projects_curve(world):
    a, b = world["a"], world["b"]
    irf = _trpl(world["users"]["owner"], a.film, "pbs-film_irf.trpl.dat")
    ours = _trpl(world["users"]["owner"], a.film, "pbs-film_fast.trpl.dat")
    theirs = _trpl(world["users"]["outsider"], b.film, "pbs-film_fast.trpl.dat")
    for m in (ours, theirs):  # B's row names A's IRF id: it must never be read for B
        m.metadata = {**(m.metadata or {}), "conditions": {"irf_measurement": irf.id}}
        m.save(update_fields=["metadata"])
    loaded = list(
        Measurement.objects.select_related(*pipeline._RELATED).filter(id__in=[ours.id, theirs.id])
    )

    contexts = pipeline.contexts_for(loaded)

    assert contexts[ours.id].irf is not None
    assert contexts[theirs.id].irf is None
