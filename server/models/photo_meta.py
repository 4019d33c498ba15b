"""What the photo pipeline learnt about one stored photo (server/services/photo_pipeline.py).

One row per photo (the SHA-256 of the original). A row with `processed_at` set and no
`error` has its thumbnails and web copy on disk beside the original (see
server/services/photo_thumbs.py); a row with `error` is a file the pipeline could not read,
with a message a person can act on. No row: the photo is still waiting for the worker.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import UTCDateTime


class PhotoMeta(db.Model):
    __tablename__ = "photo_meta"

    sha256: Mapped[str] = mapped_column(ForeignKey("photos.sha256"), primary_key=True)
    processed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    pipeline_version: Mapped[int] = mapped_column(Integer, default=1)
    # Why the file could not be processed (Vietnamese, then English); None when it was.
    error_code: Mapped[str | None] = mapped_column(String(40), default=None)
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    # Displayed size: EXIF orientation applied.
    width: Mapped[int | None] = mapped_column(Integer, default=None)
    height: Mapped[int | None] = mapped_column(Integer, default=None)
    # DateTimeOriginal, converted to UTC with OffsetTimeOriginal; when the photo carries no
    # offset, Vietnam time (+07:00) is assumed and `exif_time_offset` stays None.
    exif_taken_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    exif_time_offset: Mapped[str | None] = mapped_column(String(6), default=None)
    gps_lat: Mapped[float | None] = mapped_column(Float, default=None)
    gps_lon: Mapped[float | None] = mapped_column(Float, default=None)
    gps_accuracy_m: Mapped[float | None] = mapped_column(Float, default=None)
    # sync.phash hashes of the upright image, 16 hex digits each.
    phash: Mapped[str | None] = mapped_column(String(16), default=None, index=True)
    dhash: Mapped[str | None] = mapped_column(String(16), default=None)
    # The original carried a body/lens serial number, owner name, image id or maker note
    # (stripped from every copy the web serves).
    has_device_serial: Mapped[bool] = mapped_column(Boolean, default=False)
