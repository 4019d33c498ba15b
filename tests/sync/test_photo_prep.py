"""prepare_photo shrinks, straightens and scrubs real JPEGs made here; read_exif_summary reads
back the position and time the evidence needs."""

from __future__ import annotations

import io
import struct
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, TiffImagePlugin

from sync.photo_prep import PhotoError, prepare_photo, read_exif_summary

EXIF, GPS, IFD1 = ExifTags.IFD.Exif, ExifTags.IFD.GPSInfo, ExifTags.IFD.IFD1
B = ExifTags.Base
SERIAL, OWNER, THUMB = "R58M41XK2ZB", "Hoang Van Thang", b"\xff\xd8THUMBNAIL-BYTES\xff\xd9"
LAT, LON = 22.4205, 105.9712  # a village in Bac Kan


def dms(value: float) -> tuple[TiffImagePlugin.IFDRational, ...]:
    degrees, rest = divmod(abs(value) * 3600, 3600)
    minutes, seconds = divmod(rest, 60)
    rational = TiffImagePlugin.IFDRational
    return (
        rational(int(degrees), 1),
        rational(int(minutes), 1),
        rational(round(seconds * 1e4), 10**4),
    )


def camera_exif(orientation: int, lat: float = LAT, lon: float = LON) -> Image.Exif:
    exif = Image.Exif()
    exif[B.Make], exif[B.Model] = "samsung", "SM-X205"
    exif[B.Orientation] = orientation
    exif[B.DateTime] = "2026:11:20 09:20:00"
    exif[EXIF] = {
        B.DateTimeOriginal: "2026:11:20 09:14:03",
        B.DateTimeDigitized: "2026:11:20 09:14:03",
        B.OffsetTimeOriginal: "+07:00",
        B.BodySerialNumber: SERIAL,
        B.CameraOwnerName: OWNER,
        B.LensSerialNumber: "LENS-0042",
        B.ImageUniqueID: "f3a9c2e1d4b5a6978877665544332211",
        B.MakerNote: b"SAMSUNG-MAKERNOTE " + SERIAL.encode(),
    }
    exif[GPS] = {
        ExifTags.GPS.GPSVersionID: b"\x02\x02\x00\x00",
        ExifTags.GPS.GPSLatitudeRef: "N" if lat >= 0 else "S",
        ExifTags.GPS.GPSLatitude: dms(lat),
        ExifTags.GPS.GPSLongitudeRef: "E" if lon >= 0 else "W",
        ExifTags.GPS.GPSLongitude: dms(lon),
        ExifTags.GPS.GPSAltitude: TiffImagePlugin.IFDRational(4125, 10),
        ExifTags.GPS.GPSTimeStamp: (2, 14, 3),
        ExifTags.GPS.GPSDateStamp: "2026:11:20",
    }
    return exif


def with_thumbnail(exif_block: bytes) -> bytes:
    """Pillow writes no IFD1, so chain one by hand after IFD0, as cameras do."""
    tiff = bytearray(exif_block[6:])
    little = tiff[:2] == b"II"
    end = "<" if little else ">"
    (count,) = struct.unpack(end + "H", tiff[8:10])
    next_at = 10 + 12 * count
    ifd1_at = len(tiff)
    thumb_at = ifd1_at + 2 + 2 * 12 + 4
    tiff[next_at : next_at + 4] = struct.pack(end + "L", ifd1_at)
    tiff += struct.pack(end + "H", 2)
    tiff += struct.pack(end + "HHLL", 0x0201, 4, 1, thumb_at)
    tiff += struct.pack(end + "HHLL", 0x0202, 4, 1, len(THUMB))
    tiff += struct.pack(end + "L", 0) + THUMB
    return b"Exif\x00\x00" + bytes(tiff)


def photo(size, orientation=1, quality=92, noisy=True, **exif_args) -> bytes:
    """An RGB image with a red block in the stored top-left corner, saved as a camera would."""
    w, h = size
    gradient = Image.linear_gradient("L").resize(size)
    noise = (
        Image.effect_noise(size, 40) if noisy else gradient.transpose(Image.Transpose.ROTATE_180)
    )
    image = Image.merge(
        "RGB", (gradient, noise, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    )
    image.paste((255, 0, 0), (0, 0, w // 4, h // 4))
    out = io.BytesIO()
    exif = with_thumbnail(camera_exif(orientation, **exif_args).tobytes())
    image.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()


@pytest.fixture(scope="module")
def upright_12mp() -> bytes:
    return photo((4000, 3000), orientation=1)


@pytest.fixture(scope="module")
def sideways_12mp() -> bytes:
    return photo((4000, 3000), orientation=6)


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_long_edge_is_1600_with_the_aspect_ratio_kept(upright_12mp):
    out = prepare_photo(upright_12mp)
    with opened(out) as image:
        assert image.format == "JPEG" and image.size == (1600, 1200)
    # 12 MP at camera quality shrinks to a small fraction before it crosses a slow link.
    assert len(out) < len(upright_12mp) / 6


def test_orientation_is_applied_to_the_pixels_and_reset(sideways_12mp):
    out = prepare_photo(sideways_12mp)
    with opened(out) as image:
        assert image.size == (1200, 1600)
        assert image.getexif()[B.Orientation] == 1
        # Orientation 6 means "rotate 90 clockwise to view": the stored top-left goes top-right.
        assert _reddish(image.getpixel((1200 - 60, 60)))
        assert not _reddish(image.getpixel((60, 60)))
    summary = read_exif_summary(sideways_12mp)
    assert (summary["width"], summary["height"]) == (3000, 4000)


def _reddish(pixel) -> bool:
    r, g, b = pixel
    return r > 200 and g < 60 and b < 60


def test_gps_and_capture_time_survive(sideways_12mp):
    out = prepare_photo(sideways_12mp)
    summary = read_exif_summary(out)
    assert summary["lat"] == pytest.approx(LAT, abs=1e-6)
    assert summary["lon"] == pytest.approx(LON, abs=1e-6)
    assert summary["taken_at"] == "2026-11-20T09:14:03"
    assert (summary["width"], summary["height"]) == (1200, 1600)
    with opened(out) as image:
        exif = image.getexif()
        assert exif[B.DateTime] == "2026:11:20 09:20:00"
        sub = exif.get_ifd(EXIF)
        assert sub[B.DateTimeDigitized] == "2026:11:20 09:14:03"
        assert sub[B.OffsetTimeOriginal] == "+07:00"
        gps = exif.get_ifd(GPS)
        assert float(gps[ExifTags.GPS.GPSAltitude]) == pytest.approx(412.5)
        assert gps[ExifTags.GPS.GPSDateStamp] == "2026:11:20"


def test_identifying_tags_and_thumbnail_are_dropped(sideways_12mp):
    with opened(sideways_12mp) as image:  # the fixture really carries them
        assert image.getexif().get_ifd(IFD1) and B.BodySerialNumber in image.getexif().get_ifd(EXIF)
    out = prepare_photo(sideways_12mp)
    with opened(out) as image:
        exif = image.getexif()
        sub = exif.get_ifd(EXIF)
        for tag in (B.BodySerialNumber, B.CameraOwnerName, B.LensSerialNumber, B.ImageUniqueID):
            assert tag not in sub
        assert B.MakerNote not in sub and not exif.get_ifd(IFD1)
        assert exif[B.Model] == "SM-X205"
    for secret in (SERIAL.encode(), OWNER.encode(), b"LENS-0042", THUMB):
        assert secret not in out


def test_small_image_is_not_upscaled_but_still_scrubbed():
    source = photo((800, 600), orientation=1)
    out = prepare_photo(source)
    assert out != source and SERIAL.encode() not in out
    with opened(out) as image:
        assert image.size == (800, 600)


def test_clean_small_jpeg_travels_byte_for_byte():
    image, out = Image.new("RGB", (640, 480), (40, 120, 60)), io.BytesIO()
    exif = Image.Exif()
    exif[B.Orientation] = 1
    exif[GPS] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: dms(LAT)}
    image.save(out, "JPEG", quality=80, exif=exif)
    assert prepare_photo(out.getvalue()) == out.getvalue()
    assert prepare_photo(out.getvalue(), long_edge=320) != out.getvalue()


def test_png_with_alpha_becomes_jpeg_on_white(tmp_path):
    image = Image.new("RGBA", (2400, 1200), (0, 0, 255, 255))
    image.paste((0, 0, 0, 0), (0, 0, 1200, 1200))  # left half fully transparent
    path = tmp_path / "ve-sinh.png"
    image.save(path)
    for source in (path, str(path), path.read_bytes()):
        with opened(prepare_photo(source)) as out:
            assert (out.format, out.mode, out.size) == ("JPEG", "RGB", (1600, 800))
            assert min(out.getpixel((200, 400))) > 245
            assert out.getpixel((1400, 400))[2] > 200


@pytest.mark.parametrize(
    ("mode", "form", "expected"),
    [("P", "PNG", "RGB"), ("L", "PNG", "L"), ("CMYK", "JPEG", "RGB"), ("I;16", "PNG", "L")],
)
def test_other_modes_are_encoded(mode, form, expected):
    if mode == "I;16":
        image = Image.new("I;16", (2000, 1000), 30000)  # a 16-bit greyscale PNG
    else:
        image = Image.new("RGB", (2000, 1000), (90, 160, 30)).convert(mode)
    out = io.BytesIO()
    image.save(out, form)
    with opened(prepare_photo(out.getvalue())) as result:
        assert (result.format, result.mode, result.size) == ("JPEG", expected, (1600, 800))
        if mode == "I;16":
            assert 110 < result.getpixel((800, 400)) < 125  # scaled to 8 bits, not clipped


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param("Biên bản hiến đất, không phải ảnh\n".encode() * 50, id="text"),
        pytest.param(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40, id="garbage-after-header"),
    ],
)
def test_undecodable_input_raises_photo_error(data, tmp_path):
    path = tmp_path / "anh.jpg"
    path.write_bytes(data)
    for source in (data, path):
        with pytest.raises(PhotoError) as caught:
            prepare_photo(source)
        assert caught.value.code == "photo_unreadable"
        assert "Không đọc được ảnh" in caught.value.message
        assert "cannot be read" in caught.value.message_en == str(caught.value)
    with pytest.raises(PhotoError):
        read_exif_summary(data)


def test_truncated_jpeg_raises_photo_error(upright_12mp):
    with pytest.raises(PhotoError) as caught:
        prepare_photo(upright_12mp[: len(upright_12mp) // 2])
    assert caught.value.code == "photo_unreadable"


@pytest.mark.parametrize(
    ("size", "warning_filter"),
    [((1100, 1000), "error"), ((1100, 1000), "ignore"), ((4000, 3000), "error")],
    ids=["warning-as-error", "warning-ignored", "over-twice-the-limit"],
)
def test_decompression_bomb_is_refused(monkeypatch, size, warning_filter):
    # 1.1 MP is over the limit, where Pillow only warns (and an app may ignore warnings);
    # 12 MP is over twice the limit, where Pillow raises.
    data = photo(size, noisy=False)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000_000)
    with pytest.raises(PhotoError) as caught, warnings.catch_warnings():
        warnings.simplefilter(warning_filter, Image.DecompressionBombWarning)
        prepare_photo(data)
    assert caught.value.code == "photo_too_large" and "quá lớn" in caught.value.message


def test_summary_without_exif_and_in_the_southern_hemisphere():
    image, out = Image.new("RGB", (300, 200)), io.BytesIO()
    image.save(out, "JPEG")
    assert read_exif_summary(out.getvalue()) == {
        "lat": None,
        "lon": None,
        "taken_at": None,
        "width": 300,
        "height": 200,
    }
    summary = read_exif_summary(photo((64, 48), lat=-33.8688, lon=-70.6693))
    assert summary["lat"] == pytest.approx(-33.8688, abs=1e-6)
    assert summary["lon"] == pytest.approx(-70.6693, abs=1e-6)


@settings(max_examples=12)
@given(st.integers(50, 3000), st.integers(50, 3000))
def test_long_edge_is_capped_and_aspect_kept(width, height):
    out = prepare_photo(photo((width, height), quality=70, noisy=False))
    with opened(out) as image:
        w, h = image.size
    long_in, long_out = max(width, height), max(w, h)
    assert long_out == min(long_in, 1600)
    scale = long_out / long_in
    assert abs(w - width * scale) <= 1 and abs(h - height * scale) <= 1


def test_damaged_exif_costs_the_metadata_not_the_photo():
    image, out = Image.new("RGB", (2000, 1500), (200, 180, 20)), io.BytesIO()
    image.save(out, "JPEG", exif=b"Exif\x00\x00MM\x00\x2a\x00\x00\xff\xf0" + b"\x07" * 64)
    result = prepare_photo(out.getvalue())
    with opened(result) as shrunk:
        assert shrunk.size == (1600, 1200)
    assert read_exif_summary(result)["lat"] is None
