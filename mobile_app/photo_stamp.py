"""Stamp a photo with where and when it was taken: GPS position, accuracy and time in EXIF.

The stamp is written into the JPEG's APP1 (Exif) segment without decoding the pixels: a
12 MP decode and re-encode costs a cheap tablet half a second and some quality, while
splicing a segment costs a millisecond. Other images (a PNG from the desktop picker) are
re-encoded once as JPEG. Shrinking for upload is a separate step (sync.photo_prep) that
keeps the GPS tags.

Tags written (EXIF 2.32): GPSVersionID, GPSLatitudeRef/GPSLatitude, GPSLongitudeRef/
GPSLongitude, GPSMapDatum "WGS-84", GPSDateStamp + GPSTimeStamp (UTC, the fix's time),
GPSHPositioningError (accuracy in metres), and DateTimeOriginal if the camera did not.
"""

from __future__ import annotations

import datetime as dt
import io
from fractions import Fraction

from PIL import Image
from PIL.TiffImagePlugin import IFDRational

GPS_IFD = 0x8825
EXIF_IFD = 0x8769
DATETIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011
SOI, SOS = b"\xff\xd8", 0xDA
EXIF_HEADER = b"Exif\x00\x00"


def _rational(value: float, limit: int = 1_000_000) -> IFDRational:
    f = Fraction(value).limit_denominator(limit)
    return IFDRational(f.numerator, f.denominator)


def _dms(degrees: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    degrees = abs(degrees)
    whole = int(degrees)
    minutes_float = (degrees - whole) * 60
    minutes = int(minutes_float)
    seconds = round((minutes_float - minutes) * 60, 4)  # 0.0001" is 3 mm: plenty
    return IFDRational(whole, 1), IFDRational(minutes, 1), _rational(seconds, 10_000)


def stamp(image: bytes, lat: float, lon: float, accuracy: float | None, when: dt.datetime) -> bytes:
    """The photo as JPEG bytes carrying the fix in its EXIF (`when` must be aware)."""
    with Image.open(io.BytesIO(image)) as im:
        exif = im.getexif()
        is_jpeg = im.format in ("JPEG", "MPO")
        if not is_jpeg:
            buffer = io.BytesIO()
            im.convert("RGB").save(buffer, "JPEG", quality=90)
            image = buffer.getvalue()
    utc = when.astimezone(dt.UTC)
    gps = exif.get_ifd(GPS_IFD)
    gps.clear()  # a stale position from an earlier stamp must not survive
    gps.update(
        {
            0: b"\x02\x03\x00\x00",
            1: "N" if lat >= 0 else "S",
            2: _dms(lat),
            3: "E" if lon >= 0 else "W",
            4: _dms(lon),
            7: (IFDRational(utc.hour, 1), IFDRational(utc.minute, 1), IFDRational(utc.second, 1)),
            18: "WGS-84",
            29: utc.strftime("%Y:%m:%d"),
        }
    )
    if accuracy is not None:
        gps[31] = _rational(accuracy, 100)
    exif_ifd = exif.get_ifd(EXIF_IFD)
    if DATETIME_ORIGINAL not in exif_ifd:
        local = when.astimezone()
        exif_ifd[DATETIME_ORIGINAL] = local.strftime("%Y:%m:%d %H:%M:%S")
        offset = local.strftime("%z")
        exif_ifd[OFFSET_TIME_ORIGINAL] = f"{offset[:3]}:{offset[3:]}"
    return splice_exif(image, exif.tobytes())


def splice_exif(jpeg: bytes, exif_bytes: bytes) -> bytes:
    """Replace the JPEG's Exif APP1 segment (or add one after SOI/APP0), pixels untouched."""
    if not jpeg.startswith(SOI):
        raise ValueError("not a JPEG")
    if not exif_bytes.startswith(EXIF_HEADER):
        exif_bytes = EXIF_HEADER + exif_bytes
    if len(exif_bytes) + 2 > 0xFFFF:
        raise ValueError("EXIF block too large for one APP1 segment")
    segment = b"\xff\xe1" + (len(exif_bytes) + 2).to_bytes(2, "big") + exif_bytes
    head, pos, inserted = [SOI], 2, False
    while pos + 4 <= len(jpeg) and jpeg[pos] == 0xFF:
        marker = jpeg[pos + 1]
        if marker == SOS:
            break  # entropy-coded data follows: copied as it is below
        length = int.from_bytes(jpeg[pos + 2 : pos + 4], "big")
        chunk = jpeg[pos : pos + 2 + length]
        is_exif = marker == 0xE1 and chunk[4:10] == EXIF_HEADER
        if not inserted and marker != 0xE0:
            head.append(segment)  # after JFIF's APP0, which must stay first when present
            inserted = True
        if not is_exif:
            head.append(chunk)
        pos += 2 + length
    if not inserted:
        head.append(segment)
    return b"".join(head) + jpeg[pos:]
