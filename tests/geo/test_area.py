"""Geodesic area/length (DESIGN.md: "areas in m² from geodesic computation") against pyproj.Geod."""

from __future__ import annotations

import math

import numpy as np
import pyproj
import pytest
import shapely

from landrelease.geo.area import geodesic_area, geodesic_length, local_metric

from .support import GEOD, M_PER_DEG, geod_area, star_polygons

LATITUDES = [51.2, 0.0, -35.0, 68.0]
SIZES_M2 = [10.0, 1e4, 1e6, 1e8]  # 10 m² … 100 km²


def _triangle(lat: float, area_m2: float) -> shapely.Polygon:
    d = math.sqrt(area_m2) / M_PER_DEG
    c = math.cos(math.radians(lat))
    return shapely.Polygon([(35.0, lat), (35.0 + 2.2 * d / c, lat + 0.3 * d), (35.0 + 0.4 * d / c, lat + 1.1 * d)])


@pytest.mark.parametrize("lat", LATITUDES)
@pytest.mark.parametrize("area_m2", SIZES_M2)
def test_triangle_matches_geod(lat: float, area_m2: float) -> None:
    # a triangle has no symmetric edges whose errors could cancel
    poly = _triangle(lat, area_m2)
    ref = geod_area(poly)
    got = geodesic_area(np.array([poly]))[0]
    assert got == pytest.approx(ref, rel=1e-5)


@pytest.mark.parametrize("lat", LATITUDES)
def test_random_polygons_match_geod(lat: float) -> None:
    polys = star_polygons(200, seed=int(lat * 10) % 97, lat=(lat - 0.5, lat + 0.5), radius_m=(2, 6000))
    ref = np.array([geod_area(p) for p in polys])
    got = geodesic_area(polys)
    np.testing.assert_allclose(got, ref, rtol=1e-5)


def test_holes_are_subtracted_and_multipolygon_parts_added() -> None:
    d = 0.01
    shell = [(30, 50), (30 + d, 50), (30 + d, 50 + d), (30, 50 + d)]
    hole = [(30.002, 50.002), (30.004, 50.002), (30.004, 50.005), (30.002, 50.005)]
    with_hole = shapely.Polygon(shell, [hole])
    other = shapely.box(30.02, 50.0, 30.03, 50.004)
    multi = shapely.MultiPolygon([with_hole, other])
    got = geodesic_area(np.array([with_hole, multi]))
    assert got[0] == pytest.approx(geod_area(with_hole), rel=1e-6)
    assert got[0] < geod_area(shapely.Polygon(shell))  # hole really removed
    assert got[1] == pytest.approx(geod_area(with_hole) + geod_area(other), rel=1e-6)


def test_orientation_does_not_matter() -> None:
    p = star_polygons(1, seed=3)[0]
    cw = shapely.orient_polygons(p, exterior_cw=True)
    ccw = shapely.orient_polygons(p)
    a = geodesic_area(np.array([cw, ccw]))
    assert a[0] == pytest.approx(a[1], rel=1e-12)


def test_antimeridian_polygon() -> None:
    # coordinates jump from 179.99 to -179.99: the projection uses sin/cos of Δλ
    p = shapely.Polygon([(179.99, -17.0), (-179.99, -17.0), (-179.99, -16.98), (179.99, -16.98)])
    ref = abs(GEOD.polygon_area_perimeter([179.99, -179.99, -179.99, 179.99], [-17, -17, -16.98, -16.98])[0])
    assert geodesic_area(np.array([p]))[0] == pytest.approx(ref, rel=1e-5)


def test_points_lines_zero_missing_nan() -> None:
    arr = np.array([shapely.Point(30, 50), shapely.LineString([(30, 50), (31, 50)]), None], dtype=object)
    got = geodesic_area(arr)
    assert got[0] == 0 and got[1] == 0 and np.isnan(got[2])


def test_geodesic_length_matches_geod() -> None:
    line = shapely.LineString([(30, 50), (30.5, 50.2), (31, 49.7)])
    mline = shapely.MultiLineString([[(0, 0), (0, 1)], [(10, 10), (11, 10)]])
    poly = shapely.Polygon([(30, 50), (30.1, 50), (30.1, 50.1)], [[(30.05, 50.01), (30.08, 50.01), (30.08, 50.02)]])
    arr = np.array([line, mline, poly, shapely.Point(1, 1), None], dtype=object)
    got = geodesic_length(arr)
    assert got[0] == pytest.approx(GEOD.geometry_length(line), rel=1e-12)
    assert got[1] == pytest.approx(GEOD.geometry_length(mline), rel=1e-12)
    # all rings, like shapely.length (Geod's own polygon perimeter counts the exterior only)
    assert got[2] == pytest.approx(GEOD.geometry_length(poly.boundary), rel=1e-12)
    assert got[3] == 0 and np.isnan(got[4])


def test_local_metric_round_trip_and_metres() -> None:
    pts = np.array([shapely.Point(35.1, 51.2), shapely.Point(35.3, 51.4)])
    to_local, to_wgs84 = local_metric(pts)
    local = to_local(pts)
    back = to_wgs84(local)
    np.testing.assert_allclose(shapely.get_coordinates(back), shapely.get_coordinates(pts), atol=1e-10)
    # distance in the local plane ≈ geodesic distance (scale error ≪ 0.1 % this close to the centre)
    planar = shapely.distance(local[0], local[1])
    _, _, geodesic = GEOD.inv(35.1, 51.2, 35.3, 51.4)
    assert planar == pytest.approx(geodesic, rel=1e-4)
    # a 100 m buffer drawn in metres and brought back has the area of a 100 m disc
    disc = to_wgs84(shapely.buffer(local[:1], 100.0, quad_segs=64))
    assert geodesic_area(disc)[0] == pytest.approx(math.pi * 100.0**2, rel=1e-3)


@pytest.mark.parametrize("lat0", [51.2, 0.0, -35.0])
def test_vectorised_laea_matches_proj(lat0: float) -> None:
    # the per-geometry projection is PROJ's ellipsoidal LAEA, just with one centre per vertex
    from landrelease.geo.local import laea_xy

    rng = np.random.default_rng(7)
    lon = 30.0 + rng.uniform(-2, 2, 500)
    lat = lat0 + rng.uniform(-2, 2, 500)
    x, y = laea_xy(lon, lat, np.full(500, 30.0), np.full(500, lat0))
    proj = pyproj.Transformer.from_crs("EPSG:4326", f"+proj=laea +lat_0={lat0} +lon_0=30 +datum=WGS84", always_xy=True)
    px, py = proj.transform(lon, lat)
    np.testing.assert_allclose(x, px, atol=1e-6)
    np.testing.assert_allclose(y, py, atol=1e-6)


def test_mixed_array_of_types_and_empties() -> None:
    # the ragged-array fast path must line areas up with their rows whatever else is in between
    a = shapely.box(30.0, 50.0, 30.01, 50.01)
    b = shapely.MultiPolygon(
        [
            shapely.box(31.0, 50.0, 31.02, 50.01),
            shapely.Polygon(
                [(32, 50), (32.05, 50), (32.05, 50.05), (32, 50.05)],
                [[(32.01, 50.01), (32.02, 50.01), (32.02, 50.02)]],
            ),
        ]
    )
    gc = shapely.GeometryCollection([a, shapely.Point(1, 1)])
    arr = np.array(
        [a, shapely.Polygon(), b, None, gc, shapely.Point(0, 0), shapely.MultiPolygon(), a],
        dtype=object,
    )
    got = geodesic_area(arr)
    expected = [geod_area(a), 0.0, geod_area(b), np.nan, geod_area(a), 0.0, 0.0, geod_area(a)]
    np.testing.assert_allclose(got, expected, rtol=1e-6)
