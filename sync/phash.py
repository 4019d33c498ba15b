"""Perceptual hashes of evidence photos, in pure Python on top of Pillow.

Two 64-bit hashes, compared by Hamming distance (`hamming`):

- `dhash`: the difference hash. The greyscale image shrunk to 9x8 (Lanczos); each bit says
  whether a pixel is brighter than its left neighbour. Bit for bit the same as
  `imagehash.dhash` for the same PIL image (same Pillow resize, same bit order: row-major,
  first bit most significant).
- `phash`: the DCT hash. The greyscale image shrunk to 32x32 (Lanczos), a 2-D DCT-II of
  which only the top-left 8x8 (lowest frequencies) is computed, each bit says whether the
  coefficient is above the median of those 64. Same construction as `imagehash.phash`; the
  coefficients are rounded to 1e-6 before the comparison so float noise cannot flip a bit
  (a flat image has AC coefficients that are 0 in exact arithmetic but +-1e-13 in floats).
  Hence it equals `imagehash.phash` except where a coefficient lies within rounding of the
  median, which only happens on images with exact symmetries (flat, mirrored); there the
  bits differ from scipy's noise, not from the picture.

Why not ImageHash: it imports numpy, scipy and PyWavelets, python-for-android has no
PyWavelets recipe, and numpy plus scipy would weigh down the tablet app, while Pillow is
already there for sync.photo_prep. Pure Python is fast enough: the 8x8 corner of a 32x32
DCT is about 10,000 multiplications, and big camera JPEGs are decoded at 1/2..1/8 scale
with `Image.draft()`.

Files and bytes are opened like sync.photo_prep does (JPEG or PNG, by content rather than
name, so a PNG named .jpg is simply hashed as a PNG; a damaged file or a pixel bomb is a
PhotoError with a Vietnamese and an English message) and turned upright by their EXIF
orientation, so a photo and its EXIF-rotated copy hash alike. A PIL image passed in is hashed
exactly as given (no draft, no rotation), which is what makes the imagehash comparison exact.
"""

from __future__ import annotations

import math
import statistics
from pathlib import Path

from PIL import Image

from sync.photo_prep import TRANSPOSE, PhotoError, _exif, _opened, _orientation, _read

__all__ = [
    "DHASH_NEAR",
    "PHASH_NEAR",
    "PhotoError",
    "dhash",
    "from_hex",
    "hamming",
    "image_hashes",
    "is_near_duplicate",
    "phash",
    "to_hex",
]

HASH_SIZE = 8
DCT_SIZE = 32  # 4x the hash size, as in imagehash and the original "Looks Like It" recipe
# Near-duplicate thresholds (Hamming distance out of 64). Re-compression, resizing and
# EXIF rotation stay far below them (see tests/sync/test_phash.py); unrelated pictures sit
# near 32 on average.
PHASH_NEAR = 10
DHASH_NEAR = 12
# Decode big JPEGs at a reduced scale, never below this size (4x the 32 px the DCT needs, so
# the Lanczos resize still sees real detail).
DRAFT_SIZE = (128, 128)
ROUND_DIGITS = 6

Source = bytes | bytearray | memoryview | str | Path | Image.Image

# cos(pi * k * (2n + 1) / 2N) for the 8 lowest frequencies k over the 32 samples n.
_COS = [
    [math.cos(math.pi * k * (2 * n + 1) / (2 * DCT_SIZE)) for n in range(DCT_SIZE)]
    for k in range(HASH_SIZE)
]


def dhash(source: Source) -> int:
    """64-bit difference hash (see module docstring) of an image, file path or bytes."""
    return _dhash(_grey(source))


def phash(source: Source) -> int:
    """64-bit DCT hash (see module docstring) of an image, file path or bytes."""
    return _phash(_grey(source))


def image_hashes(source: Source) -> dict[str, str]:
    """Both hashes as 16-digit hex, decoding the image once: what a photo record stores."""
    grey = _grey(source)
    return {"phash": to_hex(_phash(grey)), "dhash": to_hex(_dhash(grey))}


def hamming(a: int | str, b: int | str) -> int:
    """Number of differing bits between two hashes (ints or hex strings)."""
    return (_as_int(a) ^ _as_int(b)).bit_count()


def is_near_duplicate(a: int | str, b: int | str, threshold: int = PHASH_NEAR) -> bool:
    return hamming(a, b) <= threshold


def to_hex(value: int) -> str:
    return f"{value:016x}"


def from_hex(text: str) -> int:
    if len(text) != 16:
        raise ValueError(f"a 64-bit hash has 16 hex digits, not {len(text)}: {text!r}")
    return int(text, 16)


def _as_int(value: int | str) -> int:
    return from_hex(value) if isinstance(value, str) else value


def _dhash(grey: Image.Image) -> int:
    small = grey.resize((HASH_SIZE + 1, HASH_SIZE), Image.Resampling.LANCZOS)
    pixels = list(small.tobytes())  # mode L: one byte per pixel
    width = HASH_SIZE + 1
    bits = 0
    for row in range(HASH_SIZE):
        line = pixels[row * width : (row + 1) * width]
        for col in range(HASH_SIZE):
            bits = (bits << 1) | (line[col + 1] > line[col])
    return bits


def _phash(grey: Image.Image) -> int:
    small = grey.resize((DCT_SIZE, DCT_SIZE), Image.Resampling.LANCZOS)
    pixels = list(small.tobytes())  # mode L: one byte per pixel
    rows = [pixels[r * DCT_SIZE : (r + 1) * DCT_SIZE] for r in range(DCT_SIZE)]
    # DCT along each row (horizontal frequencies u < 8), then down each column (v < 8).
    # The factor 2 of the unnormalised DCT-II (scipy's default) cannot change a comparison
    # with the median and is left out.
    across = [[_dot(_COS[u], row) for u in range(HASH_SIZE)] for row in rows]
    coefficients = [
        round(_dot(_COS[v], [across[n][u] for n in range(DCT_SIZE)]), ROUND_DIGITS)
        for v in range(HASH_SIZE)
        for u in range(HASH_SIZE)
    ]
    median = statistics.median(coefficients)
    bits = 0
    for value in coefficients:
        bits = (bits << 1) | (value > median)
    return bits


def _dot(weights: list[float], values: list[float]) -> float:
    return math.fsum(w * x for w, x in zip(weights, values, strict=True))


def _grey(source: Source) -> Image.Image:
    """The greyscale pixels to hash: a PIL image as given, a file upright and drafted."""
    if isinstance(source, Image.Image):
        return source.convert("L")
    # _opened answers a file that fails to open or to decode (truncated, garbled) with a
    # PhotoError; Pillow decodes lazily, so load() inside the block is where most fail.
    with _opened(_read(source)) as im:
        orientation = _orientation(_exif(im))  # a damaged EXIF block reads as "upright"
        if im.format in ("JPEG", "MPO"):
            # libjpeg decodes at 1/2, 1/4 or 1/8 scale, never below the size asked for.
            im.draft("L", DRAFT_SIZE)
        im.load()
        grey = im.convert("L")
    return grey.transpose(TRANSPOSE[orientation]) if orientation in TRANSPOSE else grey
