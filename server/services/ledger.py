"""The contribution ledger: totals by household, village, works and kind, approved and
pending apart, each line valued in VND with the unit rate valid on the contribution's date.

A correction (contribution_adjustment) is a signed line in the kind, unit, works, household
and period of the contribution it corrects; it counts as approved or pending by its own
review status. Rejected records count nowhere, and a rejected contribution takes its
corrections with it. Rates are immutable (server/services/ledger_rates.py), so a line's value
is a pure function of the data: the same filters give the same figures in any later export.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from forms import default_registry
from server.extensions import db
from server.models import AdminUnit, Household, Record, UnitRate
from server.services.ledger_rates import RateBook

KIND_UNITS = {"land": "m2", "labour": "labour_day", "cash": "vnd"}
STATUSES = ("approved", "pending")


@dataclass(frozen=True)
class LedgerFilter:
    village: str | None = None
    works: str | None = None
    kind: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def as_dict(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.__dict__.items() if v}


@dataclass
class Line:
    """One contribution with its corrections folded in, split by review status."""

    record: Record
    household: Household | None
    village_name: str
    kind: str
    unit: str
    item: str
    works: str
    works_name: str
    date: dt.date
    quantity: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0.0))
    rate: UnitRate | None = None
    adjustments: int = 0

    @property
    def rate_vnd(self) -> int | None:
        if self.kind == "cash":
            return 1
        return self.rate.rate_vnd if self.rate else None

    @property
    def basis(self) -> str:
        if self.kind == "cash":
            return "Tiền mặt"
        return self.rate.basis if self.rate else ""

    def value(self, status: str) -> int | None:
        rate = self.rate_vnd
        return None if rate is None else round(self.quantity[status] * rate)

    @property
    def village_code(self) -> str:
        """The household's village (where the family lives), else the record's."""
        return self.household.village_code if self.household else self.record.village_code

    @property
    def photos(self) -> list[str]:
        return list(self.record.photos or [])


@dataclass
class Bucket:
    """Sums for one household, village, works or kind/unit."""

    quantity: dict[tuple[str, str, str], float] = field(default_factory=lambda: defaultdict(float))
    value: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    unvalued: int = 0  # lines with no rate for their date

    def add(self, line: Line) -> None:
        for status in STATUSES:
            self.quantity[(line.kind, line.unit, status)] += line.quantity[status]
            value = line.value(status)
            if value is not None:
                self.value[status] += value
        if line.rate_vnd is None:
            self.unvalued += 1

    def qty(self, kind: str, status: str = "approved", unit: str | None = None) -> float:
        unit = unit or KIND_UNITS.get(kind)
        return sum(
            q
            for (k, u, s), q in self.quantity.items()
            if k == kind and s == status and (unit is None or u == unit)
        )


@dataclass
class Ledger:
    commune: AdminUnit
    filters: LedgerFilter
    lines: list[Line]
    total: Bucket
    by_kind: dict[tuple[str, str], Bucket]
    by_village: dict[str, Bucket]
    by_works: dict[str, Bucket]
    by_household: dict[str, Bucket]
    villages: dict[str, str]


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def compute(commune: AdminUnit, filters: LedgerFilter | None = None) -> Ledger:
    filters = filters or LedgerFilter()
    villages = dict(
        db.session.execute(
            select(AdminUnit.code, AdminUnit.name).where(AdminUnit.parent_code == commune.code)
        ).all()
    )
    rows = db.session.execute(
        select(Record, Household)
        .join(Household, Household.uuid == Record.household_id, isouter=True)
        .where(
            Record.commune_code == commune.code,
            Record.form_id.in_(("contribution", "contribution_adjustment")),
            Record.deleted.is_(False),
            Record.review_status != "rejected",
        )
        .order_by(Record.captured_at, Record.uuid)
    ).all()
    rates = RateBook.load(commune.code)
    lines: dict[str, Line] = {}
    corrections = []
    for record, household in rows:
        if record.form_id == "contribution_adjustment":
            corrections.append(record)
            continue
        data = record.data
        day = _date(data.get("date"))
        if day is None:
            continue
        kind = data.get("kind", "")
        unit = KIND_UNITS.get(kind) or data.get("unit") or ""
        line = Line(
            record=record,
            household=household,
            village_name="",
            kind=kind,
            unit=unit,
            item=data.get("item") or "",
            works=data.get("works") or "",
            works_name=data.get("works_name") or "",
            date=day,
            rate=rates.valid_on(kind, unit, day),
        )
        line.village_name = villages.get(line.village_code, line.village_code)
        line.quantity[_status(record)] += float(data.get("quantity") or 0)
        lines[record.uuid] = line
    for record in corrections:
        line = lines.get(record.data.get("adjusts", ""))
        if line is None:  # its contribution is rejected or deleted: the correction goes too
            continue
        line.quantity[_status(record)] += float(record.data.get("delta") or 0)
        line.adjustments += 1
    kept = [line for line in lines.values() if _matches(line, filters)]
    kept.sort(key=lambda ln: (ln.date, ln.village_name, ln.record.uuid))
    ledger = Ledger(
        commune,
        filters,
        kept,
        Bucket(),
        defaultdict(Bucket),
        defaultdict(Bucket),
        defaultdict(Bucket),
        defaultdict(Bucket),
        villages,
    )
    for line in kept:
        ledger.total.add(line)
        ledger.by_kind[(line.kind, line.unit)].add(line)
        ledger.by_village[line.village_code].add(line)
        ledger.by_works[line.works].add(line)
        if line.record.household_id:
            ledger.by_household[line.record.household_id].add(line)
    return ledger


def _status(record: Record) -> str:
    return "approved" if record.review_status == "approved" else "pending"


def _matches(line: Line, f: LedgerFilter) -> bool:
    return (
        (not f.village or line.village_code == f.village)
        and (not f.works or line.works == f.works)
        and (not f.kind or line.kind == f.kind)
        and (not f.date_from or line.date >= f.date_from)
        and (not f.date_to or line.date <= f.date_to)
    )


def labels() -> dict[str, Any]:
    """Vietnamese and English labels for kinds, units and works, from the form definition."""
    form = default_registry().get("contribution")
    out: dict[str, Any] = {"kind": {}, "works": {}, "unit": {}}
    for name in ("kind", "works"):
        for choice in form.field(name).choices:
            out[name][choice.value] = choice.label
    for name, label in (form.units or {}).items():
        out["unit"][name] = label
    return out


def households(ledger: Ledger) -> list[dict[str, Any]]:
    """Per-household totals, largest VND-equivalent first (approved, then pending)."""
    seen: dict[str, Household] = {}
    for line in ledger.lines:
        if line.household is not None:
            seen[line.household.uuid] = line.household
    rows = [{"household": h, "bucket": ledger.by_household[uuid]} for uuid, h in seen.items()]
    rows.sort(
        key=lambda r: (
            -r["bucket"].value["approved"],
            -r["bucket"].value["pending"],
            r["household"].head_name,
        )
    )
    return rows
