"""The on-disk queue: a small SQLite file in the state folder, so nothing is lost on a restart."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

# waiting: seen, size not yet stable; queued: stable, to be sent (at next_try);
# sent / duplicate (content already sent) / failed (refused, final) / unrouted: done.
STATES = ("waiting", "queued", "sent", "duplicate", "failed", "unrouted")
DONE = ("sent", "duplicate", "failed", "unrouted")

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime REAL NOT NULL,
    stable_since REAL NOT NULL,
    sha256 TEXT,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    posts INTEGER NOT NULL DEFAULT 0,
    next_try REAL NOT NULL DEFAULT 0,
    http_status INTEGER,
    measurement TEXT,
    last_outcome TEXT,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sent (
    sha256 TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    measurement TEXT,
    sent_at REAL NOT NULL
);
"""


@dataclass
class Entry:
    path: str
    size: int
    mtime: float
    stable_since: float
    sha256: str | None
    state: str
    attempts: int
    posts: int
    next_try: float
    http_status: int | None
    measurement: str | None
    last_outcome: str | None
    updated_at: float


class Queue:
    """One SQLite file; the watcher thread and the sender share it through one lock."""

    def __init__(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.path = state_dir / "queue.sqlite3"
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        with self._lock:
            self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def get(self, path: str) -> Entry | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM files WHERE path = ?", (path,)).fetchone()
        return Entry(**dict(row)) if row else None

    def entries(self, state: str | None = None) -> list[Entry]:
        sql, args = "SELECT * FROM files", ()
        if state:
            sql, args = sql + " WHERE state = ?", (state,)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY updated_at", args).fetchall()
        return [Entry(**dict(r)) for r in rows]

    def seen(self, path: str, size: int, mtime: float, now: float) -> None:
        """A (new or changed) file: wait for it to stop growing from now on."""
        with self._lock:
            self._db.execute(
                "INSERT INTO files (path, size, mtime, stable_since, state, updated_at)"
                " VALUES (?, ?, ?, ?, 'waiting', ?)"
                " ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime,"
                " stable_since = excluded.stable_since, state = 'waiting', sha256 = NULL,"
                " attempts = 0, next_try = 0, updated_at = excluded.updated_at",
                (path, size, mtime, now, now),
            )

    def forget(self, path: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM files WHERE path = ? AND state = 'waiting'", (path,))

    def update(self, path: str, **fields: object) -> None:
        assert fields and set(fields) <= set(Entry.__dataclass_fields__)
        sets = ", ".join(f"{k} = ?" for k in fields)
        with self._lock:
            self._db.execute(f"UPDATE files SET {sets} WHERE path = ?", (*fields.values(), path))

    def due(self, now: float) -> list[Entry]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM files WHERE state = 'queued' AND next_try <= ? ORDER BY next_try",
                (now,),
            ).fetchall()
        return [Entry(**dict(r)) for r in rows]

    def next_try(self) -> float | None:
        """When the earliest queued file is due, None when nothing is queued."""
        with self._lock:
            row = self._db.execute(
                "SELECT MIN(next_try) FROM files WHERE state = 'queued'"
            ).fetchone()
        return row[0]

    def sent_as(self, sha256: str) -> str | None:
        """The measurement a content was already sent as ('' when unknown), else None."""
        with self._lock:
            row = self._db.execute("SELECT * FROM sent WHERE sha256 = ?", (sha256,)).fetchone()
        return None if row is None else (row["measurement"] or "")

    def record_sent(self, sha256: str, path: str, measurement: str | None, now: float) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO sent (sha256, path, measurement, sent_at) VALUES (?,?,?,?)",
                (sha256, path, measurement, now),
            )

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT state, COUNT(*) FROM files GROUP BY state").fetchall()
        found = {r[0]: r[1] for r in rows}
        return {state: found.get(state, 0) for state in STATES}
