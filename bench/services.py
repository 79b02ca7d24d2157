"""The bench's own database and processes: create/drop a PostgreSQL database with psql,
migrate it, start gunicorn and a Celery worker on loopback, stop them by their own ids."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .common import ROOT

BIN = Path(sys.executable).parent
# BENCH_DB_NAME lets two people (or a bench and a helper) bench one server at once.
BENCH_DB = os.environ.get("BENCH_DB_NAME", "cqdlab_bench")
# Not the suite's Redis database 15: a concurrent `make test` purges it and its flow-test
# worker would take our tasks (and find no such rows in its own database).
BENCH_BROKER_DB = int(os.environ.get("BENCH_BROKER_DB", "13"))


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


def is_redis(url: str) -> bool:
    return url.startswith(("redis://", "rediss://"))


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def bench_broker(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{BENCH_BROKER_DB}", "", ""))


@dataclass(frozen=True)
class Postgres:
    """psql access to the server of a DATABASE_URL (loopback, trust auth in the lab setup)."""

    url: str

    def _args(self) -> list[str]:
        p = urlsplit(self.url)
        args = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres"]
        args += ["-h", p.hostname or "127.0.0.1", "-p", str(p.port or 5432)]
        args += ["-U", p.username or "postgres"]
        return args

    def _env(self) -> dict[str, str]:
        env = {**os.environ, "PGOPTIONS": "-c client_min_messages=warning"}
        password = urlsplit(self.url).password
        if password:
            env["PGPASSWORD"] = password
        return env

    def sql(self, statement: str) -> None:
        subprocess.run([*self._args(), "-c", statement], check=True, env=self._env(), timeout=120)

    def recreate(self, name: str) -> None:
        self.drop(name)
        self.sql(f'CREATE DATABASE "{name}"')

    def drop(self, name: str) -> None:
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class BenchDatabase:
    """The bench database on the server of DATABASE_URL, or a temporary SQLite file."""

    def __init__(self, server_url: str):
        self.server_url = server_url
        self.is_postgres = is_postgres(server_url)
        if self.is_postgres:
            self.url = with_database(server_url, BENCH_DB)
            self.path = None
        else:
            self.path = Path(tempfile.gettempdir()) / f"cqdlab-bench-{os.getpid()}.sqlite3"
            self.url = f"sqlite:///{self.path}"

    def recreate(self) -> None:
        if self.is_postgres:
            Postgres(self.server_url).recreate(BENCH_DB)
        else:
            self.drop()

    def drop(self) -> None:
        if self.is_postgres:
            Postgres(self.server_url).drop(BENCH_DB)
        elif self.path is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)


def migrate(database_url: str) -> float:
    """``manage.py migrate`` against ``database_url``; returns seconds taken."""
    env = {**os.environ, "DATABASE_URL": database_url}
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=600,
    )
    return time.perf_counter() - t0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_env(database_url: str, broker_url: str, media_root: Path) -> dict[str, str]:
    """DEBUG off as in production; plain HTTP on loopback, so no SSL redirect."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cqdlab.settings",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "MEDIA_ROOT": str(media_root),
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY", "bench-only-" + "x" * 40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "LOG_LEVEL": "WARNING",
    }


class Process:
    """A child in its own session, so stopping it stops its own workers and nothing else."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path):
        self.name = name
        self.log = log
        self._fh = log.open("wb")
        self.popen = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=self._fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 20.0) -> None:
        if self.alive:
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(10)
            except ProcessLookupError:
                pass
        self._fh.close()

    def tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start_gunicorn(env: dict[str, str], port: int, log: Path, timeout_s: int) -> Process:
    return Process(
        "gunicorn",
        [
            str(BIN / "gunicorn"),
            "cqdlab.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "2",
            "--timeout",
            str(timeout_s),
        ],
        env,
        log,
    )


def start_worker(env: dict[str, str], node: str, log: Path) -> Process:
    return Process(
        "celery",
        [
            str(BIN / "celery"),
            "-A",
            "cqdlab",
            "worker",
            "--concurrency",
            "2",
            "-l",
            "warning",
            "--without-mingle",
            "--without-gossip",
            "-n",
            f"{node}@%h",
        ],
        env,
        log,
    )


def wait_http(url: str, process: Process, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive:
            raise RuntimeError(f"{process.name} exited:\n{process.tail()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # any HTTP answer (401 without a token) means it serves
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{process.name} did not answer on {url} within {timeout:.0f} s")


def wait_worker(app, node: str, process: Process, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive:
            raise RuntimeError(f"celery worker exited:\n{process.tail()}")
        replies = app.control.ping(timeout=0.5) or []
        if any(node in name for reply in replies for name in reply):
            return
    raise RuntimeError(f"the Celery worker did not answer within {timeout:.0f} s")


_TICK = os.sysconf("SC_CLK_TCK")


def _group_cpu_s(pgid: int) -> float:
    """CPU seconds of every live process in a process group (and the children it reaped)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        if int(fields[2]) == pgid:  # fields after "comm": state ppid pgrp ...
            total += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
    return total / _TICK


def _machine_busy_s() -> float:
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / _TICK


def cpu_snapshot(groups: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far: per named process group, this process (the clients), the machine."""
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    snap = {name: _group_cpu_s(pgid) for name, pgid in groups.items()}
    snap["bench client"] = me.ru_utime + me.ru_stime
    snap["machine"] = _machine_busy_s()
    return snap


def cpu_used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    used = {k: after[k] - before[k] for k in before}
    used["other (PostgreSQL, Redis, kernel)"] = used["machine"] - sum(
        v for k, v in used.items() if k != "machine"
    )
    return used
