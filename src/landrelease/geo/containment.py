"""Containment of land release products in their hazardous area (IMAS 07.11 accounting).

Why: land is released (cancelled, reduced, cleared) out of a hazardous area; a cleared polygon
that reaches outside its hazardous area would count as released land that was never recorded
as contaminated. Surveyed boundaries never match to the centimetre (GNSS error, re-walked
perimeters), so the rule allows a tolerance in metres: only the part of the inner polygon lying
more than ``tolerance_m`` outside the outer one counts as excess. `clip` gives the part that
does lie inside, which is what the accounting may credit.

Each pair is projected to an equal-area azimuthal plane centred on the pair
(`landrelease.geo.local.project_equal_area`), so the buffer is in true metres and the area in
true m², and all pairs go through in one vectorised pass.
"""

from __future__ import annotations

import numpy as np
import shapely

from landrelease.geo.local import project_equal_area

__all__ = ["clip", "clip_many", "distance_outside_many", "excess_outside", "excess_outside_many"]

#: Snap-rounding grid for overlays in projected metres: far below survey accuracy, far above float noise.
OVERLAY_GRID_M = 1e-3


def excess_outside_many(inner: np.ndarray, outer: np.ndarray, tolerance_m: float = 0.0) -> np.ndarray:
    """Area (m²) of each ``inner[k]`` lying more than ``tolerance_m`` outside ``outer[k]``.

    Arrays are aligned pair by pair. NaN where either geometry is missing.
    """
    inner = np.asarray(inner, dtype=object)
    outer = np.asarray(outer, dtype=object)
    if inner.shape != outer.shape:
        raise ValueError(f"inner and outer differ in shape: {inner.shape} vs {outer.shape}")
    if tolerance_m < 0:
        raise ValueError("tolerance_m must be ≥ 0")
    out = np.full(inner.shape, np.nan)
    ok = ~shapely.is_missing(inner) & ~shapely.is_missing(outer)
    if not ok.any():
        return out
    a, b = inner[ok], outer[ok]
    bi, bo = shapely.bounds(a), shapely.bounds(b)
    lon0 = (np.fmin(bi[:, 0], bo[:, 0]) + np.fmax(bi[:, 2], bo[:, 2])) / 2
    lat0 = (np.fmin(bi[:, 1], bo[:, 1]) + np.fmax(bi[:, 3], bo[:, 3])) / 2
    pa = project_equal_area(a, lon0, lat0)
    pb = project_equal_area(b, lon0, lat0)
    # A sliver valid in lon/lat can turn invalid once projected; repair before the overlay, and
    # overlay on a 1 mm grid (snap-rounding) so that near-collinear edges cannot break GEOS.
    pa = _polygonal(np.where(shapely.is_valid(pa), pa, shapely.make_valid(pa)))
    if tolerance_m > 0:
        pb = shapely.buffer(pb, tolerance_m, quad_segs=16)
    pb = _polygonal(np.where(shapely.is_valid(pb), pb, shapely.make_valid(pb)))
    out[ok] = shapely.area(shapely.difference(pa, pb, grid_size=OVERLAY_GRID_M))
    return out


def distance_outside_many(inner: np.ndarray, outer: np.ndarray, *, step_m: float = 10.0) -> np.ndarray:
    """How far (m) each ``inner[k]`` reaches outside ``outer[k]``: the largest distance from a point
    of the inner geometry to the outer one, 0 when it lies within. NaN where either is missing.

    Why: a find, an accident or a worksite that names a hazardous area must lie in it, within a
    tolerance in metres (GNSS error, a benchmark walked off the perimeter); a point 40 km away names
    the wrong area. Each pair is projected about its own centre (true metres), inner edges are
    sampled every ``step_m`` metres, and every sample's distance is computed in one vectorised pass.
    """
    inner = np.asarray(inner, dtype=object)
    outer = np.asarray(outer, dtype=object)
    if inner.shape != outer.shape:
        raise ValueError(f"inner and outer differ in shape: {inner.shape} vs {outer.shape}")
    out = np.full(inner.shape, np.nan)
    ok = ~shapely.is_missing(inner) & ~shapely.is_missing(outer)
    ok[ok] &= ~shapely.is_empty(inner[ok]) & ~shapely.is_empty(outer[ok])
    if not ok.any():
        return out
    a, b = inner[ok], outer[ok]
    bi, bo = shapely.bounds(a), shapely.bounds(b)
    lon0 = (np.fmin(bi[:, 0], bo[:, 0]) + np.fmax(bi[:, 2], bo[:, 2])) / 2
    lat0 = (np.fmin(bi[:, 1], bo[:, 1]) + np.fmax(bi[:, 3], bo[:, 3])) / 2
    pa = shapely.segmentize(project_equal_area(a, lon0, lat0), step_m)
    pb = project_equal_area(b, lon0, lat0)
    coords, idx = shapely.get_coordinates(pa, return_index=True)
    d = shapely.distance(shapely.points(coords), pb[idx])
    far = np.zeros(len(a))
    np.maximum.at(far, idx, d)
    out[ok] = far
    return out


def excess_outside(inner: shapely.Geometry, outer: shapely.Geometry, tolerance_m: float = 0.0) -> float:
    """Area (m²) of ``inner`` lying more than ``tolerance_m`` metres outside ``outer``."""
    arr = np.empty(1, dtype=object)
    arr2 = np.empty(1, dtype=object)
    arr[0], arr2[0] = inner, outer
    return float(excess_outside_many(arr, arr2, tolerance_m)[0])


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygonal part of each geometry (intersections may add lines/points)."""
    out = geoms.copy()
    type_id = shapely.get_type_id(out)
    for k in np.flatnonzero(type_id == 7):  # GeometryCollection: rare, loop
        parts = [p for p in shapely.get_parts(out[k]) if shapely.get_type_id(p) in (3, 6)]
        polys = [q for p in parts for q in shapely.get_parts(p)]
        out[k] = shapely.multipolygons(polys) if polys else shapely.Polygon()
    other = ~np.isin(type_id, (3, 6, 7, -1))
    out[other] = shapely.Polygon()
    return out


def clip_many(inner: np.ndarray, outer: np.ndarray) -> np.ndarray:
    """The polygonal part of each ``inner[k]`` inside ``outer[k]`` (empty Polygon if none)."""
    inner = np.asarray(inner, dtype=object)
    outer = np.asarray(outer, dtype=object)
    if inner.shape != outer.shape:
        raise ValueError(f"inner and outer differ in shape: {inner.shape} vs {outer.shape}")
    return _polygonal(shapely.intersection(inner, outer))


def clip(inner: shapely.Geometry, outer: shapely.Geometry) -> shapely.Geometry:
    """The polygonal part of ``inner`` inside ``outer`` (an empty Polygon if they only touch)."""
    arr = np.empty(1, dtype=object)
    arr2 = np.empty(1, dtype=object)
    arr[0], arr2[0] = inner, outer
    return clip_many(arr, arr2)[0]
