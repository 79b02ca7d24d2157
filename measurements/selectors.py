"""Reads of measurements, scoped to the user's projects."""

from __future__ import annotations

from django.db.models import QuerySet

from core.access import scoped

from .models import Measurement


def measurements_for(user) -> QuerySet[Measurement]:
    return scoped(
        Measurement.objects.select_related(
            "project", "device", "film", "synthesis", "raw_file", "created_by"
        ),
        user,
    )


def raw_bytes(measurement: Measurement) -> bytes:
    with measurement.raw_file.file.open("rb") as fh:
        return fh.read()
