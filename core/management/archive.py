"""The backup archive's format, shared by ``manage.py backup`` and ``manage.py restore``.

One ``.tar.gz`` holding ``dump.jsonl`` (every app's rows, in the format dumpdata writes),
``blobs/<storage name>`` (every file a ``FileField`` of any model points at, read through
``default_storage``) and ``manifest.json`` (checksums, counts, migration state). Core knows no
domain app: the files are found by introspecting every model's file fields, not by naming the
raw files' table.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, router
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Model

FORMAT = "cqdlab-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DUMP = "dump.jsonl"
BLOBS = "blobs"
# What a freshly migrated database already holds (content types, permissions) or what must not
# outlive the deployment (sessions: whoever holds the archive could log in with them). Foreign
# keys to content types and permissions are dumped by natural key, so they resolve after restore.
NOT_DUMPED = ("contenttypes", "auth.Permission", "sessions")
CHUNK = 1024 * 1024


class ArchiveError(ValueError):
    """An archive that cannot be trusted or used; the message names the problem and the file."""


@dataclass(frozen=True)
class Blob:
    name: str  # the storage name, as the database row holds it
    sha256: str
    size: int

    @property
    def member(self) -> str:
        return f"{BLOBS}/{self.name}"

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "sha256": self.sha256, "size": self.size}


def sha256_of_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def dumped_models() -> list[type[Model]]:
    """Every concrete model whose rows go into the dump (all apps, less ``NOT_DUMPED``)."""
    skipped_apps = {label for label in NOT_DUMPED if "." not in label}
    skipped_models = {label.lower() for label in NOT_DUMPED if "." in label}
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label not in skipped_apps
        and model._meta.label_lower not in skipped_models
        and not model._meta.proxy
        and model._meta.managed
    ]


class _FullPrecisionEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder cuts times to milliseconds; a restore gives back the very same rows."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        return super().default(o)


def _objects(ordered: list[type[Model]], using: str) -> Iterator[Model]:
    for model in ordered:
        if router.allow_migrate_model(using, model):
            rows = model._base_manager.using(using).order_by(model._meta.pk.name)
            yield from rows.iterator(chunk_size=2000)


def write_dump(path: Path, using: str) -> None:
    """What ``dumpdata --all --natural-foreign --format jsonl`` writes (so ``loaddata`` reads it),
    less ``NOT_DUMPED``, with times to the microsecond."""
    by_app: dict[Any, list[type[Model]]] = {}
    for model in dumped_models():
        by_app.setdefault(model._meta.app_config, []).append(model)
    # Models with natural keys (users) first, so rows naming them by key load in order.
    ordered = serializers.sort_dependencies(by_app.items(), allow_cycles=True)
    with path.open("w", encoding="utf-8") as stream:
        serializers.serialize(
            "jsonl",
            _objects(ordered, using),
            stream=stream,
            use_natural_foreign_keys=True,
            cls=_FullPrecisionEncoder,
        )


def row_counts(using: str) -> dict[str, int]:
    """Rows per dumped model, through the base manager (dumpdata runs with ``--all``)."""
    counts = {
        model._meta.label_lower: model._base_manager.using(using).count()
        for model in dumped_models()
    }
    return {label: n for label, n in sorted(counts.items()) if n}


def referenced_files(using: str) -> list[str]:
    """Every storage name a file field of any model points at (no domain app named)."""
    names: set[str] = set()
    for model in dumped_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                rows = model._base_manager.using(using).exclude(**{field.attname: ""})
                values = rows.values_list(field.attname, flat=True)
                names.update(value for value in values.iterator() if value)
    return sorted(names)


def applied_migrations(connection) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app_label, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app_label, []).append(name)
    return applied


def cqdlab_version() -> str:
    try:
        with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as fh:
            return str(tomllib.load(fh)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def check_storage_name(name: str) -> None:
    """A name from a manifest is written to the media store: it must stay inside it."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name:
        raise ArchiveError(f"manifest.json: blob name '{name}' is not a safe storage name.")


def read_manifest(root: Path) -> dict[str, Any]:
    path = root / MANIFEST
    if not path.is_file():
        raise ArchiveError(f"The archive has no {MANIFEST}: it was not made by manage.py backup.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArchiveError(f"{MANIFEST} is not valid JSON: {exc}.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(f"{MANIFEST} does not describe a {FORMAT} archive.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArchiveError(
            f"{MANIFEST}: format version {manifest.get('format_version')!r} is not the "
            f"{FORMAT_VERSION} this cqdlab reads."
        )
    for key, kind in (("dump", dict), ("blobs", list), ("counts", dict), ("migrations", dict)):
        if not isinstance(manifest.get(key), kind):
            shape = "an object" if kind is dict else "a list"
            raise ArchiveError(f"{MANIFEST} lacks '{key}' ({shape}).")
    return manifest


def manifest_blobs(manifest: dict[str, Any]) -> list[Blob]:
    try:
        blobs = [Blob(str(b["name"]), str(b["sha256"]), int(b["size"])) for b in manifest["blobs"]]
    except (TypeError, KeyError, ValueError) as exc:
        raise ArchiveError(f"{MANIFEST}: a blob entry lacks its name, sha256 or size.") from exc
    for blob in blobs:
        check_storage_name(blob.name)
    return blobs


def checksum_problems(root: Path, manifest: dict[str, Any]) -> Iterator[str]:
    """Every file of the archive whose bytes are not those the manifest states."""
    dump = manifest["dump"]
    entries = [(DUMP, dump.get("sha256"), dump.get("size"))]
    entries += [(blob.member, blob.sha256, blob.size) for blob in manifest_blobs(manifest)]
    for member, sha, size in entries:
        path = root / member
        if not path.is_file():
            yield f"{member}: listed in {MANIFEST} but not in the archive"
            continue
        found_sha, found_size = sha256_of_file(path)
        if (found_sha, found_size) != (sha, size):
            yield (
                f"{member}: sha256 {found_sha} ({found_size} bytes) where {MANIFEST} states "
                f"{sha} ({size} bytes)"
            )
