"""``manage.py verify_raw_files``: every raw file's blob is in the media store, byte for byte."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from measurements.models import RawFile

CHUNK = 1024 * 1024


@dataclass
class Problem:
    name: str
    problem: str  # "missing" or "altered"
    sha256: str
    size_bytes: int
    found_sha256: str | None = None
    found_size_bytes: int | None = None
    measurements: list[str] = field(default_factory=list)

    def line(self) -> str:
        used_by = ", ".join(self.measurements) or "no measurement"
        if self.problem == "missing":
            return f"missing  {self.name}  (used by {used_by})"
        return (
            f"altered  {self.name}  sha256 {self.found_sha256} ({self.found_size_bytes} bytes) "
            f"where {self.sha256} ({self.size_bytes} bytes) was stored  (used by {used_by})"
        )


def _hash_stored(name: str) -> tuple[str, int] | None:
    """sha256 and size of a stored blob, read in chunks (filesystem or S3); None if absent."""
    if not default_storage.exists(name):
        return None
    digest, size = hashlib.sha256(), 0
    try:
        with default_storage.open(name, "rb") as fh:
            for chunk in iter(lambda: fh.read(CHUNK), b""):
                digest.update(chunk)
                size += len(chunk)
    except FileNotFoundError:  # deleted between the two calls
        return None
    return digest.hexdigest(), size


def check_raw_file(raw: RawFile) -> Problem | None:
    found = _hash_stored(raw.file.name)
    if found == (raw.sha256, raw.size_bytes):
        return None
    problem = Problem(raw.file.name, "missing", raw.sha256, raw.size_bytes)
    if found is not None:
        problem.problem = "altered"
        problem.found_sha256, problem.found_size_bytes = found
    problem.measurements = sorted(raw.measurements.values_list("code", flat=True))
    return problem


class Command(BaseCommand):
    help = (
        "Check that every raw file's blob exists in the media store and that its sha256 and size "
        "are those recorded at upload. Lists each missing or altered one with the measurements "
        "that use it; exits with status 1 when any is."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="one JSON report on stdout"
        )

    def handle(self, *args, as_json: bool = False, **options):
        checked, problems = 0, []
        for raw in RawFile.objects.order_by("id").iterator(chunk_size=500):
            checked += 1
            problem = check_raw_file(raw)
            if problem is not None:
                problems.append(problem)
                if not as_json:
                    self.stdout.write(problem.line())
        self._report(checked, problems, as_json)
        if problems:
            raise CommandError(
                f"{len(problems)} of {checked} raw files are missing or altered.", returncode=1
            )

    def _report(self, checked: int, problems: list[Problem], as_json: bool) -> None:
        missing = sum(p.problem == "missing" for p in problems)
        if as_json:
            report = {
                "checked": checked,
                "ok": checked - len(problems),
                "missing": missing,
                "altered": len(problems) - missing,
                "problems": [asdict(p) for p in problems],
            }
            self.stdout.write(json.dumps(report, indent=1))
            return
        self.stdout.write(
            f"{checked} raw files checked: {checked - len(problems)} ok, {missing} missing, "
            f"{len(problems) - missing} altered"
        )
