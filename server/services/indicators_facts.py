"""Keep household_check_facts current: each household's latest approved check per form.

`refresh(commune_code, household_ids)` recomputes the facts of just those households inside
the caller's transaction (push calls it before its commit, so records and facts commit
together); a review decision must call it too (review.py's listener registry is not there
yet: see docs/evidence-indicators.md). `recompute(commune_code)` rebuilds a whole commune.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, insert, select

from forms.catalogue import catalogues
from server.extensions import db
from server.models import HouseholdCheckFact, Record
from server.services import period_holds


def check_forms() -> set[str]:
    """The observation forms some indicator reads."""
    return {i.form for s in catalogues().values() for i in s.indicators}


def _order(row: Any) -> tuple:
    """Which of two checks of a household is the newer: the visit time the tablet recorded,
    then (two checks in the same second) the one the server received later."""
    return (row.captured_at, row.version)


def _facts(commune_code: str, rows: Iterable[Any]) -> list[dict[str, Any]]:
    approved: dict[tuple[str, str], Any] = {}
    newest: dict[tuple[str, str], Any] = {}
    for row in rows:
        key = (row.household_id, row.form_id)
        if row.review_status == "approved":
            seen = approved.get(key)
            if seen is None or _order(row) > _order(seen):
                approved[key] = row
        seen_any = newest.get(key)
        if seen_any is None or _order(row) > _order(seen_any):
            newest[key] = row
    facts = []
    for key, row in newest.items():
        current = approved.get(key)
        facts.append(
            {
                "household_id": key[0],
                "form_id": key[1],
                "commune_code": commune_code,
                "record_uuid": current.uuid if current else None,
                "captured_at": current.captured_at if current else None,
                "data": current.data if current else None,
                "pending": row.review_status == "pending",
            }
        )
    return facts


def _rows(commune_code: str, household_ids: list[str] | None) -> Any:
    columns = (
        Record.uuid,
        Record.household_id,
        Record.form_id,
        Record.captured_at,
        Record.review_status,
        Record.data,
        Record.version,
    )
    query = select(*columns).where(
        Record.form_id.in_(sorted(check_forms())),
        Record.deleted.is_(False),
        Record.review_status != "rejected",
        Record.household_id.is_not(None),
    )
    if household_ids is None:
        records = db.session.execute(query.where(Record.commune_code == commune_code)).all()
    else:
        # Some households: found through ix_records_household_form, their commune checked
        # here. With the commune in the WHERE clause PostgreSQL, before its statistics
        # caught up with a fast-growing table, scanned every record of the commune instead
        # (7 ms a push at 12,000 records, growing with the commune).
        query = query.add_columns(Record.commune_code).where(Record.household_id.in_(household_ids))
        records = [r for r in db.session.execute(query) if r.commune_code == commune_code]
    forms = check_forms()
    # A record changed inside a locked period still counts with the answers the board
    # approved, until the board reopens the period and decides (server/services/period_holds)
    held = [
        row
        for row in period_holds.held_answers(commune_code, household_ids)
        if row.form_id in forms
    ]
    return [*records, *held]


def refresh(commune_code: str, household_ids: Iterable[str | None]) -> int:
    """Recompute these households' facts in the current transaction; returns rows written."""
    ids = sorted({h for h in household_ids if h})
    written = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        db.session.execute(
            delete(HouseholdCheckFact).where(
                HouseholdCheckFact.commune_code == commune_code,
                HouseholdCheckFact.household_id.in_(chunk),
            )
        )
        facts = _facts(commune_code, _rows(commune_code, chunk))
        if facts:
            db.session.execute(insert(HouseholdCheckFact), facts)
        written += len(facts)
    return written


def recompute(commune_code: str) -> int:
    """Rebuild every fact of the commune from its records (same transaction as the caller)."""
    db.session.execute(
        delete(HouseholdCheckFact).where(HouseholdCheckFact.commune_code == commune_code)
    )
    facts = _facts(commune_code, _rows(commune_code, None))
    if facts:
        db.session.execute(insert(HouseholdCheckFact), facts)
    return len(facts)


def after_review(commune_code: str, record_uuids: list[str]) -> None:
    """review.on_decision listener: the decision has committed; refresh the households whose
    records were decided, in a transaction of its own."""
    households = db.session.scalars(
        select(Record.household_id).where(
            Record.uuid.in_(record_uuids), Record.household_id.is_not(None)
        )
    )
    refresh(commune_code, list(households))
    db.session.commit()


def listen_to_review() -> None:
    """Subscribe to review decisions (imported late: review imports push, which imports us)."""
    from server.services import review

    review.on_decision(after_review)
