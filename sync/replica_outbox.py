"""The replica's side of a sync round: the outbox of unsent changes, the server's answers
to a push, and the pages of the change feed.

A mixin of `sync.replica.Replica` (it uses the replica's connection, transactions, meta and
`_upsert`). Every step is one transaction, so a round cut at any point resumes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sync.checksum import scope_digest
from sync.envelope import Envelope
from sync.text import search_text


class Outbox:
    """Pending changes out, the server's answers and changes in."""

    def pending_mutations(self, max_bytes: int = 256_000, max_items: int = 200) -> list[Envelope]:
        """The oldest pending changes, as many as fit in one batch (at least one)."""
        batch: list[Envelope] = []
        size = 0
        rows = self._conn().execute(
            "SELECT envelope FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT ?",
            (max_items,),
        )
        for (raw,) in rows:
            if batch and size + len(raw) > max_bytes:
                break
            batch.append(Envelope.from_dict(json.loads(raw)))
            size += len(raw)
        return batch

    def outbox_counts(self) -> dict[str, int]:
        rows = self._conn().execute("SELECT state, COUNT(*) FROM outbox GROUP BY state")
        counts = {"pending": 0, "rejected": 0}
        counts.update({state: n for state, n in rows})
        counts["photos"] = (
            self._conn().execute("SELECT COUNT(*) FROM photos WHERE uploaded = 0").fetchone()[0]
        )
        return counts

    def rejected(self) -> list[dict[str, Any]]:
        rows = self._conn().execute(
            "SELECT record_uuid, error, envelope FROM outbox WHERE state = 'rejected' ORDER BY seq"
        )
        return [
            {"uuid": r[0], "error": json.loads(r[1] or "{}"), "envelope": json.loads(r[2])}
            for r in rows
        ]

    def apply_push_results(self, results: Iterable[Mapping[str, Any]]) -> None:
        """Record what the server did with each pushed mutation."""
        with self._tx() as tx:
            for result in results:
                status, mutation = result["status"], result["mutation_id"]
                if status in ("applied", "conflict"):
                    tx.execute("DELETE FROM outbox WHERE mutation_id = ?", (mutation,))
                    remaining = tx.execute(
                        "SELECT COUNT(*) FROM outbox WHERE record_uuid = ? AND state = 'pending'",
                        (result["uuid"],),
                    ).fetchone()[0]
                    if status == "conflict":
                        state = "conflict"
                    else:
                        state = "pending" if remaining else "synced"
                    tx.execute(
                        "UPDATE records SET version = ?, status = ? WHERE uuid = ?",
                        (result.get("version"), state, result["uuid"]),
                    )
                    if "server_copy" in result and not remaining:
                        # Take the merged answers (and whether the server's copy is deleted:
                        # a delete against an edit is a conflict) so the next edit builds on them.
                        copy = result["server_copy"]
                        deleted = result.get("server_deleted")
                        tx.execute(
                            "UPDATE records SET data = ?, search = ?, "
                            "deleted = COALESCE(?, deleted) WHERE uuid = ?",
                            (
                                json.dumps(copy, ensure_ascii=False),
                                search_text(copy),
                                None if deleted is None else int(deleted),
                                result["uuid"],
                            ),
                        )
                elif status == "rejected":
                    tx.execute(
                        "UPDATE outbox SET state = 'rejected', error = ?, attempts = attempts + 1 "
                        "WHERE mutation_id = ?",
                        (json.dumps(result.get("errors", []), ensure_ascii=False), mutation),
                    )
                    tx.execute(
                        "UPDATE records SET status = 'rejected' WHERE uuid = ?", (result["uuid"],)
                    )

    # -- pull ------------------------------------------------------------------------------
    def apply_changes(self, changes: Iterable[Mapping[str, Any]], cursor: int) -> int:
        """Store a page of the server's change feed and advance the cursor atomically.

        A record with unsent local changes is left as it is: the local edit is pushed next and
        the server merges it; overwriting it here would lose the officer's work.
        """
        applied = 0
        with self._tx() as tx:
            for raw in changes:
                if raw.get("deleted") and not raw.get("reason"):
                    # The feed carries a tombstone's reason; servers before that change did
                    # not, and a pulled tombstone must not stop the pull.
                    raw = {**raw, "reason": "-"}
                envelope = Envelope.from_dict(raw)
                pending = tx.execute(
                    "SELECT 1 FROM outbox WHERE record_uuid = ? AND state = 'pending' LIMIT 1",
                    (envelope.uuid,),
                ).fetchone()
                if pending:
                    continue
                self._upsert(tx, envelope, status=envelope.status or "synced")
                applied += 1
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('cursor', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(cursor),),
            )
        return applied

    def scope_digest(self) -> tuple[int, str]:
        rows = self._conn().execute("SELECT uuid, version FROM records WHERE version IS NOT NULL")
        return scope_digest((u, v) for u, v in rows)

    def reset_cursor(self) -> None:
        """Forget the feed position so the next pull downloads the whole scope again."""
        self.set_meta({"cursor": 0})

    @property
    def cursor(self) -> int:
        return int(self.get_meta("cursor", "0") or 0)
