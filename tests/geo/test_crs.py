"""Reprojection to WGS84 lon/lat (DESIGN.md: "Geometry: stored WGS84 lon/lat"), always x = lon."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely

from landrelease.errors import ValidationError
from landrelease.geo.crs import from_wgs84, is_wgs84, parse_crs, to_wgs84

from .support import star_polygons


def test_utm_round_trip_keeps_coordinates() -> None:
    polys = star_polygons(50, seed=1, lon=(31.0, 35.0), lat=(46.0, 52.0))
    utm = from_wgs84(polys, "EPSG:32636")
    assert shapely.bounds(utm)[:, 0].min() > 100_000  # really in metres now
    back = to_wgs84(utm, "EPSG:32636")
    np.testing.assert_allclose(shapely.get_coordinates(back), shapely.get_coordinates(polys), atol=1e-9)


def test_known_utm_point() -> None:
    # UTM zone 36N: false easting 500 000 m on the central meridian 33°E
    got = to_wgs84(np.array([shapely.Point(500_000, 0)]), "EPSG:32636")
    np.testing.assert_allclose(shapely.get_coordinates(got), [[33.0, 0.0]], atol=1e-9)


@pytest.mark.parametrize(
    "spelling",
    ["EPSG:32636", "32636", "+proj=utm +zone=36 +datum=WGS84 +units=m +no_defs"],
)
def test_crs_spellings_agree(spelling: str) -> None:
    pt = np.array([shapely.Point(400_000, 5_600_000)])
    expected = pyproj.Transformer.from_crs(32636, 4326, always_xy=True).transform(400_000, 5_600_000)
    got = shapely.get_coordinates(to_wgs84(pt, spelling))[0]
    np.testing.assert_allclose(got, expected, atol=1e-9)


def test_wkt_crs() -> None:
    wkt = pyproj.CRS.from_epsg(32636).to_wkt()
    got = to_wgs84(np.array([shapely.Point(500_000, 0)]), wkt)
    np.testing.assert_allclose(shapely.get_coordinates(got), [[33.0, 0.0]], atol=1e-9)


def test_epsg4326_is_taken_as_lon_lat() -> None:
    # EPSG:4326 officially orders lat, lon; files (GeoJSON, shapefiles) hold lon, lat.
    pt = np.array([shapely.Point(35.0, 51.0)])
    assert is_wgs84("EPSG:4326") and is_wgs84(None) and not is_wgs84("EPSG:32636")
    np.testing.assert_array_equal(shapely.get_coordinates(to_wgs84(pt, "EPSG:4326")), [[35.0, 51.0]])


def test_other_geographic_datum_is_transformed_lon_first() -> None:
    # Pulkovo 1942 (EPSG:4284), common in former Soviet mapping: shift of ~100 m, not a swap
    got = shapely.get_coordinates(to_wgs84(np.array([shapely.Point(35.0, 51.0)]), "EPSG:4284"))[0]
    assert abs(got[0] - 35.0) < 0.01 and abs(got[1] - 51.0) < 0.01
    assert not np.allclose(got, [35.0, 51.0], atol=1e-6)


def test_web_mercator() -> None:
    got = to_wgs84(np.array([shapely.Point(0, 0), shapely.Point(20037508.342789244, 0)]), "EPSG:3857")
    np.testing.assert_allclose(shapely.get_coordinates(got), [[0, 0], [180, 0]], atol=1e-9)


def test_z_is_dropped() -> None:
    got = to_wgs84(np.array([shapely.Point(500_000, 0, 12.0)]), "EPSG:32636")
    assert not shapely.has_z(got[0])


@pytest.mark.parametrize("bad", ["EPSG:99999", "UTM36", "GEOGCS[\n broken", ""])
def test_unknown_crs_is_one_line_validation_error(bad: str) -> None:
    with pytest.raises(ValidationError) as exc:
        parse_crs(bad)
    text = str(exc.value)
    assert "\n" not in text
    assert text.startswith("crs: unknown CRS")
    assert "EPSG:32636" in text  # tells the user what a good value looks like
