"""What the integrity pages show: per commune the counts of each flag kind (open and
accepted), the households with the most open flags, a filtered list of flags, and the flags
of given records or of a household for the badges on other pages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from forms import UnknownForm, default_registry
from server.extensions import db
from server.models import Household, IntegrityFlag, Record
from server.services.integrity_kinds import KINDS

SHOWN = ("open", "accepted")  # closed flags no longer apply: history only
LIST_LIMIT = 300


@dataclass(frozen=True)
class KindCount:
    kind: str
    vi: str
    en: str
    open: int
    accepted: int


@dataclass(frozen=True)
class Affected:
    household_id: str
    name: str
    village_code: str
    open: int
    kinds: list[str]


def counts(commune_code: str) -> list[KindCount]:
    rows = db.session.execute(
        select(IntegrityFlag.kind, IntegrityFlag.state, func.count())
        .where(IntegrityFlag.commune_code == commune_code, IntegrityFlag.state.in_(SHOWN))
        .group_by(IntegrityFlag.kind, IntegrityFlag.state)
    ).all()
    seen = {(kind, state): n for kind, state, n in rows}
    return [
        KindCount(kind, vi, en, seen.get((kind, "open"), 0), seen.get((kind, "accepted"), 0))
        for kind, (vi, en) in KINDS.items()
    ]


def most_affected(commune_code: str, limit: int = 10) -> list[Affected]:
    open_count = func.count().label("n")
    rows = db.session.execute(
        select(IntegrityFlag.household_id, open_count)
        .where(
            IntegrityFlag.commune_code == commune_code,
            IntegrityFlag.state == "open",
            IntegrityFlag.household_id.is_not(None),
        )
        .group_by(IntegrityFlag.household_id)
        .order_by(open_count.desc(), IntegrityFlag.household_id)
        .limit(limit)
    ).all()
    ids = [r.household_id for r in rows]
    homes = {
        h.uuid: h for h in db.session.scalars(select(Household).where(Household.uuid.in_(ids)))
    }
    kinds: dict[str, set[str]] = {}
    for hid, kind in db.session.execute(
        select(IntegrityFlag.household_id, IntegrityFlag.kind).where(
            IntegrityFlag.household_id.in_(ids), IntegrityFlag.state == "open"
        )
    ):
        kinds.setdefault(hid, set()).add(kind)
    out = []
    for r in rows:
        home = homes.get(r.household_id)
        out.append(
            Affected(
                r.household_id,
                home.head_name if home else r.household_id[:8],
                home.village_code if home else "",
                r.n,
                [k for k in KINDS if k in kinds.get(r.household_id, set())],
            )
        )
    return out


@dataclass(frozen=True)
class Row:
    flag: IntegrityFlag
    household_name: str
    form_id: str

    @property
    def form_title(self) -> str:
        try:
            return default_registry().get(self.form_id).title.vi
        except UnknownForm:
            return self.form_id


def listing(
    commune_code: str, kind: str = "", state: str = "open", household: str = ""
) -> list[Row]:
    query = (
        select(IntegrityFlag, Household.head_name, Record.form_id)
        .outerjoin(Household, Household.uuid == IntegrityFlag.household_id)
        .outerjoin(Record, Record.uuid == IntegrityFlag.record_uuid)
        .where(IntegrityFlag.commune_code == commune_code)
    )
    if kind in KINDS:
        query = query.where(IntegrityFlag.kind == kind)
    query = query.where(IntegrityFlag.state == (state if state in SHOWN + ("closed",) else "open"))
    if household:
        query = query.where(IntegrityFlag.household_id == household)
    query = query.order_by(IntegrityFlag.household_id, IntegrityFlag.kind, IntegrityFlag.id).limit(
        LIST_LIMIT
    )
    return [Row(f, name or "", form or "") for f, name, form in db.session.execute(query)]


def for_records(uuids: Iterable[str]) -> dict[str, list[IntegrityFlag]]:
    """Open and accepted flags of these records, by record (for badges)."""
    out: dict[str, list[IntegrityFlag]] = {}
    ids = sorted(set(uuids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for flag in db.session.scalars(
            select(IntegrityFlag)
            .where(IntegrityFlag.record_uuid.in_(chunk), IntegrityFlag.state.in_(SHOWN))
            .order_by(IntegrityFlag.kind, IntegrityFlag.id)
        ):
            out.setdefault(flag.record_uuid, []).append(flag)
    return out


def for_household(household_id: str) -> list[IntegrityFlag]:
    return list(
        db.session.scalars(
            select(IntegrityFlag)
            .where(IntegrityFlag.household_id == household_id, IntegrityFlag.state.in_(SHOWN))
            .order_by(IntegrityFlag.kind, IntegrityFlag.id)
        )
    )
