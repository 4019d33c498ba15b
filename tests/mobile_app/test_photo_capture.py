"""The photo the app keeps is stamped with the fix and shrunk before it is stored (no window)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import ExifTags, Image

from mobile_app.devices.location import Fix
from mobile_app.photo_capture import kept_photo

WHEN = dt.datetime(2026, 11, 20, 2, 14, 3, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def camera_12mp() -> bytes:
    size = (4000, 3000)
    gradient = Image.linear_gradient("L").resize(size)
    image = Image.merge("RGB", (gradient, Image.effect_noise(size, 40), gradient))
    exif = Image.Exif()
    exif[ExifTags.Base.Make], exif[ExifTags.Base.Model] = "samsung", "SM-X205"
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def test_a_12mp_photo_is_stored_small_with_its_fix(camera_12mp):
    fix = Fix(lat=22.4275, lon=105.97, accuracy=6.0, time="2026-11-20T02:14:03Z")
    kept = kept_photo(camera_12mp, fix, WHEN)
    assert len(kept) < len(camera_12mp) / 5
    with Image.open(io.BytesIO(kept)) as im:
        assert im.size == (1600, 1200)
        gps = im.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert gps[ExifTags.GPS.GPSLatitudeRef] == "N"
    assert float(gps[ExifTags.GPS.GPSLatitude][0]) == 22
    assert float(gps[ExifTags.GPS.GPSHPositioningError]) == 6.0


def test_without_a_fix_the_photo_is_still_shrunk(camera_12mp):
    kept = kept_photo(camera_12mp, None, WHEN)
    with Image.open(io.BytesIO(kept)) as im:
        assert max(im.size) == 1600
        assert not im.getexif().get_ifd(ExifTags.IFD.GPSInfo)


def test_a_file_that_is_not_a_photo_is_a_readable_error():
    with pytest.raises(OSError) as caught:
        kept_photo(b"%PDF-1.4 not a photo", None, WHEN)
    assert "ảnh" in str(caught.value).lower()
