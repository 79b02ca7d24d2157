"""``manage.py restore PATH``: an archive of ``manage.py backup`` into an empty database and media
store. Nothing is written before every checksum has been verified."""

from __future__ import annotations

import hashlib
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.base import DeserializationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

from core.management import archive


def _listed(problems: list[str], limit: int = 10) -> str:
    more = f"\n  … and {len(problems) - limit} more" if len(problems) > limit else ""
    return "\n  " + "\n  ".join(problems[:limit]) + more


def _extract(path: Path, into: Path) -> None:
    if not path.is_file():
        raise CommandError(f"{path} is not a file.")
    try:
        with tarfile.open(path, "r:gz") as tar:
            # The "data" filter refuses absolute names, '..', links and devices.
            tar.extractall(into, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise CommandError(f"{path} is not a readable backup archive (.tar.gz): {exc}") from exc


def _rows_present(alias: str) -> list[str]:
    """Models (of those a backup holds) that already have rows in the target database."""
    tables = set(connections[alias].introspection.table_names())
    counts = [
        (model._meta.label_lower, model._base_manager.using(alias).count())
        for model in archive.dumped_models()
        if model._meta.db_table in tables
    ]
    return [f"{label}: {n} row{'s' * (n != 1)}" for label, n in counts if n]


def _stored_sha256(name: str) -> str | None:
    if not default_storage.exists(name):
        return None
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as fh:
        for chunk in iter(lambda: fh.read(archive.CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _blobs_to_write(blobs: list[archive.Blob]) -> list[archive.Blob]:
    """The blobs the media store lacks; one it holds with other bytes is refused."""
    to_write, clashes = [], []
    for blob in blobs:
        found = _stored_sha256(blob.name)
        if found is None:
            to_write.append(blob)
        elif found != blob.sha256:
            clashes.append(f"{blob.name}: the media store holds other bytes (sha256 {found})")
    if clashes:
        raise CommandError("The media store is not empty:" + _listed(clashes))
    return to_write


def _check_migrations(manifest: dict[str, Any], alias: str) -> None:
    here = archive.applied_migrations(connections[alias])
    there = manifest["migrations"]
    if here == there:
        return
    differences = []
    for app in sorted(set(here) | set(there)):
        only_here = sorted(set(here.get(app, [])) - set(there.get(app, [])))
        only_there = sorted(set(there.get(app, [])) - set(here.get(app, [])))
        if only_here:
            differences.append(f"{app}: this code has {', '.join(only_here)}; the archive not")
        if only_there:
            differences.append(f"{app}: the archive has {', '.join(only_there)}; this code not")
    raise CommandError(
        "The archive was made at another migration state (made by cqdlab "
        f"{manifest.get('cqdlab_version', '?')}):"
        + _listed(differences)
        + "\nRestore with the cqdlab version that made it, then upgrade and migrate."
    )


def _verified(root: Path, path: str) -> tuple[dict[str, Any], list[archive.Blob]]:
    """The manifest and its blobs, once every checksum in it holds."""
    try:
        manifest = archive.read_manifest(root)
        blobs = archive.manifest_blobs(manifest)
        problems = list(archive.checksum_problems(root, manifest))
    except archive.ArchiveError as exc:
        raise CommandError(f"{path}: {exc}") from exc
    if problems:
        raise CommandError(
            f"{path} was altered or damaged; nothing was restored:" + _listed(problems)
        )
    return manifest, blobs


def _refuse_a_database_with_data(alias: str) -> None:
    present = _rows_present(alias)
    if present:
        named = ", ".join(present[:8]) + (", …" if len(present) > 8 else "")
        raise CommandError(
            f"The database already holds data in {len(present)} tables ({named}); "
            "restore needs an empty database (a new one, or one only migrate ran on)."
        )


def _load(dump: Path, manifest: dict[str, Any], alias: str) -> dict[str, int]:
    """The dump in one transaction, kept only if the rows per model are the manifest's."""
    with transaction.atomic(using=alias):
        try:
            call_command("loaddata", str(dump), database=alias, verbosity=0)
        except (DeserializationError, DatabaseError) as exc:
            raise CommandError(f"The dump could not be loaded; nothing was: {exc}") from exc
        counts = archive.row_counts(alias)
        if counts != manifest["counts"]:
            raise CommandError(
                f"The loaded rows do not match the manifest: {counts} where it states "
                f"{manifest['counts']}; nothing was loaded."
            )
    return counts


class Command(BaseCommand):
    help = (
        "Restore an archive of manage.py backup into an empty database and media store: every "
        "checksum is verified first, then the database is migrated, the files are written "
        "through the media storage and the dump is loaded in one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, path: str, database: str, **options):
        with tempfile.TemporaryDirectory(prefix="cqdlab-restore-") as tmp:
            root = Path(tmp)
            _extract(Path(path), root)
            manifest, blobs = _verified(root, path)
            _refuse_a_database_with_data(database)
            to_write = _blobs_to_write(blobs)
            call_command("migrate", database=database, interactive=False, verbosity=0)
            _check_migrations(manifest, database)
            # Files first: were the load to fail, the store keeps only unreferenced,
            # content-addressed files (a second restore accepts them); rows never lack a file.
            for blob in to_write:
                self._write_blob(root, blob)
            counts = _load(root / archive.DUMP, manifest, database)
        for label, n in counts.items():
            self.stdout.write(f"{n:8} {label}")
        self.stdout.write(
            f"Restored {sum(counts.values())} rows of {len(counts)} models and {len(blobs)} "
            f"files ({len(blobs) - len(to_write)} already in the media store) from {path}"
        )

    def _write_blob(self, root: Path, blob: archive.Blob) -> None:
        data = (root / blob.member).read_bytes()
        saved = default_storage.save(blob.name, ContentFile(data))
        if saved != blob.name:
            default_storage.delete(saved)
            raise CommandError(f"{blob.name} appeared in the media store during the restore.")
