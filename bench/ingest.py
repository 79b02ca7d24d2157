"""Section 2: end-to-end ingestion through gunicorn, Redis and a Celery worker on PostgreSQL.

A fresh database (`cqdlab_bench`), migrated; a project with a manager, an API token and the
devices the files name. gunicorn (2 workers) and one Celery worker (concurrency 2) run with
DEBUG off. J-V files are POSTed to /api/v1/measurements/ by 8 client threads, then once more
as one zip to /api/v1/measurements/bulk/ (folder = device code). The clock runs from the first
request to the last 201 (upload) and to the moment every measurement is finished (end to end,
the database polled every 0.1 s). Processes are stopped and the database dropped in any case.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import threading
import time
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from . import services, world
from .common import fmt, median, profile_call, profile_lines, slowest_sql, table, verdict
from .files import generate

FILES, QUICK_FILES = 1000, 100
CLIENTS = 8
TARGET_FILES_PER_S = 100.0
GUNICORN_TIMEOUT_S = 300  # the zip request is one long request; the default 30 s would kill it
DEFAULT_GUNICORN_TIMEOUT_S = 30
REQUEST_TIMEOUT_S = 120
POLL_S = 0.1


def _status_counts(prefix: str) -> dict[str, int]:
    from django.db.models import Count

    from measurements.models import Measurement

    rows = (
        Measurement.objects.filter(device__code__startswith=prefix)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(rows)


def _wait_finished(prefix: str, n: int, t0: float, timeout: float) -> tuple[float | None, dict]:
    """Seconds from t0 until n measurements are succeeded or failed (None on timeout)."""
    deadline = time.monotonic() + timeout
    counts: dict[str, int] = {}
    while time.monotonic() < deadline:
        counts = _status_counts(prefix)
        if counts.get("succeeded", 0) + counts.get("failed", 0) >= n:
            return time.perf_counter() - t0, counts
        time.sleep(POLL_S)
    return None, counts


def _worker_latencies(prefix: str) -> dict[str, float | None]:
    from measurements.models import Measurement

    rows = list(
        Measurement.objects.filter(device__code__startswith=prefix, started_at__isnull=False)
        .exclude(finished_at=None)
        .values_list("queued_at", "started_at", "finished_at")
    )
    wait = [(s - q).total_seconds() * 1e3 for q, s, _ in rows if q]
    work = [(f - s).total_seconds() * 1e3 for _, s, f in rows]
    return {"queue_wait_median_ms": median(wait), "task_median_ms": median(work)}


def _post_files(base: str, token: str, files: list, clients: int = CLIENTS) -> dict[str, Any]:
    import requests

    local = threading.local()
    url = f"{base}/api/v1/measurements/"
    headers = {"Authorization": f"Token {token}"}

    def post(f) -> tuple[int, float, float, str]:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        start = time.perf_counter()
        try:
            r = session.post(
                url,
                headers=headers,
                files={"file": (f.filename, f.content, "text/plain")},
                data={"device": f.target.code},
                timeout=REQUEST_TIMEOUT_S,
            )
            code, body = r.status_code, (r.text[:200] if r.status_code >= 300 else "")
        except requests.RequestException as exc:
            code, body = -1, f"{type(exc).__name__}: {exc}"[:200]
        end = time.perf_counter()
        return code, end - start, end, body

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        answers = list(pool.map(post, files))
    codes = [a[0] for a in answers]
    last = max(a[2] for a in answers)
    latencies = [a[1] * 1e3 for a in answers]
    return {
        "t0": t0,
        "upload_s": last - t0,
        "created": codes.count(201),
        "server_errors": sum(c >= 500 or c < 0 for c in codes),
        "client_errors": sum(400 <= c < 500 for c in codes),
        "request_median_ms": median(latencies),
        "request_p90_ms": float(np.percentile(latencies, 90)),
        "examples": sorted({a[3] for a in answers if a[0] != 201})[:3],
    }


def _post_zip(base: str, token: str, files: list) -> dict[str, Any]:
    import requests

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for f in files:
            archive.writestr(f"{f.target.code}/{f.filename}", f.content)
    data = buffer.getvalue()
    t0 = time.perf_counter()
    try:
        r = requests.post(
            f"{base}/api/v1/measurements/bulk/",
            headers={"Authorization": f"Token {token}"},
            files={"file": ("bench.zip", data, "application/zip")},
            timeout=GUNICORN_TIMEOUT_S + 30,
        )
        code = r.status_code
        counts = r.json().get("counts", {}) if code == 200 else {}
        example = "" if code == 200 else r.text[:200]
    except (requests.RequestException, ValueError) as exc:
        code, counts, example = -1, {}, f"{type(exc).__name__}: {exc}"[:200]
    upload_s = time.perf_counter() - t0
    return {
        "t0": t0,
        "upload_s": upload_s,
        "zip_mb": len(data) / 1e6,
        "http_status": code,
        "created": counts.get("created", 0),
        "report_counts": counts,
        "server_errors": int(code >= 500 or code < 0),
        "client_errors": int(400 <= code < 500),
        "examples": [example] if example else [],
        "longer_than_default_gunicorn_timeout": upload_s > DEFAULT_GUNICORN_TIMEOUT_S,
    }


def _profile_one(warm, f, token: str) -> dict[str, Any]:
    """One upload (API, in-process, token auth) and its analysis task, each under cProfile,
    after an unprofiled upload and task of ``warm`` (imports, URL resolver, broker connection).

    Runs after the timed phases with the worker stopped, so the tasks are run here by id.
    """
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from analysis.pipeline import run_analysis

    client = Client(HTTP_AUTHORIZATION=f"Token {token}")

    def body(g) -> dict:
        return {"file": SimpleUploadedFile(g.filename, g.content), "device": g.target.code}

    first = client.post("/api/v1/measurements/", body(warm))
    if first.status_code == 201:
        run_analysis(first.json()["id"])
    with CaptureQueriesContext(connection) as upload_sql:
        response, upload_prof = profile_call(lambda: client.post("/api/v1/measurements/", body(f)))
    if response.status_code != 201:
        return {"error": f"upload answered {response.status_code}: {response.content[:200]!r}"}
    measurement_id = response.json()["id"]
    with CaptureQueriesContext(connection) as task_sql:
        outcome, task_prof = profile_call(lambda: run_analysis(measurement_id))
    return {
        "upload": {
            "queries": len(upload_sql.captured_queries),
            "sql_ms": sum(float(q["time"]) for q in upload_sql.captured_queries) * 1e3,
            "slowest_sql": slowest_sql(upload_sql.captured_queries),
            "profile": upload_prof,
        },
        "task": {
            "outcome": outcome,
            "queries": len(task_sql.captured_queries),
            "sql_ms": sum(float(q["time"]) for q in task_sql.captured_queries) * 1e3,
            "slowest_sql": slowest_sql(task_sql.captured_queries),
            "profile": task_prof,
        },
    }


def _phase(
    name: str, prefix: str, n: int, send, timeout: float, groups: dict[str, int]
) -> dict[str, Any]:
    cpu_before = services.cpu_snapshot(groups)
    out = send()
    t0 = out.pop("t0")
    expected = out["created"]
    e2e_s, counts = _wait_finished(prefix, expected, t0, timeout) if expected else (None, {})
    cpu = services.cpu_used(cpu_before, services.cpu_snapshot(groups))
    out["cpu_ms_per_file"] = {k: v * 1e3 / n for k, v in cpu.items()}
    wall = e2e_s or (time.perf_counter() - t0)
    out["machine_busy_percent"] = 100.0 * cpu["machine"] / (wall * (os.cpu_count() or 1))
    out.update(
        name=name,
        files=n,
        upload_files_per_s=out["created"] / out["upload_s"] if out["upload_s"] else None,
        end_to_end_s=e2e_s,
        end_to_end_files_per_s=(counts.get("succeeded", 0) / e2e_s) if e2e_s else None,
        succeeded=counts.get("succeeded", 0),
        failed=counts.get("failed", 0),
        unfinished=sum(v for k, v in counts.items() if k not in ("succeeded", "failed")),
        timed_out=e2e_s is None,
        **_worker_latencies(prefix),
    )
    out["all_succeeded"] = out["succeeded"] == n
    return out


def run(
    db: services.BenchDatabase,
    broker_url: str,
    quick: bool = False,
    n: int | None = None,
    clients: int = CLIENTS,
):
    """``db``: the bench database Django was pointed at; ``broker_url``: the given broker."""
    if not (db.is_postgres and services.is_redis(broker_url)):
        return {"skipped": "needs PostgreSQL and Redis"}
    from django.conf import settings
    from django.db import connections

    n = n or (QUICK_FILES if quick else FILES)
    if settings.DATABASES["default"]["NAME"] != services.BENCH_DB:
        raise RuntimeError("python -m bench points Django at the bench database first")
    broker = settings.CELERY_BROKER_URL
    api_files = generate({"jv": n + 2}, seed=21, prefix="U")["jv"]
    spare, api_files = api_files[n:], api_files[:n]  # the spares are profiled at the end
    zip_files = generate({"jv": n}, seed=22, prefix="Z")["jv"]
    tmp = Path(tempfile.mkdtemp(prefix="cqdlab-bench-"))
    processes: list[services.Process] = []
    result: dict[str, Any] = {"files": n, "clients": clients, "broker": broker}
    try:
        db.recreate()
        result["migrate_s"] = services.migrate(db.url)
        lab = world.lab()
        world.devices_for(lab, [f.target for f in [*api_files, *zip_files, *spare]])
        token = world.api_token(lab.user)
        connections.close_all()

        from cqdlab.celery import app

        app.control.purge()  # nothing left from an earlier run may reach this worker
        env = services.production_env(db.url, broker, tmp / "media")
        port = services.free_port()
        node = f"bench-{uuid.uuid4().hex[:8]}"
        processes.append(
            services.start_gunicorn(env, port, tmp / "gunicorn.log", GUNICORN_TIMEOUT_S)
        )
        processes.append(services.start_worker(env, node, tmp / "celery.log"))
        base = f"http://127.0.0.1:{port}"
        services.wait_http(f"{base}/api/v1/", processes[0])
        services.wait_worker(app, node, processes[1])
        timeout = 60.0 + n * 0.5  # bounded: 2 files/s would already be a failure
        groups = {"gunicorn": processes[0].popen.pid, "celery worker": processes[1].popen.pid}
        result["api"] = _phase(
            f"API, {clients} clients",
            "U",
            n,
            lambda: _post_files(base, token, api_files, clients),
            timeout,
            groups,
        )
        result["zip"] = _phase(
            "zip, 1 request", "Z", n, lambda: _post_zip(base, token, zip_files), timeout, groups
        )
        processes[1].stop()  # the profiled task below runs in this process
        result["profile"] = _profile_one(*spare, token)
        app.control.purge()
    finally:
        for p in processes:
            p.stop()
        if processes and any(p.popen.returncode not in (0, -15, None) for p in processes):
            result["process_logs"] = {p.name: p.tail() for p in processes}
        connections.close_all()
        db.drop()
        shutil.rmtree(tmp, ignore_errors=True)
    e2e = [result[k]["end_to_end_files_per_s"] for k in ("api", "zip")]
    result["targets"] = {
        "end_to_end_files_per_s": {
            "target": TARGET_FILES_PER_S,
            "api": e2e[0],
            "zip": e2e[1],
            "ok": all(v is not None and v >= TARGET_FILES_PER_S for v in e2e),
        },
        "no_server_errors": {
            "ok": result["api"]["server_errors"] == 0 and result["zip"]["server_errors"] == 0
        },
    }
    return result


def report(result: dict[str, Any]) -> str:
    if "skipped" in result:
        return f"2. end-to-end ingestion: skipped: {result['skipped']}"
    rows = []
    for key in ("api", "zip"):
        r = result[key]
        rows.append(
            [
                r["name"],
                r["files"],
                r["created"],
                r["upload_s"],
                r["upload_files_per_s"],
                r["end_to_end_s"],
                r["end_to_end_files_per_s"],
                r["succeeded"],
                r["failed"],
                r["unfinished"],
                r["server_errors"],
                r["client_errors"],
                r.get("request_median_ms"),
                r["task_median_ms"],
            ]
        )
    parts = [
        table(
            f"2. end-to-end ingestion of J-V files (gunicorn -w 2, celery --concurrency 2, "
            f"PostgreSQL, Redis db {services.BENCH_BROKER_DB}; migrate took "
            f"{result['migrate_s']:.1f} s, not timed)",
            [
                "path",
                "files",
                "created",
                "upload s",
                "upload f/s",
                "e2e s",
                "e2e f/s",
                "succeeded",
                "failed",
                "unfinished",
                "5xx",
                "4xx",
                "req med ms",
                "task med ms",
            ],
            rows,
        ),
        "(upload f/s: files created / time from the first request to the last answer; e2e f/s: "
        "succeeded / time from the first request until every measurement is finished; task: "
        "started_at -> finished_at in the worker)",
    ]
    cpu_names = list(result["api"]["cpu_ms_per_file"])
    parts += [
        "",
        table(
            "CPU per file (ms, from /proc; 'machine' = all busy CPU of the 2 cores)",
            ["path", *cpu_names, "busy %"],
            [
                [
                    result[k]["name"],
                    *(result[k]["cpu_ms_per_file"][c] for c in cpu_names),
                    result[k]["machine_busy_percent"],
                ]
                for k in ("api", "zip")
            ],
        ),
    ]
    t = result["targets"]
    e = t["end_to_end_files_per_s"]
    parts.append(
        f"target: >= {e['target']:g} J-V files/s end to end: {verdict(e['ok'])} "
        f"(API {fmt(e['api'], 1)}, zip {fmt(e['zip'], 1)} files/s)"
    )
    parts.append(f"target: no server errors: {verdict(t['no_server_errors']['ok'])}")
    z = result["zip"]
    if z["longer_than_default_gunicorn_timeout"]:
        parts.append(
            f"note: the zip request took {z['upload_s']:.0f} s, longer than gunicorn's default "
            f"{DEFAULT_GUNICORN_TIMEOUT_S} s worker timeout (docker-compose runs the default); "
            f"the bench runs gunicorn with --timeout {GUNICORN_TIMEOUT_S}"
        )
    for key in ("api", "zip"):
        for example in result[key]["examples"]:
            parts.append(f"{key} error example: {example}")
    prof = result.get("profile") or {}
    if "error" in prof:
        parts.append(f"profile of one upload: {prof['error']}")
    for key, title in (("upload", "one API upload"), ("task", "its analysis task")):
        if key in prof:
            r = prof[key]
            parts += profile_lines(
                f"\n{title}, in-process under cProfile: {r['queries']} SQL queries, "
                f"{r['sql_ms']:.1f} ms in SQL",
                r["slowest_sql"],
                r["profile"],
            )
    for name, tail in (result.get("process_logs") or {}).items():
        parts.append(f"--- {name} log tail ---\n{tail}")
    return "\n".join(parts)
