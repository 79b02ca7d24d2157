"""python -m bench [--quick] [--only parse|ingest|dashboards]

Prints a table per section and writes the same as JSON to bench/out/latest.json. Django is
pointed at the bench's own database before setup (PostgreSQL `cqdlab_bench` on the server of
DATABASE_URL, else a temporary SQLite file), with DEBUG off as in production.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from typing import Any

from . import services
from .common import OUT, machine, table

SECTIONS = ("parse", "ingest", "dashboards")


def _configure(given_db: str, given_broker: str) -> tuple[services.BenchDatabase, str, str]:
    db = services.BenchDatabase(given_db)
    broker = services.bench_broker(given_broker) if services.is_redis(given_broker) else ""
    media = tempfile.mkdtemp(prefix="cqdlab-bench-media-")
    os.environ.update(services.production_env(db.url, broker, media))
    if not broker:
        os.environ.pop("CELERY_BROKER_URL", None)
    sys.path.insert(0, str(services.ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    # DEBUG off links fingerprinted static names, which need the manifest production builds
    # (the same staticfiles/ as `make run`; compressed copies already there are reused).
    call_command("collectstatic", interactive=False, verbosity=0)
    return db, broker, media


def _write(result: dict[str, Any]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "latest.json").write_text(json.dumps(result, indent=2, default=str) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[2])
    parser.add_argument("--quick", action="store_true", help="small sizes, 3 repetitions")
    parser.add_argument("--only", choices=SECTIONS, help="run one section")
    parser.add_argument("--clients", type=int, default=8, help="concurrent upload clients")
    args = parser.parse_args(argv)
    given_db = os.environ.get("DATABASE_URL", "")
    given_broker = os.environ.get("CELERY_BROKER_URL", "")
    db, broker, media = _configure(given_db, given_broker)

    from . import dashboards, ingest, parse_analyse

    started = time.perf_counter()
    result: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "machine": machine(),
        "database": "postgresql" if db.is_postgres else "sqlite (temporary file)",
        "broker": broker or None,
        "sections": {},
    }
    m = result["machine"]
    print(
        table(
            f"cqdlab bench, {result['mode']}, {result['started_at']}",
            ["machine", ""],
            [
                ["cpu", f"{m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB"],
                ["os", m["os"]],
                ["python", m["python"]],
                ["numpy / scipy / pandas", f"{m['numpy']} / {m['scipy']} / {m['pandas']}"],
                ["django", m["django"]],
                ["database", result["database"]],
                ["psql client", m["psql"] or "none"],
                ["broker", broker or "none"],
            ],
        ),
        flush=True,
    )
    runners = {
        "parse": (
            lambda: parse_analyse.run(quick=args.quick),
            parse_analyse.report,
        ),
        "ingest": (
            lambda: ingest.run(db, given_broker, quick=args.quick, clients=args.clients),
            ingest.report,
        ),
        "dashboards": (
            lambda: dashboards.run(db, quick=args.quick),
            dashboards.report,
        ),
    }
    status = 0
    try:
        for name in SECTIONS:
            if args.only and name != args.only:
                continue
            print(flush=True)
            t0 = time.perf_counter()
            run, report = runners[name]
            try:
                section = run()
                text = report(section)
            except Exception as exc:  # noqa: BLE001 - one broken section must not hide the others
                section = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()}
                text = f"{name}: FAILED\n{section['trace']}"
                status = 1
            section["seconds"] = time.perf_counter() - t0
            result["sections"][name] = section
            print(text, flush=True)
            print(f"({name}: {section['seconds']:.0f} s)", flush=True)
            _write(result)
    finally:
        shutil.rmtree(media, ignore_errors=True)
    result["seconds"] = time.perf_counter() - started
    _write(result)
    print(f"\ntotal {result['seconds']:.0f} s; JSON in {OUT / 'latest.json'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
