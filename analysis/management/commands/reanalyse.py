"""Queue measurements for analysis again, e.g. after an analysis change."""

from django.core.management.base import BaseCommand, CommandError

from analysis.compute import ANALYSIS_VERSION
from analysis.selectors.losses import outdated_devices, store_losses
from core.api import is_id
from fabrication.models import Device
from measurements import kinds, lifecycle
from measurements.models import Measurement


class Command(BaseCommand):
    help = "Re-analyse one measurement, a batch, a kind, the outdated ones, or everything."

    def add_arguments(self, parser):
        parser.add_argument("--measurement", help="id or code")
        parser.add_argument("--batch", help="batch code: every measurement of its devices")
        parser.add_argument("--kind", choices=kinds.analysed_names())
        parser.add_argument(
            "--outdated",
            action="store_true",
            help=f"only those not analysed with version {ANALYSIS_VERSION}",
        )
        parser.add_argument("--failed", action="store_true", help="only failed ones")
        parser.add_argument(
            "--losses",
            action="store_true",
            help="only rebuild the stored loss rows that are missing or outdated (as --outdated"
            " does too); --all with it rebuilds every loss row",
        )
        parser.add_argument("--all", action="store_true", help="every measurement")

    def handle(self, *args, **o):
        if o["losses"] or o["outdated"]:
            # Stored loss rows (issue 16) missing (devices from before them) or of another
            # analysis version; rows whose inputs are re-analysed below are written again then.
            devices = Device.objects.all() if o["losses"] and o["all"] else outdated_devices()
            n = len(store_losses(devices.values_list("id", flat=True)))
            self.stdout.write(f"{n} device loss row(s) rebuilt.")
            if o["losses"]:
                return
        qs = Measurement.objects.exclude(kind=kinds.ATTACHMENT)
        if o["measurement"]:
            value = o["measurement"]
            qs = qs.filter(id=int(value)) if is_id(value) else qs.filter(code=value)
        if o["batch"]:
            qs = qs.filter(device__substrate__batch__code=o["batch"])
        if o["kind"]:
            qs = qs.filter(kind=o["kind"])
        if o["outdated"]:
            qs = qs.exclude(analysis_version=ANALYSIS_VERSION)
        if o["failed"]:
            qs = qs.filter(status="failed")
        if not any(o[k] for k in ("measurement", "batch", "kind", "outdated", "failed", "all")):
            raise CommandError("Say what to re-analyse (--all for everything).")
        queued = sum(lifecycle.requeue(m) for m in qs.iterator())
        self.stdout.write(f"{queued} measurement(s) queued for analysis.")
