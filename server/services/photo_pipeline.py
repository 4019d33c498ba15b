"""The `photo_pipeline` job: what the server learns from each stored photo, and its copies.

For one photo (by SHA-256) the handler
1. reads the stored file and checks it still has its SHA-256;
2. decodes it with Pillow by its content (JPEG, PNG, WebP), refusing a format other than the
   one recorded at upload, an image of more than PHOTO_MAX_PIXELS pixels (a decompression
   bomb) and a file that does not decode whole (a truncated or garbled JPEG);
3. reads EXIF: orientation, DateTimeOriginal (+ OffsetTimeOriginal), GPS position and
   GPSHPositioningError, and whether a device serial number is present (photo_exif);
4. turns the pixels upright and writes the web copy and the 1024/256 px thumbnails
   (photo_thumbs), and computes the pHash/dHash the tablet computes (sync.phash);
5. records a PhotoMeta row and calls the `on_photo_processed` listeners with the SHA-256,
   in the job's transaction: the row, whatever the listeners write and the job's "done"
   commit together (server/services/jobs.run_one), or not at all.

A file that is bad (steps 1-2) is not an exception: the row records `error_code` and a
readable `error`, listeners are still called, and the job is done. It is not retried,
since the same bytes would fail the same way. Anything unexpected (the file missing from
the disk, the database, a listener that raises) propagates, and the queue retries the job
with backoff up to jobs.MAX_ATTEMPTS.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from PIL import Image, UnidentifiedImageError

from server.extensions import db
from server.models import Photo, PhotoMeta
from server.models.types import utcnow
from server.services import photo_exif, photo_thumbs, photos
from sync import phash
from sync.photo_prep import TRANSPOSE

JOB_KIND = "photo_pipeline"
PIPELINE_VERSION = 1
DEFAULT_MAX_PIXELS = 64_000_000  # a 12 MP camera photo is 12_000_000
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MIME = {**FORMATS, "MPO": "image/jpeg"}  # the JPEG opener answers MPO for multi-picture files

Listener = Callable[[str], None]
_listeners: list[Listener] = []


def on_photo_processed(callback: Listener) -> Listener:
    """Subscribe `callback(sha256)`: called inside the job's transaction once the photo's
    PhotoMeta row is flushed (also when it records an error). Raising fails the job."""
    if callback not in _listeners:
        _listeners.append(callback)
    return callback


def remove_listener(callback: Listener) -> None:
    if callback in _listeners:
        _listeners.remove(callback)


class BadPhoto(Exception):
    def __init__(self, code: str, message: str, message_en: str):
        super().__init__(message_en)
        self.code, self.message, self.message_en = code, message, message_en


@dataclass
class Facts:
    width: int
    height: int
    exif: photo_exif.ExifFacts
    hashes: dict[str, str] = field(default_factory=dict)


def handle(payload: Mapping[str, Any]) -> None:
    """The job handler (see the module docstring)."""
    sha256 = str(payload.get("sha256", ""))
    if not photos.SHA256_HEX.match(sha256):
        return  # nothing a retry could fix; the queue keeps the payload for a human
    photo = db.session.get(Photo, sha256)
    if photo is None:
        return
    content_type = photo.content_type
    # End the read transaction before the slow part: no snapshot or lock held while decoding.
    db.session.rollback()
    data = photos.photo_path(sha256).read_bytes()  # OSError: retried by the queue
    meta = db.session.get(PhotoMeta, sha256) or PhotoMeta(sha256=sha256)
    try:
        facts = process(sha256, data, content_type, max_pixels())
    except BadPhoto as bad:
        _record_error(meta, bad)
    else:
        _record(meta, facts)
    db.session.add(meta)
    db.session.flush()
    for callback in list(_listeners):
        callback(sha256)


def max_pixels() -> int:
    return int(current_app.config.get("PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS))


def process(sha256: str, data: bytes, content_type: str, pixel_limit: int) -> Facts:
    """Verify, read and copy one photo's bytes; BadPhoto when the file cannot be used."""
    if hashlib.sha256(data).hexdigest() != sha256:
        raise BadPhoto(
            "file_damaged",
            "Tệp ảnh trên máy chủ đã bị hỏng (mã SHA-256 không khớp); cần gửi lại ảnh.",
            "The stored photo file is damaged (SHA-256 mismatch); the photo must be sent again.",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # damaged-EXIF and bomb warnings: checked below
            with Image.open(io.BytesIO(data), formats=tuple(FORMATS)) as im:
                return _process_open(sha256, data, im, content_type, pixel_limit)
    except BadPhoto:
        raise
    except Image.DecompressionBombError:
        raise _too_large(pixel_limit) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise BadPhoto(
            "photo_unreadable",
            "Không đọc được ảnh: tệp bị hỏng hoặc cắt cụt (không giải mã được hết). Hãy chụp lại.",
            f"The photo cannot be decoded ({type(exc).__name__}): the file is damaged or "
            "truncated. Take it again.",
        ) from None


def _process_open(sha256, data, im, content_type, pixel_limit) -> Facts:
    declared = MIME.get(im.format or "")
    if declared != content_type:
        raise BadPhoto(
            "format_mismatch",
            f"Nội dung tệp là ảnh {im.format} nhưng ảnh được ghi nhận là {content_type}; "
            "tệp có thể đã bị thay. Hãy gửi lại ảnh gốc.",
            f"The file holds a {im.format} image but the photo was recorded as {content_type}; "
            "the file may have been replaced. Send the original photo again.",
        )
    if im.width * im.height > pixel_limit:
        raise _too_large(pixel_limit)
    exif = photo_exif.load(im)
    facts = photo_exif.facts(exif)
    width, height = im.size
    if facts.orientation in (5, 6, 7, 8):
        width, height = height, width
    icc = im.info.get("icc_profile")
    target = photo_thumbs.fit(im.size, photo_thumbs.WEB_LONG_EDGE)
    if im.format in ("JPEG", "MPO") and target != im.size:
        im.draft("RGB", target)  # libjpeg decodes at 1/2..1/8 scale, never below `target`
    upright = _flatten(im)
    if facts.orientation in TRANSPOSE:
        upright = upright.transpose(TRANSPOSE[facts.orientation])
    try:
        # The same bytes-in code the tablet runs (JPEG and PNG); WebP, which the tablet never
        # sends, is hashed from the upright pixels.
        hashes = phash.image_hashes(upright if im.format == "WEBP" else data)
    except phash.PhotoError as exc:
        raise BadPhoto(exc.code, exc.message, exc.message_en) from None
    photo_thumbs.write_all(sha256, upright, photo_exif.cleaned(exif), icc)
    return Facts(width=width, height=height, exif=facts, hashes=hashes)


def _flatten(im: Image.Image) -> Image.Image:
    """Decoded pixels in RGB or L; transparency laid on white as a viewer shows it."""
    im.load()  # a truncated file fails here
    if im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info:
        rgba = im.convert("RGBA")
        out = Image.new("RGB", rgba.size, (255, 255, 255))
        out.paste(rgba, mask=rgba.getchannel("A"))
        return out
    if im.mode in ("RGB", "L"):
        return im.copy()
    if im.mode in ("I", "F") or im.mode.startswith("I;16"):
        return im.convert("I").point(lambda value: value / 256).convert("L")
    return im.convert("RGB")


def _too_large(limit: int) -> BadPhoto:
    return BadPhoto(
        "photo_too_large",
        f"Ảnh có quá nhiều điểm ảnh (trên {limit:,} px) nên không xử lý được; hãy chụp lại "
        "bằng máy ảnh của máy tính bảng.",
        f"The image has more than {limit:,} pixels and is not processed; take the photo again "
        "with the tablet's camera.",
    )


def _record(meta: PhotoMeta, facts: Facts) -> None:
    exif = facts.exif
    meta.processed_at = utcnow()
    meta.pipeline_version = PIPELINE_VERSION
    meta.error_code = meta.error = None
    meta.width, meta.height = facts.width, facts.height
    meta.exif_taken_at, meta.exif_time_offset = exif.taken_at, exif.time_offset
    meta.gps_lat, meta.gps_lon, meta.gps_accuracy_m = exif.lat, exif.lon, exif.accuracy_m
    meta.phash, meta.dhash = facts.hashes["phash"], facts.hashes["dhash"]
    meta.has_device_serial = exif.has_device_serial


def _record_error(meta: PhotoMeta, bad: BadPhoto) -> None:
    meta.processed_at = utcnow()
    meta.pipeline_version = PIPELINE_VERSION
    meta.error_code = bad.code[:40]
    meta.error = f"{bad.message} / {bad.message_en}"[:500]
    meta.width = meta.height = None
    meta.exif_taken_at = meta.exif_time_offset = None
    meta.gps_lat = meta.gps_lon = meta.gps_accuracy_m = None
    meta.phash = meta.dhash = None
    meta.has_device_serial = False
