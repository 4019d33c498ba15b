"""The commune change feed: every record whose version is past the device's cursor."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.extensions import db
from server.models import Record, RecordRevision, ReviewDecision, SyncScope
from sync.checksum import scope_digest


def record_envelope(
    record: Record, decision: ReviewDecision | None = None, delete_reason: str | None = None
) -> dict[str, Any]:
    """A stored record in the shape of sync.envelope.Envelope (what devices read); with the
    board's last decision when the record is approved or rejected, and a tombstone's reason."""
    out = {
        "uuid": record.uuid,
        "mutation_id": record.uuid,  # not a mutation: the feed carries state, not changes
        "form_id": record.form_id,
        "form_version": record.form_version,
        "commune_code": record.commune_code,
        "village_code": record.village_code,
        "household_id": record.household_id,
        "data": record.data,
        "photos": list(record.photos or []),
        "device_id": record.device_id,
        "captured_at": record.captured_at.isoformat().replace("+00:00", "Z"),
        "base_version": None,
        "version": record.version,
        "deleted": record.deleted,
        "status": _status(record),
    }
    if record.deleted:
        out["reason"] = delete_reason or "-"  # a tombstone always says why (envelope rule)
    if decision is not None and record.review_status in ("approved", "rejected"):
        out["review"] = {
            "status": record.review_status,
            "reason": decision.reason,
            "by": decision.actor,
            "at": decision.at.isoformat().replace("+00:00", "Z"),
        }
    return out


def last_decisions(uuids: list[str]) -> dict[str, ReviewDecision]:
    """The latest review decision of each record (one query for a page of the feed)."""
    if not uuids:
        return {}
    rows = db.session.scalars(
        select(ReviewDecision)
        .where(ReviewDecision.record_uuid.in_(uuids))
        .order_by(ReviewDecision.at, ReviewDecision.id)
    )
    return {row.record_uuid: row for row in rows}


def delete_reasons(uuids: list[str]) -> dict[str, str | None]:
    """Why each of these deleted records was deleted: the reason of its latest revision."""
    if not uuids:
        return {}
    rows = db.session.execute(
        select(RecordRevision.record_uuid, RecordRevision.reason)
        .where(RecordRevision.record_uuid.in_(uuids), RecordRevision.deleted.is_(True))
        .order_by(RecordRevision.record_uuid, RecordRevision.revision)
    )
    return {uuid: reason for uuid, reason in rows}


def _status(record: Record) -> str:
    if record.sync_status == "conflict":
        return "conflict"
    return {"approved": "approved", "rejected": "rejected"}.get(record.review_status, "synced")


def changes(commune_code: str, since: int, limit: int) -> dict[str, Any]:
    rows = list(
        db.session.scalars(
            select(Record)
            .where(Record.commune_code == commune_code, Record.version > since)
            .order_by(Record.version)
            .limit(limit + 1)
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    reviewed = [r.uuid for r in rows if r.review_status in ("approved", "rejected")]
    decisions = last_decisions(reviewed)
    reasons = delete_reasons([r.uuid for r in rows if r.deleted])
    return {
        "changes": [record_envelope(r, decisions.get(r.uuid), reasons.get(r.uuid)) for r in rows],
        "next": rows[-1].version if rows else since,
        "more": more,
    }


def checksum(commune_code: str) -> dict[str, Any]:
    """Count and digest of (uuid, version), and the scope version they describe.

    Each statement may see a later state than the one before it (PostgreSQL's READ
    COMMITTED), so a write can commit between reading the version and reading the rows.
    Every write bumps the scope's version under its row lock, so the version is read again
    after the rows: if it moved, the answer carries the newer one, which no device's
    cursor holds yet, and devices compare digests only when the version equals their cursor
    (sync.replicator). A digest never gets compared against a version it does not describe.
    """
    before = _scope_version(commune_code)
    rows = db.session.execute(
        select(Record.uuid, Record.version).where(Record.commune_code == commune_code)
    )
    count, digest = scope_digest((u, v) for u, v in rows)
    after = _scope_version(commune_code)
    return {"count": count, "digest": digest, "version": max(before, after)}


def _scope_version(commune_code: str) -> int:
    version = db.session.scalar(
        select(SyncScope.last_version).where(SyncScope.commune_code == commune_code)
    )
    return version or 0
