from django.core.management.base import BaseCommand

from measurements.lifecycle import sweep_stale


class Command(BaseCommand):
    help = "Re-send measurements left queued (broker was down) and retry or fail stuck ones."

    def handle(self, *args, **options):
        result = sweep_stale()
        self.stdout.write(f"{result['resent']} re-sent, {result['failed']} failed")
