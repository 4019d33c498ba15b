"""Conflicts between offline edits: list them, and resolve one into a new revision.

A resolution decides every clashing field (keep the base, the server's or the device's
value, or type a new one); a delete-versus-edit conflict also decides `_deleted`
(delete the record or keep it). It is checked against the form like any other answer, becomes a
new revision with a new version (so every tablet receives it on its next pull), and stays
on the conflict row with who resolved it and when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select

from forms import default_registry, validate
from server.extensions import db
from server.models import Conflict, Record
from server.models.types import utcnow
from server.services import audit, indicators_facts, integrity, period_holds
from server.services.household_projection import project_household
from server.services.push import (
    Author,
    add_revision,
    last_reason,
    lock_scope,
    next_version,
)
from sync.merge import DELETED, three_way

SIDES = ("base", "server", "device")


class ResolutionError(ValueError):
    def __init__(self, status: int, code: str, message: str, message_en: str, **extra: Any):
        super().__init__(message_en)
        self.status, self.code, self.message, self.message_en = status, code, message, message_en
        self.extra = extra


def list_open(
    communes: list[str] | None,
    commune: str | None = None,
    form_id: str | None = None,
    min_age_days: int | None = None,
    limit: int = 200,
) -> list[tuple[Conflict, Record]]:
    query = (
        select(Conflict, Record)
        .join(Record, Record.uuid == Conflict.record_uuid)
        .where(Conflict.resolved_at.is_(None))
        .order_by(Conflict.created_at)
        .limit(limit)
    )
    if communes is not None:
        query = query.where(Conflict.commune_code.in_(communes))
    if commune:
        query = query.where(Conflict.commune_code == commune)
    if form_id:
        query = query.where(Record.form_id == form_id)
    if min_age_days:
        query = query.where(Conflict.created_at <= utcnow() - dt.timedelta(days=min_age_days))
    return [(c, r) for c, r in db.session.execute(query)]


def resolve(
    conflict: Conflict,
    choices: Mapping[str, str],
    values: Mapping[str, Any],
    username: str,
) -> Record:
    if conflict.resolved_at is not None:
        raise ResolutionError(
            409,
            "already_resolved",
            f"Xung đột này đã được {conflict.resolved_by} giải quyết.",
            f"This conflict was already resolved by {conflict.resolved_by}.",
        )
    undecided = sorted(set(conflict.fields) - set(choices) - set(values))
    unknown = sorted((set(choices) | set(values)) - set(conflict.fields))
    bad_sides = sorted(f for f, side in choices.items() if side not in SIDES)
    if undecided or unknown or bad_sides:
        raise ResolutionError(
            422,
            "incomplete_resolution",
            "Hãy chọn giá trị cho mọi trường xung đột (và chỉ các trường đó).",
            "Choose a value for every conflicting field (and only those).",
            undecided=undecided,
            unknown=unknown,
            bad_sides=bad_sides,
        )
    scope = lock_scope(conflict.commune_code)
    record = db.session.get(Record, conflict.record_uuid, populate_existing=True)
    before = period_holds.snapshot({record.uuid: record})  # a locked period holds this too
    # Start from the server's current answers merged with the device's edits that did not
    # clash, so a resolution never drops what merged by itself.
    data = three_way(conflict.base_data, record.data, conflict.device_data).merged
    decided = {f: conflict.fields[f][side] for f, side in choices.items()} | dict(values)
    if choices.get(DELETED) == "server":
        # "keep the server's state" means the state now: another resolution or a later
        # tombstone may have changed it since this conflict was opened
        decided[DELETED] = record.deleted
    deleted = decided.pop(DELETED, record.deleted)
    if not isinstance(deleted, bool):
        db.session.rollback()
        raise ResolutionError(
            422,
            "invalid_resolution",
            "Hãy chọn xoá hay giữ bản ghi (true/false).",
            "Choose whether the record is deleted or kept (true/false).",
            errors=[
                {
                    "field": DELETED,
                    "message": "Phải là true hoặc false.",
                    "message_en": "Must be true or false.",
                }
            ],
        )
    for name, value in decided.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    form = default_registry().get(record.form_id, record.form_version)
    cleaned, errors = validate(form, data)
    if errors:
        db.session.rollback()
        raise ResolutionError(
            422,
            "invalid_resolution",
            "Giá trị đã chọn không hợp lệ với biểu mẫu.",
            "The chosen values are not valid for the form.",
            errors=[e.as_dict() for e in errors],
        )
    now = utcnow()
    conflict.resolved_at, conflict.resolved_by = now, username
    conflict.resolution = {
        "choices": dict(choices),
        "values": dict(values),
        "data": cleaned,
        "deleted": deleted,
    }
    db.session.flush()
    still_open = db.session.scalar(
        select(Conflict.id).where(
            Conflict.record_uuid == record.uuid, Conflict.resolved_at.is_(None)
        )
    )
    reason = f"conflict {conflict.id} resolved"
    if deleted:  # the feed's tombstone shows why it was deleted
        why = conflict.device_reason if not record.deleted else last_reason(record.uuid)
        reason = f"{reason}: deleted ({why or '-'})"[:300]
    elif record.deleted:
        reason += ": kept (restored)"
    record.data = cleaned
    record.deleted = deleted
    record.sync_status = "conflict" if still_open else "ok"
    record.revision += 1
    record.version = next_version(scope)
    record.updated_at = now
    db.session.flush()
    add_revision(record, Author(username=username), now, reason=reason)
    if record.form_id == "household":
        project_household(record)
    # what a push of the same change would do: hold it if it falls in a locked period,
    # refresh the roll-up's facts and the flags
    period_holds.after_push(
        record.commune_code,
        before,
        [SimpleNamespace(uuid=record.uuid)],
        [{"status": "applied"}],
        username,
    )
    indicators_facts.refresh(record.commune_code, {record.household_id})
    integrity.refresh_records(record.commune_code, [record.uuid])
    audit.log(
        "conflict.resolve",
        actor=username,
        area_code=conflict.commune_code,
        target=str(conflict.id),
        details={
            "record": record.uuid,
            "choices": dict(choices),
            "typed": sorted(values),
            "deleted": deleted,
        },
    )
    db.session.commit()
    return record
