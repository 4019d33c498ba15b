"""Commune-level indicator values entered by the commune board, each with its document.

Append-only: a new entry supersedes the previous one for the same commune, criteria set and
indicator (the latest ``entered_at`` is current), so the history of what was entered, by whom
and on what evidence stays readable. The document file is stored content-addressed (SHA-256)
by server/services/commune_indicators.py.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import UTCDateTime, utcnow


class CommuneIndicatorEntry(db.Model):
    __tablename__ = "commune_indicator_entries"
    __table_args__ = (
        Index(
            "ix_commune_indicator_entries_current",
            "commune_code",
            "set_id",
            "indicator_id",
            "entered_at",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("admin_units.code"))
    set_id: Mapped[str] = mapped_column(String(40))
    indicator_id: Mapped[str] = mapped_column(String(64))
    value_bool: Mapped[bool | None] = mapped_column(Boolean, default=None)
    part: Mapped[float | None] = mapped_column(Float, default=None)
    whole: Mapped[float | None] = mapped_column(Float, default=None)
    as_of: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")
    document_sha256: Mapped[str] = mapped_column(String(64))
    document_type: Mapped[str] = mapped_column(String(40))
    document_name: Mapped[str] = mapped_column(String(200))
    document_size: Mapped[int] = mapped_column(Integer)
    entered_by: Mapped[str] = mapped_column(String(64))
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
