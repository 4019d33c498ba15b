"""Web users: commune board members, sync administrators, system administrators."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from server.extensions import db
from server.models.types import UTCDateTime, utcnow

ROLES = ("board", "sync_admin", "province_officer", "officer", "sysadmin")


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20))
    # the commune (board, officer) or province (sync_admin, province_officer) they work in
    area_code: Mapped[str | None] = mapped_column(ForeignKey("admin_units.code"), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # bumped when an administrator resets the password: older login sessions stop working
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class DeviceVillage(db.Model):
    """A village a tablet (its field officer) is assigned to. A tablet with no rows here may
    write anywhere in its commune; with rows, its pushes may only touch those villages."""

    __tablename__ = "device_villages"

    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    village_code: Mapped[str] = mapped_column(ForeignKey("admin_units.code"), primary_key=True)
    assigned_by: Mapped[str] = mapped_column(String(64), default="")
    assigned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
