"""Local metric projections: lon/lat on the WGS84 ellipsoid → metres on a plane.

Why two flavours:

* ``project_equal_area`` centres a Lambert azimuthal equal-area (LAEA) projection on *each*
  geometry (or each aligned pair) and runs as one numpy pass over every vertex of the array. The
  projection is exactly equal-area on the ellipsoid (authalic latitude, Snyder 1987 §24), so planar
  area is true area; and because every geometry sits at its own projection centre, straight
  projected edges follow the geodesic edges closely (relative area error ~ (size / R)², i.e.
  < 1e-6 for a 10 km polygon). One centre for a whole country would keep area exact but bend
  edges far from the centre. This is the hot path of `geodesic_area` and of containment checks.
* ``local_metric`` returns a pyproj LAEA centred on a whole set of geometries, with an exact
  inverse, for work that must come back to WGS84 (e.g. a tolerance buffer in metres).

Longitudes are used through sin/cos of the difference to the centre, so a polygon crossing the
antimeridian (179.9 … -179.9) projects correctly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pyproj
import shapely

# WGS84 ellipsoid
_A = 6378137.0
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)
_E = np.sqrt(_E2)


def _q(sin_phi: np.ndarray) -> np.ndarray:
    """Snyder's q(φ) (eq. 3-12), written with atanh for accuracy."""
    es = _E * sin_phi
    return (1 - _E2) * (sin_phi / (1 - es * es) + np.arctanh(es) / _E)


_QP = float(_q(np.array(1.0)))
#: radius of the sphere with the same surface area as the WGS84 ellipsoid
AUTHALIC_RADIUS = _A * np.sqrt(_QP / 2)


def authalic_latitude(lat_deg: np.ndarray) -> np.ndarray:
    """Authalic latitude β in radians: latitude on the equal-area sphere."""
    sin_phi = np.sin(np.radians(lat_deg))
    return np.arcsin(np.clip(_q(sin_phi) / _QP, -1.0, 1.0))


def laea_xy(
    lon: np.ndarray,
    lat: np.ndarray,
    lon0: np.ndarray,
    lat0: np.ndarray,
    index: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Ellipsoidal LAEA of (lon, lat) about centres (lon0, lat0), all in degrees.

    The centre of point k is ``(lon0[index[k]], lat0[index[k]])`` (or ``lon0[k]`` without
    ``index``): centre terms are computed once per centre, not once per vertex.
    Snyder's oblique ellipsoidal formulas (eq. 24-10..24-13): the spherical LAEA on the
    authalic sphere, then x·D and y/D. D keeps the projection conformal at the centre (true
    metres in every direction there, so buffers in metres are right); it changes no area.
    Written for speed and for polygons a few metres across: sin β comes straight from q (no
    arcsin), Δλ enters through sin²(Δλ/2) (no cancellation in 1 − cos Δλ), and the remaining
    cancellation in sin(β−β0) costs ~1e-9 m, far below any surveyed coordinate.
    """
    lon0 = np.asarray(lon0, dtype=np.float64)
    lat0 = np.asarray(lat0, dtype=np.float64)
    sin_b0 = _q(np.sin(np.radians(lat0))) / _QP
    cos_b0 = np.sqrt(np.maximum(1 - sin_b0 * sin_b0, 0.0))
    sin_phi0 = np.sin(np.radians(lat0))
    m0 = np.cos(np.radians(lat0)) / np.sqrt(1 - _E2 * sin_phi0 * sin_phi0)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(cos_b0 > 1e-9, _A * m0 / (AUTHALIC_RADIUS * cos_b0), 1.0)
    if index is not None:
        lon0, cos_b0, sin_b0, d = lon0[index], cos_b0[index], sin_b0[index], d[index]
    sin_b = _q(np.sin(np.radians(lat))) / _QP
    cos_b = np.sqrt(np.maximum(1 - sin_b * sin_b, 0.0))
    half = np.radians(np.asarray(lon) - lon0) * 0.5
    sin_half, cos_half = np.sin(half), np.cos(half)
    hav = sin_half * sin_half
    cos_b_hav = cos_b * hav
    # cos(angular distance c from the centre) = cos(β−β0) − 2·cosβ·cosβ0·hav(Δλ)
    cos_c = cos_b * cos_b0 + sin_b * sin_b0 - 2 * cos_b0 * cos_b_hav
    k = AUTHALIC_RADIUS * np.sqrt(2 / np.maximum(1 + cos_c, 1e-300))
    x = d * k * cos_b * (2 * sin_half * cos_half)
    y = (k / d) * (sin_b * cos_b0 - cos_b * sin_b0 + 2 * sin_b0 * cos_b_hav)
    return x, y


def centres(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre (lon, lat) of each geometry's bounding box; NaN for missing/empty geometries."""
    b = shapely.bounds(geoms)
    return (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2


def project_equal_area(geoms: np.ndarray, lon0: np.ndarray | None = None, lat0: np.ndarray | None = None) -> np.ndarray:
    """Project each WGS84 geometry to metres with an LAEA centred on it (or on lon0/lat0[i]).

    Pass explicit centres to put two aligned arrays (e.g. a cleared area and its hazardous area)
    on the same plane. Missing geometries stay missing. Vectorised: one pass over all vertices.
    """
    geoms = np.asarray(geoms, dtype=object)
    if lon0 is None or lat0 is None:
        lon0, lat0 = centres(geoms)
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    out = geoms.copy()
    if len(coords) == 0:
        return out
    x, y = laea_xy(coords[:, 0], coords[:, 1], lon0, lat0, index)
    return shapely.set_coordinates(out, np.column_stack([x, y]))


@dataclass(frozen=True)
class LocalMetric:
    """A metric CRS for one set of geometries; unpacks as ``to_local, to_wgs84 = ...``."""

    to_local: Callable[[np.ndarray], np.ndarray]
    to_wgs84: Callable[[np.ndarray], np.ndarray]
    crs: pyproj.CRS

    def __iter__(self) -> Iterator[Callable[[np.ndarray], np.ndarray]]:
        return iter((self.to_local, self.to_wgs84))


def local_metric(geoms: np.ndarray) -> LocalMetric:
    """An LAEA (metres, WGS84 ellipsoid) centred on the bounding box of ``geoms``.

    Use it when the result must come back to lon/lat, e.g. buffering by a tolerance in metres.
    Scale error stays below 0.2 % within 500 km of the centre: fine for tolerances, not for
    national-scale area (use `geodesic_area` for that).
    """
    geoms = np.asarray(geoms, dtype=object)
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    if not np.isfinite([minx, miny, maxx, maxy]).all():
        raise ValueError("local_metric needs at least one non-empty geometry")
    lon0, lat0 = float(minx + maxx) / 2, float(miny + maxy) / 2
    crs = pyproj.CRS.from_proj4(
        f"+proj=laea +lat_0={lat0!r} +lon_0={lon0!r} +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
    )
    fwd = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    inv = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    def to_local(g: np.ndarray) -> np.ndarray:
        return transform_xy(g, fwd)

    def to_wgs84(g: np.ndarray) -> np.ndarray:
        return transform_xy(g, inv)

    return LocalMetric(to_local, to_wgs84, crs)


def transform_xy(geoms: np.ndarray, transformer: pyproj.Transformer) -> np.ndarray:
    """Apply a pyproj transformer to every vertex of ``geoms`` in one call (2D)."""

    def func(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(np.asarray(geoms, dtype=object), func)
