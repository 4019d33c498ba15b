"""Searching the audit log within a user's area, and its CSV export (UTF-8 with BOM so
Vietnamese Excel opens it correctly; text cells never start a formula)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from sqlalchemy import or_, select

from server.extensions import db
from server.models import AuditEvent, User
from server.services.access import communes_in_area

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def search(
    user: User,
    actor: str = "",
    action: str = "",
    area: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: int = 500,
) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    codes = communes_in_area(user)
    if codes is not None:
        # a province administrator sees events of their province and its communes
        query = query.where(AuditEvent.area_code.in_((codes or []) + [user.area_code or ""]))
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if action:
        query = query.where(
            or_(AuditEvent.action == action, AuditEvent.action.startswith(action + "."))
        )
    if area:
        query = query.where(AuditEvent.area_code == area)
    if date_from:
        query = query.where(AuditEvent.at >= dt.datetime.combine(date_from, dt.time(), dt.UTC))
    if date_to:
        end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), dt.UTC)
        query = query.where(AuditEvent.at < end)
    return list(db.session.scalars(query))


def _cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def to_csv(events: list[AuditEvent]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["thoi_gian_utc", "nguoi", "hanh_dong", "khu_vuc", "doi_tuong", "chi_tiet", "ip"]
    )
    for e in events:
        writer.writerow(
            [
                e.at.isoformat(timespec="seconds"),
                _cell(e.actor),
                e.action,
                e.area_code or "",
                _cell(e.target),
                _cell(json.dumps(e.details, ensure_ascii=False, sort_keys=True)),
                e.ip,
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
