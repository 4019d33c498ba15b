"""Is a point inside its village and its commune? Batch checks on shapely 2 prepared
geometries, with an STRtree to say which village a stray point falls in instead.

Boundary rule as in sync.geo (the tablet's): a point ON an edge, of the outer ring or of a
hole, counts as inside (`covers`), so the server and the tablet never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import shapely
from shapely.geometry import shape
from sqlalchemy import select

from server.extensions import db
from server.models import AdminUnit
from sync.geo import EARTH_RADIUS_M


class Placement(NamedTuple):
    """Where one point lies against its commune and its village (None: no polygon known)."""

    in_commune: bool | None
    in_village: bool | None
    found_village: str | None  # the village of the commune that covers it, if another
    distance_m: float | None  # to the polygon it should be in, when outside


def _geometry(raw: Any):
    if not raw:
        return None
    try:
        geom = shape(raw)
    except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException):
        return None
    if geom.is_empty:
        return None
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    shapely.prepare(geom)
    return geom


class Fence:
    """The commune's and its villages' polygons, prepared once, checked many times."""

    def __init__(self, commune: Any, villages: Mapping[str, Any], names: Mapping[str, str]):
        self.commune = _geometry(commune)
        self.names = dict(names)
        self.codes = [c for c, g in villages.items() if _geometry(g) is not None]
        self.villages = {c: _geometry(villages[c]) for c in self.codes}
        self._array = np.array([self.villages[c] for c in self.codes] + [None], dtype=object)
        self._index = {c: i for i, c in enumerate(self.codes)}
        self.tree = shapely.STRtree(self._array[:-1]) if self.codes else None
        self._boundaries = None
        self._commune_boundary = None

    @classmethod
    def load(cls, commune_code: str) -> Fence:
        commune = db.session.get(AdminUnit, commune_code)
        rows = db.session.execute(
            select(AdminUnit.code, AdminUnit.name, AdminUnit.geometry).where(
                AdminUnit.parent_code == commune_code, AdminUnit.level == "village"
            )
        ).all()
        return cls(
            commune.geometry if commune else None,
            {r.code: r.geometry for r in rows},
            {r.code: r.name for r in rows} | ({commune_code: commune.name} if commune else {}),
        )

    def has_polygons(self) -> bool:
        return self.commune is not None or bool(self.codes)

    def place(self, points: Sequence[tuple[float, float, str]]) -> list[Placement]:
        """Place (lon, lat, village_code) points; one vectorised pass per predicate."""
        n = len(points)
        if n == 0:
            return []
        lons = np.fromiter((p[0] for p in points), float, n)
        lats = np.fromiter((p[1] for p in points), float, n)
        pts = shapely.points(lons, lats)
        idx = np.fromiter((self._index.get(p[2], -1) for p in points), np.int64, n)
        known = idx >= 0
        in_village = np.zeros(n, dtype=bool)
        if known.any():
            in_village[known] = shapely.covers(self._array[idx[known]], pts[known])
        in_commune = (
            shapely.covers(self.commune, pts) if self.commune is not None else np.ones(n, bool)
        )
        found: dict[int, str] = {}
        stray = np.nonzero(known & ~in_village)[0]
        if len(stray) and self.tree is not None:
            hits = self.tree.query(pts[stray], predicate="covered_by")
            for i, tree_i in zip(hits[0], hits[1], strict=True):
                found.setdefault(int(stray[i]), self.codes[int(tree_i)])
        out_commune = ~in_commune if self.commune is not None else np.zeros(n, bool)
        distances = self._distances(pts, idx, out_commune, known & ~in_village)
        out = []
        for i in range(n):
            village_ok = bool(in_village[i]) if known[i] else None
            commune_ok = bool(in_commune[i]) if self.commune is not None else None
            out.append(Placement(commune_ok, village_ok, found.get(i), distances.get(i)))
        return out

    def _distances(self, pts, idx, out_commune, out_village) -> dict[int, float]:
        """Metres from each stray point to the polygon it should be in (the commune if it
        is outside the commune, else its village): shortest lines in one vectorised call,
        then great-circle lengths."""
        stray = np.nonzero(out_commune | out_village)[0]
        if not len(stray):
            return {}
        if self._boundaries is None:
            self._boundaries = shapely.boundary(self._array[:-1]) if self.codes else None
            self._commune_boundary = self.commune.boundary if self.commune is not None else None
        targets = np.array(
            [self._commune_boundary if out_commune[i] else self._boundaries[idx[i]] for i in stray],
            dtype=object,
        )
        coords = shapely.get_coordinates(shapely.shortest_line(targets, pts[stray]))
        near, far = coords[0::2], coords[1::2]
        metres = haversine_array(near[:, 1], near[:, 0], far[:, 1], far[:, 0])
        return {int(i): float(m) for i, m in zip(stray, metres, strict=True)}


def haversine_array(lat1, lon1, lat2, lon2):
    """sync.geo.haversine_m over numpy arrays (degrees in, metres out)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    a = (
        np.sin((phi2 - phi1) / 2) ** 2
        + np.cos(phi1) * np.cos(phi2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))


def fences(commune_codes: Iterable[str]) -> dict[str, Fence]:
    return {code: Fence.load(code) for code in set(commune_codes)}
