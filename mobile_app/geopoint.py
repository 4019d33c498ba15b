"""What the tablet says about a GPS fix: its readable position and the warnings it deserves.

Pure logic (no Kivy), tested without a window. The point-in-polygon rule is sync.geo's, the
same code the server side can use, so "outside the village" means one thing everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mobile_app.i18n import tr
from sync.geo import GeometryError, covers

# Beyond ~20 m a fix can put a house in the neighbour's plot; ODK Collect's default
# "accuracy threshold" is 5 m, but under village trees 10-20 m is what a tablet gets.
MAX_ACCURACY_M = 20.0


def describe(point: Mapping[str, Any], lang: str = "vi") -> str:
    """ "22.42750, 105.97000 (±8 m)": five decimals is about 1 m, all a house needs."""
    text = f"{point['lat']:.5f}, {point['lon']:.5f}"
    accuracy = point.get("accuracy")
    if accuracy is not None:
        text += " " + tr("gps_accuracy", lang, metres=round(accuracy))
    return text


def warnings(
    point: Mapping[str, Any],
    village_geometry: Mapping[str, Any] | None,
    village_name: str = "",
    mock: bool = False,
    lang: str = "vi",
) -> list[str]:
    """Readable warnings for a fix: poor accuracy, outside the village, a mock provider.

    A warning never blocks saving: the officer may really be at the edge of coverage, and a
    weak position is better evidence than none. Reviewers see the accuracy too.
    """
    out: list[str] = []
    accuracy = point.get("accuracy")
    if accuracy is None or accuracy > MAX_ACCURACY_M:
        shown = "?" if accuracy is None else round(accuracy)
        out.append(tr("gps_poor", lang, metres=shown, limit=round(MAX_ACCURACY_M)))
    if village_geometry:
        try:
            inside = covers(village_geometry, point["lon"], point["lat"])
        except GeometryError:
            inside = True  # a damaged boundary must not accuse the officer
        if not inside:
            out.append(tr("gps_outside", lang, village=village_name))
    if mock:
        out.append(tr("gps_mock", lang))
    return out
