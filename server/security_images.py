"""What an uploaded file really is: decoded with Pillow, never trusted from its name or header.

Order matters: the header is read first (format and size, no pixels decoded) and too many
pixels are refused before anything else (a decompression bomb is a small file that claims a
huge image); then Pillow's verify() checks the structure, so a file that merely starts like a
JPEG is refused. The pixels themselves are decoded later by the photo pipeline (a worker): a
real JPEG cut short is accepted here, since its SHA-256 matched what the tablet holds and
refusing it would block that tablet's sync for ever, and the pipeline records it as
unreadable (tests/server/test_photo_pipeline.py).
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError

FORMATS = ("JPEG", "PNG", "WEBP")


class ImageRefused(ValueError):
    def __init__(self, code: str, message: str, message_en: str):
        super().__init__(message_en)
        self.code, self.message, self.message_en = code, message, message_en


def _not_an_image() -> ImageRefused:
    return ImageRefused(
        "not_an_image",
        "Tệp gửi lên không phải là ảnh hợp lệ (hoặc ảnh bị hỏng).",
        "The file is not a valid image (or the image is damaged).",
    )


def _too_many_pixels(limit: int, width: int | None = None, height: int | None = None):
    size_vi = f"{width}×{height} điểm ảnh, " if width else ""
    size_en = f"{width}x{height} pixels, " if width else ""
    return ImageRefused(
        "too_many_pixels",
        f"Ảnh quá lớn ({size_vi}tối đa {limit:,} điểm ảnh). "
        "Ứng dụng cần thu nhỏ ảnh trước khi gửi.",
        f"The image is too large ({size_en}at most {limit:,} pixels). "
        "The app must shrink it before sending.",
    )


def inspect(content: bytes, max_pixels: int) -> tuple[str, int, int]:
    """(format, width, height) of a whole, decodable JPEG, PNG or WebP; else ImageRefused.

    A format Pillow knows but we do not keep (GIF, TIFF, ...) comes back as it is, so the
    caller can name it in its message."""
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its MAX_IMAGE_PIXELS and twice that: make it refuse.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                fmt, (width, height) = image.format, image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(max_pixels) from None  # a bomb: Pillow would not even open it
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _not_an_image() from None
    if width * height > max_pixels:
        raise _too_many_pixels(max_pixels, width, height)
    if fmt not in FORMATS:
        return fmt, width, height
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()  # structure and checksums (PNG CRCs)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _not_an_image() from None
    return fmt, width, height
