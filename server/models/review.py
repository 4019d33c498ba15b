"""Board review of records: decisions (approve/reject with reason), comment threads and
reporting periods that the board locks. Decision and comment rows are only ever added."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import UTCDateTime, utcnow


class ReviewDecision(db.Model):
    __tablename__ = "review_decisions"
    __table_args__ = (Index("ix_review_decisions_record", "record_uuid", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    record_uuid: Mapped[str] = mapped_column(ForeignKey("records.uuid"))
    commune_code: Mapped[str] = mapped_column(String(20))
    decision: Mapped[str] = mapped_column(String(20))  # approved | rejected | pending
    reason: Mapped[str] = mapped_column(String(500), default="")
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecordComment(db.Model):
    __tablename__ = "record_comments"
    __table_args__ = (Index("ix_record_comments_record", "record_uuid", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    record_uuid: Mapped[str] = mapped_column(ForeignKey("records.uuid"))
    author: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(String(2000))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReportingPeriod(db.Model):
    __tablename__ = "reporting_periods"
    __table_args__ = (Index("ix_reporting_periods_commune", "commune_code", "starts_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("admin_units.code"))
    name: Mapped[str] = mapped_column(String(80))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(64))
    locked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    locked_by: Mapped[str | None] = mapped_column(String(64), default=None)
