"""The audit log: who did what, where and when. Rows are only ever added."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import UTCDateTime, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_area_at", "area_code", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))  # username, "device:<id>" or "system"
    action: Mapped[str] = mapped_column(String(40), index=True)  # e.g. "login", "review.reject"
    area_code: Mapped[str | None] = mapped_column(String(20), default=None)  # commune/province
    target: Mapped[str] = mapped_column(String(120), default="")  # e.g. "record:<uuid>"
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str] = mapped_column(String(45), default="")
