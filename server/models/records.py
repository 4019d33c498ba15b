"""Records and their history, the commune change-feed counter, and the household projection.

`Record` is the current state of a record; `RecordRevision` keeps every state it ever had
(nothing is overwritten in place without a revision). `SyncScope.last_version` is the
per-commune counter that orders the change feed: a writer bumps it with an UPDATE that
locks the row until commit, so versions become visible in the order they were assigned.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import UTCDateTime, utcnow


class SyncScope(db.Model):
    __tablename__ = "sync_scopes"

    commune_code: Mapped[str] = mapped_column(ForeignKey("admin_units.code"), primary_key=True)
    last_version: Mapped[int] = mapped_column(BigInteger, default=0)


class Record(db.Model):
    __tablename__ = "records"
    __table_args__ = (
        Index("ix_records_commune_version", "commune_code", "version", unique=True),
        Index("ix_records_household_form", "household_id", "form_id"),
    )

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("admin_units.code"))
    village_code: Mapped[str] = mapped_column(ForeignKey("admin_units.code"), index=True)
    household_id: Mapped[str | None] = mapped_column(String(36), default=None)
    form_id: Mapped[str] = mapped_column(String(64))
    form_version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    device_id: Mapped[str] = mapped_column(String(36), default="")
    captured_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(BigInteger)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    sync_status: Mapped[str] = mapped_column(String(20), default="ok")  # ok | conflict
    review_status: Mapped[str] = mapped_column(String(20), default="pending")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecordRevision(db.Model):
    __tablename__ = "record_revisions"
    __table_args__ = (Index("ix_revisions_record", "record_uuid", "revision", unique=True),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    record_uuid: Mapped[str] = mapped_column(ForeignKey("records.uuid"))
    revision: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(BigInteger)
    base_version: Mapped[int | None] = mapped_column(BigInteger, default=None)
    mutation_id: Mapped[str | None] = mapped_column(String(36), default=None)
    form_version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(String(300), default=None)  # why it was deleted
    device_id: Mapped[str] = mapped_column(String(36), default="")
    author: Mapped[str] = mapped_column(String(64), default="")
    captured_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AppliedMutation(db.Model):
    """Every mutation the server has accepted, so a replayed push applies nothing twice."""

    __tablename__ = "applied_mutations"

    mutation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    record_uuid: Mapped[str] = mapped_column(ForeignKey("records.uuid"))
    device_id: Mapped[str] = mapped_column(String(36), default="")
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(BigInteger)
    # what the device sent (entity records only): the merge base for its next change
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Household(db.Model):
    """A projection of the current household records, for lists, search and totals."""

    __tablename__ = "households"

    uuid: Mapped[str] = mapped_column(ForeignKey("records.uuid"), primary_key=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("admin_units.code"), index=True)
    village_code: Mapped[str] = mapped_column(ForeignKey("admin_units.code"), index=True)
    head_name: Mapped[str] = mapped_column(String(120))
    search_name: Mapped[str] = mapped_column(String(400), index=True)
    house_number: Mapped[str | None] = mapped_column(String(20), default=None)
    members: Mapped[int | None] = mapped_column(Integer, default=None)
    lat: Mapped[float | None] = mapped_column(Float, default=None)
    lon: Mapped[float | None] = mapped_column(Float, default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Conflict(db.Model):
    """The same field changed two ways offline, or a record deleted on one side and edited on
    the other: both sides and the base are kept here until a sync administrator resolves
    it; the record meanwhile shows "in conflict". A delete-versus-edit conflict has the
    pseudo-field `_deleted` (sides True/False) among its `fields`."""

    __tablename__ = "conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_uuid: Mapped[str] = mapped_column(ForeignKey("records.uuid"), index=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("admin_units.code"), index=True)
    mutation_id: Mapped[str] = mapped_column(String(36), unique=True)
    device_id: Mapped[str] = mapped_column(String(36), default="")
    base_version: Mapped[int | None] = mapped_column(BigInteger, default=None)
    server_version: Mapped[int] = mapped_column(BigInteger)
    base_data: Mapped[dict[str, Any]] = mapped_column(JSON)
    server_data: Mapped[dict[str, Any]] = mapped_column(JSON)
    device_data: Mapped[dict[str, Any]] = mapped_column(JSON)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)  # field (or "_deleted") -> sides
    device_reason: Mapped[str | None] = mapped_column(String(300), default=None)  # why it deleted
    device_captured_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    resolved_by: Mapped[str | None] = mapped_column(String(64), default=None)
    resolution: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
