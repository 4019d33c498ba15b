"""Sync health for administrators: per device last contact, last successful sync, app
version, clock skew, photos the server still waits for, open conflicts; silent devices
flagged; a per-commune summary. Set-based queries over the devices of the user's area."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from server.extensions import db
from server.models import Conflict, Device, Photo, Record, User
from server.models.types import utcnow
from server.services.access import communes_in_area


@dataclass
class DeviceHealth:
    device: Device
    pending_photos: int
    open_conflicts: int
    silent: bool


@dataclass
class CommuneHealth:
    commune_code: str
    devices: int = 0
    silent: int = 0
    revoked: int = 0
    pending_photos: int = 0
    open_conflicts: int = 0


def report(user: User, silent_days: int) -> tuple[list[DeviceHealth], list[CommuneHealth]]:
    query = select(Device)
    codes = communes_in_area(user)
    if codes is not None:
        query = query.where(Device.commune_code.in_(codes or [""]))
    devices = list(db.session.scalars(query.order_by(Device.commune_code, Device.name).limit(5000)))
    ids = [d.id for d in devices]
    referenced: dict[str, set[str]] = defaultdict(set)
    if ids:
        for device_id, photos in db.session.execute(
            select(Record.device_id, Record.photos).where(
                Record.device_id.in_(ids), Record.deleted.is_(False)
            )
        ):
            referenced[device_id].update(photos or [])
    wanted = set().union(*referenced.values()) if referenced else set()
    stored: set[str] = set()
    wanted_list = sorted(wanted)
    for start in range(0, len(wanted_list), 500):
        chunk = wanted_list[start : start + 500]
        stored.update(db.session.scalars(select(Photo.sha256).where(Photo.sha256.in_(chunk))))
    conflicts = Counter(
        dict(
            db.session.execute(
                select(Conflict.device_id, func.count())
                .where(Conflict.device_id.in_(ids or [""]), Conflict.resolved_at.is_(None))
                .group_by(Conflict.device_id)
            ).all()
        )
    )
    cutoff = utcnow() - dt.timedelta(days=silent_days)
    rows = []
    summary: dict[str, CommuneHealth] = {}
    for d in devices:
        silent = d.revoked_at is None and (d.last_seen_at or d.enrolled_at) < cutoff
        row = DeviceHealth(
            device=d,
            pending_photos=len(referenced[d.id] - stored),
            open_conflicts=conflicts[d.id],
            silent=silent,
        )
        rows.append(row)
        commune = summary.setdefault(d.commune_code, CommuneHealth(d.commune_code))
        commune.devices += 1
        commune.silent += silent
        commune.revoked += d.revoked_at is not None
        commune.pending_photos += row.pending_photos
        commune.open_conflicts += row.open_conflicts
    return rows, sorted(summary.values(), key=lambda c: c.commune_code)
