"""Integrity flags: doubtful evidence shown to the board with a reason a person can read.

A flag is never a rejection. It names what it is about (a record, a photo of that record,
the household) and why, and has a state: `open`, `accepted` (a board member checked it and
wrote why it is acceptable) or `closed` (the check no longer applies, e.g. the polygon was
corrected or the photo replaced). `key` is the flag's identity (kind + subject), so a
recomputation with the same inputs finds the same rows and adds nothing.

`IntegrityPhotoUse` is the index "which live record uses which photo" kept by the
integrity service, so a photo finished by the pipeline finds its records, and duplicate
checks compare one commune's photos without reading every record's JSON.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import UTCDateTime, utcnow

FLAG_STATES = ("open", "accepted", "closed")


class IntegrityFlag(db.Model):
    __tablename__ = "integrity_flags"
    __table_args__ = (
        Index("ix_integrity_flags_commune_state", "commune_code", "state", "kind"),
        Index("ix_integrity_flags_record", "record_uuid"),
        Index("ix_integrity_flags_household", "household_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    commune_code: Mapped[str] = mapped_column(ForeignKey("admin_units.code"))
    record_uuid: Mapped[str | None] = mapped_column(ForeignKey("records.uuid"), default=None)
    photo_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    household_id: Mapped[str | None] = mapped_column(String(36), default=None)
    reason_vi: Mapped[str] = mapped_column(String(500))
    reason_en: Mapped[str] = mapped_column(String(500))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(12), default="open")
    accepted_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    accepted_by: Mapped[str | None] = mapped_column(String(64), default=None)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class IntegrityPhotoUse(db.Model):
    __tablename__ = "integrity_photo_uses"
    __table_args__ = (
        Index("ix_integrity_photo_uses_sha", "sha256"),
        Index("ix_integrity_photo_uses_commune", "commune_code"),
    )

    record_uuid: Mapped[str] = mapped_column(ForeignKey("records.uuid"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    commune_code: Mapped[str] = mapped_column(String(20))
    household_id: Mapped[str | None] = mapped_column(String(36), default=None)
    # Only held in a document field (minutes, forms): photos of paper look alike to a
    # perceptual hash, so these are checked for exact reuse only.
    document: Mapped[bool] = mapped_column(Boolean, default=False)
