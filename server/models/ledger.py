"""Unit rates the commune sets to value contributions in VND, and its commendation rules.

A unit rate is never edited or deleted: a new rate for the same kind and unit starts where
the last one stops, so the rate valid at a contribution's date (and so every figure valued
with it) stays the same for ever. See docs/evidence-ledger.md.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import UTCDateTime, utcnow


class UnitRate(db.Model):
    __tablename__ = "unit_rates"
    __table_args__ = (Index("ix_unit_rates_key", "commune_code", "kind", "unit", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("admin_units.code"))
    kind: Mapped[str] = mapped_column(String(20))  # contribution kind: land, labour, materials...
    unit: Mapped[str] = mapped_column(String(20))  # m2, labour_day, m3, kg, tree...
    rate_vnd: Mapped[int] = mapped_column(BigInteger)  # VND per unit, whole dong
    basis: Mapped[str] = mapped_column(String(300))  # e.g. "Quyết định số 12/QĐ-UBND"
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date, default=None)
    set_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CommendationRules(db.Model):
    """One set of rules per commune. A household qualifies when it meets ANY minimum set."""

    __tablename__ = "commendation_rules"

    commune_code: Mapped[str] = mapped_column(ForeignKey("admin_units.code"), primary_key=True)
    min_land_m2: Mapped[float | None] = mapped_column(Float, default=None)
    min_labour_days: Mapped[float | None] = mapped_column(Float, default=None)
    min_value_vnd: Mapped[int | None] = mapped_column(BigInteger, default=None)
    top_per_village: Mapped[int | None] = mapped_column(Integer, default=None)
    approved_only: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
