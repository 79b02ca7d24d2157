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

from core import quantities
from core.jsonsafe import json_safe
from fabrication.models import Device, Film, Synthesis

from . import kinds, parsers, profiles
from .lifecycle import announce_on_commit
from .models import Measurement, RawFile, Status
from .parsers._labels import normalise_pixel
from .provenance import area_provenance

Target = Device | Film | Synthesis


class UploadError(ValueError):
    """An upload refused before anything is stored; ``line`` points into the file if known."""

    def __init__(
        self, message: str, line: int | None = None, field: str = "file", status: int = 400
    ):
        super().__init__(message)
        self.message = message
        self.line = line
        self.field = field
        self.status = status  # 409: the same bytes already belong to another target


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
    # The same bytes are already stored for another target: store them here too only when
    # the upload says so (a file shared on purpose), else 409 naming the other target.
    confirm_duplicate: bool = False
    # A file holding several pixels: {pixel as the file names it: device code}, and whether
    # pixels the substrate has no device for may be created (never silently).
    pixel_map: dict[str, str] = field(default_factory=dict)
    create_pixels: bool = False
    # An instrument profile of the target's project (code or id) that must read the file;
    # None: a matching profile reads it, else the built-in readers.
    profile: str | None = None


def max_upload_bytes() -> int:
    return settings.MAX_UPLOAD_MB * 1024 * 1024


HEADER_QUANTITIES = ("area_cm2", "irradiance_mw_cm2", "temperature_c", "scan_rate_mv_s")


def _read_header_facts(parsed: parsers.ParsedMeasurement, warnings: list[str]) -> dict[str, Any]:
    """The measurement fields a file's header fills. A number outside the bounds of
    ``core.quantities`` is left out with a warning: the file itself is still readable, and a
    value given with the upload (or the device's area) takes its place."""
    meta = parsed.metadata
    facts: dict[str, Any] = {}
    for key in HEADER_QUANTITIES:
        value = meta.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                facts[key] = quantities.check(key, value)
            except quantities.QuantityError as exc:
                warnings.append(f"header {exc}; ignored")
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
    # The pixels the file's curves belong to, in file order (empty when it names none), and
    # the area the file states per pixel.
    pixels: list[str] = field(default_factory=list)
    pixel_areas: dict[str, float] = field(default_factory=dict)
    # The instrument profile version that read the file (None: a built-in reader).
    profile_version: Any = None


def inspect_upload(
    data: bytes, filename: str, options: UploadOptions, project_id: int | None = None
) -> Inspection:
    """Parse the file once to refuse what cannot be read. With the target's project: a
    profile the upload names reads it, else a profile of the project whose match rules the
    file meets, else the built-in readers (``profiles``)."""
    if len(data) > max_upload_bytes():
        raise UploadError(f"The file is larger than the {settings.MAX_UPLOAD_MB} MB limit.")
    if not data:
        raise UploadError("The file is empty.")
    if options.kind == kinds.ATTACHMENT:
        return Inspection(kinds.ATTACHMENT)
    if options.kind and kinds.get(options.kind) is None:
        raise UploadError(f"Unknown kind '{options.kind}'.", field="kind")
    parsed, version = _read(data, filename, options, project_id)
    if options.kind and parsed.kind != options.kind:
        raise UploadError(f"The file reads as {parsed.kind}, not {options.kind}.", field="kind")
    metadata = {
        "header": json_safe(parsed.header),
        "parsed_metadata": json_safe(parsed.metadata),
        "series": len(parsed.series),
    }
    warnings = list(parsed.warnings)
    facts = _read_header_facts(parsed, warnings)
    if warnings:
        metadata["warnings"] = warnings
    pixels: list[str] = []
    areas: dict[str, float] = {}
    for series in parsed.series:
        pixel = str(series.metadata.get("pixel") or "")
        if pixel and pixel not in pixels:
            pixels.append(pixel)
        area = series.metadata.get("area_cm2")
        if pixel and isinstance(area, (int, float)) and not isinstance(area, bool):
            try:
                areas[pixel] = quantities.check("area_cm2", area)
            except quantities.QuantityError:
                pass  # the header check above speaks for the file's areas
    if version is not None:
        metadata["profile"] = {"code": version.profile.code, "version": version.version}
    return Inspection(parsed.kind, parsed.format, facts, metadata, pixels, areas, version)


def _read(data: bytes, filename: str, options: UploadOptions, project_id: int | None):
    """(parsed, the profile version that read it or None). A profile the upload names must
    read the file; a matching one reads it unless it fails where a built-in reader succeeds
    (then a warning says so); a built-in format named by the upload skips the profiles."""
    version = None
    if project_id is not None and options.profile:
        try:
            version = profiles.named(project_id, options.profile)
        except profiles.ProfileNotFound as exc:
            raise UploadError(str(exc), field="profile") from exc
    elif project_id is not None and not options.format:
        version = profiles.matching(project_id, data, filename)
    if version is not None:
        try:
            return profiles.read_with(version, data, filename, options.kind), version
        except parsers.ParseError as exc:
            if options.profile:
                raise UploadError(_profile_error(version, exc), line=exc.line) from exc
            profile_error = exc
    try:
        parsed = parsers.parse(data, filename=filename, kind=options.kind, format=options.format)
    except parsers.ParseError as exc:
        if version is not None:  # the matching profile's reason is the one the lab can fix
            raise UploadError(
                _profile_error(version, profile_error), line=profile_error.line
            ) from profile_error
        raise UploadError(str(exc), line=exc.line) from exc
    if version is not None:
        parsed.warnings.append(
            f"{_profile_error(version, profile_error)}; read by the built-in {parsed.format} reader"
        )
    return parsed, None


def _profile_error(version, exc: parsers.ParseError) -> str:
    return f"instrument profile {version.profile.code} v{version.version}: {exc}"


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


@dataclass
class UploadResult:
    """What an upload stored: one measurement per target (a file of several pixels feeds
    each pixel's device), whether they are new, and the pixel -> device map it used."""

    measurements: list[Measurement]
    created: bool
    pixels: list[dict[str, Any]] = field(default_factory=list)


def measurement_create(
    *, user, target: Target, data: bytes, filename: str, options: UploadOptions | None = None
) -> tuple[Measurement, bool]:
    """Store an upload and queue its analysis. Returns (measurement, created); for a file of
    several pixels, the first pixel's measurement (``upload`` returns them all)."""
    result = upload(user=user, target=target, data=data, filename=filename, options=options)
    return result.measurements[0], result.created


def upload(
    *, user, target: Target, data: bytes, filename: str, options: UploadOptions | None = None
) -> UploadResult:
    """Store an upload and queue its analysis.

    The same bytes for the same target answer with the existing measurement; for another
    target, 409 naming it unless ``confirm_duplicate``. A file holding several pixels,
    uploaded to one of the substrate's devices, feeds each pixel's device (by the pixel label,
    or ``pixel_map``); an unknown pixel refuses the upload naming it unless ``create_pixels``.
    The raw file is stored once. A file that cannot be read raises UploadError and nothing is
    stored.
    """
    options = options or UploadOptions()
    inspection = inspect_upload(data, filename, options, project_id=target.project_id)
    kind = inspection.kind
    info = kinds.get(kind)
    if info is None:
        raise UploadError(f"No analysis is known for kind '{kind}'.", field="kind")
    if _target_type(target) not in info.targets:
        raise UploadError(
            f"A {info.label} measurement belongs to a {' or a '.join(info.targets)}, not to "
            f"{type(target).__name__.lower()} {target.code}.",
            field="target",
        )
    split = isinstance(target, Device) and len(inspection.pixels) > 1
    targets = _pixel_targets(target, inspection, options) if split else {"": target}
    sha = hashlib.sha256(data).hexdigest()
    # New bytes (the common case) cost one query here: no raw file, so no duplicate either.
    raw = RawFile.objects.filter(sha256=sha).first()
    if raw is not None:
        existing = _existing_for(raw.id, list(targets.values()))
        if existing is not None:
            return existing
        _refuse_duplicate(raw.id, options)
    name = raw.file.name if raw is not None else _store_blob(data, sha)
    try:
        with transaction.atomic():
            if raw is None:
                raw = _raw_file_row(sha, len(data), name)
            made = [
                _create_one(user, device_or_target, pixel, raw, filename, info, inspection, options)
                for pixel, device_or_target in _with_new_devices(user, target, targets, inspection)
            ]
    except IntegrityError:
        # The same bytes for the same target, uploaded twice at once: the other request won.
        existing = _existing_for(RawFile.objects.get(sha256=sha).id, list(targets.values()))
        if existing is not None:
            return existing
        raise
    if type(target).project.is_cached(target):  # the response names the project: no query
        for measurement in made:
            measurement.project = target.project
    pixels = [
        {"pixel": m.metadata.get("pixel"), "device": m.device.code, "measurement": m.id}
        for m in made
    ] if split else []  # fmt: skip
    return UploadResult(made, True, pixels)


def _create_one(
    user, target: Target, pixel: str, raw: RawFile, filename: str, info, inspection, options
) -> Measurement:
    facts = inspection.facts
    metadata = {**inspection.metadata, **json_safe(options.extra_metadata)}
    if pixel:
        metadata["pixel"] = pixel
    area = None
    if info.area_from_device and isinstance(target, Device):
        provenance = area_provenance(
            {
                "upload": options.area_cm2,
                "mask": target.mask_area_cm2,
                "device": target.active_area_cm2,
                "file": inspection.pixel_areas.get(pixel) or facts.get("area_cm2"),
            },
            settings.AREA_TOLERANCE_FRACTION,
        )
        metadata["area"] = provenance
        area = provenance["used_cm2"]
    else:
        area = options.area_cm2 if options.area_cm2 is not None else facts.get("area_cm2")
    measurement = Measurement.objects.create(
        project_id=target.project_id,
        code=_new_code(),
        raw_file=raw,
        created_by=user if user and user.is_authenticated else None,
        status=Status.QUEUED if info.analysed else Status.SUCCEEDED,
        queued_at=timezone.now(),
        finished_at=None if info.analysed else timezone.now(),
        kind=inspection.kind,
        format=inspection.format,
        profile_version=inspection.profile_version,
        original_filename=clean_filename(filename),
        measured_at=options.measured_at or facts.get("measured_at") or timezone.now(),
        area_cm2=area,
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
        metadata=metadata,
        **_target_filter(target),
    )
    if info.analysed:
        announce_on_commit(measurement.id, inspection.kind)
    return measurement


def _pixel_targets(
    target: Device, inspection: Inspection, options: UploadOptions
) -> dict[str, Device | None]:
    """{pixel: its device} for a file of several pixels uploaded to one device of a substrate:
    the upload's pixel_map first, else the substrate's device with that pixel label. None
    marks a pixel to create (only with create_pixels); an unknown one refuses the upload."""
    siblings = list(Device.objects.filter(substrate_id=target.substrate_id))
    by_pixel = {normalise_pixel(d.pixel): d for d in siblings}
    mapped = {normalise_pixel(str(k)): str(v) for k, v in (options.pixel_map or {}).items()}
    by_code = {}
    if mapped:
        by_code = {
            d.code: d
            for d in Device.objects.filter(project_id=target.project_id, code__in=mapped.values())
        }
    out: dict[str, Device | None] = {}
    unknown = []
    for pixel in inspection.pixels:
        if pixel in mapped:
            device = by_code.get(mapped[pixel])
            if device is None:
                raise UploadError(
                    f"pixel_map sends pixel {pixel} to '{mapped[pixel]}', which is no device "
                    f"of project {target.project_id and target.project.code}.",
                    field="pixel_map",
                )
        else:
            device = by_pixel.get(pixel)
        if device is None:
            unknown.append(pixel)
        out[pixel] = device
    if unknown and not options.create_pixels:
        names = ", ".join(unknown)
        raise UploadError(
            f"The file holds pixel{'s' if len(unknown) > 1 else ''} {names}, for which "
            f"substrate {target.substrate.code} has no device. Map them with pixel_map "
            "(pixel=device code), or upload with create_pixels=true to create them.",
            field="pixel_map",
        )
    return out


def _with_new_devices(user, target: Target, targets: dict[str, Device | None], inspection):
    """(pixel, target) pairs, creating the devices of pixels the upload asked to create."""
    for pixel, device in targets.items():
        if device is None:
            substrate = target.substrate
            device = Device.objects.create(
                project_id=target.project_id,
                code=f"{substrate.code}/P{pixel}",
                substrate=substrate,
                pixel=f"P{pixel}",
                active_area_cm2=inspection.pixel_areas.get(pixel) or target.active_area_cm2,
                created_by=user if user and user.is_authenticated else None,
            )
        yield pixel, device


def _existing_for(raw_file_id: int, targets: list) -> UploadResult | None:
    """The measurements these bytes already have on exactly these targets (a repeated upload)."""
    found = []
    for target in targets:
        if target is None:
            return None
        existing = _existing(raw_file_id, _target_filter(target))
        if existing is None:
            return None
        found.append(existing)
    pixels = [
        {"pixel": m.metadata.get("pixel"), "device": m.device.code, "measurement": m.id}
        for m in found
        if m.metadata.get("pixel")
    ]
    return UploadResult(found, False, pixels if len(found) > 1 else [])


def _refuse_duplicate(raw_file_id: int, options: UploadOptions) -> None:
    """The same bytes on another target are refused (409) unless the upload confirms them."""
    if options.confirm_duplicate:
        return
    other = (
        Measurement.objects.filter(raw_file_id=raw_file_id)
        .select_related("device", "film", "synthesis")
        .first()
    )
    if other is not None:
        raise UploadError(
            f"This file's content is already stored as measurement {other.code} of "
            f"{other.target_type} {other.target.code}. Upload it with confirm_duplicate=true "
            "if it belongs here too.",
            field="file",
            status=409,
        )


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
