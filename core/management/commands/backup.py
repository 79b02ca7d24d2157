"""``manage.py backup PATH``: the database and every stored file in one checksummed archive."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from core.management import archive


def _dump_consistently(dump_path: Path, alias: str) -> dict[str, Any]:
    """The dump, the row counts and the list of referenced files from one snapshot of the
    database, so the archive never holds a row whose file it lacks (or the reverse)."""
    connection = connections[alias]
    # Inside a caller's transaction (a test) the snapshot is the caller's.
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=alias):
        if connection.vendor == "postgresql" and outermost:
            # First statement of the transaction: every query below sees the same snapshot.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        # SQLite: one transaction holds its read lock (or WAL snapshot) until the end.
        archive.write_dump(dump_path, alias)
        return {
            "counts": archive.row_counts(alias),
            "files": archive.referenced_files(alias),
            "migrations": archive.applied_migrations(connection),
        }


def _add_bytes(tar: tarfile.TarFile, member: str, data: bytes, mtime: float) -> None:
    info = tarfile.TarInfo(member)
    info.size, info.mtime, info.mode = len(data), mtime, 0o644
    tar.addfile(info, io.BytesIO(data))


def _copy_files(
    tar: tarfile.TarFile, names: list[str], mtime: float
) -> tuple[list[dict[str, Any]], list[str]]:
    """Each stored file into the archive with its sha256; returns (blobs, names missing).

    Outside the transaction: stored files are content-addressed and never rewritten, so copying
    them after the snapshot cannot disagree with it, and holds no lock meanwhile."""
    blobs, missing = [], []
    for name in names:
        if not default_storage.exists(name):
            missing.append(name)
            continue
        with default_storage.open(name, "rb") as fh:
            data = fh.read()
        blob = archive.Blob(name, hashlib.sha256(data).hexdigest(), len(data))
        _add_bytes(tar, blob.member, data, mtime)
        blobs.append(blob.as_dict())
    return blobs, missing


def _target(path: str) -> Path:
    target = Path(path)
    if target.is_dir():
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        target = target / f"cqdlab-backup-{stamp}.tar.gz"
    if target.exists():
        raise CommandError(f"{target} exists; a backup never overwrites a file.")
    if not target.parent.is_dir():
        raise CommandError(f"{target.parent} is not a folder.")
    return target


class Command(BaseCommand):
    help = (
        "Write one .tar.gz holding a consistent dump of the database, every raw file it refers "
        "to (read through the media storage, filesystem or S3) and a manifest of sha256 "
        "checksums. PATH is the archive's name, or a folder to put a dated archive in."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--allow-missing",
            action="store_true",
            help="record files missing from the media store in the manifest instead of refusing",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, path: str, allow_missing: bool = False, database: str, **options):
        target = _target(path)
        partial = target.with_name(target.name + ".partial")
        try:
            manifest = self._write(partial, database, allow_missing)
            partial.rename(target)
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(
            f"Backed up {sum(manifest['counts'].values())} rows of "
            f"{len(manifest['counts'])} models and {len(manifest['blobs'])} files to {target}"
        )
        if manifest["missing"]:
            self.stderr.write(f"{len(manifest['missing'])} file(s) were missing: see manifest")

    def _write(self, partial: Path, database: str, allow_missing: bool) -> dict[str, Any]:
        started = timezone.now()
        with tempfile.TemporaryDirectory(prefix="cqdlab-backup-") as tmp:
            dump_path = Path(tmp) / archive.DUMP
            snapshot = _dump_consistently(dump_path, database)
            dump_sha, dump_size = archive.sha256_of_file(dump_path)
            mtime = time.time()
            with tarfile.open(partial, "w:gz") as tar:
                tar.add(dump_path, arcname=archive.DUMP)
                blobs, missing = _copy_files(tar, snapshot["files"], mtime)
                if missing and not allow_missing:
                    listed = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
                    raise CommandError(
                        f"{len(missing)} stored file(s) the database refers to are missing from "
                        f"the media store: {listed}. Run manage.py verify_raw_files; "
                        "--allow-missing backs up without them."
                    )
                manifest = {
                    "format": archive.FORMAT,
                    "format_version": archive.FORMAT_VERSION,
                    "created_at": started.isoformat(),
                    "cqdlab_version": archive.cqdlab_version(),
                    "database_vendor": connections[database].vendor,
                    "migrations": snapshot["migrations"],
                    "not_dumped": list(archive.NOT_DUMPED),
                    "dump": {"name": archive.DUMP, "sha256": dump_sha, "size": dump_size},
                    "counts": snapshot["counts"],
                    "blobs": blobs,
                    "missing": missing,
                }
                text = json.dumps(manifest, indent=1, sort_keys=True).encode()
                _add_bytes(tar, archive.MANIFEST, text, mtime)
        return manifest
