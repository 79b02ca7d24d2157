"""Instrument profiles in the database: versions, matching uploads, YAML, re-reading.

The reading itself is pure (``parsers.profile``); this module chooses which profile version
reads an upload, records new versions, and re-reads what an older version read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from django.db import transaction
from django.db.models import QuerySet

from core.api import is_id

from . import lifecycle, parsers
from .models import InstrumentProfile, InstrumentProfileVersion, Measurement
from .parsers import profile as reader
from .parsers._text import decode_head
from .parsers.registry import _checked

MAX_YAML_BYTES = 64 * 1024
HEAD_BYTES = 32 * 1024  # the part of a file the match rules look at


class ProfileNotFound(LookupError):
    """A profile named by an upload that the target's project does not hold."""


def validate(definition: object) -> dict[str, Any]:
    """The cleaned definition, or ``parsers.profile.ProfileError`` naming the field."""
    return reader.validate(definition)


def format_label(version: InstrumentProfileVersion) -> str:
    """What ``Measurement.format`` says for a file a profile read: its name and version."""
    return f"profile {version.profile.code} v{version.version}"[:40]


@transaction.atomic
def create(*, project, code: str, definition: dict, user=None, name: str = "") -> InstrumentProfile:
    """A new profile at version 1 (the definition validated first)."""
    clean = validate({**definition, "name": code})
    profile = InstrumentProfile.objects.create(
        project=project,
        code=code,
        name=name or clean.get("instrument") or "",
        kind=clean["kind"],
        version=1,
        definition=clean,
        created_by=user if user and user.is_authenticated else None,
    )
    InstrumentProfileVersion.objects.create(
        profile=profile, version=1, definition=clean, created_by=profile.created_by
    )
    return profile


@transaction.atomic
def update(profile: InstrumentProfile, definition: dict, *, user=None, name: str | None = None):
    """A changed definition becomes the next version (the old one is kept); the same
    definition changes nothing. Answers whether a new version was made."""
    clean = validate({**definition, "name": profile.code})
    if name is not None:
        profile.name = name
    if clean == profile.definition:
        profile.save(update_fields=["name", "updated_at"])
        return False
    locked = InstrumentProfile.objects.select_for_update().get(pk=profile.pk)
    profile.version = locked.version + 1
    profile.definition = clean
    profile.kind = clean["kind"]
    profile.save()
    InstrumentProfileVersion.objects.create(
        profile=profile,
        version=profile.version,
        definition=clean,
        created_by=user if user and user.is_authenticated else None,
    )
    return True


def current(profile: InstrumentProfile) -> InstrumentProfileVersion:
    """The profile's current version (its profile attached: naming it costs no query)."""
    version = profile.versions.get(version=profile.version)
    version.profile = profile
    return version


def named(project_id: int, ref: str) -> InstrumentProfileVersion:
    """The current version of the project's profile named by code or id (an upload's
    ``profile`` option), else ProfileNotFound."""
    text = str(ref).strip()
    profiles = InstrumentProfile.objects.filter(project_id=project_id)
    found = profiles.filter(code=text).first()
    if found is None and is_id(text):
        found = profiles.filter(pk=int(text)).first()
    if found is None:
        raise ProfileNotFound(f"No instrument profile '{text[:80]}' in this project.")
    return current(found)


def matching(project_id: int, data: bytes, filename: str) -> InstrumentProfileVersion | None:
    """The project's profile whose match rules the file meets: the one meeting the most
    rules, the most recently changed on a tie; None when none does."""
    profiles = list(
        InstrumentProfile.objects.filter(project_id=project_id).order_by("-updated_at", "-id")
    )
    if not profiles:
        return None
    try:
        head = decode_head(data, HEAD_BYTES)
    except parsers.ParseError:
        return None
    best, best_score = None, 0
    for candidate in profiles:
        try:
            score = reader.match_score(candidate.definition, head, filename)
        except reader.ProfileError:
            continue  # a stored profile that no longer validates matches nothing
        if score > best_score:
            best, best_score = candidate, score
    return current(best) if best is not None else None


def read_with(version: InstrumentProfileVersion, data: bytes, filename: str, kind: str | None):
    """The file read by this profile version, with the guarantees of the built-in readers."""
    parsed = reader.read(data, filename, version.definition)
    parsed.format = format_label(version)
    # The registry's own checks (kind, curves, the J-V direction contract), as for any reader.
    return _checked(parsed, kind)


def parse_stored(measurement: Measurement, data: bytes):
    """Read a stored measurement's file again as it was read at upload: by its profile
    version when one read it, else by the built-in reader it names (the analysis calls this)."""
    if measurement.profile_version_id:
        version = InstrumentProfileVersion.objects.select_related("profile").get(
            pk=measurement.profile_version_id
        )
        return read_with(version, data, measurement.original_filename, measurement.kind)
    return parsers.parse(
        data,
        filename=measurement.original_filename,
        kind=measurement.kind,
        format=measurement.format or None,
    )


# --- YAML ---------------------------------------------------------------------------------------


def to_yaml(profile: InstrumentProfile) -> str:
    """The profile as YAML a lab can share: its name first, then the definition's fields."""
    body = {"name": profile.code, **{k: v for k, v in profile.definition.items() if k != "name"}}
    body = _drop_empty(body)
    header = f"# cqdlab instrument profile '{profile.code}', version {profile.version}\n"
    return header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True)


def _drop_empty(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_empty(v) for k, v in value.items() if v not in (None, "", {}, [])}
    return value


def from_yaml(text: str) -> dict[str, Any]:
    """A profile definition from YAML text (``safe_load`` only: no tags, no objects)."""
    if len(text.encode("utf-8")) > MAX_YAML_BYTES:
        raise reader.ProfileError("yaml", f"a profile is at most {MAX_YAML_BYTES // 1024} KB")
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise reader.ProfileError("yaml", f"not valid YAML{line}") from None
    if not isinstance(loaded, dict):
        raise reader.ProfileError("yaml", "a profile is a YAML mapping (name: ..., kind: ...)")
    return loaded


# --- re-reading ---------------------------------------------------------------------------------


@dataclass
class Reread:
    queued: list[str] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)


def read_by_older(profile: InstrumentProfile) -> QuerySet[Measurement]:
    """Measurements an older version of the profile read."""
    return Measurement.objects.filter(
        profile_version__profile=profile, profile_version__version__lt=profile.version
    ).select_related("raw_file")


def reread(profile: InstrumentProfile, *, version: int | None = None) -> Reread:
    """Read the files an older version read with the current one, and queue their analysis
    again (the lifecycle's re-analysis path). A file the current version cannot read, or reads
    as another kind, keeps its old reading and is reported."""
    latest = current(profile)
    wanted = read_by_older(profile)
    if version is not None:
        wanted = wanted.filter(profile_version__version=version)
    out = Reread()
    ids = []
    for measurement in wanted:
        try:
            data = measurement.raw_file.file.open("rb").read()
            parsed = read_with(latest, data, measurement.original_filename, measurement.kind)
        except (parsers.ParseError, OSError) as exc:
            out.refused.append({"measurement": measurement.code, "error": str(exc)})
            continue
        metadata = dict(measurement.metadata or {})
        metadata["series"] = len(parsed.series)
        Measurement.objects.filter(pk=measurement.pk).update(
            profile_version=latest, format=format_label(latest), metadata=metadata
        )
        ids.append(measurement.pk)
        out.queued.append(measurement.code)
    lifecycle.requeue_many(ids)
    return out
