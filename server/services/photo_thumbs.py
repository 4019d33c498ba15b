"""The copies of a photo the pipeline makes, beside the original under PHOTO_DIR.

Each is named by the original's SHA-256 (content-addressed like the original: the name says
which photo it was made from, so no table maps them):

- ``<sha>.web.jpg``  upright, long edge at most 1600 px (what the tablet uploads anyway, see
  sync.photo_prep; a 12 MP file then decodes at half scale), GPS and capture time kept,
  nothing that identifies the device (photo_exif.cleaned): what the web shows when opened;
- ``<sha>.1024.jpg`` upright, no EXIF: the PDF dossier;
- ``<sha>.256.jpg``  upright, no EXIF: galleries, lists and the tablet.

Files are written whole (a temporary name, then an atomic rename), so a reader never sees
half a thumbnail. `ready_path` answers only when the pipeline recorded the photo as
processed without error and the file is there; callers fall back to the original otherwise.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image

from server.extensions import db
from server.models import PhotoMeta
from server.services.photos import photo_path

WEB_LONG_EDGE = 1600
THUMB_SIZES = (1024, 256)
KINDS = ("web", *(str(size) for size in THUMB_SIZES))
QUALITY = {"web": 85, "1024": 80, "256": 75}


def derived_path(sha256: str, kind: str) -> Path:
    if kind not in KINDS:
        raise ValueError(f"unknown photo copy {kind!r}")
    return photo_path(sha256).with_name(f"{sha256}.{kind}.jpg")


def ready_path(sha256: str, kind: str) -> Path | None:
    """The copy's path when the pipeline has made it, else None (still pending, or bad file)."""
    meta = db.session.get(PhotoMeta, sha256)
    if meta is None or meta.error:
        return None
    path = derived_path(sha256, kind)
    return path if path.is_file() else None


def fit(size: tuple[int, int], long_edge: int) -> tuple[int, int]:
    width, height = size
    scale = min(1.0, long_edge / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def write_all(sha256: str, upright: Image.Image, exif: bytes | None, icc: bytes | None) -> None:
    """Make the web copy and the thumbnails from the upright RGB/L image."""
    web = _shrunk(upright, WEB_LONG_EDGE)
    _save(sha256, "web", web, exif=exif, icc=icc)
    source = web
    for size in THUMB_SIZES:  # largest first: each thumbnail is made from the one before
        source = _shrunk(source, size)
        _save(sha256, str(size), source, exif=None, icc=icc)


def _shrunk(im: Image.Image, long_edge: int) -> Image.Image:
    size = fit(im.size, long_edge)
    if size == im.size:
        return im
    return im.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _save(sha256: str, kind: str, im: Image.Image, *, exif: bytes | None, icc: bytes | None):
    options: dict = {"quality": QUALITY[kind], "optimize": kind != "web"}
    if exif:
        options["exif"] = exif
    if icc:
        options["icc_profile"] = icc
    buffer = io.BytesIO()
    im.save(buffer, "JPEG", **options)
    path = derived_path(sha256, kind)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.part")
    partial.write_bytes(buffer.getvalue())
    partial.replace(path)
