"""Geometry on shapely 2 and pyproj: CRS in → WGS84 out, checks and repair, geodesic area,
overlaps, containment. Arrays of shapely geometries in, arrays out; no I/O, no SQL.

Modules: `crs` (reprojection), `checks` (the gate every write passes), `area` (geodesic area
and length), `local` (per-geometry equal-area projection, local metric CRS), `overlap`
(overlapping and duplicate polygons), `containment` (IMAS 07.11 inner-in-outer accounting).
"""

from landrelease.geo.area import geodesic_area, geodesic_length, local_metric
from landrelease.geo.checks import Prepared, prepare
from landrelease.geo.containment import clip, clip_many, excess_outside, excess_outside_many
from landrelease.geo.crs import from_wgs84, parse_crs, to_wgs84
from landrelease.geo.overlap import find_duplicates, find_overlaps

__all__ = [
    "Prepared",
    "clip",
    "clip_many",
    "excess_outside",
    "excess_outside_many",
    "find_duplicates",
    "find_overlaps",
    "from_wgs84",
    "geodesic_area",
    "geodesic_length",
    "local_metric",
    "parse_crs",
    "prepare",
    "to_wgs84",
]
