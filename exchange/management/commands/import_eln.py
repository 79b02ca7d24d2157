"""Import an .eln written by cqdlab into an empty project."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.access import can_manage
from core.models import Project
from exchange.importer import ImportRefused, import_eln
from measurements.lifecycle import announced_together


class Command(BaseCommand):
    help = (
        "Import an .eln file exported by cqdlab into an empty project (the user must manage "
        "it). Nothing is stored when the file is refused; measurements are analysed again."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--project", required=True, help="code of the empty target project")
        parser.add_argument("--user", required=True, help="who imports (a manager of the project)")

    def handle(self, *args, path, project, user, **options):
        importer = get_user_model().objects.filter(username=user).first()
        if importer is None:
            raise CommandError(f"No user '{user}'.")
        target = Project.objects.filter(code=project).first()
        if target is None:
            raise CommandError(f"No project '{project}'.")
        if not can_manage(importer, target.id):
            raise CommandError(f"{user} does not manage project '{project}'.")
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"{source} is not a file.")
        try:
            with announced_together():  # the re-analysis goes to the workers in chunks
                report = import_eln(source.read_bytes(), target, importer)
        except ImportRefused as exc:
            raise CommandError(exc.message) from exc
        made = ", ".join(f"{n} {name}" for name, n in report.created.items())
        self.stdout.write(
            f"Imported into {report.project}: {made}; {report.measurements_queued} "
            "measurements queued for analysis."
        )
