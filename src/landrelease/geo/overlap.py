"""Overlapping and duplicate polygons across a batch (or the whole national record).

Why: two hazardous areas that overlap count the same land twice in every national total and
every plan; a duplicate is the commonest form (the same polygon imported twice). GICHD's
geocheck SQL views for IMSMA flag exactly these, after the fact; here they run as array
operations over a spatial index so that an import can be checked against the record at 10⁵
polygons.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import shapely

from landrelease.geo.area import geodesic_area

__all__ = ["find_duplicates", "find_overlaps"]


def find_overlaps(geoms: np.ndarray, min_overlap_m2: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of features whose interiors overlap by at least ``min_overlap_m2`` (geodesic m²).

    Returns ``(i, j, overlap_m2)`` with ``i < j``, sorted by (i, j). Polygons that only touch
    (shared edge or corner) have zero overlap area and are not reported; nor are slivers below
    the threshold, which are usually digitising noise rather than double-counted land. Candidate
    pairs come from an STRtree query; intersections and areas are computed in one vectorised
    pass. Missing geometries are ignored.
    """
    geoms = np.asarray(geoms, dtype=object)
    empty = (np.empty(0, np.intp), np.empty(0, np.intp), np.empty(0, np.float64))
    if len(geoms) < 2:
        return empty
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    if len(i) == 0:
        return empty
    overlap = geodesic_area(shapely.intersection(geoms[i], geoms[j]))
    keep = overlap >= min_overlap_m2
    i, j, overlap = i[keep], j[keep], overlap[keep]
    order = np.lexsort((j, i))
    return i[order], j[order], overlap[order]


def find_duplicates(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(i, j)``, ``i < j``, of features with the same geometry.

    "Same" means equal after `shapely.normalize` (so a different start vertex, ring orientation
    or part order still counts as a duplicate), compared by WKB bytes: one vectorised
    normalise + serialise, then hashing. A copy with an extra collinear vertex or moved by
    rounding is not a duplicate here; `find_overlaps` reports it (overlap ≈ its whole area).
    """
    geoms = np.asarray(geoms, dtype=object)
    present = np.flatnonzero(~shapely.is_missing(geoms) & ~shapely.is_empty(geoms))
    wkb = shapely.to_wkb(shapely.normalize(geoms[present]))
    groups: dict[bytes, list[int]] = defaultdict(list)
    for row, key in zip(present.tolist(), wkb.tolist(), strict=True):
        groups[key].append(row)
    pairs = [(a, b) for rows in groups.values() if len(rows) > 1 for k, a in enumerate(rows) for b in rows[k + 1 :]]
    if not pairs:
        return np.empty(0, np.intp), np.empty(0, np.intp)
    arr = np.array(sorted(pairs), dtype=np.intp)
    return arr[:, 0], arr[:, 1]
