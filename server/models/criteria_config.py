"""Criteria configuration stored in the database, layered over the YAML catalogue.

`ThresholdOverride`: a threshold set by a province officer for their province, or by a system
administrator for the whole country (``province_code`` ''), for one indicator and level, for
all partitions (``partition`` '') or one region / commune group, always with its legal
reference. `CommunePartition`: which region or group a commune is assessed under for a
criteria set (e.g. a particularly disadvantaged commune uses the TDMNPB level).
Resolution order: server/services/criteria_config.py. Every change is in the audit log.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import UTCDateTime, utcnow


class ThresholdOverride(db.Model):
    __tablename__ = "threshold_overrides"
    __table_args__ = (
        Index(
            "ix_threshold_overrides_key",
            "set_id",
            "indicator_id",
            "level",
            "province_code",
            "partition",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    set_id: Mapped[str] = mapped_column(String(40))
    indicator_id: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(10))
    province_code: Mapped[str] = mapped_column(String(20), default="")  # '' = national
    partition: Mapped[str] = mapped_column(String(20), default="")  # '' = every partition
    value: Mapped[float] = mapped_column(Float)
    legal_ref: Mapped[str] = mapped_column(String(300))
    legal_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CommunePartition(db.Model):
    __tablename__ = "commune_partitions"

    commune_code: Mapped[str] = mapped_column(ForeignKey("admin_units.code"), primary_key=True)
    set_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    partition: Mapped[str] = mapped_column(String(20))
    legal_ref: Mapped[str] = mapped_column(String(300), default="")
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
