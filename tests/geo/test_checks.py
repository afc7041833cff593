"""The geometry gate (`prepare`): each rule of landrelease.geo.checks, its message, its repairs.

Rule numbers refer to the module docstring of `landrelease.geo.checks`; the polygon checks
mirror GICHD/geocheck (invalid, <3 vertices, duplicate, overlapping polygons).
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from landrelease.domain.model import GeomType
from landrelease.errors import ValidationError
from landrelease.geo.area import geodesic_area
from landrelease.geo.checks import prepare
from landrelease.geo.crs import from_wgs84

from .support import star_polygons

P = GeomType.POLYGON
UKRAINE = (22.0, 44.0, 40.5, 52.5)  # lon/lat bounding box used as a record's region


def geoms(*wkts: str | None) -> np.ndarray:
    out = np.empty(len(wkts), dtype=object)
    out[:] = [None if w is None else shapely.from_wkt(w) for w in wkts]
    return out


SQUARE = "POLYGON ((30 50, 30.01 50, 30.01 50.01, 30 50.01, 30 50))"


def error(arr: np.ndarray, expected: GeomType = P, **kw: object) -> str:
    with pytest.raises(ValidationError) as exc:
        prepare(arr, expected, **kw)  # type: ignore[arg-type]
    text = str(exc.value)
    assert "\n" not in text  # one line, always
    return text


# Rule 1: missing / empty ------------------------------------------------------------------


def test_missing_geometry_rejected_with_feature_number() -> None:
    text = error(geoms(SQUARE, SQUARE, None))
    assert text == "feature 3: has no geometry; these records need a Polygon or MultiPolygon"


def test_empty_geometry_rejected() -> None:
    assert error(geoms("POLYGON EMPTY")).startswith("feature 1: has an empty geometry")


def test_missing_allowed_when_not_required() -> None:
    out = prepare(geoms(SQUARE, None, "POLYGON EMPTY"), P, required=False)
    assert out.geoms[0] is not None and out.geoms[1] is None and out.geoms[2] is None


# Rule 2: family -----------------------------------------------------------------------------


def test_wrong_family_names_type_and_record_kind() -> None:
    arr = geoms(SQUARE, SQUARE, SQUARE, "POINT (30 50)")
    text = error(arr, kind="hazardous areas")
    assert text == "feature 4: is a Point but hazardous areas need a Polygon or MultiPolygon"


def test_wrong_family_counts_the_others() -> None:
    text = error(geoms("POINT (30 50)", SQUARE, "POINT (31 50)", "POINT (32 50)"))
    assert text.startswith("feature 1: is a Point") and text.endswith("(and 2 more features like it)")


def test_polygon_where_point_expected() -> None:
    text = error(geoms("POINT (30 50)", SQUARE), GeomType.POINT, kind="accidents")
    assert text == "feature 2: is a Polygon but accidents need a Point"


def test_collection_of_polygons_becomes_multipolygon() -> None:
    gc = (
        "GEOMETRYCOLLECTION (POLYGON ((30 50, 30.1 50, 30.1 50.1, 30 50)), "
        "MULTIPOLYGON (((31 50, 31.1 50, 31.1 50.1, 31 50))))"
    )
    out = prepare(geoms(gc), P)
    assert out.geoms[0].geom_type == "MultiPolygon" and len(out.geoms[0].geoms) == 2
    assert out.notes == ["feature 1: GeometryCollection stored as MultiPolygon"]


def test_mixed_collection_rejected() -> None:
    gc = "GEOMETRYCOLLECTION (POLYGON ((30 50, 30.1 50, 30.1 50.1, 30 50)), POINT (30 50))"
    text = error(geoms(gc))
    assert text.startswith("feature 1: is a GeometryCollection mixing geometry types")
    assert text.endswith("split it into separate features")


def test_single_point_multipoint_becomes_point_but_many_rejected() -> None:
    out = prepare(geoms("MULTIPOINT ((30 50))"), GeomType.POINT)
    assert out.geoms[0].geom_type == "Point"
    text = error(geoms("MULTIPOINT ((30 50), (31 50), (32 50))"), GeomType.POINT)
    assert text == "feature 1: is a MultiPoint of 3 points but these records need a Point"


def test_linear_ring_becomes_linestring() -> None:
    out = prepare(geoms("LINEARRING (30 50, 31 50, 31 51, 30 50)"), GeomType.LINE)
    assert out.geoms[0].geom_type == "LineString"


def test_any_accepts_every_family() -> None:
    out = prepare(geoms("POINT (30 50)", "LINESTRING (30 50, 31 50)", SQUARE), GeomType.ANY)
    assert [g.geom_type for g in out.geoms] == ["Point", "LineString", "Polygon"]


# Rules 3–4: 2D, finite ------------------------------------------------------------------------


def test_z_dropped_with_one_note() -> None:
    out = prepare(geoms("POLYGON Z ((30 50 5, 30.1 50 5, 30.1 50.1 5, 30 50 5))", SQUARE), P)
    assert not shapely.has_z(out.geoms).any()
    assert out.notes == ["Z/M values dropped from 1 feature(s): the record is 2D"]


def test_nan_coordinate_rejected() -> None:
    arr = geoms(SQUARE, "POINT (30 50)")
    arr[1] = shapely.Point(np.nan, 50)
    assert error(arr, GeomType.ANY) == ("feature 2: has a coordinate that is not a number")


# Rule 5: CRS, range, swapped axes ---------------------------------------------------------------


def test_projected_coordinates_without_crs() -> None:
    utm = "POLYGON ((500000 5600000, 501000 5600000, 501000 5601000, 500000 5600000))"
    assert error(geoms(SQUARE, utm)) == (
        "feature 2: coordinates look projected (e.g. metres) but the file declares no CRS; "
        "give its CRS (e.g. --crs EPSG:32636)"
    )


def test_declared_utm_crs_is_reprojected() -> None:
    square = geoms(SQUARE)
    utm = from_wgs84(square, "EPSG:32636")
    out = prepare(utm, P, crs="EPSG:32636")
    np.testing.assert_allclose(shapely.get_coordinates(out.geoms), shapely.get_coordinates(square), atol=1e-9)


def test_coordinates_outside_crs_domain() -> None:
    far = "POLYGON ((1e9 5600000, 1.0001e9 5600000, 1.0001e9 5601000, 1e9 5600000))"
    text = error(geoms(far), crs="EPSG:32636")
    assert text == (
        "feature 1: coordinates fall outside the area where the declared CRS EPSG:32636 is defined; check the CRS"
    )


def test_unknown_crs() -> None:
    assert error(geoms(SQUARE), crs="EPSG:99999").startswith("crs: unknown CRS 'EPSG:99999'")


def test_out_of_range_degrees() -> None:
    text = error(geoms("POINT (200 50)"), GeomType.POINT)
    assert text.startswith("feature 1: coordinates (e.g. 200 50) are outside longitude -180..180")


def test_swapped_axes_certain_when_latitude_over_90() -> None:
    # Cambodia (lon ~104.9, lat ~11.5) written lat, lon: y = 104.9 cannot be a latitude
    swapped = "POLYGON ((11.5 104.9, 11.5 104.91, 11.51 104.91, 11.5 104.9))"
    assert error(geoms(swapped)) == (
        "feature 1: latitude and longitude look swapped; re-export as lon/lat or use --swap-axes"
    )


def test_swapped_axes_inside_90_needs_a_region() -> None:
    # Ukraine (lon 30, lat 50) written lat, lon: (50, 30) is a valid place (Iran) on its own
    swapped = geoms("POLYGON ((50 30, 50 30.01, 50.01 30.01, 50 30))")
    out = prepare(swapped, P)  # without a region nothing can tell
    assert shapely.equals_exact(out.geoms[0], swapped[0], tolerance=0)
    text = error(swapped, region=UKRAINE)
    assert text.startswith("feature 1: latitude and longitude look swapped (outside the region")


def test_region_does_not_flag_data_outside_it_when_swapping_does_not_help() -> None:
    elsewhere = geoms("POLYGON ((10 10, 10.01 10, 10.01 10.01, 10 10))")
    out = prepare(elsewhere, P, region=UKRAINE)
    assert shapely.equals_exact(out.geoms[0], elsewhere[0], tolerance=0)


def test_swap_axes_option_swaps() -> None:
    swapped = geoms("POLYGON ((50 30, 50.01 30, 50.01 30.01, 50 30))")
    out = prepare(swapped, P, swap_axes=True, region=UKRAINE)
    np.testing.assert_array_equal(shapely.get_coordinates(out.geoms), shapely.get_coordinates(swapped)[:, ::-1])


def test_swap_axes_on_lon_lat_data_is_refused() -> None:
    lonlat = geoms("POLYGON ((104.9 11.5, 104.91 11.5, 104.91 11.51, 104.9 11.5))")
    text = error(lonlat, swap_axes=True)
    assert text.startswith("feature 1: coordinates are out of range once swapped")
    assert text.endswith("do not use --swap-axes")


# Rule 6: degenerate polygons -----------------------------------------------------------------


def test_ring_with_two_distinct_vertices_rejected() -> None:
    degenerate = "POLYGON ((30 50, 30.1 50, 30 50, 30.1 50, 30 50))"
    assert error(geoms(SQUARE, degenerate)) == (
        "feature 2: has a ring with fewer than 3 distinct vertices; a polygon needs at least 3 corners"
    )


def test_degenerate_hole_rejected() -> None:
    holed = (
        "POLYGON ((30 50, 30.1 50, 30.1 50.1, 30 50.1, 30 50), (30.02 50.02, 30.03 50.03, 30.02 50.02, 30.02 50.02))"
    )
    assert "fewer than 3 distinct vertices" in error(geoms(holed))


def test_zero_area_polygon_rejected() -> None:
    collinear = "POLYGON ((30 50, 30.1 50, 30.2 50, 30 50))"
    assert error(geoms(collinear)) == ("feature 1: has zero area (its vertices lie on one line); fix the polygon")


# Rule 7: repair only when unambiguous ------------------------------------------------------------


def _repaired(wkt: str) -> tuple[shapely.Geometry, list[str]]:
    arr = geoms(wkt)
    out = prepare(arr, P)
    assert out.repaired.tolist() == [True]
    g = out.geoms[0]
    assert shapely.is_valid(g) and g.geom_type in ("Polygon", "MultiPolygon")
    # the principle: area as the author drew it (shoelace) is kept
    assert geodesic_area(out.geoms)[0] == pytest.approx(geodesic_area(arr)[0], rel=1e-6)
    return g, out.notes


def test_self_touching_ring_becomes_polygon_with_hole() -> None:
    # exterior ring that pinches in to trace a hole (an "inverted hole"), as ESRI tools write
    wkt = "POLYGON ((30 50, 30.4 50, 30.4 50.4, 30.2 50.4, 30.3 50.2, 30.1 50.2, 30.2 50.4, 30 50.4, 30 50))"
    g, notes = _repaired(wkt)
    assert g.geom_type == "Polygon" and len(g.interiors) == 1
    assert notes == ["feature 1: ring self-intersection at (30.200000 50.400000) repaired (area unchanged)"]


def test_spike_removed() -> None:
    g, notes = _repaired("POLYGON ((30 50, 30.2 50, 30.2 50.2, 30.3 50.3, 30.2 50.2, 30 50.2, 30 50))")
    assert shapely.get_num_coordinates(g) < 7
    assert "repaired (area unchanged)" in notes[0]


def test_parts_sharing_an_edge_merged() -> None:
    g, _ = _repaired(
        "MULTIPOLYGON (((30 50, 30.2 50, 30.2 50.2, 30 50.2, 30 50)), "
        "((30.2 50, 30.4 50, 30.4 50.2, 30.2 50.2, 30.2 50)))"
    )
    assert g.geom_type == "Polygon"


def test_bow_tie_rejected() -> None:
    bow = "POLYGON ((30 50, 30.2 50.2, 30.2 50, 30 50.2, 30 50))"
    text = error(geoms(SQUARE, bow))
    assert text.startswith("feature 2: self-intersection at (30.100000 50.100000): edges cross")
    assert text.endswith("fix the polygon")


def test_unequal_bow_tie_rejected() -> None:
    # shoelace area |A1 − A2| ≠ repaired A1 + A2
    bow = "POLYGON ((30 50, 30.3 50.3, 30.3 50, 30 50.1, 30 50))"
    assert "self-intersection at" in error(geoms(bow))


def test_hole_outside_shell_rejected() -> None:
    wkt = "POLYGON ((30 50, 30.1 50, 30.1 50.1, 30 50.1, 30 50), (30.5 50.5, 30.6 50.5, 30.6 50.6, 30.5 50.5))"
    assert error(geoms(wkt)).startswith("feature 1: hole lies outside shell at (30.500000 50.500000)")


def test_overlapping_parts_rejected() -> None:
    wkt = (
        "MULTIPOLYGON (((30 50, 30.2 50, 30.2 50.2, 30 50.2, 30 50)), "
        "((30.1 50.1, 30.3 50.1, 30.3 50.3, 30.1 50.3, 30.1 50.1)))"
    )
    text = error(geoms(wkt))
    assert text.startswith("feature 1: self-intersection at")
    assert "repaired it would be" in text


# Valid input is kept exactly -------------------------------------------------------------------


def test_valid_input_kept_exactly() -> None:
    # clockwise exterior, repeated vertex, odd start vertex: all valid, all kept
    wkts = (
        "POLYGON ((30 50, 30 50.1, 30.1 50.1, 30.1 50.1, 30.1 50, 30 50))",
        "MULTIPOLYGON (((31 50, 31.1 50, 31.1 50.1, 31 50)), ((32 50, 32.1 50, 32.1 50.1, 32 50)))",
    )
    arr = geoms(*wkts)
    out = prepare(arr, P)
    assert not out.repaired.any() and out.notes == []
    assert all(shapely.equals_exact(a, b, tolerance=0) for a, b in zip(out.geoms, arr, strict=True))
    assert [shapely.to_wkb(g) for g in out.geoms] == [shapely.to_wkb(g) for g in arr]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    lon=st.floats(-179.0, 179.0),
    lat=st.floats(-70.0, 70.0),
    radius=st.floats(3.0, 5000.0),
)
def test_valid_polygons_keep_their_area_and_coordinates(seed: int, lon: float, lat: float, radius: float) -> None:
    polys = star_polygons(5, seed, lon=(lon, lon + 0.5), lat=(lat, lat + 0.5), radius_m=(radius, radius))
    out = prepare(polys, P)
    assert not out.repaired.any()
    np.testing.assert_array_equal(shapely.get_coordinates(out.geoms), shapely.get_coordinates(polys))
    np.testing.assert_array_equal(geodesic_area(out.geoms), geodesic_area(polys))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=3, max_size=9))
def test_any_polygon_is_rejected_or_keeps_its_drawn_area(vertices: list[tuple[int, int]]) -> None:
    """Property of rule 7: whatever goes in, what comes out is valid and has the drawn area."""
    ring = [(30 + x * 0.001, 50 + y * 0.001) for x, y in vertices]
    poly = shapely.Polygon(ring)
    arr = np.array([poly], dtype=object)
    try:
        out = prepare(arr, P)
    except ValidationError as exc:
        assert str(exc).startswith("feature 1: ")
        return
    g = out.geoms[0]
    assert shapely.is_valid(g) and g.geom_type in ("Polygon", "MultiPolygon")
    assert shapely.area(g) == pytest.approx(shapely.area(poly), rel=1e-6)
    assert out.repaired[0] == (not shapely.is_valid(poly))


def test_swapped_easting_northing_in_declared_utm() -> None:
    # a UTM 36N square written northing, easting: reprojects far outside UTM 36N's area of use
    utm = from_wgs84(geoms(SQUARE), "EPSG:32636")
    text = error(shapely.transform(utm, lambda xy: xy[:, ::-1].copy()), crs="EPSG:32636")
    assert text == ("feature 1: easting and northing look swapped; re-export as x/y or use --swap-axes")
    out = prepare(shapely.transform(utm, lambda xy: xy[:, ::-1].copy()), P, crs="EPSG:32636", swap_axes=True)
    np.testing.assert_allclose(shapely.get_coordinates(out.geoms), shapely.get_coordinates(geoms(SQUARE)), atol=1e-9)
