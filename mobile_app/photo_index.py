"""Which photos taken on this tablet look alike, and which households they are attached to.

When a photo is taken the tablet computes the same perceptual hash as the server
(sync.phash, pure Pillow) and asks this index whether the same or a near-identical picture
is already attached to another household: then the officer is warned on the spot (the
server flags it too, later; a warning never blocks saving).

A small SQLite file of its own (photo_index.db next to replica.db), like drafts.db: it is
derived data, rebuilt by use, and never touches the replica's outbox. Photos are indexed
when taken; their households when the record holding them is saved (and forgotten when it
is deleted). Only this tablet's photos are known: photos of other tablets' records are not
downloaded to the tablet.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sync.phash import PHASH_NEAR, hamming

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS photos (sha256 TEXT PRIMARY KEY, phash TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS uses (sha256 TEXT NOT NULL, record_uuid TEXT NOT NULL, "
    "household_id TEXT NOT NULL, PRIMARY KEY (sha256, record_uuid))",
    "CREATE INDEX IF NOT EXISTS uses_record ON uses (record_uuid)",
)


@dataclass(frozen=True)
class LookAlike:
    household_id: str
    sha256: str
    distance: int  # phash bits apart: 0 for the same file (or a copy hashing alike)


class PhotoIndex:
    def __init__(self, path: str | Path, threshold: int = PHASH_NEAR):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.threshold = threshold
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        for statement in SCHEMA:
            self._conn.execute(statement)

    def add(self, sha256: str, phash: str) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT INTO photos VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING", (sha256, phash)
            )

    def attach(self, record_uuid: str, household_id: str, hashes: Iterable[str]) -> None:
        """The record (of `household_id`) now holds these photos, and only these."""
        with self._lock:
            self._conn.execute("BEGIN")
            self._conn.execute("DELETE FROM uses WHERE record_uuid = ?", (record_uuid,))
            self._conn.executemany(
                "INSERT OR IGNORE INTO uses VALUES (?, ?, ?)",
                [(sha, record_uuid, household_id) for sha in hashes],
            )
            self._conn.execute("COMMIT")

    def detach(self, record_uuid: str) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM uses WHERE record_uuid = ?", (record_uuid,))

    def look_alikes(self, sha256: str, household_id: str) -> list[LookAlike]:
        """Photos like `sha256` attached to households other than `household_id` ("" for a
        household not yet saved: then every attached look-alike counts), closest first."""
        with self._lock:
            row = self._conn.execute(
                "SELECT phash FROM photos WHERE sha256 = ?", (sha256,)
            ).fetchone()
            used = self._conn.execute(
                "SELECT u.sha256, u.household_id, p.phash FROM uses u "
                "LEFT JOIN photos p ON p.sha256 = u.sha256 WHERE u.household_id != ?",
                (household_id,),
            ).fetchall()
        mine = row[0] if row else None
        best: dict[str, LookAlike] = {}
        for sha, household, phash in used:
            if sha == sha256:
                distance = 0
            elif mine is not None and phash is not None:
                distance = hamming(mine, phash)
                if distance > self.threshold:
                    continue
            else:
                continue
            if household not in best or distance < best[household].distance:
                best[household] = LookAlike(household, sha, distance)
        return sorted(best.values(), key=lambda match: (match.distance, match.household_id))

    def close(self) -> None:
        with self._lock:
            self._conn.close()
