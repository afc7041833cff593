"""Test geometry builders shared by the geo tests."""

from __future__ import annotations

import numpy as np
import pyproj
import shapely

GEOD = pyproj.Geod(ellps="WGS84")
M_PER_DEG = 111_320.0  # metres per degree of latitude, roughly: sizing test shapes only


def geod_area(geom: shapely.Geometry) -> float:
    """Reference area from pyproj.Geod (rings oriented so holes subtract)."""
    return abs(GEOD.geometry_area_perimeter(shapely.orient_polygons(geom))[0])


def star_polygons(
    n: int,
    seed: int = 0,
    *,
    lon: tuple[float, float] = (22.0, 40.0),
    lat: tuple[float, float] = (44.0, 52.0),
    radius_m: tuple[float, float] = (50.0, 2000.0),
    vertices: int = 12,
) -> np.ndarray:
    """n simple star-shaped polygons (angles evenly spread with jitter, so never self-crossing)."""
    rng = np.random.default_rng(seed)
    cx = rng.uniform(*lon, n)
    cy = rng.uniform(*lat, n)
    ang = (np.arange(vertices) + rng.uniform(0, 0.9, (n, vertices))) * 2 * np.pi / vertices
    r = rng.uniform(*radius_m, (n, 1)) * rng.uniform(0.5, 1.0, (n, vertices)) / M_PER_DEG
    x = cx[:, None] + r * np.cos(ang) / np.cos(np.radians(cy[:, None]))
    y = cy[:, None] + r * np.sin(ang)
    return shapely.polygons(np.stack([x, y], axis=-1))


def square(lon: float, lat: float, side_deg: float) -> shapely.Polygon:
    return shapely.box(lon, lat, lon + side_deg, lat + side_deg)
