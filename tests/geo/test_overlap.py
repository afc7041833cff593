"""Overlapping and duplicate polygons (GICHD/geocheck's "overlapping" and "duplicate" views)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from landrelease.geo.local import AUTHALIC_RADIUS, authalic_latitude
from landrelease.geo.overlap import find_duplicates, find_overlaps


def quad_area(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Analytic ellipsoidal area of a lon/lat quadrangle: R_q² Δλ (sin β2 − sin β1)."""
    b1, b2 = authalic_latitude(np.array([lat1, lat2]))
    return AUTHALIC_RADIUS**2 * math.radians(lon2 - lon1) * (math.sin(b2) - math.sin(b1))


def arr(*gs: shapely.Geometry | None) -> np.ndarray:
    out = np.empty(len(gs), dtype=object)
    out[:] = list(gs)
    return out


def test_known_pair_overlap_equals_analytic_area() -> None:
    a = shapely.box(30.000, 50.000, 30.010, 50.010)
    b = shapely.box(30.004, 50.002, 30.020, 50.030)
    i, j, m2 = find_overlaps(arr(a, b))
    assert i.tolist() == [0] and j.tolist() == [1]
    # edges of a small box are geodesics to well within 1e-5 of the parallels
    assert m2[0] == pytest.approx(quad_area(30.004, 50.002, 30.010, 50.010), rel=1e-5)


def test_contained_polygon_overlaps_by_its_whole_area() -> None:
    outer = shapely.box(30.0, 50.0, 30.1, 50.1)
    inner = shapely.box(30.02, 50.02, 30.03, 50.03)
    i, j, m2 = find_overlaps(arr(inner, outer))
    assert (i.tolist(), j.tolist()) == ([0], [1])
    assert m2[0] == pytest.approx(quad_area(30.02, 50.02, 30.03, 50.03), rel=1e-5)


def test_touching_polygons_are_not_overlaps() -> None:
    a = shapely.box(30.0, 50.0, 30.01, 50.01)
    edge = shapely.box(30.01, 50.0, 30.02, 50.01)  # shares an edge
    corner = shapely.box(30.01, 50.01, 30.02, 50.02)  # shares a corner
    i, _, _ = find_overlaps(arr(a, edge, corner))
    assert len(i) == 0


def test_threshold_drops_slivers() -> None:
    a = shapely.box(30.0, 50.0, 30.01, 50.01)
    sliver = shapely.box(30.00999999, 50.0, 30.02, 50.01)  # ~0.8 m × 1.1 km ≈ 0.8 m²
    assert len(find_overlaps(arr(a, sliver))[0]) == 0
    i, _, m2 = find_overlaps(arr(a, sliver), min_overlap_m2=0.1)
    assert len(i) == 1 and 0.1 < m2[0] < 1.0


def test_pairs_ordered_and_unique_among_many() -> None:
    boxes = [shapely.box(30 + k * 0.005, 50, 30.01 + k * 0.005, 50.01) for k in range(4)]
    gs = arr(*boxes, None, shapely.Point(30.001, 50.001))
    i, j, m2 = find_overlaps(gs)
    # each box overlaps its next neighbour by half its width; points and None ignored
    assert list(zip(i.tolist(), j.tolist(), strict=True)) == [(0, 1), (1, 2), (2, 3)]
    assert np.all(m2 > 0)


def test_duplicates_after_normalisation() -> None:
    p = shapely.Polygon([(30, 50), (30.01, 50), (30.01, 50.01), (30, 50.01)])
    rotated_start = shapely.Polygon([(30.01, 50), (30.01, 50.01), (30, 50.01), (30, 50)])
    reversed_ring = shapely.Polygon(list(p.exterior.coords)[::-1])
    other = shapely.box(31, 50, 31.01, 50.01)
    i, j = find_duplicates(arr(p, other, rotated_start, None, reversed_ring, other))
    assert list(zip(i.tolist(), j.tolist(), strict=True)) == [(0, 2), (0, 4), (1, 5), (2, 4)]


def test_no_duplicates() -> None:
    i, j = find_duplicates(arr(shapely.box(30, 50, 31, 51), shapely.box(30, 50, 31, 51.0000001)))
    assert len(i) == 0 and len(j) == 0
