"""IMAS 07.11 accounting: released land must lie inside its hazardous area, within a tolerance."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from landrelease.geo.area import geodesic_area, local_metric
from landrelease.geo.containment import clip, clip_many, excess_outside, excess_outside_many


def metric_boxes(*boxes: tuple[float, float, float, float]) -> np.ndarray:
    """Boxes drawn in metres around (35.0 E, 48.5 N), returned in WGS84."""
    anchor = np.array([shapely.Point(35.0, 48.5)])
    _, to_wgs84 = local_metric(anchor)
    return to_wgs84(np.array([shapely.box(*b) for b in boxes]))


HA = (0, 0, 100, 100)  # a 100 m × 100 m hazardous area


def test_inner_inside_has_no_excess() -> None:
    inner, outer = metric_boxes((10, 10, 90, 90), HA)
    assert excess_outside(inner, outer) == pytest.approx(0.0, abs=1e-6)


def test_strip_outside_measured_in_square_metres() -> None:
    # cleared box shifted 10 m east: a 10 m × 100 m strip lies outside
    inner, outer = metric_boxes((10, 0, 110, 100), HA)
    assert excess_outside(inner, outer) == pytest.approx(1000.0, rel=1e-4)
    # a 5 m survey tolerance forgives half of it; 10 m forgives all of it
    assert excess_outside(inner, outer, 5.0) == pytest.approx(500.0, rel=1e-4)
    assert excess_outside(inner, outer, 10.0) == pytest.approx(0.0, abs=1e-3)


def test_many_pairs_at_once_match_one_by_one() -> None:
    inner = metric_boxes((10, 0, 110, 100), (0, 0, 50, 50), (-20, -20, 120, 120))
    outer = metric_boxes(HA, HA, HA)
    got = excess_outside_many(np.append(inner, None), np.append(outer, outer[0]), 0.0)
    expected = [1000.0, 0.0, 140.0**2 - 100.0**2]
    # shared edges leave float slivers of a few cm² at most
    np.testing.assert_allclose(got[:3], expected, rtol=1e-4, atol=0.01)
    assert np.isnan(got[3])
    assert got[0] == pytest.approx(excess_outside(inner[0], outer[0]), rel=1e-12)


def test_pairs_far_apart_use_their_own_plane() -> None:
    # same shapes in Colombia and in Ukraine give the same excess: each pair is projected locally
    here = metric_boxes((10, 0, 110, 100), HA)
    shift = np.array([-110.0, -44.0])  # (35, 48.5) → (-75, 4.5)
    there = shapely.transform(here, lambda xy: xy + shift)
    ha_there = geodesic_area(there[1:])[0]
    got = excess_outside_many(np.array([here[0], there[0]]), np.array([here[1], there[1]]))
    assert got[0] == pytest.approx(1000.0, rel=1e-4)
    # the shifted lon/lat box is wider in metres near the equator: compare as a fraction of HA
    assert got[1] / ha_there == pytest.approx(0.1, rel=1e-3)


def test_negative_tolerance_and_misaligned_arrays_refused() -> None:
    a, b = metric_boxes(HA, HA)
    with pytest.raises(ValueError):
        excess_outside(a, b, -1.0)
    with pytest.raises(ValueError):
        excess_outside_many(np.array([a, a]), np.array([b]))


def test_clip_keeps_the_part_inside() -> None:
    inner, outer = metric_boxes((10, 0, 110, 100), HA)
    inside = clip(inner, outer)
    assert inside.geom_type == "Polygon"
    whole = geodesic_area(np.array([inner]))[0]
    assert geodesic_area(np.array([inside]))[0] == pytest.approx(whole - 1000.0, rel=1e-4)


def test_clip_of_touching_polygons_is_empty_polygon() -> None:
    # sharing only an edge: the intersection is a line, which is no land
    a = shapely.box(30, 50, 30.01, 50.01)
    b = shapely.box(30.01, 50, 30.02, 50.01)
    out = clip_many(np.array([a, a]), np.array([b, a]))
    assert out[0].geom_type == "Polygon" and out[0].is_empty
    assert shapely.equals(out[1], a)
