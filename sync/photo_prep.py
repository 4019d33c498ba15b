"""Shrink a photo on the tablet before it travels, and read back what the evidence needs.

`prepare_photo` turns a camera JPEG (or a PNG) into a JPEG whose long edge is at most
`long_edge` pixels, upright (the EXIF orientation is applied to the pixels and then set to 1),
carrying the GPS position and the capture time but not the tags that identify the device or
its owner (serial numbers, owner name, image id, maker note) nor the embedded thumbnail, XMP,
IPTC or comments. The ICC colour profile is kept.

Choice: a JPEG that is already small enough, upright, within a modest byte budget and has
nothing to strip is returned byte for byte. Re-encoding it would only lose quality and change
its SHA-256 for nothing. Anything else is decoded and encoded again.

If the EXIF block is damaged the pixels still travel, without EXIF: a photo without GPS is
weaker evidence, but losing the photo is worse, and the server flags missing positions.

Pure Pillow, so it runs on Android (python-for-android) as well as on the server.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import math
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from PIL import ExifTags, Image, UnidentifiedImageError

FORMATS = ("JPEG", "PNG")  # JPEG covers MPO; a narrow set: fewer decoders face untrusted files
ORIENTATION = 0x0112
IDENTIFYING = frozenset({0xA431, 0xA430, 0xA435, 0xA420, 0x927C})
# Offsets into the source file's TIFF block; copied into a new block they would point at junk.
POINTERS = frozenset({0x0111, 0x0117, 0x014A, 0x0201, 0x0202, 0x8769, 0x8825, 0xA005})
# Camera JPEGs run at 4-8 bits per pixel; ours at quality 80 at about 1-3. Above this budget a
# "small enough" JPEG is still worth re-encoding before it crosses a slow link.
PASSTHROUGH_BYTES_PER_PIXEL = 0.5
# Markers a JPEG may carry and still be passed through untouched (JFIF, Exif, ICC profile).
HARMLESS_APP = {"APP0": b"JFIF\x00", "APP1": b"Exif\x00", "APP2": b"ICC_PROFILE\x00"}
TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class PhotoError(ValueError):
    def __init__(self, code: str, message: str, message_en: str):
        super().__init__(message_en)
        self.code, self.message, self.message_en = code, message, message_en


def prepare_photo(source: bytes | str | Path, long_edge: int = 1600, quality: int = 80) -> bytes:
    if long_edge < 1 or not 1 <= quality <= 95:
        raise ValueError("long_edge must be >= 1 and quality within 1..95")
    data = _read(source)
    with _opened(data) as im:
        exif = _exif(im)
        orientation = _orientation(exif)
        width, height = im.size
        if _can_pass_through(data, im, exif, orientation, long_edge):
            return data
        scale = min(1.0, long_edge / max(width, height))
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        if scale < 1 and im.format in ("JPEG", "MPO"):
            # libjpeg decodes at 1/2, 1/4 or 1/8 scale, never below the size asked for.
            im.draft("RGB", size)
        icc = im.info.get("icc_profile")
        out = _flatten(im)
        if out.size != size:
            out = out.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        if orientation in TRANSPOSE:
            out = out.transpose(TRANSPOSE[orientation])
        buffer = io.BytesIO()
        options: dict[str, Any] = {"quality": quality, "optimize": True, "comment": b""}
        if exif is not None:
            options["exif"] = _cleaned(exif).tobytes()
        if icc:
            options["icc_profile"] = icc
        out.save(buffer, "JPEG", **options)
        return buffer.getvalue()


def read_exif_summary(data: bytes) -> dict[str, Any]:
    """Position, capture time and displayed size (orientation applied) of an image."""
    with _opened(data) as im:
        exif = _exif(im)
        width, height = im.size
    if _orientation(exif) in (5, 6, 7, 8):
        width, height = height, width
    gps = _ifd(exif, ExifTags.IFD.GPSInfo)
    exif_ifd = _ifd(exif, ExifTags.IFD.Exif)
    return {
        "lat": _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef)),
        "lon": _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef)),
        "taken_at": _taken_at(exif, exif_ifd),
        "width": width,
        "height": height,
    }


def _read(source: bytes | str | Path) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    return Path(source).read_bytes()


@contextlib.contextmanager
def _opened(data: bytes) -> Iterator[Image.Image]:
    """Image.open on bytes, answering every way a bad file fails with a PhotoError."""
    try:
        with _quiet_exif(), Image.open(io.BytesIO(data), formats=FORMATS) as im:
            # Between MAX_IMAGE_PIXELS and twice that Pillow only warns, and warnings may be
            # ignored or filtered by another thread: refuse here whatever the filters say.
            limit = Image.MAX_IMAGE_PIXELS
            if limit and im.width * im.height > limit:
                raise _too_large()
            yield im
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_large() from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _unreadable() from exc


@contextlib.contextmanager
def _quiet_exif() -> Iterator[None]:
    """Pillow warns (UserWarning) about damaged EXIF even while opening; where warnings are
    errors (our tests) that would refuse a photo that opens fine elsewhere. Not thread-safe,
    like all of warnings: a race can only show or hide a warning, never skip the bomb check.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")
        yield


def _too_large() -> PhotoError:
    return PhotoError(
        "photo_too_large",
        "Ảnh quá lớn (quá nhiều điểm ảnh) nên không xử lý được; hãy chụp lại bằng máy ảnh "
        "của máy tính bảng.",
        "The image has too many pixels to process safely; take the photo again with the "
        "tablet's camera.",
    )


def _unreadable() -> PhotoError:
    return PhotoError(
        "photo_unreadable",
        "Không đọc được ảnh: tệp bị hỏng hoặc không phải ảnh JPEG/PNG. Hãy chụp lại.",
        "The photo cannot be read: the file is damaged or is not a JPEG/PNG image. Take it again.",
    )


def _exif(im: Image.Image) -> Image.Exif | None:
    try:
        exif = im.getexif()
        # Load the sub-IFDs now, while parsing errors can still be answered by dropping EXIF.
        exif.get_ifd(ExifTags.IFD.Exif)
        exif.get_ifd(ExifTags.IFD.GPSInfo)
        exif.get_ifd(ExifTags.IFD.IFD1)
    except Exception:  # a damaged EXIF block must not cost the photo (see module docstring)
        return None
    return exif if len(exif) else None


def _ifd(exif: Image.Exif | None, tag: int) -> dict[int, Any]:
    return exif.get_ifd(tag) if exif is not None else {}


def _orientation(exif: Image.Exif | None) -> int:
    value = exif.get(ORIENTATION, 1) if exif is not None else 1
    return value if isinstance(value, int) and value in range(1, 9) else 1


def _can_pass_through(data, im, exif, orientation, long_edge) -> bool:
    if im.format != "JPEG" or im.mode not in ("RGB", "L") or max(im.size) > long_edge:
        return False
    if len(data) > im.width * im.height * PASSTHROUGH_BYTES_PER_PIXEL or orientation != 1:
        return False
    markers = getattr(im, "applist", [])
    if "comment" in im.info or not all(
        body.startswith(HARMLESS_APP.get(m, b"-")) for m, body in markers
    ):
        return False
    exif_ifd = _ifd(exif, ExifTags.IFD.Exif)
    return not (IDENTIFYING & exif_ifd.keys()) and not _ifd(exif, ExifTags.IFD.IFD1)


def _flatten(im: Image.Image) -> Image.Image:
    """Pixels in RGB (or L), with transparency laid on white as a viewer would show it."""
    if im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info:
        rgba = im.convert("RGBA")
        out = Image.new("RGB", rgba.size, (255, 255, 255))
        out.paste(rgba, mask=rgba.getchannel("A"))
        return out
    if im.mode in ("RGB", "L"):
        im.load()
        return im
    if im.mode in ("I", "F") or im.mode.startswith("I;16"):
        # 16-bit greyscale PNG: a plain convert clips everything above 255 to white.
        return im.convert("I").point(lambda value: value / 256).convert("L")
    return im.convert("RGB")


def _cleaned(source: Image.Exif) -> Image.Exif:
    """A fresh EXIF block: the source's tags minus identifying ones, upright, no thumbnail."""
    exif = Image.Exif()
    for tag, value in source.items():
        if tag not in POINTERS and tag not in IDENTIFYING:
            exif[tag] = value
    exif[ORIENTATION] = 1
    exif_ifd = {
        tag: value
        for tag, value in source.get_ifd(ExifTags.IFD.Exif).items()
        if tag not in IDENTIFYING and tag not in POINTERS
    }
    if exif_ifd:
        exif[ExifTags.IFD.Exif] = exif_ifd
    gps = dict(source.get_ifd(ExifTags.IFD.GPSInfo))
    if gps:
        exif[ExifTags.IFD.GPSInfo] = gps
    return exif


def _degrees(dms: Any, ref: Any) -> float | None:
    try:
        degrees, minutes, seconds = (float(part) for part in dms)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    if not math.isfinite(value) or value > 180:
        return None
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    # A missing reference reads as north/east, which is right everywhere this system runs.
    return -value if isinstance(ref, str) and ref.strip().upper() in ("S", "W") else value


def _taken_at(exif: Image.Exif | None, exif_ifd: dict[int, Any]) -> str | None:
    candidates = [
        exif_ifd.get(ExifTags.Base.DateTimeOriginal),
        exif_ifd.get(ExifTags.Base.DateTimeDigitized),
        exif.get(ExifTags.Base.DateTime) if exif is not None else None,
    ]
    for text in candidates:
        if isinstance(text, bytes):
            text = text.decode("ascii", "replace")
        if not isinstance(text, str):
            continue
        try:
            moment = dt.datetime.strptime(text.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
        except ValueError:
            continue  # cameras write "0000:00:00 00:00:00" or blanks when the clock is unset
        return moment.isoformat(timespec="seconds")
    return None
