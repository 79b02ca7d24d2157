"""Import a folder or zip of measurement files, one report line per file."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from measurements import bulk


def _folder_files(root: Path):
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        yield path.relative_to(root).as_posix(), path.read_bytes, ""


class Command(BaseCommand):
    help = (
        "Import measurement files from a folder or a zip. Files are mapped to targets by a "
        "manifest CSV (columns: file, device|film|synthesis, kind, measured_at, area_cm2, "
        "irradiance_mw_cm2, temperature_c, notes) or by folder: <target code>/<file>."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--user", required=True, help="who uploads (needs member role)")
        parser.add_argument("--manifest", help="manifest CSV (default: manifest.csv inside)")

    def handle(self, *args, path, user, manifest=None, **options):
        uploader = get_user_model().objects.filter(username=user).first()
        if uploader is None:
            raise CommandError(f"No user '{user}'.")
        source = Path(path)
        if not source.exists():
            raise CommandError(f"{source} does not exist.")
        manifest_text = Path(manifest).read_text(encoding="utf-8-sig") if manifest else None
        if source.is_dir():
            if manifest_text is None and (source / "manifest.csv").exists():
                manifest_text = (source / "manifest.csv").read_text(encoding="utf-8-sig")
            files = list(_folder_files(source))
        else:
            try:
                files = list(bulk.iter_zip(source.read_bytes()))
            except bulk.BulkError as exc:
                raise CommandError(str(exc)) from exc
        try:
            parsed_manifest = bulk.read_manifest(manifest_text) if manifest_text else None
        except bulk.BulkError as exc:
            raise CommandError(str(exc)) from exc
        bar = tqdm(total=len(files), unit="file", disable=None, file=self.stderr._out)
        report = bulk.import_files(
            user=uploader,
            files=files,
            manifest=parsed_manifest,
            progress=lambda line: bar.update(1),
        )
        bar.close()
        for line in report:
            where = f" -> {line.target}" if line.target else ""
            detail = f" ({line.kind} #{line.measurement_id})" if line.measurement_id else ""
            message = f": {line.message}" if line.message else ""
            self.stdout.write(f"{line.status:9} {line.file}{where}{detail}{message}")
        counts = {s: sum(r.status == s for r in report) for s in ("created", "duplicate", "failed")}
        self.stdout.write(
            f"{counts['created']} created, {counts['duplicate']} duplicate, "
            f"{counts['failed']} failed"
        )
