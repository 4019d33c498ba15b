"""Pushes into a locked reporting period: stored, never lost, but held for the board.

The rule (docs/evidence-review.md): a push that creates, edits or deletes a record whose
captured date, before or after the change, lies in a LOCKED period of the commune is applied
like any other (revision kept, the tablet answered as usual, so nothing is resent or lost),
and in the same transaction:
- the record gets an open `PeriodHold` naming the period ("cần mở lại kỳ / needs reopening");
- an approved record goes back to ``pending`` and the hold keeps the answers the board had
  approved; until the hold is released the indicator facts count those approved answers,
  so the figures of the locked period do not move (server/services/indicators_facts.py);
- the audit log gets ``period.hold``.
A review decision on a held record is refused while its period is locked; after the board
reopens the period, approving or rejecting the record releases the hold (review.decide).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from server.extensions import db
from server.models import PeriodHold, Record, ReportingPeriod
from server.models.types import utcnow
from server.services import audit
from server.services.periods import local_date


@dataclass(frozen=True)
class Before:
    """A stored record as it was before the batch touched it."""

    revision: int
    deleted: bool
    review_status: str
    captured_at: dt.datetime
    data: dict[str, Any]


def snapshot(stored: Mapping[str, Record]) -> dict[str, Before]:
    """Call before a batch is applied: the state of the records it may change."""
    return {
        uuid: Before(r.revision, r.deleted, r.review_status, r.captured_at, dict(r.data))
        for uuid, r in stored.items()
        if r is not None
    }


def _locked_periods(commune_code: str) -> list[ReportingPeriod]:
    return list(
        db.session.scalars(
            select(ReportingPeriod).where(
                ReportingPeriod.commune_code == commune_code,
                ReportingPeriod.locked_at.is_not(None),
            )
        )
    )


def _period_for(periods: list[ReportingPeriod], moments: Iterable[dt.datetime]):
    for moment in moments:
        day = local_date(moment)
        for period in periods:
            if period.starts_on <= day <= period.ends_on:
                return period
    return None


def open_holds(record_uuids: Iterable[str]) -> dict[str, PeriodHold]:
    uuids = list(record_uuids)
    if not uuids:
        return {}
    rows = db.session.scalars(
        select(PeriodHold).where(
            PeriodHold.record_uuid.in_(uuids), PeriodHold.released_at.is_(None)
        )
    )
    return {h.record_uuid: h for h in rows}


def after_push(
    commune_code: str,
    before: Mapping[str, Before],
    envelopes: Sequence[Any],
    results: Sequence[Mapping[str, Any]],
    actor: str,
) -> list[PeriodHold]:
    """Hold the records this batch changed in a locked period (inside push's transaction)."""
    periods = _locked_periods(commune_code)
    if not periods:
        return []
    touched = [
        e.uuid
        for e, out in zip(envelopes, results, strict=True)
        if out["status"] == "applied" and not out.get("replayed")
    ]
    holds = open_holds(touched)
    records = {
        r.uuid: r for r in db.session.scalars(select(Record).where(Record.uuid.in_(set(touched))))
    }
    made: list[PeriodHold] = []
    for uuid in dict.fromkeys(touched):
        record = records.get(uuid)
        old = before.get(uuid)
        if record is None or (old is not None and record.revision == old.revision):
            continue  # the same observation sent again: nothing changed
        moments = [record.captured_at] + ([old.captured_at] if old is not None else [])
        period = _period_for(periods, moments)
        if period is None:
            continue
        hold = holds.get(uuid)
        if hold is not None:
            hold.mutations += 1
            continue
        kind = "new" if old is None else ("delete" if record.deleted else "edit")
        approved = old is not None and old.review_status == "approved"
        hold = PeriodHold(
            record_uuid=uuid,
            commune_code=commune_code,
            period_id=period.id,
            kind=kind,
            mutations=1,
            household_id=record.household_id,
            form_id=record.form_id,
            approved_data=old.data if approved else None,
            approved_captured_at=old.captured_at if approved else None,
            held_at=utcnow(),
        )
        db.session.add(hold)
        holds[uuid] = hold
        made.append(hold)
        if record.review_status == "approved":
            record.review_status = "pending"  # the board decides again after reopening
        audit.log(
            "period.hold",
            actor=actor or "device",
            area_code=commune_code,
            target=f"record:{uuid}",
            details={"period": period.id, "period_name": period.name, "kind": kind},
        )
    db.session.flush()
    return made


def locked_hold(record_uuids: Iterable[str]) -> tuple[PeriodHold, ReportingPeriod] | None:
    """An open hold among these records whose period is still locked, if any."""
    for hold in open_holds(record_uuids).values():
        period = db.session.get(ReportingPeriod, hold.period_id)
        if period is not None and period.locked_at is not None:
            return hold, period
    return None


def release(record_uuids: Iterable[str], actor: str) -> int:
    """The board decided these records: their holds end (inside the decision's transaction)."""
    holds = open_holds(record_uuids)
    now = utcnow()
    for hold in holds.values():
        hold.released_at, hold.released_by = now, actor[:64]
    return len(holds)


def held_deleted_households(commune_code: str) -> set[str]:
    """Households whose deletion is held in a locked period (still counted as active)."""
    return set(
        db.session.scalars(
            select(PeriodHold.record_uuid).where(
                PeriodHold.commune_code == commune_code,
                PeriodHold.released_at.is_(None),
                PeriodHold.form_id == "household",
                PeriodHold.kind == "delete",
            )
        )
    )


def held_answers(commune_code: str, household_ids: list[str] | None) -> list[Any]:
    """Approved answers kept by open holds, as rows shaped like indicators_facts' query."""
    query = select(PeriodHold).where(
        PeriodHold.commune_code == commune_code,
        PeriodHold.released_at.is_(None),
        PeriodHold.household_id.is_not(None),
    )
    if household_ids is not None:
        query = query.where(PeriodHold.household_id.in_(household_ids))
    return [
        HeldRow(
            h.record_uuid,
            h.household_id,
            h.form_id,
            h.approved_captured_at,
            "approved",
            h.approved_data,
        )
        for h in db.session.scalars(query)
        if h.approved_data is not None  # JSON null and SQL NULL alike
    ]


@dataclass(frozen=True)
class HeldRow:
    uuid: str
    household_id: str
    form_id: str
    captured_at: dt.datetime
    review_status: str
    data: dict[str, Any]
    version: int = 0  # the answers approved before the hold: older than any stored revision
