"""Coordinate reference systems: whatever a file declares in, WGS84 lon/lat out.

Why: the national record stores lon/lat on WGS84 (DESIGN.md) while field teams export in UTM
zones, national grids or lat/lon-ordered EPSG:4326. Every transformer here is built with
``always_xy=True`` so x is always easting/longitude whatever axis order the CRS definition
declares (EPSG:4326 officially says lat, lon — ignoring that is the classic swapped-axis bug).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyproj
from pyproj.exceptions import CRSError

from landrelease.errors import ValidationError
from landrelease.geo.local import transform_xy

WGS84 = pyproj.CRS.from_epsg(4326)


def _short(text: str, limit: int = 60) -> str:
    one_line = " ".join(str(text).split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


@lru_cache(maxsize=64)
def parse_crs(crs: str) -> pyproj.CRS:
    """A pyproj CRS from an EPSG code ("EPSG:32636", "32636"), WKT or PROJ string.

    Raises `ValidationError` with a one-line message for anything pyproj does not understand.
    """
    text = str(crs).strip()
    if text.isdigit():
        text = f"EPSG:{text}"
    try:
        return pyproj.CRS.from_user_input(text)
    except CRSError:
        raise ValidationError(
            f"unknown CRS '{_short(crs)}': give an EPSG code (e.g. EPSG:32636), WKT or PROJ string",
            field="crs",
        ) from None


def is_wgs84(crs: str | None) -> bool:
    """True when coordinates in ``crs`` are already WGS84 lon/lat (None means WGS84)."""
    if crs is None:
        return True
    parsed = parse_crs(crs)
    return parsed.is_geographic and parsed.equals(WGS84, ignore_axis_order=True)


@lru_cache(maxsize=64)
def _transformer(crs: str, to_wgs84: bool) -> pyproj.Transformer:
    src = parse_crs(crs)
    if to_wgs84:
        return pyproj.Transformer.from_crs(src, WGS84, always_xy=True)
    return pyproj.Transformer.from_crs(WGS84, src, always_xy=True)


def to_wgs84(geoms: np.ndarray, crs: str | None) -> np.ndarray:
    """Reproject ``geoms`` from ``crs`` to WGS84 lon/lat (2D); None or WGS84 returns them as is.

    Points outside the CRS's domain come back as inf; `landrelease.geo.checks.prepare` rejects
    those with a message naming the feature.
    """
    geoms = np.asarray(geoms, dtype=object)
    if is_wgs84(crs):
        return geoms
    assert crs is not None
    return transform_xy(geoms, _transformer(str(crs), True))


def from_wgs84(geoms: np.ndarray, crs: str | None) -> np.ndarray:
    """Reproject WGS84 lon/lat ``geoms`` to ``crs`` (for export in a user's CRS)."""
    geoms = np.asarray(geoms, dtype=object)
    if is_wgs84(crs):
        return geoms
    assert crs is not None
    return transform_xy(geoms, _transformer(str(crs), False))
