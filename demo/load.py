"""The demo experiment through the real pipeline: generated instrument files are uploaded with
the same service, parsers and analysis as a lab member's files."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from analysis.models import StabilityStudy
from fabrication.models import Device, Film, Synthesis
from measurements import services
from measurements.models import Measurement

from .fabrication import DemoFabrication, create_demo_fabrication
from .generators.instruments import DemoFile, DemoTarget, generate_experiment

STUDIES = {
    "argon": dict(
        name="Argon glovebox storage, dark, 25 °C",
        isos_protocol="ISOS-D-1I",
        atmosphere="argon",
        temperature_c=25.0,
        light="dark",
    ),
    "air80c": dict(
        name="80 °C in air, dark",
        isos_protocol="ISOS-D-2",
        atmosphere="air",
        temperature_c=80.0,
        light="dark",
    ),
}


def code_map(fab: DemoFabrication) -> Callable[[DemoTarget], str]:
    statistics = {(d.dot_size, d.role, d.index): d.code for d in fab.devices}

    def code(target: DemoTarget) -> str:
        if target.target_type == "synthesis":
            return fab.syntheses[target.dot_size]
        role = target.group.rsplit("-", 1)[1]
        if target.target_type == "film":
            return fab.films[(target.dot_size, role)]
        if target.purpose == "statistics":
            return statistics[(target.dot_size, role, target.index)]
        condition = target.purpose.removeprefix("aging-")
        return fab.aging_devices[(target.dot_size, role, condition)][target.index]

    return code


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _studies(fab: DemoFabrication, files: list[DemoFile]) -> None:
    """One stability study per batch and storage condition, holding its stability pixels."""
    starts: dict[tuple[str, str], dt.datetime] = {}
    by_code = {code: key for key, codes in fab.aging_devices.items() for code in codes}
    for f in files:
        if f.aging is not None and f.target_code in by_code:
            dot_size, _, condition = by_code[f.target_code]
            key = (dot_size, condition)
            starts[key] = min(starts.get(key, _aware(f.measured_at)), _aware(f.measured_at))
    for (dot_size, condition), started in sorted(starts.items()):
        batch = fab.batches[dot_size]
        study, _ = StabilityStudy.objects.get_or_create(
            project=fab.project,
            code=f"{batch}/{condition}",
            defaults={
                **STUDIES[condition],
                "name": f"{STUDIES[condition]['name']} ({batch})",
                "started_at": started,
                "created_by": fab.user,
            },
        )
        codes = [
            c
            for (size, _, cond), cs in fab.aging_devices.items()
            if size == dot_size and cond == condition
            for c in cs
        ]
        study.devices.set(Device.objects.filter(project=fab.project, code__in=codes))


def load_demo(seed: int = 2025, progress: Callable[[int, int], None] | None = None) -> dict:
    fab = create_demo_fabrication()
    files = generate_experiment(code_map(fab), seed=seed)
    _studies(fab, files)
    targets = {
        "device": {d.code: d for d in Device.objects.filter(project=fab.project)},
        "film": {f.code: f for f in Film.objects.filter(project=fab.project)},
        "synthesis": {s.code: s for s in Synthesis.objects.filter(project=fab.project)},
    }
    counts: dict[str, int] = defaultdict(int)
    for i, f in enumerate(files):
        aging = f.aging
        options = services.UploadOptions(
            measured_at=_aware(f.measured_at),
            area_cm2=f.area_cm2,
            irradiance_mw_cm2=f.irradiance_mw_cm2,
            notes=f.notes,
            atmosphere=aging.atmosphere if aging else "",
            temperature_c=aging.temperature_c if aging else None,
            relative_humidity_percent=aging.relative_humidity_percent if aging else None,
        )
        _, created = services.measurement_create(
            user=fab.user,
            target=targets[f.target_type][f.target_code],
            data=f.content,
            filename=f.filename,
            options=options,
        )
        counts["created" if created else "existing"] += 1
        if progress:
            progress(i + 1, len(files))
    counts["failed"] = Measurement.objects.filter(project=fab.project, status="failed").count()
    return {"project": fab.project.code, "files": len(files), **counts}
