"""Unsaved form answers, kept on disk so a killed app (a call, a flat battery) loses nothing.

A small SQLite file of its own (drafts.db next to replica.db): drafts are scratch, not
records, so they never touch the replica's outbox or its migrations, and wiping them can
never lose synced or pending data. Each write is one autocommitted statement in WAL mode
with synchronous=NORMAL, which survives the app being killed (only a power cut may lose the
last second, which is the trade the debounce makes anyway).

One draft per (form, household); a new household's form is keyed by its village instead.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS drafts (
    key TEXT PRIMARY KEY,
    form_id TEXT NOT NULL,
    household_id TEXT NOT NULL,
    village_code TEXT NOT NULL,
    answers TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    touched INTEGER NOT NULL
)
"""


def draft_key(form_id: str, household_id: str, village_code: str) -> str:
    return f"{form_id}:{household_id or 'new@' + village_code}"


class Drafts:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute(SCHEMA)

    def save(
        self, form_id: str, household_id: str, village_code: str, answers: dict[str, Any]
    ) -> None:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        with self._lock:
            self._conn.execute(
                # `touched` orders drafts exactly; two saves can share a clock reading.
                "INSERT INTO drafts VALUES (?, ?, ?, ?, ?, ?, "
                "(SELECT COALESCE(MAX(touched), 0) + 1 FROM drafts)) "
                "ON CONFLICT (key) DO UPDATE SET answers = excluded.answers, "
                "updated_at = excluded.updated_at, touched = excluded.touched",
                (
                    draft_key(form_id, household_id, village_code),
                    form_id,
                    household_id or "",
                    village_code,
                    json.dumps(answers, ensure_ascii=False),
                    now,
                ),
            )

    def load(self, form_id: str, household_id: str, village_code: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT answers FROM drafts WHERE key = ?",
                (draft_key(form_id, household_id, village_code),),
            ).fetchone()
        return json.loads(row["answers"]) if row else None

    def latest(self) -> dict[str, Any] | None:
        """The draft touched last: the form to reopen when the app restarts."""
        with self._lock:
            row = self._conn.execute(
                "SELECT * FROM drafts ORDER BY touched DESC LIMIT 1"
            ).fetchone()
        if row is None:
            return None
        out = dict(row)
        out["answers"] = json.loads(out["answers"])
        return out

    def discard(self, form_id: str, household_id: str, village_code: str) -> None:
        with self._lock:
            self._conn.execute(
                "DELETE FROM drafts WHERE key = ?",
                (draft_key(form_id, household_id, village_code),),
            )

    def close(self) -> None:
        with self._lock:
            self._conn.close()
