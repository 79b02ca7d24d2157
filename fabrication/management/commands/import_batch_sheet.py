from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from core.models import Project
from fabrication.batch_sheets.problems import BatchSheetError
from fabrication.batch_sheets.reader import read_workbook
from fabrication.batch_sheets.services import batch_import


class Command(BaseCommand):
    help = "Import a batch sheet (.xlsx: the cqdlab template or a HySprint experiment file)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--project", required=True, help="project code")
        parser.add_argument("--user", required=True, help="username recorded as created_by")

    def handle(self, *args, path: Path, project: str, user: str, **options):
        target = Project.objects.filter(code=project).first()
        if target is None:
            raise CommandError(f"No project '{project}'.")
        who = get_user_model().objects.filter(username=user).first()
        if who is None:
            raise CommandError(f"No user '{user}'.")
        try:
            plan = read_workbook(path.read_bytes())
            batch = batch_import(user=who, project=target, plan=plan)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        except BatchSheetError as exc:
            raise CommandError("Nothing imported:\n" + "\n".join(exc.messages)) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self._report(batch, plan)

    def _report(self, batch, plan) -> None:
        out = self.stdout
        out.write(
            f"Created batch {batch.code} (id {batch.pk}) in project {batch.project.code} "
            f"from a {plan.layout} sheet:"
        )
        for variant in batch.variants.select_related("stack", "ink").order_by("code"):
            substrates = variant.substrates.all()
            devices = sum(s.devices.count() for s in substrates)
            stack = (
                f"stack {variant.stack.code} ({variant.stack.layers.count()} layers)"
                if variant.stack
                else "no stack"
            )
            ink = f"ink {variant.ink.code}" if variant.ink else "no ink"
            out.write(
                f"  variant {variant.code} [{variant.role}] {variant.name}: {stack}, {ink}, "
                f"{len(substrates)} substrate(s), {devices} device(s)"
            )
        for note in plan.notes:
            out.write(f"  note: {note}")
