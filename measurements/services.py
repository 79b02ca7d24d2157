"""Uploads: read once, refuse what cannot be read, store the raw file and the measurement row.

Status transitions after the upload are in ``lifecycle``."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.jsonsafe import json_safe
from fabrication.models import Device, Film, Synthesis

from . import kinds, parsers
from .lifecycle import announce_on_commit
from .models import Measurement, RawFile, Status

Target = Device | Film | Synthesis


class UploadError(ValueError):
    """An upload refused before anything is stored; ``line`` points into the file if known."""

    def __init__(self, message: str, line: int | None = None, field: str = "file"):
        super().__init__(message)
        self.message = message
        self.line = line
        self.field = field


@dataclass
class UploadOptions:
    kind: str | None = None
    format: str | None = None
    measured_at: dt.datetime | None = None
    area_cm2: float | None = None
    irradiance_mw_cm2: float | None = None
    temperature_c: float | None = None
    relative_humidity_percent: float | None = None
    atmosphere: str = ""
    notes: str = ""
    extra_metadata: dict[str, Any] = field(default_factory=dict)


def max_upload_bytes() -> int:
    return settings.MAX_UPLOAD_MB * 1024 * 1024


def _read_header_facts(parsed: parsers.ParsedMeasurement) -> dict[str, Any]:
    meta = parsed.metadata
    facts: dict[str, Any] = {}
    for key in ("area_cm2", "irradiance_mw_cm2", "temperature_c", "scan_rate_mv_s"):
        value = meta.get(key)
        if isinstance(value, (int, float)):
            facts[key] = float(value)
    when = meta.get("measured_at")
    if isinstance(when, str):
        parsed_when = parse_datetime(when)
        if parsed_when is not None:
            if timezone.is_naive(parsed_when):
                parsed_when = timezone.make_aware(parsed_when, dt.UTC)
            facts["measured_at"] = parsed_when
    return facts


@dataclass
class Inspection:
    """What reading an upload once tells: its kind and format, the header facts that fill the
    measurement's fields, and the JSON kept as its metadata."""

    kind: str
    format: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)


def inspect_upload(data: bytes, filename: str, options: UploadOptions) -> Inspection:
    """Parse the file once to refuse what cannot be read."""
    if len(data) > max_upload_bytes():
        raise UploadError(f"The file is larger than the {settings.MAX_UPLOAD_MB} MB limit.")
    if not data:
        raise UploadError("The file is empty.")
    if options.kind == kinds.ATTACHMENT:
        return Inspection(kinds.ATTACHMENT)
    if options.kind and kinds.get(options.kind) is None:
        raise UploadError(f"Unknown kind '{options.kind}'.", field="kind")
    try:
        parsed = parsers.parse(data, filename=filename, kind=options.kind, format=options.format)
    except parsers.ParseError as exc:
        raise UploadError(str(exc), line=exc.line) from exc
    if options.kind and parsed.kind != options.kind:
        raise UploadError(f"The file reads as {parsed.kind}, not {options.kind}.", field="kind")
    metadata = {
        "header": json_safe(parsed.header),
        "parsed_metadata": json_safe(parsed.metadata),
        "series": len(parsed.series),
    }
    if parsed.warnings:
        metadata["warnings"] = list(parsed.warnings)
    return Inspection(parsed.kind, parsed.format, _read_header_facts(parsed), metadata)


def _store_blob(data: bytes, sha: str) -> str:
    """Write the bytes at their content address (outside any transaction: it is slow I/O)."""
    name = f"raw/{sha[:2]}/{sha}"
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(data))
        if saved != name:  # another upload of the same bytes won the race; keep one copy
            default_storage.delete(saved)
    return name


def _target_type(target: Target) -> str:
    return next(iter(_target_filter(target)))


def _target_filter(target: Target) -> dict[str, Target]:
    if isinstance(target, Device):
        return {"device": target}
    if isinstance(target, Film):
        return {"film": target}
    if isinstance(target, Synthesis):
        return {"synthesis": target}
    raise ValidationError("A measurement needs a device, a film or a synthesis.")


def clean_filename(name: str) -> str:
    """The name as uploaded, minus what no file system or database should hold."""
    cleaned = "".join(ch for ch in name if ord(ch) >= 32 and ord(ch) != 127).strip()
    return cleaned[:255] or "upload"


def _new_code() -> str:
    return f"M-{secrets.token_hex(4).upper()}"


def measurement_create(
    *, user, target: Target, data: bytes, filename: str, options: UploadOptions | None = None
) -> tuple[Measurement, bool]:
    """Store an upload and queue its analysis. Returns (measurement, created).

    The same bytes for the same target answer with the existing measurement. A file that
    cannot be read raises UploadError and nothing is stored.
    """
    options = options or UploadOptions()
    inspection = inspect_upload(data, filename, options)
    kind, facts = inspection.kind, inspection.facts
    info = kinds.get(kind)
    if info is None:
        raise UploadError(f"No analysis is known for kind '{kind}'.", field="kind")
    if _target_type(target) not in info.targets:
        raise UploadError(
            f"A {info.label} measurement belongs to a {' or a '.join(info.targets)}, not to "
            f"{type(target).__name__.lower()} {target.code}.",
            field="target",
        )
    target_kw = _target_filter(target)
    sha = hashlib.sha256(data).hexdigest()
    # New bytes (the common case) cost one query here: no raw file, so no duplicate either.
    raw = RawFile.objects.filter(sha256=sha).first()
    if raw is not None:
        existing = _existing(raw.id, target_kw)
        if existing:
            return existing, False
    name = raw.file.name if raw is not None else _store_blob(data, sha)
    values = dict(
        kind=kind,
        format=inspection.format,
        original_filename=clean_filename(filename),
        measured_at=options.measured_at or facts.get("measured_at") or timezone.now(),
        area_cm2=options.area_cm2 if options.area_cm2 is not None else facts.get("area_cm2"),
        irradiance_mw_cm2=(
            options.irradiance_mw_cm2
            if options.irradiance_mw_cm2 is not None
            else facts.get("irradiance_mw_cm2")
        ),
        temperature_c=(
            options.temperature_c
            if options.temperature_c is not None
            else facts.get("temperature_c")
        ),
        relative_humidity_percent=options.relative_humidity_percent,
        atmosphere=options.atmosphere,
        scan_rate_mv_s=facts.get("scan_rate_mv_s"),
        notes=options.notes,
        metadata={**inspection.metadata, **json_safe(options.extra_metadata)},
    )
    if info.area_from_device and values["area_cm2"] is None and isinstance(target, Device):
        values["area_cm2"] = target.active_area_cm2
    is_attachment = not info.analysed
    try:
        with transaction.atomic():
            if raw is None:
                raw = _raw_file_row(sha, len(data), name)
            measurement = Measurement.objects.create(
                project_id=target.project_id,
                code=_new_code(),
                raw_file=raw,
                created_by=user if user and user.is_authenticated else None,
                status=Status.SUCCEEDED if is_attachment else Status.QUEUED,
                queued_at=timezone.now(),
                finished_at=timezone.now() if is_attachment else None,
                **target_kw,
                **values,
            )
            if not is_attachment:
                announce_on_commit(measurement.id, kind)
    except IntegrityError:
        # The same bytes for the same target, uploaded twice at once: the other request won.
        existing = _existing(RawFile.objects.get(sha256=sha).id, target_kw)
        if existing:
            return existing, False
        raise
    if type(target).project.is_cached(target):  # the response names the project: no query
        measurement.project = target.project
    return measurement, True


def _existing(raw_file_id: int, target_kw: dict[str, Target]) -> Measurement | None:
    return (
        Measurement.objects.select_related("project", "raw_file", "created_by", *target_kw)
        .filter(raw_file_id=raw_file_id, **target_kw)
        .first()
    )


def _raw_file_row(sha: str, size: int, name: str) -> RawFile:
    """The RawFile row of these bytes in one statement, also when another upload of the same
    bytes to another target inserts it at the same moment (INSERT .. ON CONFLICT)."""
    raw = RawFile(sha256=sha, size_bytes=size, file=name)
    RawFile.objects.bulk_create(
        [raw], update_conflicts=True, unique_fields=["sha256"], update_fields=["size_bytes"]
    )
    if raw.pk is None:  # a backend that cannot return ids from an upsert
        raw = RawFile.objects.get(sha256=sha)
    return raw
