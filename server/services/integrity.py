"""Integrity flags: compute them, keep them idempotent, and let the board accept them.

`refresh_records` recomputes every flag of some records inside the caller's transaction:
push calls it before its commit (records and their flags commit together), the photo
pipeline's listener calls it for the records that use a photo once the photo's EXIF and
hashes are known. `recompute_commune` rebuilds one commune from scratch. Both reconcile:
a finding whose key already has a row updates it (nothing is written when nothing
changed), a new one opens a row, a row whose finding is gone is closed. A closed flag that
applies again reopens, or returns to "accepted" if a board member had accepted exactly the
same finding. Writers hold the commune's sync scope lock, so two of them never race on a key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select

from server.extensions import db
from server.models import IntegrityFlag, IntegrityPhotoUse, Record, User
from server.models.types import utcnow
from server.services import audit, integrity_duplicates, integrity_evidence, integrity_location
from server.services.integrity_geofence import Fence
from server.services.integrity_inputs import (
    RECORD_COLUMNS,
    Inputs,
    document_shas,
    load,
    record_rows,
)
from server.services.integrity_kinds import Finding, settings

DUPLICATE_KINDS = ("duplicate_photo", "near_duplicate_photo")
REASON_MAX = 500
CHUNK = 500


@dataclass
class Outcome:
    opened: int = 0
    closed: int = 0
    updated: int = 0

    def __iadd__(self, other: Outcome) -> Outcome:
        self.opened += other.opened
        self.closed += other.closed
        self.updated += other.updated
        return self


class IntegrityError(Exception):
    def __init__(self, status: int, code: str, message: str, message_en: str):
        super().__init__(message_en)
        self.status, self.code, self.message, self.message_en = status, code, message, message_en


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def _write_uses(records: list[Any]) -> set[str]:
    """Replace these records' photo uses; returns the SHA-256s they used before or now."""
    fields = settings().document_fields
    uuids = [r.uuid for r in records]
    before: set[str] = set()
    for chunk in _chunks(uuids):
        used = set(
            db.session.scalars(
                select(IntegrityPhotoUse.sha256).where(IntegrityPhotoUse.record_uuid.in_(chunk))
            )
        )
        if used:  # records new in this push have none: no DELETE to send
            db.session.execute(
                delete(IntegrityPhotoUse).where(IntegrityPhotoUse.record_uuid.in_(chunk))
            )
        before |= used
    rows = []
    for r in records:
        if r.deleted:
            continue
        documents = document_shas(r, fields) if r.photos else set()
        rows += [
            {
                "record_uuid": r.uuid,
                "sha256": sha,
                "commune_code": r.commune_code,
                "household_id": r.household_id,
                "document": sha in documents,
            }
            for sha in dict.fromkeys(r.photos or [])
        ]
    if rows:
        db.session.execute(insert(IntegrityPhotoUse), rows)
    return before | {row["sha256"] for row in rows}


def _findings(inputs: Inputs, table) -> list[Finding]:
    live = [r for r in inputs.records if not r.deleted]
    view = Inputs(**{**inputs.__dict__, "records": live})
    out = integrity_location.check(view) + integrity_evidence.check(view)
    if table is not None:
        out += integrity_duplicates.check(view, table)
    return out


def _may_duplicate(commune_code: str, uuids: set[str], shas: set[str], inputs: Inputs) -> bool:
    """Could any of these photos be shared or near-identical? (Skips the commune's hash
    table on the common push whose photos have not arrived yet.)"""
    if not shas:
        return False
    if any(m.phash for m in inputs.metas.values()):
        return True
    for chunk in _chunks(sorted(shas)):
        shared = db.session.scalar(
            select(IntegrityPhotoUse.record_uuid)
            .where(
                IntegrityPhotoUse.commune_code == commune_code,
                IntegrityPhotoUse.sha256.in_(chunk),
                IntegrityPhotoUse.record_uuid.not_in(uuids),
            )
            .limit(1)
        )
        if shared is not None:
            return True
    return False


def refresh_records(
    commune_code: str, record_uuids: Iterable[str], *, fence: Fence | None = None
) -> Outcome:
    """Recompute the flags of these records (and the duplicate flags of records sharing a
    photo with them) in the current transaction; the caller commits."""
    uuids = set(record_uuids)
    records = [r for r in record_rows(uuids) if r.commune_code == commune_code]
    if not records:
        return Outcome()
    uuids = {r.uuid for r in records}
    shas = _write_uses(records)
    inputs = load(commune_code, records, fence=fence)
    _add_metas(inputs, shas)
    table = None
    others: set[str] = set()
    if _may_duplicate(commune_code, uuids, shas, inputs):
        table = integrity_duplicates.HashTable.load(commune_code)
        others = integrity_duplicates.partners(inputs, table, shas) - uuids
    outcome = reconcile(_findings(inputs, table), records=uuids)
    if others:
        partner_inputs = load(commune_code, record_rows(others), fence=inputs.lazy_fence)
        outcome += reconcile(
            _findings_duplicates(partner_inputs, table), records=others, kinds=DUPLICATE_KINDS
        )
    return outcome


def _findings_duplicates(inputs: Inputs, table) -> list[Finding]:
    live = [r for r in inputs.records if not r.deleted]
    return integrity_duplicates.check(Inputs(**{**inputs.__dict__, "records": live}), table)


def _add_metas(inputs: Inputs, shas: set[str]) -> None:
    from server.models import PhotoMeta

    missing = sorted(shas - set(inputs.metas))
    for chunk in _chunks(missing):
        inputs.metas.update(
            (m.sha256, m)
            for m in db.session.scalars(select(PhotoMeta).where(PhotoMeta.sha256.in_(chunk)))
        )


def recompute_commune(commune_code: str) -> Outcome:
    """Rebuild every flag of the commune from its records (the caller commits)."""
    records = list(
        db.session.execute(select(*RECORD_COLUMNS).where(Record.commune_code == commune_code))
    )
    db.session.execute(
        delete(IntegrityPhotoUse).where(IntegrityPhotoUse.commune_code == commune_code)
    )
    _write_uses(records)
    inputs = load(commune_code, records)
    table = integrity_duplicates.HashTable.load(commune_code)
    return reconcile(_findings(inputs, table), commune=commune_code)


def refresh_photo(sha256: str) -> Outcome:
    """The photo pipeline's listener: refresh the records using this photo, commune by
    commune under each commune's lock (in the job's transaction)."""
    from server.services.push import lock_scope

    rows = db.session.execute(
        select(IntegrityPhotoUse.commune_code, IntegrityPhotoUse.record_uuid).where(
            IntegrityPhotoUse.sha256 == sha256
        )
    ).all()
    by_commune: dict[str, set[str]] = {}
    for commune, record in rows:
        by_commune.setdefault(commune, set()).add(record)
    outcome = Outcome()
    for commune in sorted(by_commune):
        lock_scope(commune)
        outcome += refresh_records(commune, by_commune[commune])
    return outcome


def listen_to_photo_pipeline() -> None:
    from server.services import photo_pipeline

    photo_pipeline.on_photo_processed(_on_photo)


def _on_photo(sha256: str) -> None:
    refresh_photo(sha256)


def reconcile(
    findings: list[Finding],
    *,
    records: set[str] | None = None,
    commune: str | None = None,
    kinds: tuple[str, ...] | None = None,
) -> Outcome:
    """Make the flags in scope (these records, or the whole commune; these kinds, or all)
    exactly the findings: update, open, reopen, close. Idempotent."""
    now = utcnow()
    existing: dict[str, IntegrityFlag] = {}
    queries = []
    if records is not None:
        queries = [
            select(IntegrityFlag).where(IntegrityFlag.record_uuid.in_(chunk))
            for chunk in _chunks(sorted(records))
        ]
    elif commune is not None:
        queries = [select(IntegrityFlag).where(IntegrityFlag.commune_code == commune)]
    for query in queries:
        if kinds:
            query = query.where(IntegrityFlag.kind.in_(kinds))
        existing.update((f.key, f) for f in db.session.scalars(query))
    outcome = Outcome()
    wanted = {f.key: f for f in findings}
    for key, find in wanted.items():
        row = existing.get(key)
        if row is None:
            db.session.add(
                IntegrityFlag(
                    key=key,
                    kind=find.kind,
                    commune_code=find.commune_code,
                    record_uuid=find.record_uuid,
                    photo_sha256=find.photo_sha256,
                    household_id=find.household_id,
                    reason_vi=find.reason_vi[:REASON_MAX],
                    reason_en=find.reason_en[:REASON_MAX],
                    details=find.details,
                    state="open",
                    created_at=now,
                    updated_at=now,
                )
            )
            outcome.opened += 1
            continue
        changed = _update(row, find)
        if row.state == "closed":
            same = row.accepted_at is not None and not changed
            row.state = "accepted" if same else "open"
            row.closed_at = None
            outcome.opened += 1
            changed = True
        if changed:
            row.updated_at = now
            outcome.updated += 1
    for key, row in existing.items():
        if key not in wanted and row.state != "closed":
            row.state = "closed"
            row.closed_at = now
            row.updated_at = now
            outcome.closed += 1
    db.session.flush()
    return outcome


def _update(row: IntegrityFlag, find: Finding) -> bool:
    values = {
        "household_id": find.household_id,
        "reason_vi": find.reason_vi[:REASON_MAX],
        "reason_en": find.reason_en[:REASON_MAX],
        "details": find.details,
    }
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def may_accept(user: User, commune_code: str) -> bool:
    """Only the commune's own board (or a system administrator) accepts a flag."""
    return user.role == "sysadmin" or (user.role == "board" and user.area_code == commune_code)


def accept(user: User, flag_id: int, reason: str) -> IntegrityFlag:
    """Mark an open flag "checked, acceptable" with a reason; audit-logged; commits."""
    flag = db.session.get(IntegrityFlag, flag_id)
    if flag is None or not may_accept(user, flag.commune_code):
        # Same answer for "not yours" and "not there": existence does not leak.
        raise IntegrityError(404, "not_found", "Không tìm thấy cảnh báo.", "Flag not found.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise IntegrityError(
            422,
            "reason_required",
            "Hãy ghi lý do vì sao cảnh báo này chấp nhận được (đã kiểm tra gì).",
            "Write why this flag is acceptable (what was checked).",
        )
    if len(reason) > REASON_MAX:
        raise IntegrityError(
            422,
            "reason_too_long",
            f"Lý do quá dài (tối đa {REASON_MAX} ký tự).",
            f"The reason is too long (at most {REASON_MAX} characters).",
        )
    if flag.state != "open":
        raise IntegrityError(
            409,
            "not_open",
            "Cảnh báo này không còn mở (đã được chấp nhận hoặc đã hết hiệu lực).",
            "This flag is no longer open (already accepted or no longer applies).",
        )
    now = utcnow()
    flag.state = "accepted"
    flag.accepted_reason = reason
    flag.accepted_by = user.username
    flag.accepted_at = now
    flag.updated_at = now
    audit.log(
        "integrity.accept",
        actor=user.username,
        area_code=flag.commune_code,
        target=f"flag:{flag.id}",
        details={"kind": flag.kind, "record": flag.record_uuid, "reason": reason},
    )
    db.session.commit()
    return flag
