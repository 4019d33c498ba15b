"""Resumable photo uploads: create, send chunks at offsets, ask the offset after a cut, finish.

The bytes received so far are a file whose length is the offset, so the answer to "where
was I?" survives a server restart, and a chunk cut half-way still leaves a correct prefix.
Finishing checks size and SHA-256 and hands the photo to the content-addressed store.
"""

from __future__ import annotations

import fcntl
import os
import uuid
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from server.extensions import db
from server.models import Photo, Upload
from server.models.types import utcnow
from server.services import photos


class UploadError(ValueError):
    def __init__(self, status: int, code: str, message: str, message_en: str, **extra):
        super().__init__(message_en)
        self.status, self.code, self.message, self.message_en = status, code, message, message_en
        self.extra = extra


def _part(upload_id: str) -> Path:
    folder = Path(current_app.config["PHOTO_DIR"]) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{uuid.UUID(upload_id)}.part"  # a UUID, never a name from the client


def offset(upload: Upload) -> int:
    path = _part(upload.id)
    return path.stat().st_size if path.exists() else 0


def create(device_id: str, sha256: str, size: int) -> tuple[Upload | None, bool]:
    """Start (or resume) an upload; (None, True) when the server already has the photo."""
    if db.session.get(Photo, sha256) is not None:
        return None, True
    if size > current_app.config["MAX_PHOTO_BYTES"]:
        raise UploadError(
            413,
            "photo_too_large",
            "Ảnh quá lớn; ứng dụng cần thu nhỏ ảnh trước khi gửi.",
            "The photo is too large; the app must shrink it before sending.",
        )
    upload = db.session.scalar(
        select(Upload).where(Upload.device_id == device_id, Upload.sha256 == sha256)
    )
    if upload is None or upload.size != size:
        if upload is not None:
            _discard(upload)
        upload = Upload(id=str(uuid.uuid4()), device_id=device_id, sha256=sha256, size=size)
        db.session.add(upload)
        db.session.commit()
    return upload, False


def write_chunk(upload: Upload, at: int, chunk: bytes) -> int:
    """Append a chunk that starts at the current offset; returns the new offset."""
    path = _part(upload.id)
    with open(path, "ab", buffering=0) as fh:  # unbuffered: nothing left to flush on close
        fcntl.flock(fh, fcntl.LOCK_EX)  # two retries of the same chunk must not interleave
        try:
            current = fh.seek(0, os.SEEK_END)
            if at != current:
                raise UploadError(
                    409,
                    "wrong_offset",
                    "Vị trí tải lên không khớp; hãy tiếp tục từ vị trí máy chủ báo.",
                    "Wrong upload offset; continue from the offset the server reports.",
                    offset=current,
                )
            if current + len(chunk) > upload.size:
                raise UploadError(
                    422,
                    "too_many_bytes",
                    "Dữ liệu gửi lên vượt quá kích thước ảnh đã khai báo.",
                    "More bytes than the declared photo size.",
                    offset=current,
                )
            try:
                view = memoryview(chunk)
                while view:
                    view = view[fh.write(view) :]
                os.fsync(fh.fileno())
            except OSError:
                # e.g. the disk is full: give back what part of the chunk was written, so the
                # offset is where this chunk started and the device resends it whole later.
                os.ftruncate(fh.fileno(), current)
                raise
            return current + len(chunk)
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def finish(upload: Upload) -> Photo:
    path = _part(upload.id)
    received = offset(upload)
    if received != upload.size:
        raise UploadError(
            409,
            "incomplete",
            f"Ảnh mới nhận được {received}/{upload.size} byte; hãy gửi tiếp.",
            f"Only {received} of {upload.size} bytes received; send the rest.",
            offset=received,
        )
    content = path.read_bytes()
    try:
        photo, _ = photos.store(upload.sha256, content, upload.device_id)
    except photos.PhotoRejected:
        _discard(upload)  # a damaged upload is started again from zero
        raise
    _discard(upload)
    return photo


def touch(upload: Upload) -> None:
    upload.updated_at = utcnow()
    db.session.commit()


def _discard(upload: Upload) -> None:
    _part(upload.id).unlink(missing_ok=True)
    db.session.delete(upload)
    db.session.commit()
