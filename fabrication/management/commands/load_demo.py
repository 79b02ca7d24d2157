from django.core.management.base import BaseCommand

from fabrication.demo_data import DEMO_PASSWORD, DEMO_USER, create_demo_fabrication


class Command(BaseCommand):
    help = "Load the reference paper's experiment as demo data (idempotent)."

    def handle(self, *args, **options):
        demo = create_demo_fabrication()
        self.stdout.write(
            f"Demo project '{demo.project.code}': {len(demo.devices)} devices. "
            f"Login: {DEMO_USER} / {DEMO_PASSWORD}"
        )
