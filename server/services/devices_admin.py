"""What a sync administrator sees of tablets: enrolments and devices in their area,
and the QR code a tablet scans to enrol."""

from __future__ import annotations

from urllib.parse import urlencode

import segno
from sqlalchemy import select

from server.extensions import db
from server.models import AdminUnit, Device, Enrolment, User
from server.services.access import communes_in_area

ADMIN_ROLES = ("sync_admin", "sysadmin")


def communes_for(user: User) -> list[AdminUnit]:
    """Communes `user` may enrol tablets for, by name."""
    query = select(AdminUnit).where(AdminUnit.level == "commune")
    codes = communes_in_area(user)
    if codes is not None:
        query = query.where(AdminUnit.code.in_(codes or [""]))
    return list(db.session.scalars(query.order_by(AdminUnit.name).limit(2000)))


def devices_for(user: User) -> list[Device]:
    query = select(Device)
    codes = communes_in_area(user)
    if codes is not None:
        query = query.where(Device.commune_code.in_(codes or [""]))
    return list(db.session.scalars(query.order_by(Device.enrolled_at.desc()).limit(1000)))


def enrolments_for(user: User) -> list[Enrolment]:
    query = select(Enrolment)
    codes = communes_in_area(user)
    if codes is not None:
        query = query.where(Enrolment.commune_code.in_(codes or [""]))
    return list(db.session.scalars(query.order_by(Enrolment.created_at.desc()).limit(300)))


def qr_svg(server_url: str, code: str) -> str:
    """An inline SVG QR code carrying the server address and the one-time code."""
    payload = "chungsuc://enrol?" + urlencode({"server": server_url, "code": code})
    qr = segno.make(payload, error="m")
    return qr.svg_inline(scale=5, dark="#1b3a2b", light="#ffffff")
