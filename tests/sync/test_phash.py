"""sync.phash against ImageHash (the numpy/scipy reference) and on real photo variants.

- dHash: equal to imagehash.dhash bit for bit on random images (hypothesis).
- pHash: equal to imagehash.phash on every bit whose coefficient is not within float rounding
  of the median. Where it is (images with exact symmetries: a 2-pixel-wide image has whole
  columns of DCT coefficients that are 0 in exact arithmetic), scipy's bits come from its
  rounding noise (+-1e-13) and ours from the rounded value, so they may differ there only.
- Scenes drawn here, saved as camera JPEGs: EXIF-rotated (all 7 orientations), re-compressed at
  quality 40 and resized copies are near duplicates; different scenes are not.
- A truncated JPEG, garbage bytes and an empty file are a PhotoError with a Vietnamese
  message; a PNG named .jpg is read by its content and hashed.
"""

from __future__ import annotations

import io
import random

import imagehash
import numpy
import pytest
import scipy.fftpack
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageDraw

from sync.phash import (
    DHASH_NEAR,
    PHASH_NEAR,
    PhotoError,
    dhash,
    from_hex,
    hamming,
    image_hashes,
    is_near_duplicate,
    phash,
    to_hex,
)

MODES = ("RGB", "L", "RGBA")


@st.composite
def images(draw, max_side=64):
    mode = draw(st.sampled_from(MODES))
    width, height = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    bands = len(mode)
    data = draw(st.binary(min_size=width * height * bands, max_size=width * height * bands))
    return Image.frombytes(mode, (width, height), data)


@settings(max_examples=300, deadline=None)
@given(images())
def test_dhash_equals_imagehash_bit_for_bit(image):
    assert to_hex(dhash(image)) == str(imagehash.dhash(image))


def reference_dct(image):
    pixels = numpy.asarray(image.convert("L").resize((32, 32), Image.Resampling.LANCZOS))
    return scipy.fftpack.dct(scipy.fftpack.dct(pixels, axis=0), axis=1)[:8, :8].flatten()


@settings(max_examples=300, deadline=None)
@given(images())
def test_phash_equals_imagehash_except_on_coefficients_tied_with_the_median(image):
    ours = phash(image)
    theirs = from_hex(str(imagehash.phash(image)))
    coefficients = reference_dct(image)
    median = numpy.median(coefficients)
    for index, value in enumerate(coefficients):
        bit = 1 << (63 - index)
        if abs(value - median) > 1e-4:  # ours rounds (half) coefficients to 1e-6
            assert ours & bit == theirs & bit, (index, value, median)


def test_phash_equals_imagehash_exactly_on_photo_like_images():
    for seed in range(20):
        image = scene(seed, (300, 200))
        assert to_hex(phash(image)) == str(imagehash.phash(image))
        assert to_hex(dhash(image)) == str(imagehash.dhash(image))


def test_a_flat_image_hashes_without_float_noise():
    flat = Image.new("L", (40, 30), 128)
    assert to_hex(phash(flat)) == "8000000000000000"  # only the DC term is above the median
    assert dhash(flat) == 0


# -- real images -------------------------------------------------------------------------------
def scene(seed: int, size=(1200, 900)) -> Image.Image:
    """A drawn 'photo': sky gradient, ground, a sun and random houses and trees."""
    rng = random.Random(seed)
    width, height = size
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(image)
    horizon = rng.randint(height // 3, 2 * height // 3)
    draw.rectangle([0, horizon, width, height], fill=(rng.randint(40, 120), 140, 60))
    sun = (rng.randint(0, width), rng.randint(0, horizon))
    draw.ellipse([sun[0] - 60, sun[1] - 60, sun[0] + 60, sun[1] + 60], fill=(250, 220, 80))
    for _ in range(rng.randint(3, 8)):
        x, w = rng.randint(0, width - 100), rng.randint(60, 300)
        h = rng.randint(60, 300)
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        draw.rectangle([x, horizon - h, x + w, horizon + 20], fill=colour)
        draw.polygon(
            [(x - 20, horizon - h), (x + w // 2, horizon - h - 80), (x + w + 20, horizon - h)],
            fill=(150, 40, 30),
        )
    noise = Image.effect_noise(size, 20).convert("RGB")
    return Image.blend(image, noise, 0.15)


def jpeg(image: Image.Image, quality=90, orientation: int | None = None) -> bytes:
    out = io.BytesIO()
    options = {}
    if orientation is not None:
        exif = Image.Exif()
        exif[ExifTags.Base.Orientation] = orientation
        options["exif"] = exif.tobytes()
    image.save(out, "JPEG", quality=quality, **options)
    return out.getvalue()


# What the camera stores for a picture displayed upright under each orientation tag:
# the inverse of the transpose that the tag asks the viewer to apply.
STORED_AS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


@pytest.fixture(scope="module")
def original() -> bytes:
    return jpeg(scene(1))


@pytest.mark.parametrize("orientation", sorted(STORED_AS))
def test_an_exif_rotated_copy_is_a_near_duplicate(original, orientation):
    upright = Image.open(io.BytesIO(original))
    stored = upright.transpose(STORED_AS[orientation])
    copy = jpeg(stored, orientation=orientation)
    assert hamming(phash(copy), phash(original)) <= 4
    assert hamming(dhash(copy), dhash(original)) <= 4
    # The check can fail: read without the tag, the same pixels are another picture.
    untagged = jpeg(stored)
    assert not is_near_duplicate(phash(untagged), phash(original))


@pytest.mark.parametrize("quality", [40, 20])
def test_a_recompressed_copy_is_a_near_duplicate(original, quality):
    copy = jpeg(Image.open(io.BytesIO(original)), quality=quality)
    assert len(copy) < len(original)
    assert is_near_duplicate(phash(copy), phash(original))
    assert is_near_duplicate(dhash(copy), dhash(original), DHASH_NEAR)


@pytest.mark.parametrize("long_edge", [1600, 640, 200])
def test_a_resized_copy_is_a_near_duplicate(long_edge):
    big = scene(2, (3000, 2250))
    original = jpeg(big)
    copy = jpeg(big.resize((long_edge, long_edge * 3 // 4), Image.Resampling.LANCZOS), quality=60)
    assert is_near_duplicate(phash(copy), phash(original))
    assert is_near_duplicate(dhash(copy), dhash(original), DHASH_NEAR)


def test_the_draft_decode_of_a_big_jpeg_hashes_close_to_the_full_decode():
    data = jpeg(scene(3, (4000, 3000)))
    full = Image.open(io.BytesIO(data)).convert("RGB")
    assert hamming(phash(data), phash(full)) <= 4
    assert hamming(dhash(data), dhash(full)) <= 4


def test_different_scenes_are_not_near_duplicates():
    hashes = [image_hashes(jpeg(scene(seed, (600, 450)))) for seed in range(10, 22)]
    for i, a in enumerate(hashes):
        for b in hashes[i + 1 :]:
            assert hamming(a["phash"], b["phash"]) > PHASH_NEAR
            assert not is_near_duplicate(a["dhash"], b["dhash"], DHASH_NEAR)


# -- bad files ---------------------------------------------------------------------------------
def test_a_truncated_jpeg_is_a_clear_error(original):
    with pytest.raises(PhotoError) as caught:
        phash(original[: len(original) // 2])
    assert caught.value.code == "photo_unreadable"
    assert "Không đọc được ảnh" in caught.value.message


@pytest.mark.parametrize("data", [b"", b"not an image at all", b"\xff\xd8\xff\xe0" + b"\x00" * 200])
def test_garbage_is_a_clear_error(data, tmp_path):
    path = tmp_path / "IMG_0001.jpg"
    path.write_bytes(data)
    with pytest.raises(PhotoError) as caught:
        dhash(path)
    assert caught.value.code == "photo_unreadable"


def test_a_png_named_jpg_is_hashed_by_its_content(tmp_path):
    image = scene(4, (400, 300))
    path = tmp_path / "IMG_0002.jpg"
    image.save(path, "PNG")
    assert dhash(path) == dhash(image)
    assert phash(str(path)) == phash(image)
    assert image_hashes(path.read_bytes()) == {
        "phash": to_hex(phash(image)),
        "dhash": to_hex(dhash(image)),
    }


def test_hex_round_trip_and_bad_hex():
    assert from_hex(to_hex(0x0123456789ABCDEF)) == 0x0123456789ABCDEF
    assert hamming("ffffffffffffffff", 0) == 64
    assert hamming(0b1011, 0b0001) == 2
    with pytest.raises(ValueError):
        from_hex("abc")
