"""Scan the watched folders, wait for files to stop growing, upload each content once."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from pathlib import Path

import requests
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from .config import Config
from .queue import Queue

log = logging.getLogger("cqdlab_agent")

# Answers worth trying again later: the server is busy, overloaded or briefly broken.
RETRY_STATUSES = {408, 425, 429}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def server_message(response: requests.Response) -> str:
    """The server's own words for a refusal, shortened to one log line."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:500].strip() or response.reason
    if isinstance(body, dict) and "error" in body and len(body) == 1:
        return str(body["error"])[:500]
    return str(body)[:500]


class _Wake(FileSystemEventHandler):
    """Watchdog events only wake the loop; the scan decides, so a lost event costs nothing."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def on_any_event(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self.event.set()


class Agent:
    def __init__(self, config: Config, session: requests.Session | None = None) -> None:
        self.config = config
        self.queue = Queue(config.state_dir)
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Token {config.token}"
        self._file_log = _file_handler(config.state_dir)

    def close(self) -> None:
        self.queue.close()
        log.removeHandler(self._file_log)
        self._file_log.close()

    # --- finding files -------------------------------------------------------------------
    def _files(self) -> list[Path]:
        found = []
        for folder in self.config.folders:
            if not folder.is_dir():
                continue
            walker = folder.rglob("*") if self.config.recursive else folder.glob("*")
            found.extend(p for p in walker if p.is_file() and not p.name.startswith("."))
        return found

    def scan(self, now: float | None = None) -> None:
        """Note new or changed files; queue the ones whose size and mtime held still long enough."""
        now = time.time() if now is None else now
        present = set()
        for path in self._files():
            key = str(path.resolve())
            present.add(key)
            try:
                stat = path.stat()
            except OSError:
                continue  # removed between listing and stat
            entry = self.queue.get(key)
            if entry is None or (entry.size, entry.mtime) != (stat.st_size, stat.st_mtime):
                self.queue.seen(key, stat.st_size, stat.st_mtime, now)
                continue
            if entry.state == "waiting" and now - entry.stable_since >= self.config.stable_seconds:
                self._queue_stable(path, key, stat.st_size, stat.st_mtime, now)
        for entry in self.queue.entries("waiting"):
            if entry.path not in present:
                self.queue.forget(entry.path)

    def _queue_stable(self, path: Path, key: str, size: int, mtime: float, now: float) -> None:
        try:
            sha = sha256_of(path)
            stat = path.stat()
        except OSError as exc:
            log.warning("%s: cannot read yet (%s)", path, exc)
            return
        if (stat.st_size, stat.st_mtime) != (size, mtime):
            self.queue.seen(key, stat.st_size, stat.st_mtime, now)  # grew while hashing
            return
        routed = self.config.route(path.name)
        if routed is None:
            self.queue.update(
                key, sha256=sha, state="unrouted", last_outcome="no rule matches", updated_at=now
            )
            log.warning("%s: skipped, no rule matches this file name", path)
            return
        self.queue.update(key, sha256=sha, state="queued", next_try=now, updated_at=now)

    # --- sending -------------------------------------------------------------------------
    def send_due(self, now: float | None = None) -> int:
        """Try every queued file that is due; the number of files tried."""
        now = time.time() if now is None else now
        due = self.queue.due(now)
        for entry in due:
            self._send(entry, now)
        return len(due)

    def _send(self, entry, now: float) -> None:
        path = Path(entry.path)
        already = self.queue.sent_as(entry.sha256)
        if already is not None:
            outcome = f"same content already sent (measurement {already or '?'})"
            self.queue.update(entry.path, state="duplicate", last_outcome=outcome, updated_at=now)
            log.info("%s: not sent again, %s", path, outcome)
            return
        routed = self.config.route(path.name)
        if routed is None:  # the rules changed since it was queued
            self.queue.update(
                entry.path, state="unrouted", last_outcome="no rule matches", updated_at=now
            )
            return
        rule, target, code = routed
        data = {target: code}
        if rule.kind:
            data["kind"] = rule.kind
        if rule.format:
            data["format"] = rule.format
        if rule.profile:
            data["profile"] = rule.profile
        attempts = entry.attempts + 1
        try:
            if sha256_of(path) != entry.sha256:  # rewritten after it was queued: wait again
                stat = path.stat()
                self.queue.seen(entry.path, stat.st_size, stat.st_mtime, now)
                return
            with path.open("rb") as fh:
                response = self.session.post(
                    f"{self.config.api}/measurements/",
                    data=data,
                    files={"file": (path.name, fh)},
                    timeout=self.config.timeout_seconds,
                )
        except FileNotFoundError:
            self.queue.update(
                entry.path, state="failed", last_outcome="file vanished before upload"
            )
            log.error("%s: failed, the file vanished before upload", path)
            return
        except (requests.ConnectionError, requests.Timeout) as exc:
            self._retry(entry.path, attempts, now, f"network: {type(exc).__name__}: {exc}")
            return
        except OSError as exc:  # e.g. still locked by the instrument software on Windows
            self._retry(entry.path, attempts, now, f"cannot read: {exc}")
            return
        posts = entry.posts + 1
        status = response.status_code
        if status in (200, 201):
            body = response.json()
            measurement = str(body.get("code") or body.get("id") or "")
            self.queue.record_sent(entry.sha256, entry.path, measurement, now)
            stored = "stored" if status == 201 else "already stored"
            outcome = f"{stored} as measurement {measurement} on {target} {code}"
            self.queue.update(
                entry.path,
                state="sent",
                attempts=attempts,
                posts=posts,
                http_status=status,
                measurement=measurement,
                last_outcome=outcome,
                updated_at=now,
            )
            log.info("%s: %s", path, outcome)
        elif status >= 500 or status in RETRY_STATUSES:
            self.queue.update(entry.path, posts=posts, http_status=status)
            self._retry(entry.path, attempts, now, f"HTTP {status}: {server_message(response)}")
        else:
            outcome = f"refused, HTTP {status}: {server_message(response)}"
            self.queue.update(
                entry.path,
                state="failed",
                attempts=attempts,
                posts=posts,
                http_status=status,
                last_outcome=outcome,
                updated_at=now,
            )
            log.error("%s: %s (not retried)", path, outcome)

    def _retry(self, key: str, attempts: int, now: float, why: str) -> None:
        # Exponential back-off, capped, so a long outage costs few requests but heals soon after.
        delay = min(
            self.config.retry_base_seconds * 2 ** (attempts - 1), self.config.retry_max_seconds
        )
        self.queue.update(
            key, attempts=attempts, next_try=now + delay, last_outcome=why, updated_at=now
        )
        log.warning("%s: will retry in %.1f s (attempt %d): %s", key, delay, attempts, why)

    # --- the loop ------------------------------------------------------------------------
    def run_once(self, now: float | None = None) -> None:
        self.scan(now)
        self.send_due(now)

    def watch(self, stop: threading.Event | None = None) -> None:
        """Run until stop is set (or Ctrl-C): watchdog events plus a periodic rescan."""
        stop = stop or threading.Event()
        wake = threading.Event()
        observer = Observer()
        for folder in self.config.folders:
            if folder.is_dir():
                observer.schedule(_Wake(wake), str(folder), recursive=self.config.recursive)
            else:
                log.warning("%s: not a folder, only rescanned in case it appears", folder)
        observer.start()
        log.info("watching %s", ", ".join(str(f) for f in self.config.folders))
        # Short ticks while anything waits for stability or a retry; the full rescan interval
        # otherwise (events may be lost on network drives, so the rescan is the safety net).
        tick = max(min(self.config.stable_seconds / 2, 1.0), 0.05)
        try:
            while not stop.is_set():
                self.run_once()
                wait = self.config.rescan_seconds
                if self.queue.counts()["waiting"]:
                    wait = tick
                next_try = self.queue.next_try()
                if next_try is not None:
                    wait = min(wait, max(next_try - time.time(), tick))
                wake.wait(wait)
                wake.clear()
        except KeyboardInterrupt:
            log.info("stopped")
        finally:
            observer.stop()
            observer.join(timeout=5)


def _file_handler(state_dir: Path) -> logging.Handler:
    """Each file's outcome also goes to agent.log in the state folder, for the lab to read later."""
    handler = logging.FileHandler(state_dir / "agent.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    if log.level == logging.NOTSET:
        log.setLevel(logging.INFO)
    return handler
