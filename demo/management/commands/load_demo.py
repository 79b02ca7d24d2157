from django.core.management.base import BaseCommand

from demo.fabrication import DEMO_PASSWORD, DEMO_USER
from demo.load import load_demo


class Command(BaseCommand):
    help = (
        "Load the reference paper's experiment (idempotent): fabrication records, then "
        "generated instrument files uploaded and analysed like real ones."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2025)

    def handle(self, *args, seed: int, **options):
        summary = load_demo(seed=seed)
        self.stdout.write(
            f"Demo project '{summary['project']}': {summary['files']} instrument files "
            f"({summary.get('created', 0)} new, {summary.get('existing', 0)} already there, "
            f"{summary['failed']} failed analyses)."
        )
        self.stdout.write(f"Login: {DEMO_USER} / {DEMO_PASSWORD}")
