"""The device's replica: its commune's records, the outbox of unsent changes, its photos
(the outbox and the feed in `sync.replica_outbox`, the photos in `sync.replica_photos`).

One SQLite file in WAL mode, standard library only, so the tablet app and the simulator
share it. A save writes the record and its outbox entry in one transaction: after a crash
either both are there or neither is. Schema changes are numbered migrations applied at open
(PRAGMA user_version), so an app update never drops unsent data.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from forms import FieldError, FormRegistry, default_registry, photo_hashes, validate
from sync.envelope import Envelope, new_id, utc_now
from sync.replica_outbox import Outbox
from sync.replica_photos import PhotoStore
from sync.text import fold, search_text

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
    CREATE TABLE villages (code TEXT PRIMARY KEY, name TEXT NOT NULL, geometry TEXT);
    CREATE TABLE records (
        uuid TEXT PRIMARY KEY,
        form_id TEXT NOT NULL,
        form_version INTEGER NOT NULL,
        village_code TEXT NOT NULL,
        household_id TEXT,
        data TEXT NOT NULL,
        photos TEXT NOT NULL DEFAULT '[]',
        captured_at TEXT NOT NULL,
        device_id TEXT NOT NULL DEFAULT '',
        version INTEGER,
        deleted INTEGER NOT NULL DEFAULT 0,
        status TEXT,
        search TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX records_household ON records (household_id, form_id);
    CREATE INDEX records_village ON records (village_code, form_id);
    CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        mutation_id TEXT NOT NULL UNIQUE,
        record_uuid TEXT NOT NULL,
        envelope TEXT NOT NULL,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT 'pending',
        error TEXT
    );
    CREATE INDEX outbox_record ON outbox (record_uuid, state);
    CREATE TABLE photos (
        sha256 TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        size INTEGER NOT NULL,
        uploaded INTEGER NOT NULL DEFAULT 0
    );
    """,
    # 2: the board's last decision (status, reason, by, at) as JSON, from the change feed
    "ALTER TABLE records ADD COLUMN review TEXT",
)


class ValidationFailed(ValueError):
    """The answers break the form's rules; `errors` say which field and why."""

    def __init__(self, errors: Sequence[FieldError]):
        super().__init__("; ".join(e.message.en for e in errors))
        self.errors = list(errors)


class DeleteRefused(ValueError):
    """A record this tablet may not delete; `message` (Vietnamese) and `message_en` say why."""

    def __init__(self, message: str, message_en: str):
        super().__init__(message_en)
        self.message, self.message_en = message, message_en


class Replica(PhotoStore, Outbox):
    def __init__(self, path: str | Path, forms: FormRegistry | None = None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.photo_dir = self.path.parent / "photos"
        self.photo_dir.mkdir(exist_ok=True)
        self.forms = forms or default_registry()
        self._local = threading.local()
        self._migrate()

    # -- connection ------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")  # a save is on disk before we say so
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _tx(self):
        return _Transaction(self._conn())

    def _migrate(self) -> None:
        conn = self._conn()
        current = conn.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(MIGRATIONS[current:], start=current + 1):
            with self._tx() as tx:
                for statement in filter(str.strip, script.split(";")):
                    tx.execute(statement)
                tx.execute(f"PRAGMA user_version = {number}")

    @property
    def schema_version(self) -> int:
        return self._conn().execute("PRAGMA user_version").fetchone()[0]

    # -- enrolment and settings ------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self._conn().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, values: Mapping[str, Any]) -> None:
        with self._tx() as tx:
            tx.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [(k, None if v is None else str(v)) for k, v in values.items()],
            )

    @property
    def enrolled(self) -> bool:
        return bool(self.get_meta("token"))

    def save_scope(self, scope: Mapping[str, Any]) -> None:
        commune = scope["commune"]
        with self._tx() as tx:
            tx.executemany(
                "INSERT INTO villages (code, name, geometry) VALUES (?, ?, ?) "
                "ON CONFLICT (code) DO UPDATE SET name = excluded.name, "
                "geometry = excluded.geometry",
                [(v["code"], v["name"], json.dumps(v.get("geometry"))) for v in scope["villages"]],
            )
            tx.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [
                    ("commune_code", commune["code"]),
                    ("commune_name", commune["name"]),
                    ("province_name", commune.get("province_name", "")),
                ],
            )

    def villages(self) -> list[dict[str, Any]]:
        rows = self._conn().execute(
            "SELECT v.code, v.name, COUNT(r.uuid) AS households FROM villages v "
            "LEFT JOIN records r ON r.village_code = v.code AND r.form_id = 'household' "
            "AND r.deleted = 0 GROUP BY v.code ORDER BY v.name"
        )
        return [dict(r) for r in rows]

    def village(self, code: str) -> dict[str, Any] | None:
        """{"code", "name", "geometry"} of one village (geometry None when it has none)."""
        row = (
            self._conn()
            .execute("SELECT code, name, geometry FROM villages WHERE code = ?", (code,))
            .fetchone()
        )
        if row is None:
            return None
        try:
            geometry = json.loads(row["geometry"]) if row["geometry"] else None
        except ValueError:
            geometry = None  # an unreadable boundary: no outside-the-village warnings
        return {"code": row["code"], "name": row["name"], "geometry": geometry}

    # -- reading ---------------------------------------------------------------------------
    def households(
        self, village_code: str | None = None, query: str = "", limit: int = 200
    ) -> list[dict[str, Any]]:
        """Households of a village (or all), filtered by a diacritic-insensitive query."""
        sql = "SELECT * FROM records WHERE form_id = 'household' AND deleted = 0"
        args: list[Any] = []
        if village_code:
            sql += " AND village_code = ?"
            args.append(village_code)
        for word in fold(query).split():
            sql += " AND search LIKE ? ESCAPE '\\'"
            args.append(
                "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            )
        sql += " ORDER BY search LIMIT ?"
        args.append(limit)
        return [_row(r) for r in self._conn().execute(sql, args)]

    def record(self, uuid: str) -> dict[str, Any] | None:
        row = self._conn().execute("SELECT * FROM records WHERE uuid = ?", (uuid,)).fetchone()
        return _row(row) if row else None

    def records_to_redo(self) -> list[dict[str, Any]]:
        """Records the server refused or the board rejected, newest first, with the household's
        answers and the server's field errors (a refused push) as `errors`; a board rejection
        adds its reason to `errors` and its decision (status, reason, by, at) as `review`."""
        rows = self._conn().execute(
            "SELECT r.*, h.data AS household, "
            "(SELECT o.error FROM outbox o WHERE o.record_uuid = r.uuid "
            " AND o.state = 'rejected' ORDER BY o.seq DESC LIMIT 1) AS error "
            "FROM records r LEFT JOIN records h ON h.uuid = r.household_id "
            "WHERE r.status = 'rejected' AND r.deleted = 0 ORDER BY r.captured_at DESC"
        )
        out = []
        for row in rows:
            item = dict(row)
            household, error = item.pop("household"), item.pop("error")
            item = _row_dict(item)
            item["household"] = json.loads(household) if household else {}
            try:
                errors = json.loads(error) if error else []
            except ValueError:
                errors = []
            item["errors"] = (
                [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
            )
            board = (item.get("review") or {}).get("reason")
            if board and item["review"].get("status") == "rejected":
                # the board's reason reads like a field error, so every screen shows it
                item["errors"].append(
                    {"field": "", "code": "board_rejected", "message": board, "message_en": board}
                )
            out.append(item)
        return out

    def records_for(self, household_id: str) -> list[dict[str, Any]]:
        rows = self._conn().execute(
            "SELECT * FROM records WHERE household_id = ? AND form_id != 'household' "
            "AND deleted = 0 ORDER BY captured_at DESC",
            (household_id,),
        )
        return [_row(r) for r in rows]

    # -- writing ---------------------------------------------------------------------------
    def save_record(
        self,
        form_id: str,
        data: Mapping[str, Any],
        village_code: str,
        household_id: str | None = None,
        record_uuid: str | None = None,
    ) -> Envelope:
        """Validate and store a new record or a new revision of one, queued for sync."""
        form = self.forms.get(form_id)
        cleaned, errors = validate(form, data)
        if errors:
            raise ValidationFailed(errors)
        existing = self.record(record_uuid) if record_uuid else None
        base_version, parent = self._lineage(existing)
        record_uuid = record_uuid or new_id()
        if form.subject == "self":
            household_id = record_uuid
        elif not household_id:
            raise ValueError(f"form {form_id} needs a household")
        envelope = Envelope(
            uuid=record_uuid,
            mutation_id=new_id(),
            form_id=form.id,
            form_version=form.version,
            commune_code=self.get_meta("commune_code") or "",
            village_code=village_code,
            household_id=household_id,
            data=cleaned,
            device_id=self.get_meta("device_id") or "",
            captured_at=utc_now(),
            photos=photo_hashes(form, cleaned),
            base_version=base_version,
            parent_mutation_id=parent,
        )
        self._queue(envelope)
        return envelope

    def deletion_refused(self, record: Mapping[str, Any]) -> DeleteRefused | None:
        """Why `record` may not be deleted from this tablet, or None if it may.

        Approved evidence stays (the board has counted it); contributions are a ledger (the
        server takes a correction, never a delete); a household still holding records keeps
        them reachable."""
        form = self.forms.get(record["form_id"], record["form_version"])
        if record["deleted"]:
            return DeleteRefused("Bản ghi đã được xoá.", "The record is already deleted.")
        if (
            record["status"] == "approved"
            or (record.get("review") or {}).get("status") == "approved"
        ):
            return DeleteRefused(
                "Bản ghi đã được Ban quản lý xã duyệt, không xoá được.",
                "The commune board has approved this record; it cannot be deleted.",
            )
        if form.mode == "ledger":
            return DeleteRefused(
                "Không xoá được mục đóng góp; hãy ghi một điều chỉnh.",
                "Contribution entries cannot be deleted; record a correction instead.",
            )
        if form.subject == "self" and self.records_for(record["uuid"]):
            return DeleteRefused(
                "Hộ còn bản ghi đóng góp hoặc kiểm tra, không xoá được.",
                "The household still has contributions or checks; it cannot be deleted.",
            )
        return None

    def delete_record(self, record_uuid: str, reason: str) -> Envelope:
        """Tombstone a record with the officer's reason, queued for sync like any change
        (the server keeps every revision; the tombstone says who and why)."""
        reason = (reason or "").strip()
        if not reason or len(reason) > 300:
            raise DeleteRefused(
                "Hãy ghi lý do xoá (tối đa 300 ký tự).",
                "Give a reason for deleting (at most 300 characters).",
            )
        existing = self.record(record_uuid)
        if existing is None:
            raise DeleteRefused("Không tìm thấy bản ghi.", "No such record.")
        refused = self.deletion_refused(existing)
        if refused is not None:
            raise refused
        base_version, parent = self._lineage(existing)
        envelope = Envelope(
            uuid=existing["uuid"],
            mutation_id=new_id(),
            form_id=existing["form_id"],
            form_version=existing["form_version"],
            commune_code=self.get_meta("commune_code") or "",
            village_code=existing["village_code"],
            household_id=existing["household_id"],
            data=existing["data"],
            device_id=self.get_meta("device_id") or "",
            captured_at=utc_now(),
            photos=existing["photos"],
            base_version=base_version,
            parent_mutation_id=parent,
            deleted=True,
            reason=reason,
        )
        self._queue(envelope)
        return envelope

    def _queue(self, envelope: Envelope) -> None:
        """Store a change and its outbox entry in one transaction: both or neither."""
        with self._tx() as tx:
            self._upsert(tx, envelope, status="pending")
            tx.execute(
                "INSERT INTO outbox (mutation_id, record_uuid, envelope, created_at) "
                "VALUES (?, ?, ?, ?)",
                (
                    envelope.mutation_id,
                    envelope.uuid,
                    json.dumps(envelope.as_dict(), ensure_ascii=False),
                    envelope.captured_at,
                ),
            )

    def _lineage(self, existing: Mapping[str, Any] | None) -> tuple[int | None, str | None]:
        """(base_version, parent_mutation_id) for a new change of an existing record.

        While earlier changes of the record wait in the outbox, the new one keeps their base
        (the server version the officer started from) and names the latest of them as its
        parent, so the server merges it against what this tablet had, not against the base.
        """
        if existing is None:
            return None, None
        rows = (
            self._conn()
            .execute(
                "SELECT envelope FROM outbox WHERE record_uuid = ? AND state = 'pending' "
                "ORDER BY seq",
                (existing["uuid"],),
            )
            .fetchall()
        )
        if rows:
            first, last = json.loads(rows[0][0]), json.loads(rows[-1][0])
            return first.get("base_version"), last["mutation_id"]
        return existing["version"], None

    def _upsert(self, tx: sqlite3.Connection, e: Envelope, status: str | None):
        search = search_text(e.data)
        tx.execute(
            "INSERT INTO records (uuid, form_id, form_version, village_code, household_id, data, "
            "photos, captured_at, device_id, version, deleted, status, search, review) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uuid) DO UPDATE SET "
            "form_id = excluded.form_id, form_version = excluded.form_version, "
            "village_code = excluded.village_code, household_id = excluded.household_id, "
            "data = excluded.data, photos = excluded.photos, captured_at = excluded.captured_at, "
            "device_id = excluded.device_id, "
            "version = COALESCE(excluded.version, records.version), "
            "deleted = excluded.deleted, status = excluded.status, search = excluded.search, "
            "review = excluded.review",
            (
                e.uuid,
                e.form_id,
                e.form_version,
                e.village_code,
                e.household_id,
                json.dumps(e.data, ensure_ascii=False),
                json.dumps(e.photos),
                e.captured_at,
                e.device_id,
                e.version,
                int(e.deleted),
                status,
                search,
                json.dumps(e.review, ensure_ascii=False) if e.review else None,
            ),
        )


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        self.conn.execute("COMMIT" if exc_type is None else "ROLLBACK")


def _row(row: sqlite3.Row) -> dict[str, Any]:
    return _row_dict(dict(row))


def _row_dict(out: dict[str, Any]) -> dict[str, Any]:
    out["data"] = json.loads(out["data"])
    out["photos"] = json.loads(out["photos"])
    out["deleted"] = bool(out["deleted"])
    if "review" in out:
        try:
            review = json.loads(out["review"]) if out["review"] else None
        except ValueError:
            review = None
        out["review"] = review if isinstance(review, dict) else None
    return out
