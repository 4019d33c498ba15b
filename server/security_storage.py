"""A rate-limit store in a small SQLite file, shared by every worker process of one host.

`limits` (under Flask-Limiter) keeps counters in memory by default, one set per process, so
gunicorn's W workers would each count on their own. `chungsuc serve` points the limiter at
this store instead (RATELIMIT_STORAGE_URI=sqlite-file:///<instance>/ratelimits.sqlite3), so
five wrong passwords are five whichever worker answers. Several hosts need a store they all
reach: RATELIMIT_STORAGE_URI=redis://... or memcached://... (see docs/administration.md).

Fixed windows only (the limiter's default strategy): a key's counter and the moment it expires.
The file is separate from the application database on purpose: counters are throw-away, and
are written on every failed login, which must never wait on the records' write lock.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from limits.storage import Storage

SCHEMA = """CREATE TABLE IF NOT EXISTS counters (
    key TEXT PRIMARY KEY, hits INTEGER NOT NULL, expires_at REAL NOT NULL)"""


class SQLiteFileStorage(Storage):
    STORAGE_SCHEME = ["sqlite-file"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = Path(uri.split("://", 1)[1])  # sqlite-file:///abs/path -> /abs/path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(SCHEMA)

    @property
    def base_exceptions(self):
        return sqlite3.Error

    def _connect(self) -> sqlite3.Connection:
        # One short connection per call: safe across threads and forked workers. Counters are
        # throw-away, so no fsync per update (WAL + synchronous=NORMAL).
        conn = sqlite3.connect(self.path, timeout=5, isolation_level=None)
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")  # one writer at a time: no lost increments
            conn.execute("DELETE FROM counters WHERE key = ? AND expires_at <= ?", (key, now))
            conn.execute(
                "INSERT INTO counters (key, hits, expires_at) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET hits = hits + excluded.hits",
                (key, amount, now + expiry),
            )
            (hits,) = conn.execute("SELECT hits FROM counters WHERE key = ?", (key,)).fetchone()
            conn.execute("COMMIT")
            return int(hits)
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()

    def _row(self, key: str):
        conn = self._connect()
        try:
            return conn.execute(
                "SELECT hits, expires_at FROM counters WHERE key = ? AND expires_at > ?",
                (key, time.time()),
            ).fetchone()
        finally:
            conn.close()

    def get(self, key: str) -> int:
        row = self._row(key)
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return float(row[1]) if row else time.time()

    def check(self) -> bool:
        try:
            conn = self._connect()
            try:
                conn.execute("SELECT 1").fetchone()
            finally:
                conn.close()
            return True
        except sqlite3.Error:
            return False

    def reset(self) -> int | None:
        conn = self._connect()
        try:
            return conn.execute("DELETE FROM counters").rowcount
        finally:
            conn.close()

    def clear(self, key: str) -> None:
        conn = self._connect()
        try:
            conn.execute("DELETE FROM counters WHERE key = ?", (key,))
        finally:
            conn.close()
