"""Many files at once: a zip (API, page) or a folder (manage.py import_measurements).

Each file is mapped to its target by a manifest CSV, or by the folder convention: a file at
``<target code>/<file name>`` belongs to the device, film or synthesis with that code (codes may
contain slashes, e.g. ``B2025-03-10/S1/P1/jv_rev.txt``). Every file is uploaded on its own:
a bad file fails alone, with its reason on its report line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import posixpath
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Model
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core import quantities
from core.access import WRITE_ROLES, project_ids_for
from fabrication.models import Device, Film, Synthesis

from . import lifecycle, services

MANIFEST_NAMES = ("manifest.csv", "MANIFEST.csv")
# The manifest's number columns, each checked as the API checks the same upload field.
MANIFEST_QUANTITIES = ("area_cm2", "irradiance_mw_cm2", "temperature_c")
# What unpacking a member can raise besides a clean read: damaged data, a method zipfile
# lacks (deflate64), a password it was not given.
_UNPACK_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)


class BulkError(ValueError):
    """The archive as a whole cannot be read (not a zip, a bomb, a bad manifest)."""


@dataclass
class ReportLine:
    file: str
    target: str = ""
    status: str = ""  # created, duplicate, failed, skipped
    measurement_id: int | None = None
    kind: str = ""
    message: str = ""
    # What read it (a reader or "profile <name> v<n>") and where it went, for the report's links.
    format: str = ""
    target_type: str = ""
    target_id: int | None = None

    def as_dict(self) -> dict:
        return self.__dict__.copy()


@dataclass
class ManifestRow:
    target_type: str
    target_code: str
    options: services.UploadOptions


def _safe_name(name: str) -> str | None:
    """A member name we accept: relative, no '..', no control characters."""
    if not name or name.startswith(("/", "\\")) or "\\" in name:
        return None
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        return None
    norm = posixpath.normpath(name)
    if norm.startswith("..") or "/../" in f"/{norm}/":
        return None
    return norm


def _measured_at(text: str | None) -> dt.datetime | None:
    """An ISO date-time; without a zone it is UTC, as a file header's is."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        when = parse_datetime(text)
    except ValueError:  # well formed, but no such day or hour
        when = None
    if when is None:
        raise ValueError(f"measured_at '{text[:40]}' is not a date-time (use 2025-03-24T14:30)")
    return timezone.make_aware(when, dt.UTC) if timezone.is_naive(when) else when


def _manifest_options(row: dict) -> services.UploadOptions:
    """The upload options of one manifest row; ValueError names the bad field."""
    numbers = {name: quantities.parse(name, row.get(name)) for name in MANIFEST_QUANTITIES}
    return services.UploadOptions(
        kind=(row.get("kind") or "").strip() or None,
        measured_at=_measured_at(row.get("measured_at")),
        notes=(row.get("notes") or "").strip(),
        **numbers,
    )


def read_manifest(text: str) -> dict[str, ManifestRow]:
    """Columns: file, and one of device/film/synthesis; optional kind, measured_at, area_cm2,
    irradiance_mw_cm2, temperature_c, notes.

    Rows are numbered as a spreadsheet shows them (the header is row 1). Any bad row refuses
    the whole manifest, so a zip is imported as listed or not at all.
    """
    reader = csv.DictReader(io.StringIO(text))
    reading = 1  # the row csv is reading, for its own errors
    try:
        fieldnames = reader.fieldnames
        if not fieldnames or "file" not in fieldnames:
            raise BulkError("The manifest needs a 'file' column (and device, film or synthesis).")
        rows = {}
        reading = 2
        for row_no, row in enumerate(reader, start=2):
            reading = row_no + 1
            targets = [(t, (row.get(t) or "").strip()) for t in ("device", "film", "synthesis")]
            targets = [(t, c) for t, c in targets if c]
            if len(targets) != 1:
                raise BulkError(
                    f"Manifest row {row_no}: give exactly one of device, film, synthesis."
                )
            try:
                options = _manifest_options(row)
            except ValueError as exc:
                raise BulkError(f"Manifest row {row_no}: {exc}") from exc
            rows[(row["file"] or "").strip()] = ManifestRow(targets[0][0], targets[0][1], options)
    except csv.Error as exc:  # a field over csv's size limit, a stray quote
        raise BulkError(f"Manifest row {reading}: not readable as CSV ({exc}).") from exc
    return rows


class TargetFinder:
    """Looks codes up among the devices, films and syntheses the user may write to."""

    def __init__(self, user):
        self.projects = project_ids_for(user, WRITE_ROLES)
        self.cache: dict[tuple[str, str], Model | None] = {}

    def find(self, code: str, target_type: str | None = None) -> Model | None:
        if not code or any(ord(ch) < 32 for ch in code):
            return None  # no code holds control characters (and PostgreSQL refuses NUL)
        models = {"device": Device, "film": Film, "synthesis": Synthesis}
        for name, model in models.items():
            if target_type and name != target_type:
                continue
            key = (name, code)
            if key not in self.cache:
                self.cache[key] = (
                    model.objects.filter(project_id__in=self.projects, code=code)
                    .select_related("project")
                    .first()
                )
            if self.cache[key] is not None:
                return self.cache[key]
        return None

    def from_path(self, path: str) -> Model | None:
        """The longest leading folder path that is a code: ``B1/S1/P1/scan.txt`` -> B1/S1/P1."""
        parts = path.split("/")[:-1]
        for end in range(len(parts), 0, -1):
            found = self.find("/".join(parts[:end]))
            if found is not None:
                return found
        return None


def _mb(size: int) -> str:
    """Bytes in the MB the limits are set in (MiB), with a decimal where it tells."""
    mb = size / (1024 * 1024)
    return f"{mb:,.0f}" if mb >= 10 else f"{mb:.1f}"


def _shown(name: str) -> str:
    """A member name fit for a message: control characters escaped, length bounded."""
    return name.encode("unicode_escape").decode()[:200]


def _check_members(members: list[zipfile.ZipInfo]) -> None:
    """Refuse the archive, before anything in it is unpacked or stored, when it could unpack
    to more than it is worth: too many files, too many bytes in all, a member over the upload
    limit, or a member packed more tightly than real data packs (a zip bomb, whatever its size:
    two hundred 1 MB bombs are as bad as one 200 MB one). Sizes are the archive's own claims;
    ``iter_zip``'s readers never unpack past them."""
    if len(members) > settings.MAX_ZIP_FILES:
        raise BulkError(
            f"The archive holds {len(members)} files; the limit is {settings.MAX_ZIP_FILES}."
        )
    total = sum(m.file_size for m in members)
    if total > settings.MAX_ZIP_UNPACKED_MB * 1024 * 1024:
        raise BulkError(
            f"The archive unpacks to {_mb(total)} MB, more than the "
            f"{settings.MAX_ZIP_UNPACKED_MB} MB limit: refused (zip bomb guard)."
        )
    limit = services.max_upload_bytes()
    for m in members:
        if m.file_size > limit:
            raise BulkError(
                f"{_shown(m.filename)} unpacks to {_mb(m.file_size)} MB, more than the "
                f"{settings.MAX_UPLOAD_MB} MB limit for one file: refused (zip bomb guard)."
            )
        if m.file_size and (
            m.compress_size == 0 or m.file_size / m.compress_size > settings.MAX_ZIP_RATIO
        ):
            ratio = m.file_size / m.compress_size if m.compress_size else float("inf")
            raise BulkError(
                f"{_shown(m.filename)} is packed {ratio:,.0f} to 1, more than the limit of "
                f"{settings.MAX_ZIP_RATIO} to 1: refused (zip bomb guard)."
            )


def iter_zip(data: bytes) -> Iterator[tuple[str, Callable[[], bytes] | None, str]]:
    """Yields (name, reader or None, problem) for each member, after the bomb checks.

    The checks run on the whole list before the first member is yielded, so a caller that
    stores as it goes has stored nothing when the archive is refused.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise BulkError("The upload is not a readable zip archive.") from exc
    members = [m for m in archive.infolist() if not m.is_dir()]
    _check_members(members)
    for m in members:
        name = _safe_name(m.filename)
        if name is None:
            yield (
                _shown(m.filename),
                None,
                "unsafe file name (absolute, '..' or control characters): skipped",
            )
            continue
        if m.flag_bits & 0x1:
            yield name, None, "encrypted: cqdlab cannot unpack it without its password"
            continue

        def reader(member=m) -> bytes:
            try:
                with archive.open(member) as fh:
                    # One byte past the stated size: a lying header cannot smuggle more.
                    content = fh.read(member.file_size + 1)
            except _UNPACK_ERRORS as exc:
                raise BulkError(f"could not be unpacked ({type(exc).__name__})") from exc
            if len(content) > member.file_size:
                raise BulkError("member larger than its header says")
            return content

        yield name, reader, ""


def import_files(
    *,
    user,
    files: Iterable[tuple[str, Callable[[], bytes] | None, str]],
    manifest: dict[str, ManifestRow] | None = None,
    default_target: Model | None = None,
    progress: Callable[[ReportLine], None] | None = None,
) -> list[ReportLine]:
    finder = TargetFinder(user)
    report = []
    with lifecycle.announced_together():
        for name, reader, problem in files:
            base = posixpath.basename(name)
            if base in MANIFEST_NAMES or base.startswith(".") or "__MACOSX" in name:
                continue
            line = ReportLine(file=name)
            if reader is None:
                line.status, line.message = "failed", problem
            else:
                _import_one(user, name, reader, manifest, default_target, finder, line)
            report.append(line)
            if progress:
                progress(line)
    return report


def _import_one(user, name, reader, manifest, default_target, finder, line) -> None:
    options = services.UploadOptions()
    row = (manifest or {}).get(name) or (manifest or {}).get(posixpath.basename(name))
    if row is not None:
        target = finder.find(row.target_code, row.target_type)
        options = row.options
        if target is None:
            line.status = "failed"
            line.message = f"no {row.target_type} '{row.target_code}' in your projects"
            return
    else:
        target = finder.from_path(name) or default_target
    if target is None:
        line.status = "failed"
        line.message = (
            "no target: put the file in a folder named by a device, film or "
            "synthesis code, or list it in manifest.csv"
        )
        return
    line.target = target.code
    try:
        measurement, created = services.measurement_create(
            user=user,
            target=target,
            data=reader(),
            filename=posixpath.basename(name),
            options=options,
        )
    except (services.UploadError, BulkError) as exc:
        line.status, line.message = "failed", str(exc)
        return
    line.status = "created" if created else "duplicate"
    line.measurement_id = measurement.id
    line.kind = measurement.kind
    line.format = measurement.format
    line.target_type = measurement.target_type
    line.target_id = target.pk


def import_zip(
    *, user, data: bytes, default_target: Model | None = None, manifest_text: str | None = None
) -> list[ReportLine]:
    files = list(iter_zip(data))
    manifest = None
    if manifest_text is None:
        for name, reader, _ in files:
            if reader is not None and posixpath.basename(name) in MANIFEST_NAMES:
                try:
                    manifest_text = reader().decode("utf-8-sig")
                except UnicodeDecodeError as exc:
                    raise BulkError(f"{name} is not UTF-8 text: save it as CSV UTF-8.") from exc
                break
    if manifest_text:
        manifest = read_manifest(manifest_text)
    return import_files(user=user, files=files, manifest=manifest, default_target=default_target)
