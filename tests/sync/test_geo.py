"""sync.geo agrees with shapely 2: `covers` on random polygons, holes and multipolygons,
points on edges and vertices (explicit cases), and haversine distances."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, shape

from sync.geo import GeometryError, covers, haversine_m

# A square village with a square pond (hole); dyadic numbers keep the arithmetic exact.
SQUARE = [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]
POND = [[1, 1], [1, 2], [2, 2], [2, 1], [1, 1]]
WITH_HOLE = {"type": "Polygon", "coordinates": [SQUARE, POND]}
MULTI = {
    "type": "MultiPolygon",
    "coordinates": [[SQUARE, POND], [[[10, 0], [12, 0], [11, 3], [10, 0]]]],
}


def shapely_covers(geometry, lon, lat) -> bool:
    return shape(geometry).covers(Point(lon, lat))


@pytest.mark.parametrize(
    "lon, lat, expected",
    [
        (3, 3, True),  # inside
        (1.5, 1.5, False),  # in the pond
        (5, 1, False),  # outside
        (0, 2, True),  # on the outer edge
        (4, 4, True),  # on an outer vertex
        (2, 0, True),  # on the bottom edge
        (1, 1.5, True),  # on the pond's edge: part of the boundary
        (2, 2, True),  # on the pond's vertex
        (1.5, 1, True),
        (-0.5, 0, False),  # on the line of an edge, beyond it
        (0, 4.5, False),
        (11, 3, True),  # apex of the second polygon
        (10.5, 1.5, True),  # on its slanted edge
        (11, 1, True),
        (9.9, 0, False),
        (7, 0, False),  # between the two polygons, level with both bases
    ],
)
def test_points_on_edges_and_vertices_count_as_inside(lon, lat, expected):
    assert covers(MULTI, lon, lat) is expected
    assert shapely_covers(MULTI, lon, lat) is expected


def test_an_unclosed_ring_is_read_as_closed_and_a_concave_notch_is_outside():
    notched = {"type": "Polygon", "coordinates": [[[0, 0], [4, 0], [4, 4], [2, 1], [0, 4]]]}
    assert covers(notched, 1, 0.5) and covers(notched, 2, 1)
    assert not covers(notched, 2, 3)
    assert covers(notched, 3, 2.5) is shapely_covers(notched, 3, 2.5) is True


def test_only_polygons_are_accepted():
    with pytest.raises(GeometryError):
        covers({"type": "Point", "coordinates": [1, 2]}, 1, 2)
    with pytest.raises(GeometryError):
        covers({"type": "Polygon", "coordinates": None}, 1, 2)


# -- random polygons ---------------------------------------------------------------------------
def star_ring(draw, cx, cy, r_min, r_max, n_min=3, n_max=12):
    """A star-shaped ring around (cx, cy): sorted angles, random radii; always simple."""
    n = draw(st.integers(n_min, n_max))
    angles = sorted(
        draw(
            st.lists(
                st.floats(0, 2 * math.pi, exclude_max=True), min_size=n, max_size=n, unique=True
            )
        )
    )
    ring = []
    for angle in angles:
        r = draw(st.floats(r_min, r_max))
        ring.append([cx + r * math.cos(angle), cy + r * math.sin(angle)])
    ring.append(ring[0])
    return ring


@st.composite
def polygons(draw, cx=105.8, cy=21.0, scale=0.01):
    """A village-sized polygon near Hanoi, sometimes with a hole around its centre."""
    outer = star_ring(draw, cx, cy, 3 * scale, 6 * scale)
    rings = [outer]
    if draw(st.booleans()):
        rings.append(star_ring(draw, cx, cy, 0.3 * scale, 1 * scale))
    geometry = {"type": "Polygon", "coordinates": rings}
    assume(shape(geometry).is_valid)
    return geometry


@st.composite
def multipolygons(draw):
    first = draw(polygons(cx=105.8))
    second = draw(polygons(cx=106.0))
    return {"type": "MultiPolygon", "coordinates": [first["coordinates"], second["coordinates"]]}


def points_near(geometry):
    minx, miny, maxx, maxy = shape(geometry).bounds
    pad = 0.01
    return st.tuples(st.floats(minx - pad, maxx + pad), st.floats(miny - pad, maxy + pad))


def check_agrees(geometry, lon, lat):
    # Points a hair from an edge are where two float computations may honestly differ
    # (shapely uses robust predicates); exact edge points are tested above with exact numbers.
    assume(shape(geometry).boundary.distance(Point(lon, lat)) > 1e-9)
    assert covers(geometry, lon, lat) is shapely_covers(geometry, lon, lat)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_agrees_with_shapely_on_random_polygons_with_and_without_holes(data):
    geometry = data.draw(polygons())
    lon, lat = data.draw(points_near(geometry))
    check_agrees(geometry, lon, lat)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_agrees_with_shapely_on_random_multipolygons(data):
    geometry = data.draw(multipolygons())
    lon, lat = data.draw(points_near(geometry))
    check_agrees(geometry, lon, lat)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_polygon_vertices_are_covered(data):
    geometry = data.draw(polygons())
    for ring in geometry["coordinates"]:
        lon, lat = ring[data.draw(st.integers(0, len(ring) - 1))]
        assert covers(geometry, lon, lat) and shapely_covers(geometry, lon, lat)


# -- distances ---------------------------------------------------------------------------------
def test_haversine_known_distances():
    assert haversine_m(21.0, 105.8, 21.0, 105.8) == 0
    # one degree of latitude is about 111.2 km on the mean sphere
    assert haversine_m(0, 0, 1, 0) == pytest.approx(111_195, rel=1e-4)
    # Hà Nội (Hoàn Kiếm) to TP Hồ Chí Minh (Bến Thành): about 1,140 km as the crow flies
    assert haversine_m(21.0285, 105.8542, 10.7725, 106.6980) == pytest.approx(1_140_000, rel=0.01)
    assert haversine_m(0, 0, 0, 180) == pytest.approx(math.pi * 6_371_008.8)


@given(st.floats(-90, 90), st.floats(-180, 180), st.floats(-90, 90), st.floats(-180, 180))
def test_haversine_is_symmetric_and_bounded(lat1, lon1, lat2, lon2):
    d = haversine_m(lat1, lon1, lat2, lon2)
    assert d == pytest.approx(haversine_m(lat2, lon2, lat1, lon1), abs=1e-6)
    assert 0 <= d <= math.pi * 6_371_008.8 + 1e-6


def test_unreadable_positions_are_a_geometry_error():
    with pytest.raises(GeometryError):
        covers({"type": "Polygon", "coordinates": [[["x", 1], [2, 3], [4, 5]]]}, 1, 2)
