"""Everything the integrity checks read about a set of records, fetched in a few queries.

The records are read as plain rows (`record_rows`: the columns the checks use, no ORM
objects), and what only some checks need is fetched on first use: the commune's polygons
(`Fence`, parsed and prepared: the dearest input) only when a record or photo has a position,
the households' homes only when a photo position or a duplicate's name asks for them. A push
of contributions and checks without positions or photos never loads either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

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


# The record columns the checks read; `record_rows` selects these, not whole ORM objects.
RECORD_COLUMNS = (
    Record.uuid,
    Record.commune_code,
    Record.village_code,
    Record.household_id,
    Record.form_id,
    Record.form_version,
    Record.data,
    Record.photos,
    Record.deleted,
    Record.device_id,
    Record.captured_at,
    Record.created_at,
)


def record_rows(uuids: Iterable[str]) -> list[Any]:
    """These records as rows with the attributes of RECORD_COLUMNS (absent ones left out)."""
    out: list[Any] = []
    for chunk in _chunks(sorted(set(uuids))):
        out += db.session.execute(select(*RECORD_COLUMNS).where(Record.uuid.in_(chunk))).all()
    return out


class LazyFence:
    """The commune's polygons, loaded (and prepared) the first time a check asks."""

    def __init__(self, commune_code: str, fence: Fence | None = None):
        self.commune_code, self._fence = commune_code, fence

    def get(self) -> Fence:
        if self._fence is None:
            self._fence = Fence.load(self.commune_code)
        return self._fence


class LazyHomes:
    """The registered homes of some households, fetched in one go on the first lookup."""

    def __init__(self, household_ids: Iterable[str]):
        self.wanted = set(household_ids)
        self._homes: dict[str, Home] | None = None

    def get(self) -> dict[str, Home]:
        if self._homes is None:
            self._homes = {}
            _fetch_homes(self._homes, self.wanted)
        return self._homes


@dataclass
class Inputs:
    commune: str
    records: list[Any]  # Record objects or `record_rows` rows: the checks read attributes only
    lazy_fence: LazyFence
    settings: Settings
    forms: FormRegistry
    now: dt.datetime
    lazy_homes: LazyHomes = field(default_factory=lambda: LazyHomes(()))
    clock_skew: dict[str, int | None] = field(default_factory=dict)
    metas: dict[str, PhotoMeta] = field(default_factory=dict)
    stored: set[str] = field(default_factory=set)

    @property
    def fence(self) -> Fence:
        return self.lazy_fence.get()

    @property
    def homes(self) -> dict[str, Home]:
        return self.lazy_homes.get()

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


def load(
    commune_code: str, records: list[Any], *, fence: Fence | LazyFence | None = None
) -> Inputs:
    shas = sorted({s for r in records for s in (r.photos or [])})
    household_ids = {r.household_id for r in records if r.household_id}
    inputs = Inputs(
        commune=commune_code,
        records=records,
        lazy_fence=fence if isinstance(fence, LazyFence) else LazyFence(commune_code, fence),
        settings=settings(),
        forms=default_registry(),
        now=utcnow(),
        lazy_homes=LazyHomes(household_ids),
    )
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


def document_shas(record: Any, fields: frozenset[str]) -> set[str]:
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


def _fetch_homes(homes: dict[str, Home], household_ids: set[str]) -> None:
    wanted = sorted(household_ids - set(homes))
    for chunk in _chunks(wanted):
        for row in db.session.execute(
            select(Household.uuid, Household.lat, Household.lon, Household.head_name).where(
                Household.uuid.in_(chunk)
            )
        ):
            homes[row.uuid] = Home(row.lat, row.lon, row.head_name)


def _chunks(items: list[str], size: int = 500) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def vn_time(when: dt.datetime) -> str:
    return when.astimezone(VN_TIME).strftime("%d/%m/%Y %H:%M")
