"""Per-household indicator facts kept current as records sync and are reviewed.

One row per (household, observation form): the household's current APPROVED check (its
answers), and whether a newer check awaits review. The roll-up reads these rows instead of
scanning every record on each page view; server/services/indicators_facts.py maintains them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import UTCDateTime


class HouseholdCheckFact(db.Model):
    __tablename__ = "household_check_facts"

    household_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    form_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("admin_units.code"), index=True)
    record_uuid: Mapped[str | None] = mapped_column(String(36), default=None)
    captured_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    pending: Mapped[bool] = mapped_column(Boolean, default=False)
