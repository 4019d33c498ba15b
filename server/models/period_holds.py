"""Changes pushed into a LOCKED reporting period, held until the board reopens and decides.

A push never loses data: the change is stored as a revision like any other. But a record
captured in a locked period (before or after the change) gets a `PeriodHold`: the queue and
the record page show "needs reopening", and while the hold is open the indicator facts keep
counting the record's last approved answers (``approved_data``), so the figures the board
signed off do not move. A review decision, possible only after the period is reopened,
releases the hold. See docs/evidence-review.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import UTCDateTime, utcnow


class PeriodHold(db.Model):
    __tablename__ = "period_holds"
    __table_args__ = (
        Index("ix_period_holds_commune_open", "commune_code", "released_at"),
        Index("ix_period_holds_record", "record_uuid"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    record_uuid: Mapped[str] = mapped_column(ForeignKey("records.uuid"))
    commune_code: Mapped[str] = mapped_column(String(20))
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_periods.id"))
    kind: Mapped[str] = mapped_column(String(10))  # new | edit | delete
    mutations: Mapped[int] = mapped_column(Integer, default=1)  # changes held so far
    household_id: Mapped[str | None] = mapped_column(String(36), default=None)
    form_id: Mapped[str] = mapped_column(String(64))
    # the record as the board approved it (None: it was not approved when first held)
    approved_data: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    approved_captured_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    held_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    released_by: Mapped[str | None] = mapped_column(String(64), default=None)
