"""Real images for the photo pipeline tests, made here: camera-like JPEGs with EXIF written
the way the tablet writes it (mobile_app.photo_stamp), rotated ones, PNGs, bad files."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

from PIL import Image, ImageDraw

from mobile_app.photo_stamp import stamp

SERIAL = "SN-TAB-004217"
OWNER = "Nguyen Van Chu May"
RED, BLUE = (220, 20, 20), (20, 40, 220)


def scene(size=(300, 400)) -> Image.Image:
    """An upright picture: red top, blue bottom, a band of detail across the middle."""
    width, height = size
    im = Image.new("RGB", size, BLUE)
    draw = ImageDraw.Draw(im)
    draw.rectangle([0, 0, width, height // 2], fill=RED)
    band = height // 10
    for i in range(0, width, 25):
        draw.line([(i, height // 2 - band), (width - i, height // 2 + band)], fill="white", width=3)
    return im


def jpeg(
    im: Image.Image,
    *,
    orientation: int | None = None,
    serial: bool = False,
    taken: str | None = None,
    offset: str | None = None,
    quality: int = 90,
) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "samsung"  # Make: not identifying, kept
    if orientation is not None:
        exif[0x0112] = orientation
    sub = {}
    if serial:
        sub[0xA431] = SERIAL  # BodySerialNumber
        sub[0xA430] = OWNER  # CameraOwnerName
    if taken:
        sub[0x9003] = taken  # DateTimeOriginal
    if offset:
        sub[0x9011] = offset  # OffsetTimeOriginal
    if sub:
        exif[0x8769] = sub
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality, exif=exif.tobytes())
    return out.getvalue()


def with_gps(content: bytes, lat=21.0285, lon=105.8542, accuracy=4.5) -> bytes:
    when = dt.datetime(2025, 3, 1, 2, 30, tzinfo=dt.UTC)  # 09:30 in Vietnam
    return stamp(content, lat, lon, accuracy, when)


def png(im: Image.Image) -> bytes:
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
