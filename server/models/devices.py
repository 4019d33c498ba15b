"""Enrolled tablets and the one-time codes that enrol them. Secrets are stored hashed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import UTCDateTime, utcnow


class Device(db.Model):
    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    commune_code: Mapped[str] = mapped_column(ForeignKey("admin_units.code"), index=True)
    officer_name: Mapped[str] = mapped_column(String(120), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # made by the app once per installation: lets a lost enrolment answer be asked again
    install_id: Mapped[str | None] = mapped_column(String(36), default=None)
    app_version: Mapped[str] = mapped_column(String(40), default="")
    enrolled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    last_sync_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    clock_skew_seconds: Mapped[int | None] = mapped_column(Integer, default=None)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    # "drain": may still push records and upload photos, pulls nothing, cannot enrol again;
    # "now": every request refused. None while the device is in service.
    revoke_mode: Mapped[str | None] = mapped_column(String(16), default=None)

    def clock_flagged(self, limit_seconds: int) -> bool:
        """True when the tablet's clock is off by more than `limit_seconds` (order never
        uses device time; the flag tells reviewers to doubt its capture times)."""
        return self.clock_skew_seconds is not None and abs(self.clock_skew_seconds) > limit_seconds


class Enrolment(db.Model):
    __tablename__ = "enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("admin_units.code"))
    officer_name: Mapped[str] = mapped_column(String(120), default="")
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    device_id: Mapped[str | None] = mapped_column(ForeignKey("devices.id"), default=None)
