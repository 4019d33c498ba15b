"""Apply a device's pushed batch: check everything first, then write it in one transaction.

Each mutation is applied exactly once (its id is remembered, and a replay answers what the
first time answered). A change made on the current server version is applied; a change
made on an older one is merged field by field against the base revision, and a clash on
the same field becomes a `Conflict` that keeps all three sides. Version numbers come from
the commune's `SyncScope` row, locked for the whole transaction, so the change feed never
shows a later version before an earlier one is committed.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import insert, select, update

from forms import Form, FormRegistry, default_registry
from server.extensions import db
from server.models import (
    AppliedMutation,
    Conflict,
    Device,
    Household,
    Record,
    RecordRevision,
    SyncScope,
)
from server.models.types import utcnow
from server.services import indicators_facts, integrity, period_holds
from server.services.household_projection import household_row, project_household
from server.services.push_checks import BatchInvalid, check_batch
from sync.envelope import Envelope
from sync.merge import DELETED, merge_deleted, three_way

__all__ = ["Author", "BatchInvalid", "push", "touch_device"]


@dataclass(frozen=True)
class Author:
    device_id: str = ""
    username: str = ""


def push(
    commune_code: str,
    raw_records: Sequence[Mapping[str, Any]],
    author: Author,
    forms: FormRegistry | None = None,
) -> list[dict[str, Any]]:
    """Validate the whole batch, then apply it; returns one result per record, in order."""
    checked, stored = check_batch(
        commune_code, raw_records, forms or default_registry(), device_id=author.device_id
    )
    try:
        before = period_holds.snapshot(stored)  # to hold changes made in a locked period
        writer = _BatchWriter(lock_scope(commune_code), stored, author, [e for e, _ in checked])
        results = [writer.apply(envelope, form) for envelope, form in checked]
        writer.flush()
        period_holds.after_push(
            commune_code, before, [e for e, _ in checked], results, author.username or "device"
        )
        indicators_facts.refresh(commune_code, {e.household_id for e, _ in checked})
        integrity.refresh_records(commune_code, [e.uuid for e, _ in checked])
        hook = current_app.config.get("PUSH_BEFORE_COMMIT")
        if hook is not None:  # fault injection in tests: a slow or dying transaction
            hook(results)
        delay = current_app.config.get("FAULT_PUSH_DELAY_SECONDS")
        if delay:
            time.sleep(delay)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return results


def lock_scope(commune_code: str) -> SyncScope:
    """Take the commune's write lock (row lock on PostgreSQL, write lock on SQLite)."""
    db.session.execute(
        update(SyncScope)
        .where(SyncScope.commune_code == commune_code)
        .values(last_version=SyncScope.last_version)
    )
    scope = db.session.get(SyncScope, commune_code, populate_existing=True)
    if scope is None:
        scope = SyncScope(commune_code=commune_code, last_version=0)
        db.session.add(scope)
        db.session.flush()
    return scope


def next_version(scope: SyncScope) -> int:
    scope.last_version += 1
    return scope.last_version


class _BatchWriter:
    """Applies a checked batch. New records (most of any push) are collected and written
    with one multi-row INSERT per table; edits go through the ORM one by one."""

    def __init__(self, scope: SyncScope, stored: dict[str, Record], author: Author, envelopes):
        self.scope, self.stored, self.author, self.now = scope, stored, author, utcnow()
        ids = [e.mutation_id for e in envelopes]
        self.done = {
            m.mutation_id: m
            for m in db.session.scalars(
                select(AppliedMutation).where(AppliedMutation.mutation_id.in_(ids))
            )
        }
        self.rows: dict[str, list[dict[str, Any]]] = {
            "records": [],
            "revisions": [],
            "mutations": [],
            "households": [],
        }
        self.new: set[str] = set()  # created in this batch, not yet written
        self.written: set[str] = set()  # created in this batch and already written

    def apply(self, e: Envelope, form: Form) -> dict[str, Any]:
        done = self.done.get(e.mutation_id)
        if done is not None:
            return _replayed(e, done)
        if e.uuid in self.new:  # created earlier in this very batch: write it, then edit it
            self.flush()
        if e.uuid in self.written and e.uuid not in self.stored:
            self.stored[e.uuid] = db.session.get(Record, e.uuid)
        record = self.stored.get(e.uuid)
        if record is None:
            self._insert(e, form)
            self.done[e.mutation_id] = AppliedMutation(
                status="applied", version=self._version, data=self._sent(e, form)
            )
            return _result(e, "applied", self._version)
        conflict = None
        if form.mode != "entity" and not e.deleted:
            status = "applied"  # the same entry sent again under a new mutation id: no change
        else:
            base = self._merge_base(e, record)
            status, conflict = _update(self.scope, record, e, self.author, self.now, base)
        if record.form_id == "household":
            project_household(record)
        applied = AppliedMutation(
            mutation_id=e.mutation_id,
            record_uuid=e.uuid,
            device_id=self.author.device_id,
            status=status,
            version=record.version,
            received_at=self.now,
            data=self._sent(e, form),
        )
        db.session.add(applied)
        self.done[e.mutation_id] = applied
        out = _result(e, status, record.version)
        if conflict is not None:
            db.session.flush()
            out["conflict_id"] = conflict.id
        if record.data != e.data or record.deleted != e.deleted:
            # Merged with another device's edit (or in conflict): the device must take this
            # copy, or its next edit, based on this version, would undo what merged in.
            out["server_copy"] = record.data
            out["server_deleted"] = record.deleted
        return out

    @staticmethod
    def _sent(e: Envelope, form: Form) -> dict[str, Any] | None:
        return e.data if form.mode == "entity" else None

    def _merge_base(self, e: Envelope, record: Record) -> Base | None:
        """What the device's change was made on: its own previous change if it names one
        the server has applied, else the revision at its base version (None: fast-forward)."""
        if e.base_version == record.version:
            return None
        if e.parent_mutation_id:
            parent = self.done.get(e.parent_mutation_id) or db.session.get(
                AppliedMutation, e.parent_mutation_id
            )
            if parent is not None and parent.data is not None:
                return Base(dict(parent.data), deleted=False)  # a deleted record is not edited
            if parent is not None:  # an entry or check: what its own revision holds
                made = db.session.scalar(
                    select(RecordRevision).where(
                        RecordRevision.record_uuid == record.uuid,
                        RecordRevision.mutation_id == e.parent_mutation_id,
                    )
                )
                if made is not None:
                    return Base(dict(made.data), made.deleted)
        return revision_at(record.uuid, e.base_version)

    def _insert(self, e: Envelope, form: Form) -> None:
        self._version = next_version(self.scope)
        captured = _captured(e)
        common = {
            "data": e.data,
            "photos": e.photos,
            "deleted": e.deleted,
            "captured_at": captured,
            "form_version": e.form_version,
        }
        self.rows["records"].append(
            common
            | {
                "uuid": e.uuid,
                "commune_code": e.commune_code,
                "village_code": e.village_code,
                "household_id": e.household_id,
                "form_id": e.form_id,
                "device_id": self.author.device_id,
                "version": self._version,
                "revision": 1,
                "sync_status": "ok",
                "review_status": "pending",
                "created_at": self.now,
                "updated_at": self.now,
            }
        )
        self.rows["revisions"].append(
            common
            | {
                "record_uuid": e.uuid,
                "revision": 1,
                "version": self._version,
                "base_version": e.base_version,
                "mutation_id": e.mutation_id,
                "reason": e.reason,
                "device_id": self.author.device_id,
                "author": self.author.username,
                "received_at": self.now,
            }
        )
        self.rows["mutations"].append(
            {
                "mutation_id": e.mutation_id,
                "record_uuid": e.uuid,
                "device_id": self.author.device_id,
                "status": "applied",
                "version": self._version,
                "received_at": self.now,
                "data": self._sent(e, form),
            }
        )
        if e.form_id == "household":
            self.rows["households"].append(
                household_row(e.uuid, e.commune_code, e.village_code, e.data, e.deleted)
            )
        self.new.add(e.uuid)

    def flush(self) -> None:
        """Write the collected new records (ORM bulk INSERT: one executemany per table)."""
        for model, key in (
            (Record, "records"),
            (RecordRevision, "revisions"),
            (AppliedMutation, "mutations"),
            (Household, "households"),
        ):
            if self.rows[key]:
                db.session.execute(insert(model), self.rows[key])
                self.rows[key] = []
        self.written |= self.new
        self.new = set()


def _replayed(e: Envelope, done: AppliedMutation) -> dict[str, Any]:
    out = _result(e, done.status, done.version) | {"replayed": True}
    if done.status == "conflict":
        conflict = db.session.scalar(select(Conflict).where(Conflict.mutation_id == e.mutation_id))
        record = db.session.get(Record, e.uuid)
        out["conflict_id"] = conflict.id
        out["server_copy"] = record.data
        out["server_deleted"] = record.deleted
    return out


def _captured(e: Envelope) -> dt.datetime:
    return dt.datetime.fromisoformat(e.captured_at.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Base:
    """The record as the device last knew it: its answers and whether it was deleted."""

    data: dict[str, Any]
    deleted: bool = False


def _update(
    scope: SyncScope,
    record: Record,
    e: Envelope,
    author: Author,
    now: dt.datetime,
    base: Base | None,
) -> tuple[str, Conflict | None]:
    """Apply an edit or tombstone; `base` None means it was made on the current version.

    On an older version the answers merge field by field and the deleted flag merges the
    same way, except that a delete on one side against an edit on the other is a conflict
    (the tombstone would silently throw the edit away, or the edit silently undelete)."""
    if base is None:
        # a tombstone keeps the last answers; who and why go in the revision
        data, deleted = (record.data if e.deleted else e.data), e.deleted
    else:
        # a tombstone sends the answers the officer last saw: no edit of its own
        sent = base.data if e.deleted else e.data
        merge = three_way(base.data, record.data, sent)
        deleted, clash = merge_deleted(
            base.deleted,
            record.deleted,
            e.deleted,
            server_edited=record.data != base.data,
            device_edited=sent != base.data,
        )
        sides = dict(merge.conflicts)
        if clash:
            sides[DELETED] = {"base": base.deleted, "server": record.deleted, "device": e.deleted}
        if sides:
            return "conflict", _open_conflict(scope, record, e, author, now, base, sides)
        data = merge.merged
    record.data = data
    record.photos = sorted(set(record.photos) | set(e.photos))
    record.form_version = e.form_version
    record.village_code = e.village_code
    record.deleted = deleted
    if record.review_status == "rejected" and not deleted:
        record.review_status = "pending"  # corrected and re-sent: back to the board's queue
    record.captured_at = _captured(e)
    record.device_id = author.device_id
    record.revision += 1
    record.version = next_version(scope)
    record.updated_at = now
    db.session.flush()
    reason = e.reason
    if deleted and not e.deleted:  # an unchanged save met a delete: the delete's why stays
        reason = last_reason(record.uuid)
    add_revision(record, author, now, e.base_version, e.mutation_id, reason)
    return "applied", None


def last_reason(record_uuid: str) -> str | None:
    return db.session.scalar(
        select(RecordRevision.reason)
        .where(RecordRevision.record_uuid == record_uuid)
        .order_by(RecordRevision.revision.desc())
        .limit(1)
    )


def _open_conflict(
    scope: SyncScope,
    record: Record,
    e: Envelope,
    author: Author,
    now: dt.datetime,
    base: Base,
    sides: dict[str, dict[str, Any]],
) -> Conflict:
    """Keep all three sides; the server's copy stays in force until an administrator
    resolves it, and the version moves so every tablet learns of the conflict on pull."""
    conflict = Conflict(
        record_uuid=record.uuid,
        commune_code=record.commune_code,
        mutation_id=e.mutation_id,
        device_id=author.device_id,
        base_version=e.base_version,
        server_version=record.version,
        base_data=base.data,
        server_data=record.data,
        device_data=base.data if e.deleted else e.data,  # a tombstone edits no answer
        fields=sides,
        device_reason=e.reason if e.deleted else None,
        device_captured_at=_captured(e),
        created_at=now,
    )
    db.session.add(conflict)
    record.sync_status = "conflict"
    record.version = next_version(scope)
    record.updated_at = now
    return conflict


def revision_at(record_uuid: str, version: int | None) -> Base:
    """The record as it was at a server version (no answers if it did not exist then)."""
    if version is None:
        return Base({})
    row = db.session.scalars(
        select(RecordRevision)
        .where(RecordRevision.record_uuid == record_uuid, RecordRevision.version <= version)
        .order_by(RecordRevision.version.desc())
        .limit(1)
    ).first()
    return Base(dict(row.data), row.deleted) if row else Base({})


def add_revision(
    record: Record,
    author: Author,
    now: dt.datetime,
    base_version: int | None = None,
    mutation_id: str | None = None,
    reason: str | None = None,
) -> None:
    db.session.add(
        RecordRevision(
            record_uuid=record.uuid,
            revision=record.revision,
            version=record.version,
            base_version=base_version,
            mutation_id=mutation_id,
            form_version=record.form_version,
            data=record.data,
            photos=record.photos,
            deleted=record.deleted,
            reason=reason,
            device_id=author.device_id,
            author=author.username,
            captured_at=record.captured_at,
            received_at=now,
        )
    )


def _result(e: Envelope, status: str, version: int) -> dict[str, Any]:
    return {"uuid": e.uuid, "mutation_id": e.mutation_id, "status": status, "version": version}


def touch_device(device: Device, device_time: str | None) -> None:
    """Note the device's contact and how far its clock is from ours (order never uses it)."""
    now = utcnow()
    device.last_seen_at = now
    if device_time:
        try:
            theirs = dt.datetime.fromisoformat(device_time.replace("Z", "+00:00"))
            if theirs.tzinfo is not None:
                device.clock_skew_seconds = int((theirs - now).total_seconds())
        except ValueError:
            pass  # an unreadable clock is no reason to refuse data
