"""Everything the integrity checks read about a set of records, fetched in a few queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from forms import Form, FormRegistry, UnknownForm, default_registry
from server.extensions import db
from server.models import Device, Household, Photo, PhotoMeta, Record
from server.models.types import utcnow
from server.services.integrity_geofence import Fence
from server.services.integrity_kinds import Settings, settings

VN_TIME = dt.timezone(dt.timedelta(hours=7))


@dataclass(frozen=True)
class Home:
    lat: float | None
    lon: float | None
    name: str


@dataclass
class Inputs:
    commune: str
    records: list[Record]
    fence: Fence
    settings: Settings
    forms: FormRegistry
    now: dt.datetime
    homes: dict[str, Home] = field(default_factory=dict)
    clock_skew: dict[str, int | None] = field(default_factory=dict)
    metas: dict[str, PhotoMeta] = field(default_factory=dict)
    stored: set[str] = field(default_factory=set)

    def home(self, household_id: str | None) -> Home | None:
        return self.homes.get(household_id) if household_id else None

    def household_name(self, household_id: str | None) -> str:
        home = self.home(household_id)
        return home.name if home and home.name else (household_id or "?")[:8]

    def form(self, record: Record) -> Form | None:
        try:
            return self.forms.get(record.form_id, record.form_version)
        except UnknownForm:
            return None

    def place_name(self, code: str | None) -> str:
        return self.fence.names.get(code or "", code or "?")


def load(commune_code: str, records: list[Record], *, fence: Fence | None = None) -> Inputs:
    shas = sorted({s for r in records for s in (r.photos or [])})
    household_ids = {r.household_id for r in records if r.household_id}
    inputs = Inputs(
        commune=commune_code,
        records=records,
        fence=fence or Fence.load(commune_code),
        settings=settings(),
        forms=default_registry(),
        now=utcnow(),
    )
    add_homes(inputs, household_ids)
    devices = {r.device_id for r in records if r.device_id}
    if devices:
        inputs.clock_skew = dict(
            db.session.execute(
                select(Device.id, Device.clock_skew_seconds).where(Device.id.in_(devices))
            ).all()
        )
    for chunk in _chunks(shas):
        inputs.metas.update(
            (m.sha256, m)
            for m in db.session.scalars(select(PhotoMeta).where(PhotoMeta.sha256.in_(chunk)))
        )
        inputs.stored.update(
            db.session.scalars(select(Photo.sha256).where(Photo.sha256.in_(chunk)))
        )
    return inputs


def document_shas(record: Record, fields: frozenset[str]) -> set[str]:
    """The record's photos held only in document fields (see Settings.document_fields)."""
    try:
        form = default_registry().get(record.form_id, record.form_version)
    except UnknownForm:
        return set()
    held: dict[str, bool] = {}
    for f in form.fields:
        if f.type != "photo":
            continue
        value = record.data.get(f.name)
        for sha in [value] if isinstance(value, str) else value if isinstance(value, list) else []:
            held[sha] = held.get(sha, True) and f.name in fields
    return {sha for sha, document in held.items() if document}


def add_homes(inputs: Inputs, household_ids: Iterable[str]) -> None:
    wanted = sorted(set(household_ids) - set(inputs.homes))
    for chunk in _chunks(wanted):
        for row in db.session.execute(
            select(Household.uuid, Household.lat, Household.lon, Household.head_name).where(
                Household.uuid.in_(chunk)
            )
        ):
            inputs.homes[row.uuid] = Home(row.lat, row.lon, row.head_name)


def _chunks(items: list[str], size: int = 500) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def vn_time(when: dt.datetime) -> str:
    return when.astimezone(VN_TIME).strftime("%d/%m/%Y %H:%M")
