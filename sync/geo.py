"""Pure-Python geometry the tablet needs: is a GPS fix inside a village, and how far apart.

Shapely's python-for-android recipe is a 2019 alpha, so the tablet cannot rely on it; this
module is small enough to check against shapely 2 in tests (tests/sync/test_geo.py).

Coordinates follow GeoJSON: positions are [longitude, latitude] in degrees, a Polygon is a
list of linear rings (the first the outer boundary, the rest holes), a MultiPolygon a list of
polygons. Points are tested in plain (lon, lat) degrees, which is exact enough for village
boundaries (a few km across) and matches what shapely does with the same numbers.

Edge rule: a point ON a boundary counts as inside. That holds for the outer ring and for
hole rings alike (a hole's edge belongs to the polygon), so the answer equals shapely's
`shape(geometry).covers(Point(lon, lat))`. An officer standing on the village line belongs
to the village; warning them would be wrong.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius: the usual choice for haversine

Position = Sequence[float]
Ring = Sequence[Position]


class GeometryError(ValueError):
    """The geometry is not a GeoJSON Polygon or MultiPolygon this module can read."""


def covers(geometry: Mapping[str, Any], lon: float, lat: float) -> bool:
    """True if (lon, lat) lies inside the Polygon/MultiPolygon or on its boundary."""
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list | tuple):
        raise GeometryError("coordinates must be a list")
    if kind == "Polygon":
        polygons = [coordinates]
    elif kind == "MultiPolygon":
        polygons = coordinates
    else:
        raise GeometryError(f"expected a Polygon or MultiPolygon, got {kind!r}")
    return any(_polygon_covers(polygon, lon, lat) for polygon in polygons)


def _polygon_covers(rings: Sequence[Ring], x: float, y: float) -> bool:
    if not rings:
        return False
    outer, holes = rings[0], rings[1:]
    where = _ring_position(outer, x, y)
    if where == "outside":
        return False
    if where == "boundary":
        return True
    for hole in holes:
        inner = _ring_position(hole, x, y)
        if inner == "boundary":
            return True  # a hole's edge is part of the polygon's boundary
        if inner == "inside":
            return False
    return True


def _ring_position(ring: Ring, x: float, y: float) -> str:
    """Where (x, y) lies against one ring (closed or not): inside, outside or boundary.

    The boundary is tested first and exactly (collinear and within the segment's box), so
    the ray-casting parity below never has to decide a point that lies on an edge.
    """
    try:
        points = [(float(p[0]), float(p[1])) for p in ring]
    except (TypeError, ValueError, IndexError) as exc:
        raise GeometryError(f"unreadable position in ring: {exc}") from None
    if len(points) < 3:
        return "outside"
    if points[0] != points[-1]:
        points.append(points[0])
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    if not (min(xs) <= x <= max(xs) and min(ys) <= y <= max(ys)):
        return "outside"  # the cheap box test rejects most villages at once
    inside = False
    for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
        if _on_segment(x1, y1, x2, y2, x, y):
            return "boundary"
        # Half-open rule (y1 > y) != (y2 > y): a ray through a vertex counts it once, and
        # horizontal edges never count, so parity stays right at vertices.
        if (y1 > y) != (y2 > y):
            x_cross = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < x_cross:
                inside = not inside
    return "inside" if inside else "outside"


def _on_segment(x1: float, y1: float, x2: float, y2: float, x: float, y: float) -> bool:
    if not (min(x1, x2) <= x <= max(x1, x2) and min(y1, y2) <= y <= max(y1, y2)):
        return False
    # Exact collinearity: a float fix from a GPS is essentially never on an edge; what
    # matters is that surveyed vertices and points typed from a map behave predictably.
    return (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1) == 0


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two (lat, lon) points in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    # min(): rounding can push `a` a hair above 1 for antipodal points; asin would fail.
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
