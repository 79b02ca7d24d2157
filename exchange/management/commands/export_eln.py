"""Export a project or a batch as an .eln file."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.models import Project
from exchange import export
from fabrication.models import Batch


class Command(BaseCommand):
    help = "Export a project (--project CODE) or a batch (--batch CODE --project CODE) as .eln."

    def add_arguments(self, parser):
        parser.add_argument("out", help="the .eln file to write")
        parser.add_argument("--project", required=True)
        parser.add_argument("--batch", help="only this batch (and what it was made from)")

    def handle(self, *args, out, project, batch=None, **options):
        target = Project.objects.filter(code=project).first()
        if target is None:
            raise CommandError(f"No project '{project}'.")
        if batch:
            found = Batch.objects.filter(project=target, code=batch).first()
            if found is None:
                raise CommandError(f"No batch '{batch}' in project '{project}'.")
            data = export.export_batch(found)
        else:
            data = export.export_project(target)
        Path(out).write_bytes(data)
        self.stdout.write(f"Wrote {out} ({len(data)} bytes).")
