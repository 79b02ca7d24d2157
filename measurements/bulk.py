"""Many files at once: a zip (API, page) or a folder (manage.py import_measurements).

Each file is mapped to its target by a manifest CSV, or by the folder convention: a file at
``<target code>/<file name>`` belongs to the device, film or synthesis with that code (codes may
contain slashes, e.g. ``B2025-03-10/S1/P1/jv_rev.txt``). Every file is uploaded on its own:
a bad file fails alone, with its reason on its report line.
"""

from __future__ import annotations

import csv
import io
import posixpath
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Model
from django.utils.dateparse import parse_datetime

from core.access import WRITE_ROLES, project_ids_for
from fabrication.models import Device, Film, Synthesis

from . import lifecycle, services

MANIFEST_NAMES = ("manifest.csv", "MANIFEST.csv")
MAX_ZIP_FILES = 5000
MAX_ZIP_RATIO = 200  # uncompressed/compressed: above this a member is treated as a zip bomb


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


def _float(value: str | None) -> float | None:
    value = (value or "").strip()
    return float(value.replace(",", ".")) if value else None


def read_manifest(text: str) -> dict[str, ManifestRow]:
    """Columns: file, and one of device/film/synthesis; optional kind, measured_at, area_cm2,
    irradiance_mw_cm2, temperature_c, notes."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "file" not in reader.fieldnames:
        raise BulkError("The manifest needs a 'file' column (and device, film or synthesis).")
    rows = {}
    for line_no, row in enumerate(reader, start=2):
        targets = [(t, (row.get(t) or "").strip()) for t in ("device", "film", "synthesis")]
        targets = [(t, c) for t, c in targets if c]
        if len(targets) != 1:
            raise BulkError(
                f"Manifest line {line_no}: give exactly one of device, film, synthesis."
            )
        try:
            when = (row.get("measured_at") or "").strip()
            options = services.UploadOptions(
                kind=(row.get("kind") or "").strip() or None,
                measured_at=parse_datetime(when) if when else None,
                area_cm2=_float(row.get("area_cm2")),
                irradiance_mw_cm2=_float(row.get("irradiance_mw_cm2")),
                temperature_c=_float(row.get("temperature_c")),
                notes=(row.get("notes") or "").strip(),
            )
        except ValueError as exc:
            raise BulkError(f"Manifest line {line_no}: {exc}") from exc
        rows[row["file"].strip()] = ManifestRow(targets[0][0], targets[0][1], options)
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


def iter_zip(data: bytes) -> Iterator[tuple[str, Callable[[], bytes] | None, str]]:
    """Yields (name, reader or None, problem) for each member, after the bomb checks."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise BulkError("The upload is not a readable zip archive.") from exc
    members = [m for m in archive.infolist() if not m.is_dir()]
    if len(members) > MAX_ZIP_FILES:
        raise BulkError(f"The archive holds {len(members)} files; the limit is {MAX_ZIP_FILES}.")
    limit = services.max_upload_bytes()
    total = sum(m.file_size for m in members)
    if total > 4 * limit:
        raise BulkError(
            f"The archive unpacks to {total / 1e6:.0f} MB, more than {4 * settings.MAX_UPLOAD_MB}"
            " MB: refused (zip bomb guard)."
        )
    for m in members:
        name = _safe_name(m.filename)
        if name is None:
            yield (
                m.filename.encode("unicode_escape").decode()[:200],
                None,
                ("unsafe file name (absolute, '..' or control characters): skipped"),
            )
            continue
        if m.file_size > limit:
            yield name, None, f"larger than the {settings.MAX_UPLOAD_MB} MB limit"
            continue
        if (
            m.compress_size
            and m.file_size / m.compress_size > MAX_ZIP_RATIO
            and (m.file_size > 1_000_000)
        ):
            yield name, None, "compression ratio too high (zip bomb guard)"
            continue

        def reader(member=m) -> bytes:
            with archive.open(member) as fh:
                # Read one byte past the stated size: a lying header cannot smuggle more.
                content = fh.read(member.file_size + 1)
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


def import_zip(
    *, user, data: bytes, default_target: Model | None = None, manifest_text: str | None = None
) -> list[ReportLine]:
    files = list(iter_zip(data))
    manifest = None
    if manifest_text is None:
        for name, reader, _ in files:
            if reader is not None and posixpath.basename(name) in MANIFEST_NAMES:
                manifest_text = reader().decode("utf-8-sig")
                break
    if manifest_text:
        manifest = read_manifest(manifest_text)
    return import_files(user=user, files=files, manifest=manifest, default_target=default_target)
