"""Contribution totals for a commune page: per village and for the commune.

A straightforward pass over the commune's contribution records; the incremental roll-up
with review status and periods is the evidence issue's work.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from server.extensions import db
from server.models import AdminUnit, Household, Photo, Record

TOTAL_KINDS = {"land": "land_m2", "labour": "labour_days", "cash": "cash_vnd"}


@dataclass
class Totals:
    land_m2: float = 0.0
    labour_days: float = 0.0
    cash_vnd: float = 0.0
    other_entries: int = 0
    households: set[str] = field(default_factory=set)

    def add(self, kind: str | None, quantity: float, household_id: str | None) -> None:
        key = TOTAL_KINDS.get(kind)
        if key is None:
            self.other_entries += 1
        else:
            setattr(self, key, getattr(self, key) + quantity)
        if household_id:
            self.households.add(household_id)


def commune_contributions(commune_code: str) -> dict[str, Any]:
    villages = list(
        db.session.scalars(
            select(AdminUnit)
            .where(AdminUnit.parent_code == commune_code, AdminUnit.level == "village")
            .order_by(AdminUnit.name)
        )
    )
    rows = db.session.execute(
        select(Record, Household)
        .join(Household, Household.uuid == Record.household_id, isouter=True)
        .where(
            Record.commune_code == commune_code,
            Record.form_id.in_(("contribution", "contribution_adjustment")),
            Record.deleted.is_(False),
            Record.review_status != "rejected",  # a rejected entry counts nowhere
        )
        .order_by(Record.captured_at.desc())
    ).all()
    kinds = {r.uuid: r.data.get("kind") for r, _ in rows if r.form_id == "contribution"}
    adjusted: dict[str, float] = defaultdict(float)
    commune_totals = Totals()
    by_village: dict[str, Totals] = defaultdict(Totals)
    by_review = {"approved": Totals(), "pending": Totals()}  # the board's view, kept apart
    entries = []
    for record, household in rows:
        if record.form_id == "contribution":
            kind, quantity = record.data.get("kind"), float(record.data.get("quantity") or 0)
            entries.append({"record": record, "household": household})
        else:  # a correction adds to or takes from the entry it adjusts, in its kind
            kind, quantity = kinds.get(record.data["adjusts"]), float(record.data["delta"])
            adjusted[record.data["adjusts"]] += quantity
            if kind not in TOTAL_KINDS:
                continue  # a correction of materials is not a new entry of its own
        commune_totals.add(kind, quantity, record.household_id)
        by_review["approved" if record.review_status == "approved" else "pending"].add(
            kind, quantity, record.household_id
        )
        by_village[record.village_code].add(kind, quantity, record.household_id)
    wanted = sorted({h for entry in entries for h in entry["record"].photos or []})
    present = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        present.update(db.session.scalars(select(Photo.sha256).where(Photo.sha256.in_(chunk))))
    for entry in entries:
        entry["adjusted"] = adjusted.get(entry["record"].uuid)
        # a record may arrive before its photos: say so until they do
        entry["photos_pending"] = [h for h in entry["record"].photos or [] if h not in present]
    household_counts = dict(
        db.session.execute(
            select(Household.village_code, db.func.count())
            .where(Household.commune_code == commune_code, Household.active.is_(True))
            .group_by(Household.village_code)
        ).all()
    )
    return {
        "villages": [
            {
                "unit": v,
                "totals": by_village.get(v.code, Totals()),
                "households": household_counts.get(v.code, 0),
            }
            for v in villages
        ],
        "totals": commune_totals,
        "approved": by_review["approved"],
        "pending": by_review["pending"],
        "households": sum(household_counts.values()),
        "entries": entries,
    }
