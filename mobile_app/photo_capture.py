"""What the app keeps of a photo the officer took: stamped with the GPS fix, then shrunk.

A tablet camera's 12 MP JPEG (4-7 MB) never enters the replica: `kept_photo` splices the
latest fix into its EXIF (mobile_app.photo_stamp) and then shrinks it with
sync.photo_prep.prepare_photo (long edge 1600 px, quality 80, upright, GPS and time kept,
identifying tags dropped), so the replica stores, and the sync uploads, a few hundred kB.
Pure Pillow: no window needed, and the same on Android.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from mobile_app.photo_stamp import stamp
from sync.photo_prep import PhotoError, prepare_photo

if TYPE_CHECKING:
    from mobile_app.devices.location import Fix


def kept_photo(content: bytes, fix: Fix | None, when: dt.datetime) -> bytes:
    """The bytes to store for upload; OSError with a readable reason if the file is unusable."""
    try:
        if fix is not None:
            content = stamp(content, fix.lat, fix.lon, fix.accuracy, when)
        return prepare_photo(content)
    except PhotoError as exc:
        raise OSError(exc.message) from exc
    except (ValueError, SyntaxError) as exc:  # Pillow's errors for a broken file
        raise OSError(str(exc)) from exc
