"""Content-addressed photo storage on the local disk: verified, stored once, written atomically."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from flask import current_app

from server import security_images
from server.extensions import db
from server.models import Photo
from server.services import jobs

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class PhotoRejected(ValueError):
    def __init__(self, code: str, message: str, message_en: str, status: int = 422):
        super().__init__(message_en)
        self.code, self.message, self.message_en, self.status = code, message, message_en, status


def photo_path(sha256: str) -> Path:
    if not SHA256_HEX.match(sha256):  # the only name that ever reaches the filesystem
        raise ValueError("not a SHA-256 hex digest")
    return Path(current_app.config["PHOTO_DIR"]) / sha256[:2] / sha256[2:4] / f"{sha256}.img"


def store(sha256: str, content: bytes, device_id: str | None) -> tuple[Photo, bool]:
    """Verify and keep a photo; returns (photo, created). The same photo is stored once."""
    existing = db.session.get(Photo, sha256)
    if existing is not None:
        return existing, False
    if hashlib.sha256(content).hexdigest() != sha256:
        raise PhotoRejected(
            "hash_mismatch",
            "Ảnh tải lên bị hỏng (mã SHA-256 không khớp). Máy sẽ gửi lại.",
            "The uploaded photo is damaged (SHA-256 mismatch). The device will resend it.",
        )
    try:  # decoded, pixel count bounded first (server/security_images.py)
        fmt, width, height = security_images.inspect(
            content, current_app.config.get("MAX_IMAGE_PIXELS", 50_000_000)
        )
    except security_images.ImageRefused as exc:
        raise PhotoRejected(exc.code, exc.message, exc.message_en) from None
    if fmt not in ALLOWED_FORMATS:
        raise PhotoRejected(
            "unsupported_format",
            f"Định dạng ảnh {fmt} không được hỗ trợ (chỉ JPEG, PNG, WebP).",
            f"Image format {fmt} is not supported (JPEG, PNG or WebP only).",
        )
    path = photo_path(sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{sha256}.{os.getpid()}.part")
    try:
        with open(partial, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError:
        partial.unlink(missing_ok=True)  # e.g. a full disk: leave no half photo behind
        raise
    partial.replace(path)  # atomic: the hash name only ever points at a whole photo
    photo = Photo(
        sha256=sha256,
        size=len(content),
        content_type=ALLOWED_FORMATS[fmt],
        width=width,
        height=height,
        device_id=device_id,
    )
    db.session.add(photo)
    # Thumbnails, hashes and checks run later in a worker; the job commits with the photo.
    jobs.enqueue("photo_pipeline", {"sha256": sha256})
    db.session.commit()
    return photo, True
