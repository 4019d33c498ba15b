"""Enrolment: a short one-time code becomes a device token. Only hashes are stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid

from sqlalchemy import select

from server.extensions import db
from server.models import AdminUnit, Device, Enrolment, SyncScope
from server.models.types import utcnow

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over a phone
CODE_LENGTH = 8


class EnrolmentError(ValueError):
    def __init__(self, code: str, message: str, message_en: str):
        super().__init__(message_en)
        self.code, self.message, self.message_en = code, message, message_en


def digest(secret: str) -> str:
    # Tokens and codes are random with enough entropy, so a fast hash is the right tool.
    return hashlib.sha256(secret.encode()).hexdigest()


def create(
    commune_code: str, officer_name: str = "", created_by: str = "", hours: int = 72
) -> tuple[Enrolment, str]:
    commune = db.session.get(AdminUnit, commune_code)
    if commune is None or commune.level != "commune":
        raise EnrolmentError(
            "unknown_commune", f"Không có xã mã {commune_code}.", f"No commune {commune_code}."
        )
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    enrolment = Enrolment(
        code_hash=digest(code),
        commune_code=commune_code,
        officer_name=officer_name,
        created_by=created_by,
        expires_at=utcnow() + dt.timedelta(hours=hours),
    )
    db.session.add(enrolment)
    if db.session.get(SyncScope, commune_code) is None:
        db.session.add(SyncScope(commune_code=commune_code, last_version=0))
    db.session.commit()
    return enrolment, code


def redeem(
    code: str, device_name: str, app_version: str, install_id: str | None = None
) -> tuple[Device, str]:
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.code_hash == digest(normalised)).with_for_update()
    )
    if (
        enrolment is not None
        and enrolment.used_at is not None
        and install_id
        and enrolment.expires_at >= utcnow()
    ):
        device = db.session.get(Device, enrolment.device_id)
        if device is not None and device.install_id == install_id and device.revoked_at is None:
            # The same installation asks again: its first answer was lost on the way.
            token = secrets.token_urlsafe(32)
            device.token_hash = digest(token)
            db.session.commit()
            return device, token
    if enrolment is None or enrolment.used_at is not None or enrolment.expires_at < utcnow():
        # One message for all three: a guesser learns nothing about which codes exist.
        raise EnrolmentError(
            "invalid_code",
            "Mã đăng ký không đúng, đã dùng hoặc đã hết hạn. Hãy xin mã mới từ quản trị viên.",
            "The enrolment code is wrong, used or expired. Ask the administrator for a new one.",
        )
    token = secrets.token_urlsafe(32)
    device = Device(
        id=str(uuid.uuid4()),
        name=device_name[:120] or "tablet",
        commune_code=enrolment.commune_code,
        officer_name=enrolment.officer_name,
        token_hash=digest(token),
        app_version=app_version[:40],
        install_id=install_id,
    )
    db.session.add(device)
    db.session.flush()
    enrolment.used_at = utcnow()
    enrolment.device_id = device.id
    db.session.commit()
    return device, token


def token_device(token: str) -> Device | None:
    """The device holding `token`, revoked or not (the caller decides what it may do)."""
    return db.session.scalar(select(Device).where(Device.token_hash == digest(token)))


def device_for_token(token: str) -> Device | None:
    device = db.session.scalar(select(Device).where(Device.token_hash == digest(token)))
    if device is None or device.revoked_at is not None:
        return None
    return device
