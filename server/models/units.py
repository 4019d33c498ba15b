"""Administrative units keyed by their official code: province > (district) > commune > village.

Since 07/2025 there are no districts, but older data has them, so the level is data and the
parent link is generic. Units carry the dates they are valid, so history stays readable
across a reorganisation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db

LEVELS = ("province", "district", "commune", "village")


class AdminUnit(db.Model):
    __tablename__ = "admin_units"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    level: Mapped[str] = mapped_column(String(10), index=True)
    name: Mapped[str] = mapped_column(String(120))
    parent_code: Mapped[str | None] = mapped_column(
        ForeignKey("admin_units.code"), index=True, default=None
    )
    valid_from: Mapped[dt.date | None] = mapped_column(Date, default=None)
    valid_to: Mapped[dt.date | None] = mapped_column(Date, default=None)
    geometry: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    geometry_source: Mapped[str | None] = mapped_column(String(200), default=None)

    def province_code(self) -> str | None:
        """Walk up to the province (at most three steps)."""
        unit: AdminUnit | None = self
        while unit is not None and unit.level != "province":
            unit = db.session.get(AdminUnit, unit.parent_code) if unit.parent_code else None
        return unit.code if unit else None
